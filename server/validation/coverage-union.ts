import { type RawBuilder, sql } from 'kysely'
import { STATEMENT_VERTICES } from '../http/limits.js'
import { bounds, type PolygonRings, type Position } from './edge-match.js'
import { polygonsToEwkb, verticesOf, runsOf } from '../geo/ewkb.js'
import type { PostgisWork } from './postgis-work.js'

// The union of the comprehensive grids for the gap checks, kept as rows of a scratch table, one
// per group of grids whose boxes connect ("component"): groups never touch each other, so their
// unions together are a valid MultiPolygon without a union of everything. A union of grids that
// do not merge (many separate pieces) costs ~95 µs a piece on PGlite and does not shrink, so it
// must never be asked for in one statement. Inside a group the union is built up in runs of
// neighbouring grids (Z-order), then runs of those unions, each run about STATEMENT_VERTICES.

type Query = RawBuilder<unknown>
type Box = [number, number, number, number]

export interface UnionGrid {
  idx: number
  vertices: number
  box: Box
}

/** What a union part costs to merge, in vertices: a piece costs about as much as 30 vertices. */
const PIECE_COST = 30

export interface UnionTable {
  /** `SELECT comp, geom` rows, one per component. */
  table: Query
  /** All the rows as one MultiPolygon. */
  collected: Query
  components: number
}

async function unionTable(work: PostgisWork): Promise<UnionTable> {
  const table = await work.scratch('validation_union', sql`comp int NOT NULL, part int NOT NULL, level int NOT NULL, geom geometry`)
  return {
    table,
    collected: sql`(SELECT ST_Collect(piece.geom) FROM ${table} CROSS JOIN LATERAL ST_Dump(${table}.geom) AS piece)`,
    components: 0,
  }
}

/** The union on the clean path: the polygons the edge match assembled from the outline. */
export async function unionOfPolygons(work: PostgisWork, polygons: PolygonRings[]): Promise<UnionTable> {
  const union = await unionTable(work)
  const numbered = polygons.map((rings, comp) => ({ comp, rings, vertices: verticesOf([rings]) }))
  for (const run of runsOf(numbered, (p) => p.vertices + PIECE_COST, STATEMENT_VERTICES)) {
    const records = run.map((p) => ({ comp: p.comp, hex: polygonsToEwkb([p.rings]) }))
    await work.run(sql`
      INSERT INTO ${union.table} (comp, part, level, geom)
      SELECT r.comp, 0, 0, r.hex::geometry FROM json_to_recordset(${JSON.stringify(records)}::json) AS r(comp int, hex text)`)
  }
  return { ...union, components: polygons.length }
}

/** Groups of grids whose boxes connect, from the pairs whose boxes meet (union–find). */
function components(grids: UnionGrid[], pairs: readonly [UnionGrid, UnionGrid][]): UnionGrid[][] {
  const parent = new Map(grids.map((grid) => [grid.idx, grid.idx]))
  const root = (idx: number): number => {
    let at = idx
    while (parent.get(at) !== at) {
      const up = parent.get(parent.get(at) as number) as number
      parent.set(at, up)
      at = up
    }
    return at
  }
  for (const [a, b] of pairs) parent.set(root(a.idx), root(b.idx))
  const groups = new Map<number, UnionGrid[]>()
  for (const grid of grids) {
    const key = root(grid.idx)
    const group = groups.get(key)
    if (group) group.push(grid)
    else groups.set(key, [grid])
  }
  return [...groups.values()]
}

interface Part {
  comp: number
  part: number
  cost: number
}

/** The union of the grids (`input` rows by idx), one row per component. */
export async function unionOfGrids(
  work: PostgisWork,
  input: Query,
  grids: UnionGrid[],
  pairs: readonly [UnionGrid, UnionGrid][],
): Promise<UnionTable> {
  const union = await unionTable(work)
  const groups = components(grids, pairs)
  // Level 0: each component's grids in Z-order, in pieces of about the budget; many small
  // components share a statement.
  const pieces: { comp: number; part: number; grids: UnionGrid[] }[] = []
  groups.forEach((group, comp) => {
    const keys = zOrder(group.map((grid) => grid.box))
    const ordered = group.map((grid, i) => ({ grid, key: keys[i] as number })).sort((a, b) => a.key - b.key)
    for (const [part, run] of runsOf(ordered, ({ grid }) => grid.vertices + PIECE_COST, STATEMENT_VERTICES).entries()) {
      pieces.push({ comp, part, grids: run.map(({ grid }) => grid) })
    }
  })
  let parts: Part[] = []
  for (const run of runsOf(pieces, (piece) => piece.grids.reduce((sum, grid) => sum + grid.vertices + PIECE_COST, 0), STATEMENT_VERTICES)) {
    const members = run.flatMap((piece) => piece.grids.map((grid) => ({ idx: grid.idx, comp: piece.comp, part: piece.part })))
    parts.push(...(await merge(work, union.table, sql`${input}`, sql`i.idx = m.idx`, 0, members)))
  }
  // Then runs of each component's parts, two or more at a time, until each has one.
  for (let level = 0; ; level++) {
    const byComp = new Map<number, Part[]>()
    for (const part of parts) byComp.set(part.comp, [...(byComp.get(part.comp) ?? []), part])
    const merging = [...byComp.values()].filter((group) => group.length > 1)
    if (merging.length === 0) break
    const groupsOfParts = merging.flatMap((group) => {
      const runs = runsOf(group, (part) => part.cost, STATEMENT_VERTICES)
      return runs.length === group.length ? group.flatMap((_part, i) => (i % 2 === 0 ? [group.slice(i, i + 2)] : [])) : runs
    })
    const next: Part[] = parts.filter((part) => (byComp.get(part.comp)?.length ?? 0) === 1)
    const numbered = groupsOfParts.map((group, i) => ({ group, part: i }))
    for (const run of runsOf(numbered, ({ group }) => group.reduce((sum, part) => sum + part.cost, 0), STATEMENT_VERTICES)) {
      const members = run.flatMap(({ group, part }) => group.map((member) => ({ idx: member.part, comp: member.comp, part })))
      next.push(
        ...(await merge(
          work,
          union.table,
          sql`(SELECT * FROM ${union.table} WHERE level = ${level})`,
          sql`i.part = m.idx AND i.comp = m.comp`,
          level + 1,
          members,
        )),
      )
      await work.run(sql`
        DELETE FROM ${union.table} AS u USING unnest(string_to_array(${members.map((m) => m.comp).join(',')}, ',')::int[], string_to_array(${members.map((m) => m.idx).join(',')}, ',')::int[]) AS m(comp, part)
        WHERE u.level = ${level} AND u.comp = m.comp AND u.part = m.part`)
    }
    parts = next
  }
  return { ...union, components: groups.length }
}

/**
 * One statement: the union of each (comp, part) group of `members` (rows of `source` joined by
 * `on`, `m.idx` naming the member), stored at `level`; returns the new parts and their cost.
 */
async function merge(
  work: PostgisWork,
  table: Query,
  source: Query,
  on: Query,
  level: number,
  members: { idx: number; comp: number; part: number }[],
): Promise<Part[]> {
  const list = (values: number[]) => sql`string_to_array(${values.join(',')}, ',')::int[]`
  const { rows } = await work.run(sql<{ comp: number; part: number; vertices: number; pieces: number }>`
    INSERT INTO ${table} (comp, part, level, geom)
    SELECT m.comp, m.part, ${level}, ST_Union(i.geom)
    FROM unnest(${list(members.map((m) => m.idx))}, ${list(members.map((m) => m.comp))}, ${list(members.map((m) => m.part))}) AS m(idx, comp, part)
    JOIN ${source} AS i ON ${on}
    GROUP BY m.comp, m.part
    RETURNING comp, part, COALESCE(ST_NPoints(geom), 0) AS vertices, COALESCE(ST_NumGeometries(geom), 0) AS pieces`)
  return rows.map((row) => ({ comp: row.comp, part: row.part, cost: row.vertices + PIECE_COST * row.pieces }))
}

/** Z-order (Morton) keys of the box centres: boxes near each other get near keys. */
function zOrder(boxes: Box[]): number[] {
  const centres = boxes.map(([minX, minY, maxX, maxY]): Position => [(minX + maxX) / 2, (minY + maxY) / 2])
  const [x0, y0, x1, y1] = bounds(centres)
  const cell = (value: number, low: number, high: number) =>
    high > low ? Math.min(65535, Math.floor(((value - low) / (high - low)) * 65536)) : 0
  return centres.map(([x, y]) => interleave(cell(x, x0, x1), cell(y, y0, y1)))
}

/** The bits of two 16-bit numbers interleaved (x in the even bits). */
function interleave(x: number, y: number): number {
  let key = 0
  for (let bit = 15; bit >= 0; bit--) key = key * 4 + ((x >> bit) & 1) + 2 * ((y >> bit) & 1)
  return key
}
