import type { PartitionEdge, PartitionInputProblem, PartitionUnit } from './types.js'

// The unit graph in flat arrays (compressed adjacency): the algorithm walks neighbours millions of
// times, and typed arrays keep that cheap. Units are numbered 0..n-1 in input order.

export interface UnitGraph {
  n: number
  ids: string[]
  households: Float64Array
  area: Float64Array
  perimeter: Float64Array
  x: Float64Array
  y: Float64Array
  /** Neighbours of unit u are neighbours[offsets[u] .. offsets[u + 1]); each edge appears from both ends. */
  offsets: Int32Array
  neighbours: Int32Array
  lengths: Float64Array
  onRoad: Uint8Array
  /** Whether any edge runs on a road: without roads the road share means nothing. */
  hasRoads: boolean
}

const UNIT_FIELDS = ['households', 'area', 'perimeter', 'x', 'y'] as const

export function buildGraph(
  units: readonly PartitionUnit[],
  edges: readonly PartitionEdge[],
): { graph: UnitGraph; indexOf: Map<string, number>; problems: PartitionInputProblem[] } {
  const problems: PartitionInputProblem[] = []
  if (units.length === 0) problems.push({ code: 'no_units' })
  const n = units.length
  const indexOf = new Map<string, number>()
  const graph: UnitGraph = {
    n,
    ids: units.map((unit) => unit.id),
    households: new Float64Array(n),
    area: new Float64Array(n),
    perimeter: new Float64Array(n),
    x: new Float64Array(n),
    y: new Float64Array(n),
    offsets: new Int32Array(n + 1),
    neighbours: new Int32Array(0),
    lengths: new Float64Array(0),
    onRoad: new Uint8Array(0),
    hasRoads: false,
  }
  units.forEach((unit, index) => {
    if (indexOf.has(unit.id)) problems.push({ code: 'duplicate_unit', unit: unit.id })
    else indexOf.set(unit.id, index)
    for (const field of UNIT_FIELDS) {
      const value = unit[field]
      const bad = typeof value !== 'number' || !Number.isFinite(value) || (field !== 'x' && field !== 'y' && value < 0)
      if (bad) problems.push({ code: 'invalid_unit_value', unit: unit.id, field })
      else graph[field][index] = value
    }
  })

  const ends: [number, number, number, boolean][] = []
  for (const edge of edges) {
    const a = indexOf.get(edge.a)
    const b = indexOf.get(edge.b)
    if (a === undefined) problems.push({ code: 'unknown_unit_in_edge', unit: edge.a })
    if (b === undefined) problems.push({ code: 'unknown_unit_in_edge', unit: edge.b })
    if (a === undefined || b === undefined) continue
    if (a === b) {
      problems.push({ code: 'self_edge', unit: edge.a })
      continue
    }
    if (typeof edge.length !== 'number' || !Number.isFinite(edge.length) || edge.length < 0) {
      problems.push({ code: 'invalid_edge_length', a: edge.a, b: edge.b })
      continue
    }
    ends.push([a, b, edge.length, edge.onRoad === true])
  }

  const degree = graph.offsets
  for (const [a, b] of ends) {
    degree[a + 1] = (degree[a + 1] as number) + 1
    degree[b + 1] = (degree[b + 1] as number) + 1
  }
  for (let u = 0; u < n; u++) degree[u + 1] = (degree[u + 1] as number) + (degree[u] as number)
  const slots = ends.length * 2
  graph.neighbours = new Int32Array(slots)
  graph.lengths = new Float64Array(slots)
  graph.onRoad = new Uint8Array(slots)
  const fill = graph.offsets.slice(0, n)
  const put = (from: number, to: number, length: number, road: boolean) => {
    const slot = fill[from] as number
    fill[from] = slot + 1
    graph.neighbours[slot] = to
    graph.lengths[slot] = length
    graph.onRoad[slot] = road ? 1 : 0
  }
  for (const [a, b, length, road] of ends) {
    put(a, b, length, road)
    put(b, a, length, road)
    if (road) graph.hasRoads = true
  }
  return { graph, indexOf, problems }
}

/** Connected pieces of the given units (all units when omitted), each in breadth-first order from its lowest unit. */
export function connectedPieces(graph: UnitGraph, units?: readonly number[]): number[][] {
  const inside = new Uint8Array(graph.n)
  const list = units ?? Array.from({ length: graph.n }, (_, u) => u)
  for (const u of list) inside[u] = 1
  const seen = new Uint8Array(graph.n)
  const pieces: number[][] = []
  for (const start of list) {
    if (seen[start]) continue
    seen[start] = 1
    const piece = [start]
    for (let head = 0; head < piece.length; head++) {
      const u = piece[head] as number
      for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) {
        const v = graph.neighbours[e] as number
        if (inside[v] && !seen[v]) {
          seen[v] = 1
          piece.push(v)
        }
      }
    }
    pieces.push(piece)
  }
  return pieces
}

export function householdsOf(graph: UnitGraph, units: readonly number[]): number {
  let sum = 0
  for (const u of units) sum += graph.households[u] as number
  return sum
}
