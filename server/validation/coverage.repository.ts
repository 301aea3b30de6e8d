import Flatbush from 'flatbush'
import { type RawBuilder, sql } from 'kysely'
import { STATEMENT_VERTICES } from '../http/limits.js'
import type { PolygonRings, Position } from './edge-match.js'
import { linesToEwkb, polygonsToEwkb, verticesOf } from './ewkb.js'
import { type PostgisWork, runsOf } from './postgis-work.js'

// The coverage overlay in PostGIS (runs on PostGIS 3.3): the exact answer when the fast edge
// match cannot prove a coverage clean, and for micro-grids and dedicated grids. The grids go into
// a scratch table (postgis-work.ts: dropped at the end) in statements of about STATEMENT_VERTICES
// vertices; the checks that look at one grid (or one pair) at a time run over runs of grids of the
// same size, and the union of the grids is built up the same way (runs of neighbouring grids,
// then runs of those unions), so no statement is much bigger than a run — except the last steps
// of a union of grids that do not merge (see the README's Limits). Areas are geodesic (m²).

export interface InputRow {
  idx: number
  kind: 'comprehensive' | 'dedicated' | 'micro'
  /** micro/dedicated: idx of their comprehensive grid in the same request. */
  parent_idx: number | null
  /** Polygons (lon/lat, SRID 4490). */
  polygons: PolygonRings[]
  /** Known invalid: made valid (ST_MakeValid) for the overlay, after being reported. */
  invalid: boolean
  /** Invalid and too tangled for ST_MakeValid (see MAX_REPAIR_CROSSINGS): its convex hull stands in. */
  tangled?: boolean
}

export interface Finding {
  /** Feature indexes involved. */
  idxs: number[]
  geometry: unknown
  area_m2: number
  bbox: [number, number, number, number]
}

export interface Crossing extends Finding {
  main: string
  others: string[]
}

type Query = RawBuilder<unknown>
type Box = [number, number, number, number]
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

interface FindingRow {
  idxs: number[]
  geometry: unknown
  area_m2: number
  xmin: number
  ymin: number
  xmax: number
  ymax: number
}

const idList = (rows: readonly { idx: number }[]) => sql`string_to_array(${rows.map((row) => row.idx).join(',')}, ',')::int[]`

/** The grids of one validation in PostGIS, and the overlay checks on them. */
export class CoverageTables {
  private union: Query | null = null

  private constructor(
    private readonly work: PostgisWork,
    private readonly input: Query,
    private readonly rows: Row[],
    /** `(SELECT geom FROM …)` of the parent polygon, when one was given. */
    private readonly parent: Query | null,
  ) {}

  /** Loads the grids (invalid ones made valid) and the parent polygon, if any. */
  static async load(work: PostgisWork, rows: InputRow[], parent: PolygonRings[] | null): Promise<CoverageTables> {
    const sized = rows.map((row) => ({ ...row, vertices: verticesOf(row.polygons), box: boxOf(row.polygons) })).sort((a, b) => a.idx - b.idx)
    const input = await work.scratch('validation_input', sql`idx int PRIMARY KEY, kind text NOT NULL, parent_idx int, geom geometry NOT NULL`)
    for (const run of runsOf(sized, (row) => row.vertices, STATEMENT_VERTICES)) {
      const records = run.map((row) => ({ idx: row.idx, kind: row.kind, parent_idx: row.parent_idx, invalid: row.invalid, tangled: row.tangled === true, hex: polygonsToEwkb(row.polygons) }))
      await work.run(sql`
        INSERT INTO ${input} (idx, kind, parent_idx, geom)
        SELECT r.idx, r.kind, r.parent_idx,
               CASE WHEN r.tangled THEN ST_ConvexHull(r.hex::geometry)
                    WHEN r.invalid THEN ST_CollectionExtract(ST_MakeValid(r.hex::geometry, 'method=structure'), 3)
                    ELSE r.hex::geometry END
        FROM json_to_recordset(${JSON.stringify(records)}::json) AS r(idx int, kind text, parent_idx int, invalid boolean, tangled boolean, hex text)`)
    }
    await work.run(sql`CREATE INDEX ON ${input} USING gist (geom)`)
    await work.run(sql`ANALYZE ${input}`)
    let parentGeometry: Query | null = null
    if (parent !== null) {
      const table = await work.scratch('validation_parent', sql`geom geometry NOT NULL`)
      await work.run(sql`INSERT INTO ${table} (geom) VALUES (${polygonsToEwkb(parent)}::geometry)`)
      parentGeometry = sql`(SELECT geom FROM ${table})`
    }
    return new CoverageTables(work, input, sized, parentGeometry)
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
  private async describe(build: (overlay: Overlay) => Query): Promise<Finding[]> {
    for (const overlay of [EXACT, SNAPPED]) {
      const { rows } = await this.work.run(sql<{ parts: FindingRow[] | null }>`
        SELECT json_agg(described ORDER BY described.idxs, described.xmin, described.ymin) AS parts FROM (
          SELECT parts.idxs, ST_AsGeoJSON(ST_ForcePolygonCCW(parts.geom), 9, 0)::json AS geometry,
                 ST_Area(parts.geom::geography) AS area_m2,
                 ST_XMin(parts.geom) AS xmin, ST_YMin(parts.geom) AS ymin, ST_XMax(parts.geom) AS xmax, ST_YMax(parts.geom) AS ymax
          FROM (${build(overlay)}) AS parts
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
  private async byRuns(keep: (row: Row) => boolean, build: (overlay: Overlay, lo: number, hi: number) => Query, extra: (row: Row) => number = () => 0) {
    const findings: Finding[] = []
    for (const run of runsOf(this.rows.filter(keep), (row) => row.vertices + extra(row), STATEMENT_VERTICES)) {
      const lo = (run[0] as Row).idx
      const hi = (run[run.length - 1] as Row).idx
      findings.push(...(await this.describe((overlay) => build(overlay, lo, hi))))
    }
    return findings
  }

  /**
   * Every pair of grids of one kind whose interiors overlap (micro-grids: within the same parent).
   * The pairs whose boxes meet are found here (an R-tree) and go to PostGIS in runs of about
   * STATEMENT_VERTICES vertices of both grids: a run of grids would not bound a statement, since a
   * grid may meet many others.
   */
  async findOverlaps(kind: 'comprehensive' | 'micro'): Promise<Finding[]> {
    const rows = this.rows.filter((row) => row.kind === kind)
    const pairs: [Row, Row][] = []
    if (rows.length > 1) {
      const tree = new Flatbush(rows.length)
      for (const row of rows) tree.add(...row.box)
      tree.finish()
      for (const a of rows) {
        await this.work.slices.pause()
        const partners = tree.search(...a.box).map((i) => rows[i] as Row).filter((b) => b.idx > a.idx && b.parent_idx === a.parent_idx)
        for (const b of partners.sort((x, y) => x.idx - y.idx)) pairs.push([a, b])
      }
    }
    const findings: Finding[] = []
    // ST_Relate of neighbours costs ~12 µs a vertex on PGlite (a union ~3), hence a quarter of the budget.
    for (const run of runsOf(pairs, ([a, b]) => a.vertices + b.vertices, STATEMENT_VERTICES / 4)) {
      const as = run.map(([a]) => a.idx).join(',')
      const bs = run.map(([, b]) => b.idx).join(',')
      findings.push(
        ...(await this.describe(
          // Each pair's grids by key (OFFSET 0 keeps the planner from joining the grids first and relating every pair).
          (overlay) => sql`SELECT ARRAY[pair.a, pair.b] AS idxs, ST_CollectionExtract(${overlay.intersection(sql`a.geom`, sql`b.geom`)}, 3) AS geom
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
   * The union of the comprehensive grids, built up in a scratch table: runs of grids in Z-order
   * of their centres (neighbours together, so their shared edges vanish), then runs of those
   * unions, until one is left.
   */
  private async unionOfGrids(): Promise<Query> {
    if (this.union !== null) return this.union
    const table = await this.work.scratch('validation_union', sql`level int NOT NULL, part int NOT NULL, geom geometry`)
    const grids = this.rows.filter((row) => row.kind === 'comprehensive')
    const key = zOrder(grids.map((row) => row.box))
    const ordered = grids.map((row, i) => ({ row, key: key[i] as number })).sort((a, b) => a.key - b.key)
    let parts: { part: number; vertices: number }[] = []
    for (const run of runsOf(ordered, ({ row }) => row.vertices, STATEMENT_VERTICES)) {
      const part = parts.length
      const { rows } = await this.work.run(sql<{ vertices: number }>`
        INSERT INTO ${table} (level, part, geom)
        SELECT 0, ${part}, ST_Union(geom) FROM ${this.input} WHERE idx = ANY(${idList(run.map(({ row }) => row))})
        RETURNING COALESCE(ST_NPoints(geom), 0) AS vertices`)
      parts.push({ part, vertices: rows[0]?.vertices ?? 0 })
    }
    let level = 0
    while (parts.length > 1) {
      let runs = runsOf(parts, (part) => part.vertices, STATEMENT_VERTICES)
      // Unions too big to pair by the budget are merged two at a time.
      if (runs.length === parts.length) runs = parts.flatMap((_part, i) => (i % 2 === 0 ? [parts.slice(i, i + 2)] : []))
      const next: typeof parts = []
      for (const run of runs) {
        const part = next.length
        const { rows } = await this.work.run(sql<{ vertices: number }>`
          INSERT INTO ${table} (level, part, geom)
          SELECT ${level + 1}, ${part}, ST_Union(geom) FROM ${table}
          WHERE level = ${level} AND part = ANY(string_to_array(${run.map((p) => p.part).join(',')}, ',')::int[])
          RETURNING COALESCE(ST_NPoints(geom), 0) AS vertices`)
        next.push({ part, vertices: rows[0]?.vertices ?? 0 })
      }
      await this.work.run(sql`DELETE FROM ${table} WHERE level = ${level}`)
      parts = next
      level++
    }
    this.union = sql`(SELECT geom FROM ${table} WHERE level = ${level})`
    return this.union
  }

  /**
   * Gaps: parts of the parent no grid covers — or, with no parent, holes in the grids' union —
   * each with the grids that border it. On the clean path the union is built from the outline
   * rings the edge match found (ST_BuildArea nests shells and holes), else from the grids. In
   * steps, each its own statement: the union, whether it covers the parent (the usual answer, and
   * cheap), the gaps into a scratch table, then their neighbours and description in runs.
   */
  async findGaps(outline: Position[][] | null): Promise<Finding[]> {
    const union = outline === null ? await this.unionOfGrids() : await this.unionOfOutline(outline)
    const parent = this.parent
    if (parent !== null) {
      const { rows } = await this.work.run(sql<{ covered: boolean }>`SELECT ST_CoveredBy(${parent}, ${union}) AS covered`)
      if (rows[0]?.covered === true) return []
    }
    // Without a parent, a gap is an area the union's outline encloses but the union does not
    // cover: the faces of the outline (ST_Polygonize) outside the union. This finds holes and also
    // areas pinched off where grids touch only at points, which have no interior ring.
    const gapsOf = (overlay: Overlay) =>
      parent === null
        ? sql`WITH u AS (SELECT ${union} AS geom),
                   faces AS (SELECT ST_Polygonize(ST_UnaryUnion(ST_Boundary(u.geom))) AS geom FROM u)
              SELECT face.geom FROM u, faces CROSS JOIN LATERAL ST_Dump(faces.geom) AS face
              WHERE NOT ST_Intersects(ST_PointOnSurface(face.geom), u.geom)`
        : sql`SELECT (ST_Dump(ST_CollectionExtract(${overlay.difference(parent, union)}, 3))).geom AS geom`
    const table = await this.work.scratch('validation_gaps', sql`id serial PRIMARY KEY, geom geometry NOT NULL, idxs int[]`)
    let stored = false
    for (const overlay of [EXACT, SNAPPED]) {
      // Counted in the same statement: "no row" is PGlite's dropped result (see describe).
      await this.work.run(sql`DELETE FROM ${table}`)
      const { rows } = await this.work.run(sql<{ gaps: number }>`
        WITH stored AS (INSERT INTO ${table} (geom) SELECT gap.geom FROM (${gapsOf(overlay)}) AS gap RETURNING 1)
        SELECT count(*)::int AS gaps FROM stored`)
      if (rows.length > 0) {
        stored = true
        break
      }
    }
    if (!stored) throw new Error('PostGIS returned no result for the gaps, even with fixed-precision overlay')
    const { rows: gaps } = await this.work.run(sql<{ id: number; vertices: number }>`SELECT id, ST_NPoints(geom) AS vertices FROM ${table} ORDER BY id`)
    const runs = runsOf(gaps, (gap) => gap.vertices, STATEMENT_VERTICES).map((run) => [(run[0] as { id: number }).id, (run[run.length - 1] as { id: number }).id])
    for (const [lo, hi] of runs) {
      // The grids around a gap: those sharing a stretch of boundary with it, not only a corner.
      await this.work.run(sql`
        UPDATE ${table} AS gap SET idxs = COALESCE((SELECT array_agg(v.idx ORDER BY v.idx) FROM ${this.input} v
                                   WHERE v.kind = 'comprehensive' AND v.geom && gap.geom AND ST_Relate(v.geom, gap.geom, '****1****')),
                                  ARRAY[]::int[])
        WHERE gap.id BETWEEN ${lo} AND ${hi}`)
    }
    const findings: Finding[] = []
    for (const [lo, hi] of runs) findings.push(...(await this.describe(() => sql`SELECT idxs, geom FROM ${table} WHERE id BETWEEN ${lo} AND ${hi}`)))
    return findings.sort(byIdxsThenPlace)
  }

  /** The union of the grids on the clean path, from the outline rings. */
  private async unionOfOutline(outline: Position[][]): Promise<Query> {
    const table = await this.work.scratch('validation_union', sql`geom geometry`)
    await this.work.run(sql`INSERT INTO ${table} (geom) SELECT ST_BuildArea(${linesToEwkb(outline)}::geometry)`)
    return sql`(SELECT geom FROM ${table})`
  }

  /** Parts of each grid of a kind that lie outside the parent polygon. */
  findOutside(kind: 'comprehensive' | 'dedicated'): Promise<Finding[]> {
    const parent = this.parent
    if (parent === null) return Promise.resolve([])
    return this.byRuns(
      (row) => row.kind === kind,
      (overlay, lo, hi) => sql`SELECT ARRAY[v.idx] AS idxs, (ST_Dump(ST_CollectionExtract(${overlay.difference(sql`v.geom`, parent)}, 3))).geom AS geom
          FROM ${this.input} v
          WHERE v.idx BETWEEN ${lo} AND ${hi} AND v.kind = ${kind} AND NOT ST_CoveredBy(v.geom, ${parent})`,
    )
  }

  /** Micro-grids must cover their grid: the parts of each parent grid its micro-grids leave open. */
  findMicroGaps(): Promise<Finding[]> {
    const microVertices = new Map<number, number>()
    for (const row of this.rows) {
      if (row.kind === 'micro' && row.parent_idx !== null) microVertices.set(row.parent_idx, (microVertices.get(row.parent_idx) ?? 0) + row.vertices)
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
      (overlay, lo, hi) => sql`SELECT ARRAY[m.idx, p.idx] AS idxs, (ST_Dump(ST_CollectionExtract(${overlay.difference(sql`m.geom`, sql`p.geom`)}, 3))).geom AS geom
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
    const area = withGrids
      ? sql`(SELECT ST_Union(c.geom) FROM ${this.input} c WHERE c.kind = 'comprehensive' AND c.geom && d.geom)`
      : (this.parent ?? sql`NULL::geometry`)
    return this.byRuns(
      (row) => row.kind === 'dedicated',
      (overlay, lo, hi) => sql`SELECT ARRAY[d.idx] AS idxs,
                 (ST_Dump(ST_CollectionExtract(COALESCE(${overlay.difference(sql`d.geom`, area)}, d.geom), 3))).geom AS geom
          FROM ${this.input} d
          WHERE d.idx BETWEEN ${lo} AND ${hi} AND d.kind = 'dedicated'`,
    )
  }

  /**
   * Grids lying in more than one child region of the parent (e.g. across a community line inside
   * a township): the parts outside the child holding most of the grid.
   */
  async findRegionCrossings(parentCode: string): Promise<Crossing[]> {
    const crossings: Crossing[] = []
    for (const run of runsOf(
      this.rows.filter((row) => row.kind === 'comprehensive'),
      (row) => row.vertices,
      STATEMENT_VERTICES,
    )) {
      const lo = (run[0] as Row).idx
      const hi = (run[run.length - 1] as Row).idx
      const { rows } = await this.work.run(sql<{ idx: number; main: string; others: string[]; geometry: unknown; area_m2: number; xmin: number; ymin: number; xmax: number; ymax: number }>`
        WITH shares AS (
          SELECT v.idx, c.name || '（' || c.code || '）' AS region, ST_CollectionExtract(ST_Intersection(v.geom, c.boundary), 3) AS geom
          FROM ${this.input} v
          JOIN regions c ON c.parent_code = ${parentCode} AND c.boundary IS NOT NULL AND v.geom && c.boundary
          WHERE v.idx BETWEEN ${lo} AND ${hi} AND v.kind = 'comprehensive' AND ST_Relate(v.geom, c.boundary, '2********')
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

/** The order describe() gives within a statement: by feature indexes, then west, then south. */
function byIdxsThenPlace(a: Finding, b: Finding): number {
  for (let i = 0; i < Math.min(a.idxs.length, b.idxs.length); i++) {
    const step = (a.idxs[i] as number) - (b.idxs[i] as number)
    if (step !== 0) return step
  }
  return a.idxs.length - b.idxs.length || a.bbox[0] - b.bbox[0] || a.bbox[1] - b.bbox[1]
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

/** Z-order (Morton) keys of the box centres: boxes near each other get near keys. */
function zOrder(boxes: Box[]): number[] {
  const centres = boxes.map(([minX, minY, maxX, maxY]) => [(minX + maxX) / 2, (minY + maxY) / 2] as const)
  let [x0, x1, y0, y1] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]
  for (const [x, y] of centres) {
    x0 = Math.min(x0, x)
    x1 = Math.max(x1, x)
    y0 = Math.min(y0, y)
    y1 = Math.max(y1, y)
  }
  const cell = (value: number, low: number, high: number) => (high > low ? Math.min(65535, Math.floor(((value - low) / (high - low)) * 65536)) : 0)
  return centres.map(([x, y]) => interleave(cell(x, x0, x1), cell(y, y0, y1)))
}

/** The bits of two 16-bit numbers interleaved (x in the even bits). */
function interleave(x: number, y: number): number {
  let key = 0
  for (let bit = 15; bit >= 0; bit--) key = key * 4 + ((x >> bit) & 1) + 2 * ((y >> bit) & 1)
  return key
}
