import Flatbush from 'flatbush'
import { Slices } from './slices.js'
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
  | {
      clean: true
      rings: OutlineRing[]
      outlineFeatures: number[]
      /** The union of the features as polygons: each shell with the gap rings directly inside it. */
      union: PolygonRings[]
    }
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

/**
 * Numbers each distinct vertex (exact coordinates) so edges can be keyed by two integers: an
 * open-addressing hash table over the coordinates' bits, several times faster than a Map of
 * strings on the ~250,000 vertices of a county. Sized up front from the number of positions (a
 * coverage has about half as many distinct vertices), so a city's 4 million positions are not
 * hashed again at every doubling.
 */
class VertexIds {
  readonly positions: Position[] = []
  private capacity: number
  /** Slot s: [x, y, id] at cells[3s…3s+2], id -1 when free (one cache line a probe). */
  private cells: Float64Array
  private readonly bits = new Float64Array(2)
  private readonly words = new Uint32Array(this.bits.buffer)

  constructor(expected = 0) {
    let capacity = 1 << 16
    while (capacity < expected) capacity *= 2
    this.capacity = capacity
    this.cells = VertexIds.emptyCells(capacity)
  }

  private static emptyCells(capacity: number): Float64Array {
    const cells = new Float64Array(capacity * 3)
    for (let slot = 0; slot < capacity; slot++) cells[3 * slot + 2] = -1
    return cells
  }

  id(p: Position): number {
    if (this.positions.length * 2 >= this.capacity) this.grow()
    const x = p[0]
    const y = p[1]
    const cells = this.cells
    let slot = this.hash(x, y)
    for (;;) {
      const at = 3 * slot
      const id = cells[at + 2] as number
      if (id === -1) {
        const next = this.positions.length
        cells[at] = x
        cells[at + 1] = y
        cells[at + 2] = next
        this.positions.push(p)
        return next
      }
      if (cells[at] === x && cells[at + 1] === y) return id
      slot = (slot + 1) & (this.capacity - 1)
    }
  }

  private hash(x: number, y: number): number {
    this.bits[0] = x
    this.bits[1] = y
    const w = this.words
    let h = Math.imul((w[0] as number) ^ (w[1] as number), 0x9e3779b1)
    h = Math.imul(h ^ (w[2] as number) ^ ((w[3] as number) << 7), 0x85ebca6b)
    return (h ^ (h >>> 15)) & (this.capacity - 1)
  }

  /** Twice the capacity, the numbered vertices moved over with the numbers they have. */
  private grow(): void {
    const old = this.cells
    this.capacity *= 2
    const cells = VertexIds.emptyCells(this.capacity)
    this.cells = cells
    for (let at = 0; at < old.length; at += 3) {
      const id = old[at + 2] as number
      if (id === -1) continue
      const x = old[at] as number
      const y = old[at + 1] as number
      let slot = this.hash(x, y)
      while (cells[3 * slot + 2] !== -1) slot = (slot + 1) & (this.capacity - 1)
      cells[3 * slot] = x
      cells[3 * slot + 1] = y
      cells[3 * slot + 2] = id
    }
  }
}

/** Runs in slices (see slices.ts): a million vertices take about half a second. */
export async function matchEdges(features: EdgeMatchInput[], slices = new Slices()): Promise<EdgeMatchResult> {
  const edges = await directedEdges(features, slices)
  const { suspects, outgoing, outlineFeatures, ambiguous } = await pairSegments(edges, slices)
  if (suspects.size > 0) return { clean: false, suspects: [...suspects] }
  const dirty = (): EdgeMatchResult => ({ clean: false, suspects: [...outlineFeatures] })
  if (ambiguous) return dirty()
  const rings = await chainOutline(outgoing, edges.vertices, slices)
  if (rings === null || !rings.some((ring) => ring.shell)) return dirty()
  const union = await nestOutline(rings, slices)
  if (union === null) return dirty()
  return { clean: true, rings, outlineFeatures: [...outlineFeatures].sort((a, b) => a - b), union }
}

/** Every directed edge of the features, as parallel arrays; vertices numbered. */
interface DirectedEdges {
  vertices: VertexIds
  /** Edges 0…count-1 of the arrays below. */
  count: number
  from: Int32Array
  to: Int32Array
  /** The feature index of each edge. */
  owner: Int32Array
}

/** An outline edge from a vertex: where it goes, and the features it belongs to. */
type OutlineEdges = Map<number, { to: number; features: number[] }>

interface SegmentPairing {
  /** Features with an edge used twice the same way, or three times: polygons on the same side. */
  suspects: Set<number>
  /** The edges without a twin, by their start vertex: the union's outline. */
  outgoing: OutlineEdges
  outlineFeatures: Set<number>
  /** Two outline edges start at one vertex: the outline does not chain unambiguously. */
  ambiguous: boolean
}

async function directedEdges(features: EdgeMatchInput[], slices: Slices): Promise<DirectedEdges> {
  // Arrays sized once: at most one edge per position (a ring of n positions has n - 1).
  let positions = 0
  for (const { polygons } of features) for (const polygon of polygons) for (const ring of polygon) positions += ring.length
  const vertices = new VertexIds(positions)
  const from = new Int32Array(positions)
  const to = new Int32Array(positions)
  const owner = new Int32Array(positions)
  let count = 0
  for (const { index, polygons } of features) {
    await slices.pause()
    for (const polygon of polygons) {
      for (const ring of orientRings(polygon)) {
        let previous = vertices.id(ring[0] as Position)
        for (let i = 1; i < ring.length; i++) {
          const next = vertices.id(ring[i] as Position)
          if (next === previous) continue // repeated point
          from[count] = previous
          to[count] = next
          owner[count] = index
          count++
          previous = next
        }
      }
    }
  }
  return { vertices, count, from, to, owner }
}

/**
 * Pairs each edge with its twin. Each undirected segment goes in an open-addressing table of
 * integer pairs (several times faster than a Map or a sort over a quarter-million edges): its
 * first edge and how often it occurs.
 */
async function pairSegments({ count, from, to, owner }: DirectedEdges, slices: Slices): Promise<SegmentPairing> {
  let capacity = 1
  while (capacity < count * 2) capacity *= 2
  // Slot s holds [low, high, first edge, uses] at table[4s…4s+3]: one cache line a probe, not four.
  const table = new Int32Array(capacity * 4)
  for (let slot = 0; slot < capacity; slot++) table[4 * slot + 2] = -1
  const suspects = new Set<number>()
  for (let e = 0; e < count; e++) {
    if ((e & 0xffff) === 0) await slices.pause()
    const a = from[e] as number
    const b = to[e] as number
    const low = Math.min(a, b)
    const high = Math.max(a, b)
    let slot = Math.imul(Math.imul(low, 0x9e3779b1) ^ high, 0x85ebca6b) & (capacity - 1)
    for (;;) {
      const at = 4 * slot
      const first = table[at + 2] as number
      if (first === -1) {
        table[at] = low
        table[at + 1] = high
        table[at + 2] = e
        table[at + 3] = 1
        break
      }
      if (table[at] === low && table[at + 1] === high) {
        const uses = Math.min(255, (table[at + 3] as number) + 1)
        table[at + 3] = uses
        // The same segment used twice the same way, or three times: polygons on the same side.
        if (uses !== 2 || from[first] === a) {
          suspects.add(owner[first] as number)
          suspects.add(owner[e] as number)
        }
        break
      }
      slot = (slot + 1) & (capacity - 1)
    }
  }
  const outgoing: OutlineEdges = new Map()
  const outlineFeatures = new Set<number>()
  let ambiguous = false
  for (let slot = 0; slot < capacity; slot++) {
    if ((slot & 0xffff) === 0) await slices.pause()
    if (table[4 * slot + 3] !== 1) continue
    // No twin: part of the outline of the union.
    const e = table[4 * slot + 2] as number
    if (outgoing.has(from[e] as number)) ambiguous = true
    outgoing.set(from[e] as number, { to: to[e] as number, features: [owner[e] as number] })
    outlineFeatures.add(owner[e] as number)
  }
  return { suspects, outgoing, outlineFeatures, ambiguous }
}

/** Chains the outline edges into rings (T-junction slivers left out); null when a chain does not close. */
async function chainOutline(outgoing: OutlineEdges, vertices: VertexIds, slices: Slices): Promise<OutlineRing[] | null> {
  const rings: OutlineRing[] = []
  const used = new Set<number>()
  for (const start of outgoing.keys()) {
    if (used.has(start)) continue
    await slices.pause()
    const ring: Position[] = [vertices.positions[start] as Position]
    const ringFeatures = new Set<number>()
    let at = start
    while (!used.has(at)) {
      used.add(at)
      const edge = outgoing.get(at)
      if (!edge) return null // the chain does not close
      for (const feature of edge.features) ringFeatures.add(feature)
      ring.push(vertices.positions[edge.to] as Position)
      at = edge.to
    }
    if (at !== start) return null
    const area2 = ringArea2(ring)
    if (Math.abs(area2) <= T_JUNCTION_AREA2) continue
    rings.push({ ring, features: [...ringFeatures].sort((a, b) => a - b), shell: area2 > 0 })
  }
  return rings
}

/**
 * The union as polygons, each shell with the gap rings directly inside it — or null unless the
 * outline rings neither cross nor touch, and nest so that the winding number is 1 just inside
 * each shell and 0 just inside each gap ring.
 */
async function nestOutline(rings: OutlineRing[], slices: Slices): Promise<PolygonRings[] | null> {
  await slices.pause()
  if (!ringsAreSimpleAndApart(rings.map((r) => r.ring))) return null
  await slices.pause()
  // The rings around each probe point from an R-tree of their boxes (a request of many separate
  // grids has as many rings: comparing each with each would be quadratic).
  const tree = new Flatbush(rings.length)
  for (const { ring } of rings) tree.add(...bounds(ring))
  tree.finish()
  // A gap ring's shell is the smallest ring around it (no shell sits between a gap and its shell).
  const areas = rings.map(({ ring }) => Math.abs(ringArea2(ring)))
  const holesOf = new Map<number, Position[][]>()
  for (const [r, { ring, shell }] of rings.entries()) {
    if ((r & 0xff) === 0) await slices.pause()
    const probe = ring[0] as Position
    let winding = shell ? 1 : -1
    let around = -1
    for (const q of tree.search(probe[0], probe[1], probe[0], probe[1])) {
      const other = rings[q] as OutlineRing
      if (q === r || !pointInRing(probe, other.ring)) continue
      winding += other.shell ? 1 : -1
      if (around < 0 || (areas[q] as number) < (areas[around] as number)) around = q
    }
    if (winding !== (shell ? 1 : 0)) return null
    if (shell) continue
    const holes = holesOf.get(around)
    if (holes) holes.push(ring)
    else holesOf.set(around, [ring])
  }
  return rings.flatMap(({ ring, shell }, r) => (shell ? [[ring, ...(holesOf.get(r) ?? [])]] : []))
}

type Bounds = [number, number, number, number]
/** The bounding box [minX, minY, maxX, maxY] of a list of positions. */
export function bounds(ring: readonly Position[]): Bounds {
  let [minX, minY, maxX, maxY] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]
  for (const [x, y] of ring) {
    minX = Math.min(minX, x)
    minY = Math.min(minY, y)
    maxX = Math.max(maxX, x)
    maxY = Math.max(maxY, y)
  }
  return [minX, minY, maxX, maxY]
}
