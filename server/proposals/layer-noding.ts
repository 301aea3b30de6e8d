import Flatbush from 'flatbush'
import type { Position } from 'geojson'
import { polygonsOf } from '../geo/ewkb.js'
import { projectOntoSegment } from '../geo/segment.js'
import { NODING_EPS, type PolygonGeometry } from './noding.js'
import { PairTable } from './pair-table.js'

// Noding a layer that arrives as a whole (an import): the same result as nodeTownship
// (noding.ts) with every grid of the file marked changed and every vertex counted as given —
// near-equal vertices (within eps) take the coordinates of the first one met (the grids in force
// first, then the file's grids in order), and a vertex within eps of an edge of a file grid (not at
// its ends) is inserted into that edge — but in time linear in the vertices, for 100,000 grids:
// - positions get integer ids from a hash of their doubles (pair-table.ts), not string keys;
// - only positions that have another within eps go through the "first met" snapping;
// - an edge with a twin (the same two vertices, reversed, in another grid) lies between two grids
//   that meet exactly there, so no vertex of a third grid lies inside it unless grids overlap: only
//   edges without a twin (or at a position with another within eps) are searched for T-junctions,
//   and only from the ends of such edges. Where grids overlap by more than eps, a vertex inside a
//   twinned edge is not inserted (nodeTownship would): the overlap is reported by validation either
//   way. Otherwise the result is nodeTownship's (layer-noding.test.ts compares them).

/** A grid of a layer given as a whole (an import), with its community. */
export interface LayerGrid {
  geometry: PolygonGeometry
  region: string
}

/** Positions (as ids) of every open ring of every grid, in order. */
interface Rings {
  /** Ring r holds ids[start[r]] … ids[start[r + 1] - 1]. */
  start: number[]
  ids: Int32Array
  /** For each grid, its first ring; rings of grid g are ringOf[g] … ringOf[g + 1] - 1. */
  ringOf: number[]
}

/**
 * Nodes grids that arrive together among themselves and against the grids already in force
 * beside them, which are left as they are. Returns the noded geometry of each of `grids`, in order.
 */
export function nodeLayer(grids: readonly LayerGrid[], inForce: readonly LayerGrid[], eps = NODING_EPS): PolygonGeometry[] {
  const all = [...inForce, ...grids]
  const fixed = inForce.length
  const { points, given } = distinctPositions(all)
  const near = nearPositions(points, eps)
  const rings = withoutRepeats(near === null ? given : snapNearPositions(given, near, points.length, fixed), fixed)
  const inserts = tJunctions(points, rings, new Set(near?.keys()), fixed, eps)
  return grids.map((grid, i) => rebuild(grid.geometry, rings, fixed + i, inserts, points))
}

/** Distinct positions (each once, as first met) and every ring of every grid as ids into them. */
function distinctPositions(all: readonly LayerGrid[]): { points: Position[]; given: Rings } {
  let total = 0
  for (const grid of all) for (const polygon of polygonsOf(grid.geometry)) for (const ring of polygon) total += ring.length - 1
  const table = new PairTable(total)
  const points: Position[] = []
  const ids = new Int32Array(total)
  const start: number[] = []
  const ringOf: number[] = []
  let at = 0
  for (const grid of all) {
    ringOf.push(start.length)
    for (const polygon of polygonsOf(grid.geometry))
      for (const ring of polygon) {
        start.push(at)
        for (let i = 0; i + 1 < ring.length; i++) {
          const p = ring[i] as Position
          const id = table.getOrSet(p[0] as number, p[1] as number, points.length)
          if (id === points.length) points.push(p)
          ids[at++] = id
        }
      }
  }
  start.push(at)
  ringOf.push(start.length - 1)
  return { points, given: { start, ids, ringOf } }
}

/** For each position, the others within eps (|dx| and |dy| ≤ eps); null when no position has any. */
function nearPositions(points: readonly Position[], eps: number): Map<number, number[]> | null {
  // Cells much larger than eps: a position's eps-box mostly falls in its own cell.
  const size = 64 * eps
  const cells = new PairTable(points.length)
  const next = new Int32Array(points.length).fill(-1)
  for (let id = 0; id < points.length; id++) {
    const p = points[id] as Position
    next[id] = cells.exchange(Math.floor((p[0] as number) / size), Math.floor((p[1] as number) / size), id)
  }
  let near: Map<number, number[]> | null = null
  for (let id = 0; id < points.length; id++) {
    const [x, y] = points[id] as [number, number]
    for (let cx = Math.floor((x - eps) / size); cx <= Math.floor((x + eps) / size); cx++)
      for (let cy = Math.floor((y - eps) / size); cy <= Math.floor((y + eps) / size); cy++)
        for (let other = cells.get(cx, cy); other !== -1; other = next[other] as number) {
          const q = points[other] as Position
          if (other === id || Math.abs((q[0] as number) - x) > eps || Math.abs((q[1] as number) - y) > eps) continue
          near ??= new Map()
          const list = near.get(id)
          if (list) list.push(other)
          else near.set(id, [other])
        }
  }
  return near
}

/**
 * nodeTownship's step 2 for a layer: the grids in force are anchors as they are; each file grid's
 * positions take the earliest anchor within eps (in the order anchors were added), and then its
 * own positions become anchors. Only positions with a neighbour within eps can move.
 */
function snapNearPositions(given: Rings, near: Map<number, number[]>, positions: number, fixed: number): Rings {
  const ids = given.ids.slice()
  const anchoredAt = new Float64Array(positions).fill(-1)
  let order = 0
  const anchor = (from: number, to: number) => {
    for (let at = from; at < to; at++) {
      const id = ids[at] as number
      if (anchoredAt[id] === -1) anchoredAt[id] = order
      order++
    }
  }
  const grids = given.ringOf.length - 1
  for (let g = 0; g < grids; g++) {
    const from = given.start[given.ringOf[g] as number] as number
    const to = given.start[given.ringOf[g + 1] as number] as number
    if (g >= fixed)
      for (let at = from; at < to; at++) {
        const id = ids[at] as number
        const candidates = near.get(id)
        if (!candidates) continue
        let best = anchoredAt[id] === -1 ? -1 : id
        for (const other of candidates)
          if (anchoredAt[other] !== -1 && (best === -1 || (anchoredAt[other] as number) < (anchoredAt[best] as number))) best = other
        if (best !== -1) ids[at] = best
      }
    anchor(from, to)
  }
  return { ...given, ids }
}

/** File grids' rings without a position equal to the one before it (nodeTownship's withoutRepeats); grids in force as given. */
function withoutRepeats(rings: Rings, fixed: number): Rings {
  const ids: number[] = []
  const start: number[] = []
  const firstFileRing = rings.ringOf[fixed] as number
  for (let r = 0; r + 1 < rings.start.length; r++) {
    start.push(ids.length)
    const from = rings.start[r] as number
    const to = rings.start[r + 1] as number
    const before = ids.length
    for (let at = from; at < to; at++) {
      const id = rings.ids[at] as number
      const previous = rings.ids[at === from ? to - 1 : at - 1]
      if (r < firstFileRing || id !== previous) ids.push(id)
    }
    if (ids.length === before && to > from) ids.push(rings.ids[from] as number)
  }
  start.push(ids.length)
  return { start, ids: Int32Array.from(ids), ringOf: rings.ringOf }
}

/** Positions to insert after a vertex of a file grid's ring, by the vertex's place in Rings.ids. */
type Inserts = Map<number, number[]>

/**
 * nodeTownship's step 3: every position within eps of a file grid's edge (not at its ends) goes
 * into that edge. Searched: edges without a twin and edges at a position that had another within
 * eps (`crowded`), from the ends of those edges and the crowded positions.
 */
function tJunctions(points: readonly Position[], rings: Rings, crowded: ReadonlySet<number>, fixed: number, eps: number): Inserts {
  const grids = rings.ringOf.length - 1
  // Directed edges: the owning grid, or -2 when several grids have the same one.
  const edges = new PairTable(rings.ids.length)
  const owners = new Int32Array(points.length).fill(-1)
  const forEachEdge = (visit: (grid: number, ring: number, index: number, from: number, to: number) => void) => {
    for (let g = 0; g < grids; g++)
      for (let r = rings.ringOf[g] as number; r < (rings.ringOf[g + 1] as number); r++) {
        const first = rings.start[r] as number
        const count = (rings.start[r + 1] as number) - first
        for (let i = 0; i < count; i++) visit(g, r, i, rings.ids[first + i] as number, rings.ids[first + ((i + 1) % count)] as number)
      }
  }
  forEachEdge((grid, _ring, _index, from, to) => {
    const owner = edges.exchange(from, to, grid)
    if (owner !== -1 && owner !== grid) edges.set(from, to, -2)
    owners[from] = owners[from] === -1 || owners[from] === grid ? grid : -2
  })
  const twinned = (grid: number, from: number, to: number) => {
    const other = edges.get(to, from)
    return other !== -1 && other !== grid
  }
  // Edges of file grids without a twin or at a crowded position, and the ends of every such edge.
  const open: { grid: number; ring: number; index: number; from: number; to: number }[] = []
  // (A crowded position that snapped to another is no longer a vertex: not searched from.)
  const ends = new Set<number>([...crowded].filter((id) => owners[id] !== -1))
  forEachEdge((grid, ring, index, from, to) => {
    if (from === to || (twinned(grid, from, to) && !crowded.has(from) && !crowded.has(to))) return
    ends.add(from).add(to)
    if (grid >= fixed) open.push({ grid, ring, index, from, to })
  })
  const inserts: Inserts = new Map()
  if (open.length === 0) return inserts
  const index = new Flatbush(open.length)
  for (const { from, to } of open) {
    const [ax, ay] = points[from] as [number, number]
    const [bx, by] = points[to] as [number, number]
    index.add(Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by))
  }
  index.finish()
  const found = new Map<number, { id: number; t: number }[]>()
  for (const id of [...ends].sort((a, b) => a - b)) {
    const [x, y] = points[id] as [number, number]
    for (const at of index.search(x - eps, y - eps, x + eps, y + eps)) {
      const edge = open[at] as (typeof open)[number]
      if (id === edge.from || id === edge.to) continue
      // The position must be a vertex of some grid other than the edge's own.
      if (owners[id] === edge.grid) continue
      const { t, distance } = projectOntoSegment(points[id] as Position, points[edge.from] as Position, points[edge.to] as Position)
      if (distance > eps || t <= 0 || t >= 1) continue
      const list = found.get(at) ?? []
      list.push({ id, t })
      found.set(at, list)
    }
  }
  for (const [at, list] of found) {
    const edge = open[at] as (typeof open)[number]
    inserts.set(
      (rings.start[edge.ring] as number) + edge.index,
      list.sort((a, b) => a.t - b.t).map((hit) => hit.id),
    )
  }
  return inserts
}

/** Grid g's geometry from its rings of ids, with the inserts, in the shape of the original. */
function rebuild(original: PolygonGeometry, rings: Rings, g: number, inserts: Inserts, points: readonly Position[]): PolygonGeometry {
  let r = rings.ringOf[g] as number
  const ringOut = () => {
    const first = rings.start[r] as number
    const count = (rings.start[r + 1] as number) - first
    const out: Position[] = []
    for (let i = 0; i < count; i++) {
      out.push(points[rings.ids[first + i] as number] as Position)
      for (const id of inserts.get(first + i) ?? []) out.push(points[id] as Position)
    }
    r++
    out.push([...(out[0] as Position)])
    return out
  }
  if (original.type === 'Polygon') return { type: 'Polygon', coordinates: original.coordinates.map(ringOut) }
  return { type: 'MultiPolygon', coordinates: original.coordinates.map((polygon) => polygon.map(ringOut)) }
}
