import { pointInRing, ringArea2, ringsAreSimpleAndApart } from './simple-ring.js'

// Coverage by edge matching, written by hand because it is the fast way to prove a coverage
// clean (it is what GEOS's CoverageValidator does; PostGIS 3.3 has no such function). In a clean
// coverage of counter-clockwise polygons every inner edge appears twice, once in each direction;
// the edges left over chain into the union's outline: counter-clockwise shells and a clockwise
// ring around every gap. The number of polygons over a point (the winding number) changes only
// across outline rings, so if those rings neither cross nor touch, and just inside every shell
// it is 1 and just inside every gap ring it is 0, then no point is covered twice (no overlap)
// and the clockwise rings are exactly the gaps — no polygon overlay needed. Anything else (an
// edge used twice the same way, edges that do not chain, rings that touch or nest wrongly) is
// left to PostGIS.

export type Position = [number, number]
/** A polygon as rings of positions, shell first, in any winding. */
export type PolygonRings = Position[][]

export interface EdgeMatchInput {
  /** Index of the feature in the request. */
  index: number
  polygons: PolygonRings[]
}

export interface OutlineRing {
  ring: Position[]
  /** Features whose edges make up the ring. */
  features: number[]
  /** True for a counter-clockwise shell, false for a clockwise ring around a gap. */
  shell: boolean
}

export type EdgeMatchResult =
  | { clean: true; rings: OutlineRing[]; outlineFeatures: number[] }
  | { clean: false; suspects: number[] }

// Rings of (near) zero area are T-junctions (a vertex on a neighbour's edge), not gaps: the
// threshold, 2e-16 deg² (≈ 1 mm² at these latitudes), is far below any real gap and far above
// the rounding of a vertex placed on a line.
const T_JUNCTION_AREA2 = 2e-16

/** Rings in canonical winding: shell counter-clockwise, holes clockwise. */
export function orientRings(polygon: PolygonRings): PolygonRings {
  return polygon.map((ring, r) => {
    const ccw = ringArea2(ring) > 0
    return (r === 0) === ccw ? ring : [...ring].reverse()
  })
}

/** Numbers each distinct vertex (exact coordinates) so edges can be keyed by two integers. */
class VertexIds {
  private readonly byX = new Map<number, Map<number, number>>()
  readonly positions: Position[] = []
  id(p: Position): number {
    let byY = this.byX.get(p[0])
    if (!byY) {
      byY = new Map()
      this.byX.set(p[0], byY)
    }
    let id = byY.get(p[1])
    if (id === undefined) {
      id = this.positions.length
      byY.set(p[1], id)
      this.positions.push(p)
    }
    return id
  }
}

const edgeKey = (from: number, to: number) => from * 4_294_967_296 + to

export function matchEdges(features: EdgeMatchInput[]): EdgeMatchResult {
  const vertices = new VertexIds()
  // Directed edge → the features using it in that direction.
  const edges = new Map<number, number[]>()
  const suspects = new Set<number>()
  for (const { index, polygons } of features) {
    for (const polygon of polygons) {
      for (const ring of orientRings(polygon)) {
        let from = vertices.id(ring[0] as Position)
        for (let i = 1; i < ring.length; i++) {
          const to = vertices.id(ring[i] as Position)
          if (to === from) continue // repeated point
          const key = edgeKey(from, to)
          const users = edges.get(key)
          if (users) {
            // The same edge twice in the same direction: two polygons on the same side of it.
            users.push(index)
            for (const feature of users) suspects.add(feature)
          } else {
            edges.set(key, [index])
          }
          from = to
        }
      }
    }
  }
  if (suspects.size > 0) return { clean: false, suspects: [...suspects] }

  // Edges without their reverse make up the outline of the union: from-vertex → edge.
  const outgoing = new Map<number, { to: number; features: number[] }>()
  const outlineFeatures = new Set<number>()
  let ambiguous = false
  for (const [key, users] of edges) {
    const from = Math.floor(key / 4_294_967_296)
    const to = key - from * 4_294_967_296
    if (edges.has(edgeKey(to, from))) continue
    if (outgoing.has(from)) ambiguous = true
    outgoing.set(from, { to, features: users })
    for (const feature of users) outlineFeatures.add(feature)
  }
  const dirty = (): EdgeMatchResult => ({ clean: false, suspects: [...outlineFeatures] })
  if (ambiguous) return dirty()

  // Chain the outline edges into rings.
  const rings: OutlineRing[] = []
  const used = new Set<number>()
  for (const start of outgoing.keys()) {
    if (used.has(start)) continue
    const ring: Position[] = [vertices.positions[start] as Position]
    const ringFeatures = new Set<number>()
    let at = start
    while (!used.has(at)) {
      used.add(at)
      const edge = outgoing.get(at)
      if (!edge) return dirty() // the chain does not close
      for (const feature of edge.features) ringFeatures.add(feature)
      ring.push(vertices.positions[edge.to] as Position)
      at = edge.to
    }
    if (at !== start) return dirty()
    const area2 = ringArea2(ring)
    if (Math.abs(area2) <= T_JUNCTION_AREA2) continue
    rings.push({ ring, features: [...ringFeatures].sort((a, b) => a - b), shell: area2 > 0 })
  }
  if (!rings.some((ring) => ring.shell)) return dirty()

  // The outline rings must neither cross nor touch, and nest so that the winding number is 1
  // just inside each shell and 0 just inside each gap ring.
  if (!ringsAreSimpleAndApart(rings.map((r) => r.ring))) return dirty()
  const boxes = rings.map(({ ring }) => bounds(ring))
  for (const [r, { ring, shell }] of rings.entries()) {
    const probe = ring[0] as Position
    let winding = shell ? 1 : -1
    for (const [q, other] of rings.entries()) {
      if (q === r || !contains(boxes[q] as Bounds, probe)) continue
      if (pointInRing(probe, other.ring)) winding += other.shell ? 1 : -1
    }
    if (winding !== (shell ? 1 : 0)) return dirty()
  }
  return { clean: true, rings, outlineFeatures: [...outlineFeatures].sort((a, b) => a - b) }
}

type Bounds = [number, number, number, number]
function bounds(ring: Position[]): Bounds {
  let [minX, minY, maxX, maxY] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]
  for (const [x, y] of ring) {
    minX = Math.min(minX, x)
    minY = Math.min(minY, y)
    maxX = Math.max(maxX, x)
    maxY = Math.max(maxY, y)
  }
  return [minX, minY, maxX, maxY]
}
const contains = (b: Bounds, p: Position) => p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3]
