import Flatbush from 'flatbush'
import { type RawBuilder, sql } from 'kysely'
import type { GridKind } from '../grids/kinds.js'
import { AppError } from '../http/errors.js'
import { MAX_BOX_PAIRS, STATEMENT_VERTICES, formatCount } from '../http/limits.js'
import type { PolygonRings } from './edge-match.js'
import { polygonsToEwkb, verticesOf, runsOf } from '../geo/ewkb.js'
import { type UnionTable, unionOfGrids, unionOfPolygons } from './coverage-union.js'
import { holesOfCleanUnion } from './clean-gaps.js'
import {
  type Box,
  byIdxsThenPlace,
  type Crossing,
  type Finding,
  type FindingRow,
  GRID_GEOMETRY,
  type InputRow,
  OVERLAY_NOISE_DEG,
  recordsOf,
} from './coverage-parts.js'
import type { PostgisWork } from './postgis-work.js'

export type { Crossing, Finding, InputRow }

// The coverage overlay in PostGIS (runs on PostGIS 3.3): the exact answer when the fast edge
// match cannot prove a coverage clean, and for micro-grids and dedicated grids. The grids go into
// a scratch table (postgis-work.ts: dropped at the end) in statements of about STATEMENT_VERTICES
// vertices; the checks that look at one grid (or one pair) at a time run over runs of grids of the
// same size, and the union of the grids is built up the same way (runs of neighbouring grids,
// then runs of those unions), so no statement is much bigger than a run — except the last steps
// of a union of grids that do not merge (see docs/limits.md). Areas are geodesic (m²).

type Query = RawBuilder<unknown>

/** Grids compared with the gaps in one statement (each comparison reads a whole gap). */
const GRIDS_PER_NEIGHBOUR_RUN = 100
type Row = InputRow & { vertices: number; box: Box }

/** Overlay functions for a query: exact, or snapped to a 1e-12° grid (the PGlite workaround). */
interface Overlay {
  difference(a: Query, b: Query): Query
  intersection(a: Query, b: Query): Query
}
const EXACT: Overlay = {
  difference: (a, b) => sql`ST_Difference(${a}, ${b})`,
  intersection: (a, b) => sql`ST_Intersection(${a}, ${b})`,
}
const SNAPPED: Overlay = {
  difference: (a, b) => sql`ST_Difference(${a}, ${b}, 1e-12)`,
  intersection: (a, b) => sql`ST_Intersection(${a}, ${b}, 1e-12)`,
}

const idList = (rows: readonly { idx: number }[]) => sql`string_to_array(${rows.map((row) => row.idx).join(',')}, ',')::int[]`

/** The grids of one validation in PostGIS, and the overlay checks on them. */
export class CoverageTables {
  private union: UnionTable | null = null
  private readonly pairsByKind = new Map<string, [Row, Row][]>()
  /**
   * The scratch table of the grids, made and filled when a check first reads it (writeRows): a
   * clean township's often none does, and a clean city's gaps ask only the grids around them.
   */
  private inputTable: Query | null = null

  private constructor(
    private readonly work: PostgisWork,
    private readonly rows: Row[],
    /** `(SELECT geom FROM …)` of the parent polygon, when one was given. */
    private readonly parent: Query | null,
  ) {}

  /** Makes the scratch tables and loads the parent polygon, if any; the grids follow when needed (writeRows). */
  static async load(work: PostgisWork, rows: InputRow[], parent: PolygonRings[] | null): Promise<CoverageTables> {
    const sized = rows
      .map((row) => ({ ...row, vertices: verticesOf(row.polygons), box: boxOf(row.polygons) }))
      .sort((a, b) => a.idx - b.idx)
    let parentGeometry: Query | null = null
    if (parent !== null) {
      const table = await work.scratch('validation_parent', sql`geom geometry NOT NULL`)
      await work.run(sql`INSERT INTO ${table} (geom) VALUES (${polygonsToEwkb(parent)}::geometry)`)
      parentGeometry = sql`(SELECT geom FROM ${table})`
    }
    return new CoverageTables(work, sized, parentGeometry)
  }

  /** The grids' scratch table; only after writeRows. */
  private get input(): Query {
    if (this.inputTable === null) throw new Error('the grids are read before they were written (writeRows)')
    return this.inputTable
  }

  /** Writes the grids (invalid ones made valid) into `input`, once, before a check reads it. */
  private async writeRows(): Promise<void> {
    if (this.inputTable !== null) return
    const { work } = this
    const input = await work.scratch(
      'validation_input',
      sql`idx int PRIMARY KEY, kind text NOT NULL, parent_idx int, geom geometry NOT NULL`,
    )
    this.inputTable = input
    for (const run of runsOf(this.rows, (row) => row.vertices, STATEMENT_VERTICES)) {
      await work.run(sql`
        INSERT INTO ${input} (idx, kind, parent_idx, geom)
        SELECT r.idx, r.kind, r.parent_idx, ${GRID_GEOMETRY}
        FROM json_to_recordset(${recordsOf(run)}::json) AS r(idx int, kind text, parent_idx int, invalid boolean, tangled boolean, hex text)`)
    }
    await work.run(sql`CREATE INDEX ON ${input} USING gist (geom)`)
    await work.run(sql`ANALYZE ${input}`)
  }

  /**
   * Runs a query of polygonal parts `(idxs, geom)` and describes each part: GeoJSON (RFC 7946
   * winding), geodesic area, bbox. The rows come back aggregated into one JSON row, so "no row"
   * can be told apart from "no parts": PGlite's GEOS 3.14 was seen to drop a statement's whole
   * result, without an error, when ST_Difference's answer is empty along long straight edges
   * (PostgreSQL 15 answers POLYGON EMPTY). Then the query runs again with fixed-precision
   * overlay (1e-12°, far below a millimetre), which does not trip it; a second empty answer is
   * an error, never "valid".
   */
  private async describe(build: (overlay: Overlay) => Query, readsGrids = true): Promise<Finding[]> {
    // The gaps' descriptions read only the gaps: the grids' table is not made for them.
    if (readsGrids) await this.writeRows()
    for (const overlay of [EXACT, SNAPPED]) {
      // MATERIALIZED: else the planner pastes the overlay expression into each use of parts.geom
      // and computes it up to eight times.
      const { rows } = await this.work.run(sql<{ parts: FindingRow[] | null }>`
        WITH parts AS MATERIALIZED (${build(overlay)})
        SELECT json_agg(described ORDER BY described.idxs, described.xmin, described.ymin) AS parts FROM (
          SELECT parts.idxs, ST_AsGeoJSON(ST_ForcePolygonCCW(parts.geom), 9, 0)::json AS geometry,
                 ST_Area(parts.geom::geography) AS area_m2,
                 ST_XMin(parts.geom) AS xmin, ST_YMin(parts.geom) AS ymin, ST_XMax(parts.geom) AS xmax, ST_YMax(parts.geom) AS ymax
          FROM parts
          WHERE NOT ST_IsEmpty(parts.geom) AND ST_Area(parts.geom) > 0
        ) AS described`)
      const [row] = rows
      if (!row) continue
      return (row.parts ?? []).map((part) => ({
        idxs: part.idxs,
        geometry: part.geometry,
        area_m2: part.area_m2,
        bbox: [part.xmin, part.ymin, part.xmax, part.ymax],
      }))
    }
    throw new Error('PostGIS returned no result for a coverage query, even with fixed-precision overlay')
  }

  /**
   * `describe` for each run of the rows that `keep` picks (in idx order, about STATEMENT_VERTICES
   * vertices each, `extra` adding the vertices a row brings along), `build` given the run's idx
   * range. Findings keep their order: runs go up in idx and each query orders by idxs.
   */
  private async byRuns(
    keep: (row: Row) => boolean,
    build: (overlay: Overlay, lo: number, hi: number) => Query,
    extra: (row: Row) => number = () => 0,
  ) {
    const findings: Finding[] = []
    for (const run of runsOf(this.rows.filter(keep), (row) => row.vertices + extra(row), STATEMENT_VERTICES)) {
      const lo = (run[0] as Row).idx
      const hi = (run[run.length - 1] as Row).idx
      findings.push(...(await this.describe((overlay) => build(overlay, lo, hi))))
    }
    return findings
  }

  /**
   * The pairs of grids of one kind whose boxes meet (micro-grids: of the same parent), each once,
   * lower idx first, by an R-tree. More than MAX_BOX_PAIRS (the same grids many times over, piled
   * up) is refused (422): every such pair costs a PostGIS comparison.
   */
  private async pairsOf(kind: Extract<GridKind, 'comprehensive' | 'micro'>): Promise<[Row, Row][]> {
    const known = this.pairsByKind.get(kind)
    if (known) return known
    const rows = this.rows.filter((row) => row.kind === kind)
    const pairs: [Row, Row][] = []
    if (rows.length > 1) {
      const tree = new Flatbush(rows.length)
      for (const row of rows) tree.add(...row.box)
      tree.finish()
      for (const a of rows) {
        await this.work.slices.pause()
        const partners: Row[] = []
        tree.search(...a.box, (i) => {
          const b = rows[i] as Row
          if (b.idx <= a.idx || b.parent_idx !== a.parent_idx) return false
          if (pairs.length + partners.length >= MAX_BOX_PAIRS)
            throw new AppError(422, 'validation_too_many_box_pairs', { limit: formatCount(MAX_BOX_PAIRS) })
          partners.push(b)
          return false
        })
        for (const b of partners.sort((x, y) => x.idx - y.idx)) pairs.push([a, b])
      }
    }
    this.pairsByKind.set(kind, pairs)
    return pairs
  }

  /**
   * Every pair of grids of one kind whose interiors overlap (micro-grids: within the same parent).
   * The pairs whose boxes meet are found here (an R-tree) and go to PostGIS in runs of about
   * STATEMENT_VERTICES vertices of both grids: a run of grids would not bound a statement, since a
   * grid may meet many others.
   */
  async findOverlaps(kind: Extract<GridKind, 'comprehensive' | 'micro'>): Promise<Finding[]> {
    const pairs = await this.pairsOf(kind)
    const findings: Finding[] = []
    // ST_Relate of neighbours costs ~12 µs a vertex on PGlite (a union ~3), hence a quarter of the budget.
    for (const run of runsOf(pairs, ([a, b]) => a.vertices + b.vertices, STATEMENT_VERTICES / 4)) {
      const as = run.map(([a]) => a.idx).join(',')
      const bs = run.map(([, b]) => b.idx).join(',')
      findings.push(
        ...(await this.describe(
          // Each pair's grids by key (OFFSET 0 keeps the planner from joining the grids first and relating every pair).
          (
            overlay,
          ) => sql`SELECT ARRAY[pair.a, pair.b] AS idxs, ST_CollectionExtract(${overlay.intersection(sql`a.geom`, sql`b.geom`)}, 3) AS geom
              FROM unnest(string_to_array(${as}, ',')::int[], string_to_array(${bs}, ',')::int[]) AS pair(a, b)
              CROSS JOIN LATERAL (SELECT geom FROM ${this.input} WHERE idx = pair.a OFFSET 0) AS a
              CROSS JOIN LATERAL (SELECT geom FROM ${this.input} WHERE idx = pair.b OFFSET 0) AS b
              WHERE a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')`,
        )),
      )
    }
    return findings
  }

  /**
   * Gaps: parts of the parent no grid covers — or, with no parent, holes in the grids' union —
   * each with the grids that border it. The union (coverage-union.ts) comes from the polygons
   * the edge match assembled on the clean path, else from the grids. In steps, each its own
   * statement: whether the union covers the parent (the usual answer, and cheap), the gaps into
   * a scratch table, the grids bordering them in runs of grids, their descriptions in runs.
   */
  async findGaps(clean: PolygonRings[] | null): Promise<Finding[]> {
    if (this.parent === null && this.union === null && clean !== null) {
      return holesOfCleanUnion(this.work, clean, (gapsMeeting, boxes) => this.gridsAround(gapsMeeting, boxes))
    }
    if (this.union === null && clean !== null) this.union = await unionOfPolygons(this.work, clean)
    if (this.union === null) {
      await this.writeRows()
      const grids = this.rows.filter((row) => row.kind === 'comprehensive')
      this.union = await unionOfGrids(this.work, this.input, grids, await this.pairsOf('comprehensive'))
    }
    const union = this.union
    const parent = this.parent
    if (parent !== null) {
      const { rows } = await this.work.run(sql<{ covered: boolean }>`SELECT ST_CoveredBy(${parent}, ${union.collected}) AS covered`)
      if (rows[0]?.covered === true) return []
    }
    const gaps = await this.work.scratch('validation_gaps', sql`id serial PRIMARY KEY, run int NOT NULL, geom geometry NOT NULL`)
    if (parent !== null) {
      const difference = (overlay: Overlay) =>
        sql`SELECT (ST_Dump(ST_CollectionExtract(${overlay.difference(parent, union.collected)}, 3))).geom AS geom`
      await this.storeGaps(gaps, 0, [difference(EXACT), difference(SNAPPED)])
    } else {
      // Per run of components: a gap is an area a component's outline encloses but the component
      // does not cover — the faces of its outline (ST_Polygonize) outside it: holes, and areas
      // pinched off where grids touch only at points, which have no interior ring.
      for (const [run, [lo, hi]] of (await this.componentRuns(union)).entries()) {
        // ST_Polygonize is an aggregate: grouped by component in a CTE, not called in FROM.
        const faces = sql`WITH u AS (SELECT comp, geom FROM ${union.table} WHERE comp BETWEEN ${lo} AND ${hi}),
                 faces AS (SELECT comp, ST_Polygonize(ST_UnaryUnion(ST_Boundary(geom))) AS geom FROM u GROUP BY comp)
            SELECT face.geom FROM faces JOIN u ON u.comp = faces.comp CROSS JOIN LATERAL ST_Dump(faces.geom) AS face
            WHERE NOT ST_Intersects(ST_PointOnSurface(face.geom), u.geom)`
        await this.storeGaps(gaps, run, [faces])
      }
    }
    const { rows: stored } = await this.work.run(sql<{
      id: number
      vertices: number
      xmin: number
      ymin: number
      xmax: number
      ymax: number
    }>`
      SELECT id, ST_NPoints(geom) AS vertices, ST_XMin(geom) AS xmin, ST_YMin(geom) AS ymin, ST_XMax(geom) AS xmax, ST_YMax(geom) AS ymax
      FROM ${gaps} ORDER BY id`)
    if (stored.length === 0) return []
    const neighbours = await this.gridsAround(
      () => gaps,
      stored.map((gap) => [gap.xmin, gap.ymin, gap.xmax, gap.ymax] as Box),
    )
    const findings: Finding[] = []
    for (const run of runsOf(stored, (gap) => gap.vertices, STATEMENT_VERTICES)) {
      const [lo, hi] = [(run[0] as { id: number }).id, (run[run.length - 1] as { id: number }).id]
      const described = await this.describe(() => sql`SELECT ARRAY[id] AS idxs, geom FROM ${gaps} WHERE id BETWEEN ${lo} AND ${hi}`, false)
      for (const finding of described) {
        findings.push({ ...finding, idxs: [...(neighbours.get(finding.idxs[0] as number) ?? [])].sort((a, b) => a - b) })
      }
    }
    return findings.sort(byIdxsThenPlace)
  }

  /**
   * Stores the gaps of the first of `attempts` that answers: the count comes back in the same
   * statement, and "no row" is PGlite's dropped result (see describe), so the next attempt runs.
   */
  private async storeGaps(gaps: Query, run: number, attempts: Query[]): Promise<void> {
    for (const attempt of attempts) {
      await this.work.run(sql`DELETE FROM ${gaps} WHERE run = ${run}`)
      const { rows } = await this.work.run(sql<{ gaps: number }>`
        WITH stored AS (INSERT INTO ${gaps} (run, geom) SELECT ${run}, gap.geom FROM (${attempt}) AS gap
          WHERE 2 * ST_Area(gap.geom) > ${OVERLAY_NOISE_DEG} * ST_Perimeter(gap.geom) RETURNING 1)
        SELECT count(*)::int AS gaps FROM stored`)
      if (rows.length > 0) return
    }
    throw new Error('PostGIS returned no result for the gaps, even with fixed-precision overlay')
  }

  /** Runs of components (ranges of comp) of about STATEMENT_VERTICES vertices of their unions. */
  private async componentRuns(union: UnionTable): Promise<[number, number][]> {
    const { rows } = await this.work.run(
      sql<{ comp: number; vertices: number }>`SELECT comp, ST_NPoints(geom) AS vertices FROM ${union.table} ORDER BY comp`,
    )
    return runsOf(rows, (row) => row.vertices, STATEMENT_VERTICES).map((run) => [
      (run[0] as { comp: number }).comp,
      (run[run.length - 1] as { comp: number }).comp,
    ])
  }

  /**
   * The grids around each gap (by gap id): those sharing a stretch of boundary with it, not only
   * a corner. Asked in runs of at most GRIDS_PER_NEIGHBOUR_RUN grids whose box meets a gap's, as
   * one gap may border thousands of grids and each comparison reads the whole gap.
   */
  private async gridsAround(gapsMeeting: (grids: readonly { box: Box }[]) => Query, boxes: Box[]): Promise<Map<number, Set<number>>> {
    const tree = new Flatbush(boxes.length)
    for (const box of boxes) tree.add(...box)
    tree.finish()
    const candidates = this.rows.filter((row) => row.kind === 'comprehensive' && tree.search(...row.box).length > 0)
    const around = new Map<number, Set<number>>()
    for (let at = 0; at < candidates.length; at += GRIDS_PER_NEIGHBOUR_RUN) {
      for (const part of runsOf(candidates.slice(at, at + GRIDS_PER_NEIGHBOUR_RUN), (row) => row.vertices, STATEMENT_VERTICES)) {
        // The grids from the table when a check wrote it, else sent with the statement: on the
        // clean path only these few grids are ever read, not worth a table, an index and ANALYZE.
        const grids =
          this.inputTable !== null
            ? sql`(SELECT idx, geom FROM ${this.inputTable} WHERE idx = ANY(${idList(part)}))`
            : sql`(SELECT r.idx, ${GRID_GEOMETRY} AS geom
                   FROM json_to_recordset(${recordsOf(part)}::json) AS r(idx int, kind text, parent_idx int, invalid boolean, tangled boolean, hex text))`
        const { rows } = await this.work.run(sql<{ gap: number; idx: number }>`
          SELECT gap.id AS gap, v.idx FROM ${grids} v JOIN ${gapsMeeting(part)} gap ON v.geom && gap.geom
          WHERE ST_Relate(v.geom, gap.geom, '****1****')`)
        for (const row of rows) {
          const set = around.get(row.gap)
          if (set) set.add(row.idx)
          else around.set(row.gap, new Set([row.idx]))
        }
      }
    }
    return around
  }

  /**
   * Parts of each grid of a kind that lie outside the parent polygon. None of the comprehensive
   * grids when their union (made by findGaps) lies inside it: one test instead of one per grid.
   */
  async findOutside(kind: Exclude<GridKind, 'micro'>): Promise<Finding[]> {
    const parent = this.parent
    if (parent === null) return []
    if (kind === 'comprehensive' && this.union !== null) {
      const { rows } = await this.work.run(sql<{ inside: boolean }>`SELECT ST_CoveredBy(${this.union.collected}, ${parent}) AS inside`)
      if (rows[0]?.inside === true) return []
    }
    return this.byRuns(
      (row) => row.kind === kind,
      (
        overlay,
        lo,
        hi,
      ) => sql`SELECT ARRAY[v.idx] AS idxs, (ST_Dump(ST_CollectionExtract(${overlay.difference(sql`v.geom`, parent)}, 3))).geom AS geom
          FROM ${this.input} v
          WHERE v.idx BETWEEN ${lo} AND ${hi} AND v.kind = ${kind} AND NOT ST_CoveredBy(v.geom, ${parent})`,
    )
  }

  /** Micro-grids must cover their grid: the parts of each parent grid its micro-grids leave open. */
  findMicroGaps(): Promise<Finding[]> {
    const microVertices = new Map<number, number>()
    for (const row of this.rows) {
      if (row.kind === 'micro' && row.parent_idx !== null)
        microVertices.set(row.parent_idx, (microVertices.get(row.parent_idx) ?? 0) + row.vertices)
    }
    return this.byRuns(
      (row) => microVertices.has(row.idx),
      (overlay, lo, hi) => sql`SELECT ARRAY[p.idx] || array_agg(m.idx ORDER BY m.idx) AS idxs,
                 (ST_Dump(ST_CollectionExtract(${overlay.difference(sql`p.geom`, sql`ST_Union(m.geom)`)}, 3))).geom AS geom
          FROM ${this.input} p JOIN ${this.input} m ON m.parent_idx = p.idx AND m.kind = 'micro'
          WHERE p.idx BETWEEN ${lo} AND ${hi}
          GROUP BY p.idx, p.geom`,
      (row) => microVertices.get(row.idx) ?? 0,
    )
  }

  /** Micro-grids sticking out of their grid. */
  findMicroOutside(): Promise<Finding[]> {
    const vertices = new Map(this.rows.map((row) => [row.idx, row.vertices]))
    return this.byRuns(
      (row) => row.kind === 'micro',
      (
        overlay,
        lo,
        hi,
      ) => sql`SELECT ARRAY[m.idx, p.idx] AS idxs, (ST_Dump(ST_CollectionExtract(${overlay.difference(sql`m.geom`, sql`p.geom`)}, 3))).geom AS geom
          FROM ${this.input} m JOIN ${this.input} p ON p.idx = m.parent_idx
          WHERE m.idx BETWEEN ${lo} AND ${hi} AND m.kind = 'micro' AND NOT ST_CoveredBy(m.geom, p.geom)`,
      (row) => (row.parent_idx === null ? 0 : (vertices.get(row.parent_idx) ?? 0)),
    )
  }

  /**
   * Dedicated grids must lie inside the comprehensive grids' area (or the parent, if no grids
   * were given): each against the union of the comprehensive grids its box meets.
   */
  findDedicatedOutside(withGrids: boolean): Promise<Finding[]> {
    // Built when the statement is, after writeRows has made the table.
    const area = () =>
      withGrids
        ? sql`(SELECT ST_Union(c.geom) FROM ${this.input} c WHERE c.kind = 'comprehensive' AND c.geom && d.geom)`
        : (this.parent ?? sql`NULL::geometry`)
    return this.byRuns(
      (row) => row.kind === 'dedicated',
      (overlay, lo, hi) => sql`SELECT ARRAY[d.idx] AS idxs,
                 (ST_Dump(ST_CollectionExtract(COALESCE(${overlay.difference(sql`d.geom`, area())}, d.geom), 3))).geom AS geom
          FROM ${this.input} d
          WHERE d.idx BETWEEN ${lo} AND ${hi} AND d.kind = 'dedicated'`,
    )
  }

  /**
   * Grids lying in more than one child region of the parent (e.g. across a community line inside
   * a township): the parts outside the child holding most of the grid.
   */
  async findRegionCrossings(parentCode: string): Promise<Crossing[]> {
    await this.writeRows()
    const crossings: Crossing[] = []
    for (const run of runsOf(
      this.rows.filter((row) => row.kind === 'comprehensive'),
      (row) => row.vertices,
      STATEMENT_VERTICES,
    )) {
      const lo = (run[0] as Row).idx
      const hi = (run[run.length - 1] as Row).idx
      const { rows } = await this.work.run(sql<Omit<FindingRow, 'idxs'> & { idx: number; main: string; others: string[] }>`
        WITH candidates AS (
          SELECT v.idx FROM ${this.input} v
          JOIN regions c ON c.parent_code = ${parentCode} AND c.boundary IS NOT NULL AND v.geom && c.boundary
          WHERE v.idx BETWEEN ${lo} AND ${hi} AND v.kind = 'comprehensive'
          GROUP BY v.idx HAVING count(*) > 1
        ), shares AS (
          SELECT v.idx, c.name || '（' || c.code || '）' AS region, ST_CollectionExtract(ST_Intersection(v.geom, c.boundary), 3) AS geom
          FROM candidates k JOIN ${this.input} v ON v.idx = k.idx
          JOIN regions c ON c.parent_code = ${parentCode} AND c.boundary IS NOT NULL AND v.geom && c.boundary
          WHERE ST_Relate(v.geom, c.boundary, '2********')
        ), ranked AS (
          SELECT *, row_number() OVER (PARTITION BY idx ORDER BY ST_Area(geom) DESC, region) AS rank,
                 count(*) OVER (PARTITION BY idx) AS regions
          FROM shares
        ), outside AS (
          SELECT idx, max(region) FILTER (WHERE rank = 1) AS main,
                 array_agg(region ORDER BY region) FILTER (WHERE rank > 1) AS others,
                 ST_Union(geom) FILTER (WHERE rank > 1) AS geom
          FROM ranked WHERE regions > 1 GROUP BY idx
        )
        SELECT idx, main, others, ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 9, 0)::json AS geometry, ST_Area(geom::geography) AS area_m2,
               ST_XMin(geom) AS xmin, ST_YMin(geom) AS ymin, ST_XMax(geom) AS xmax, ST_YMax(geom) AS ymax
        FROM outside ORDER BY idx`)
      for (const row of rows) {
        crossings.push({
          idxs: [row.idx],
          main: row.main,
          others: row.others,
          geometry: row.geometry,
          area_m2: row.area_m2,
          bbox: [row.xmin, row.ymin, row.xmax, row.ymax],
        })
      }
    }
    return crossings
  }
}

/** The bounding box of polygons (their shells). */
function boxOf(polygons: PolygonRings[]): Box {
  let [minX, minY, maxX, maxY] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]
  for (const rings of polygons) {
    for (const [x, y] of rings[0] ?? []) {
      if (x < minX) minX = x
      if (x > maxX) maxX = x
      if (y < minY) minY = y
      if (y > maxY) maxY = y
    }
  }
  return [minX, minY, maxX, maxY]
}
