import type { Position } from 'geojson'
import { signedArea } from '../geo/ring-area.js'
import { sql } from 'kysely'
import { fixChange } from '../../web/src/editor/fixes.js'
import { moveSharedVertex, SAME_VERTEX, verticesOf } from '../../web/src/editor/shared-vertices.js'
import type { Db } from '../db/database.js'
import type { ChangeRequest } from '../proposals/change.schemas.js'
import type { AfterState, GridState } from '../proposals/changes.js'
import type { PolygonGeometry } from '../proposals/noding.js'
import type { ValidationIssue } from '../validation/report.schemas.js'

// An OGC write of one grid as the edits the web editor would send for it, so that it goes through
// the same proposal path (applyChanges: noding, then validation) and keeps shared edges exact:
// - a new geometry with the same rings and vertex counts is a set of corner moves, and each moved
//   corner moves in every grid that shares it (the editor's moveSharedVertex: one reshape per grid);
// - a new grid lying within one grid is cut out of it (the editor's 新建, then its 从…中扣除 fix);
// - a deleted grid is merged into the neighbour of its community and kind with which it shares
//   the longest boundary (the editor's 合并), so no gap opens.
// Anything else goes as sent, and the validation of the township after it has the last word.

const isPolygonal = (geometry: unknown): geometry is PolygonGeometry => {
  const type = (geometry as { type?: unknown } | null)?.type
  return type === 'Polygon' || type === 'MultiPolygon'
}
const same = (a: Position, b: Position) =>
  Math.abs((a[0] as number) - (b[0] as number)) <= SAME_VERTEX && Math.abs((a[1] as number) - (b[1] as number)) <= SAME_VERTEX

const polygonsOf = (geometry: PolygonGeometry): Position[][][] =>
  geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates

interface Move {
  from: Position
  to: Position
}

/** Old vertices tried as the anchor of the new ring's start (each a scan of the new ring). */
const ANCHORS = 16
/**
 * Most corner moves carried to the neighbours (each is a pass over the township's vertices): a
 * write moving more is a new shape, not an edit of shared corners, and goes as sent.
 */
const MAX_MOVES = 1_000

/**
 * `next` read as `old` with some vertices moved: the same ring (in `old`'s direction and start),
 * positions within SAME_VERTEX of the old one taken exactly as they were. Null when the rings
 * differ in length.
 */
function matchRing(old: Position[], next: Position[]): { ring: Position[]; moves: Move[] } | null {
  const a = old.slice(0, -1)
  let b = next.slice(0, -1)
  if (a.length !== b.length) return null
  if (Math.sign(signedArea(a)) !== Math.sign(signedArea(b))) b = [...b].reverse()
  // The start: the first old vertex that is still there (none of the first few: the same start).
  let shift = 0
  for (const [i, p] of a.slice(0, ANCHORS).entries()) {
    const j = b.findIndex((q) => same(p, q))
    if (j >= 0) {
      shift = j - i
      break
    }
  }
  const moves: Move[] = []
  const ring = a.map((p, i) => {
    const q = b[(((i + shift) % b.length) + b.length) % b.length] as Position
    if (same(p, q)) return p
    moves.push({ from: p, to: [q[0] as number, q[1] as number] })
    return [q[0] as number, q[1] as number]
  })
  return { ring: [...ring, ring[0] as Position], moves }
}

/** `next` as corner moves of `old` (same polygons, rings and vertex counts), or null. */
function matchGeometry(old: PolygonGeometry, next: PolygonGeometry): { geometry: PolygonGeometry; moves: Move[] } | null {
  const [before, after] = [polygonsOf(old), polygonsOf(next)]
  if (before.length !== after.length || before.some((rings, i) => rings.length !== after[i]?.length)) return null
  const moves: Move[] = []
  const polygons: Position[][][] = []
  for (const [i, rings] of before.entries()) {
    const matched: Position[][] = []
    for (const [r, ring] of rings.entries()) {
      const one = matchRing(ring, after[i]?.[r] as Position[])
      if (!one) return null
      matched.push(one.ring)
      moves.push(...one.moves)
    }
    polygons.push(matched)
  }
  const geometry: PolygonGeometry =
    old.type === 'Polygon' ? { type: 'Polygon', coordinates: polygons[0] as Position[][] } : { type: 'MultiPolygon', coordinates: polygons }
  return { geometry, moves }
}

/** The reshapes a new geometry of grid `id` makes: its own, and its neighbours' where a shared corner moved. */
export function reshapeChanges(after: AfterState, id: string, geometry: PolygonGeometry): ChangeRequest[] {
  const old = after.grids.get(id)?.geometry
  const matched = isPolygonal(old) ? matchGeometry(old, geometry) : null
  if (!matched || matched.moves.length > MAX_MOVES) return [{ op: 'reshape', grid: id, geometry }]
  if (matched.moves.length === 0) return []
  const moved = new Map<string, PolygonGeometry>()
  const others = [...after.grids.values()].filter((grid) => grid.id !== id && isPolygonal(grid.geometry))
  for (const { from, to } of matched.moves) {
    const current = others.map((grid) => ({ id: grid.id, geometry: moved.get(grid.id) ?? (grid.geometry as PolygonGeometry) }))
    for (const grid of moveSharedVertex(current, from, to)) moved.set(grid.id, grid.geometry)
  }
  return [
    { op: 'reshape', grid: id, geometry: matched.geometry },
    ...[...moved].map(([grid, shape]): ChangeRequest => ({ op: 'reshape', grid, geometry: shape })),
  ]
}

/** Share of a new grid's area that must lie in one grid for it to be cut out of that grid. */
const WITHIN_SHARE = 1 - 1e-6

const mapPolygons = (geometry: PolygonGeometry, map: (position: Position) => Position): PolygonGeometry =>
  geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map((ring) => ring.map(map)) }
    : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((rings) => rings.map((ring) => ring.map(map))) }

/**
 * The new grid with its corners near the holder's taken exactly, and the holder with the new
 * grid's corners that lie on its edges inserted there: the two then share their common boundary
 * vertex for vertex, and cutting one out of the other leaves no spike or sliver along it (a
 * split's cut points lie 1e-10° off the edge, which Turf's difference turned into a ring that
 * touches itself).
 */
function nodedPair(holder: PolygonGeometry, piece: PolygonGeometry) {
  const corners = verticesOf(holder)
  const snapped = mapPolygons(piece, (p) => corners.find((corner) => same(corner, p)) ?? p)
  let shape = holder
  for (const p of verticesOf(snapped)) shape = moveSharedVertex([{ id: 'holder', geometry: shape }], p, p)[0]?.geometry ?? shape
  return { holder: shape, piece: snapped }
}

/**
 * A new comprehensive grid lying within one grid: the new grid (its corners on the other's
 * boundary taken exactly) and the reshape that cuts it out of that grid. As sent, and no reshape,
 * when it lies in none (or in several).
 */
export async function carveChanges(
  db: Db,
  after: AfterState,
  geometry: PolygonGeometry,
): Promise<{ geometry: PolygonGeometry; cut: ChangeRequest[] }> {
  const candidates = [...after.grids.values()].filter((grid) => grid.kind === 'comprehensive' && isPolygonal(grid.geometry))
  let rows: { id: string; share: number }[]
  try {
    ;({ rows } = await sql<{ id: string; share: number }>`
      WITH g AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4490) AS geom),
      x AS (SELECT id, ST_SetSRID(ST_GeomFromGeoJSON(shape), 4490) AS geom
            FROM jsonb_to_recordset(${JSON.stringify(candidates.map((grid) => ({ id: grid.id, shape: JSON.stringify(grid.geometry) })))}::jsonb)
                 AS r(id text, shape text))
      SELECT x.id, ST_Area(ST_Intersection(x.geom, g.geom)) / ST_Area(g.geom) AS share
      FROM g, x WHERE ST_IsValid(g.geom) AND ST_Area(g.geom) > 0 AND x.geom && g.geom AND ST_Intersects(x.geom, g.geom)`.execute(db))
  } catch {
    // An invalid grid in force (an old import) fails the intersection: the new grid goes as sent.
    return { geometry, cut: [] }
  }
  const holders = rows.filter((row) => Number(row.share) >= WITHIN_SHARE)
  const holder = holders.length === 1 ? after.grids.get((holders[0] as { id: string }).id) : undefined
  if (!holder) return { geometry, cut: [] }
  const pair = nodedPair(holder.geometry as PolygonGeometry, geometry)
  const overlap = { code: 'overlap', geometry: pair.piece } as unknown as ValidationIssue
  const cut = fixChange({ id: holder.id, geometry: pair.holder }, overlap)
  return { geometry: pair.piece, cut: cut ? [cut as ChangeRequest] : [] }
}

/** A deleted grid merged into its longest-bordering neighbour of the same community and kind, or retired (a dedicated grid). */
export async function deleteChanges(db: Db, after: AfterState, id: string): Promise<ChangeRequest[]> {
  const grid = after.grids.get(id) as GridState
  const peers = [...after.grids.values()].filter(
    (other) => other.id !== id && other.code !== null && other.kind === grid.kind && other.region_code === grid.region_code,
  )
  const retire: ChangeRequest[] = [{ op: 'retire', grid: id }]
  if (grid.kind !== 'comprehensive' || grid.code === null || peers.length === 0) return retire
  const { rows } = await sql<{ id: string }>`
    WITH g AS (SELECT ST_Boundary(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(grid.geometry)}), 4490)) AS edge),
    x AS (SELECT id, ST_Boundary(ST_SetSRID(ST_GeomFromGeoJSON(shape), 4490)) AS edge
          FROM jsonb_to_recordset(${JSON.stringify(peers.map((peer) => ({ id: peer.id, shape: JSON.stringify(peer.geometry) })))}::jsonb)
               AS r(id text, shape text))
    SELECT x.id FROM g, x WHERE x.edge && g.edge AND ST_Length(ST_Intersection(x.edge, g.edge)) > 0
    ORDER BY ST_Length(ST_Intersection(x.edge, g.edge)) DESC, x.id LIMIT 1`
    .execute(db)
    // An invalid grid (an old import) can fail the intersection: retired, and validation judges the gap.
    .catch(() => ({ rows: [] }))
  const neighbour = rows[0]?.id
  return neighbour === undefined ? retire : [{ op: 'merge', grids: [neighbour, id] }]
}
