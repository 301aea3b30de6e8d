import type { MultiPolygon, Polygon } from 'geojson'
import { geometryOfPolygons } from '../geo/ewkb.js'
import { orientRings, type PolygonRings, type Position } from '../validation/edge-match.js'
import { pointInRing, ringArea2 } from '../validation/simple-ring.js'

// Grids dissolved from their units exactly, by hand: PostGIS 3.3 has no ST_CoverageUnion, and an
// overlay union (ST_Union) may snap or move vertices. The units come from one polygonised
// linework, so inside a grid every inner edge appears twice, in opposite directions, and cancels;
// the edges left chain into the grid's rings. Only the units' own coordinates are used.
// Unlike the coverage proof (edge-match.ts), which refuses an outline that touches itself, a grid
// may pinch (two units meeting at a corner, a hole touching the shell at a vertex): the outline is
// cut into simple rings that touch only at vertices, and since every outline edge has the grid on
// its left, a counter-clockwise ring is a shell and a clockwise one a hole — valid polygons, or
// parts of a MultiPolygon.

export interface DissolveUnit {
  id: string
  /** Lon/lat rings, shell first, any winding. */
  polygon: PolygonRings
}

/** Units that overlap or do not chain: they cannot be dissolved exactly. */
export class DissolveError extends Error {
  constructor(
    readonly grid: number,
    reason: string,
  ) {
    super(`grid ${grid}: ${reason}`)
    this.name = 'DissolveError'
  }
}

/** One Polygon or MultiPolygon per grid number in `assignment` (unit id → grid), by number. */
export function dissolve(
  units: readonly DissolveUnit[],
  assignment: Readonly<Record<string, number>>,
): Map<number, Polygon | MultiPolygon> {
  const unitsOf = new Map<number, DissolveUnit[]>()
  for (const unit of units) {
    const grid = assignment[unit.id]
    if (grid === undefined) throw new Error(`unit ${unit.id} has no grid`)
    const members = unitsOf.get(grid)
    if (members) members.push(unit)
    else unitsOf.set(grid, [unit])
  }
  const grids = new Map<number, Polygon | MultiPolygon>()
  for (const grid of [...unitsOf.keys()].sort((a, b) => a - b)) grids.set(grid, dissolveGrid(grid, unitsOf.get(grid) ?? []))
  return grids
}

function dissolveGrid(grid: number, units: readonly DissolveUnit[]): Polygon | MultiPolygon {
  const positions: Position[] = []
  const ids = new Map<string, number>()
  const vertex = (p: Position): number => {
    const key = `${p[0]},${p[1]}`
    let id = ids.get(key)
    if (id === undefined) {
      id = positions.length
      ids.set(key, id)
      positions.push(p)
    }
    return id
  }
  // Directed edges "from,to"; an edge met with its reverse present cancels with it.
  const directed = new Set<string>()
  for (const unit of units) {
    for (const ring of orientRings(unit.polygon)) {
      for (let i = 1; i < ring.length; i++) {
        const from = vertex(ring[i - 1] as Position)
        const to = vertex(ring[i] as Position)
        if (from === to) continue
        const key = `${from},${to}`
        const reverse = `${to},${from}`
        if (directed.has(key)) throw new DissolveError(grid, 'two units use one edge the same way (they overlap)')
        if (directed.has(reverse)) directed.delete(reverse)
        else directed.add(key)
      }
    }
  }
  const outgoing = new Map<number, number[]>()
  for (const key of directed) {
    const [from, to] = key.split(',').map(Number) as [number, number]
    const list = outgoing.get(from)
    if (list) list.push(to)
    else outgoing.set(from, [to])
  }
  const rings = chainRings(grid, directed, outgoing, positions)
  return nestRings(grid, rings)
}

/**
 * Chains the outline edges into rings, turning at each vertex to the first edge clockwise, then
 * cuts each ring at every vertex it passes twice: the tight turn keeps two parts that meet at a
 * corner apart, but walks a hole that touches the shell in one go with it.
 */
function chainRings(grid: number, directed: Set<string>, outgoing: Map<number, number[]>, positions: readonly Position[]): Position[][] {
  const used = new Set<string>()
  const rings: Position[][] = []
  for (const start of directed) {
    if (used.has(start)) continue
    const [first, second] = start.split(',').map(Number) as [number, number]
    const ring: number[] = [first]
    let [from, at] = [first, second]
    let key = start
    for (;;) {
      used.add(key)
      ring.push(at)
      const next = nextClockwise(positions, from, at, outgoing.get(at) ?? [])
      if (next === undefined) throw new DissolveError(grid, 'the outline does not close')
      key = `${at},${next}`
      if (key === start) break
      if (used.has(key)) throw new DissolveError(grid, 'the outline does not chain')
      ;[from, at] = [at, next]
    }
    for (const loop of simpleLoops(ring)) rings.push(loop.map((id) => positions[id] as Position))
  }
  return rings
}

/** A closed walk of vertex ids cut into closed loops that pass no vertex twice. */
function simpleLoops(walk: readonly number[]): number[][] {
  const loops: number[][] = []
  const stack: number[] = []
  const depth = new Map<number, number>()
  for (const id of walk) {
    const seen = depth.get(id)
    if (seen === undefined) {
      depth.set(id, stack.length)
      stack.push(id)
      continue
    }
    const loop = stack.splice(seen + 1)
    for (const left of loop) depth.delete(left)
    loops.push([id, ...loop, id])
  }
  return loops
}

/** Of the edges leaving `at`, the first met turning clockwise from the way back to `from`. */
function nextClockwise(positions: readonly Position[], from: number, at: number, candidates: readonly number[]): number | undefined {
  if (candidates.length <= 1) return candidates[0]
  const [ax, ay] = positions[at] as Position
  const [fx, fy] = positions[from] as Position
  const back = Math.atan2(fy - ay, fx - ax)
  let best: number | undefined
  let bestTurn = Number.POSITIVE_INFINITY
  for (const to of candidates) {
    const [tx, ty] = positions[to] as Position
    let turn = back - Math.atan2(ty - ay, tx - ax)
    while (turn <= 0) turn += 2 * Math.PI
    if (turn < bestTurn) [best, bestTurn] = [to, turn]
  }
  return best
}

/** Counter-clockwise rings are shells; each clockwise ring is a hole of the smallest shell around it. */
function nestRings(grid: number, rings: Position[][]): Polygon | MultiPolygon {
  const shells: { ring: Position[]; area2: number; holes: Position[][] }[] = []
  const holes: Position[][] = []
  for (const ring of rings) {
    const area2 = ringArea2(ring)
    if (area2 > 0) shells.push({ ring, area2, holes: [] })
    else if (area2 < 0) holes.push(ring)
    else throw new DissolveError(grid, 'a ring of zero area')
  }
  for (const hole of holes) {
    // The middle of an edge: never on another ring, since rings share no edge.
    const [a, b] = hole as [Position, Position]
    const probe: Position = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]
    let around: (typeof shells)[number] | undefined
    for (const shell of shells) {
      if (pointInRing(probe, shell.ring) && (!around || shell.area2 < around.area2)) around = shell
    }
    if (!around) throw new DissolveError(grid, 'a hole outside every shell')
    around.holes.push(hole)
  }
  return geometryOfPolygons(shells.map((shell) => [shell.ring, ...shell.holes]))
}
