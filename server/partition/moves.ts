import type { Random } from './random.js'
import { bipartition, type SplitContext } from './split.js'
import type { PartitionState } from './state.js'

// The two local moves: a single unit crossing to a neighbouring grid, and ReCom (merge two
// adjacent grids, draw a spanning tree, cut it again). Both keep every grid connected; both are
// taken only when they lower the shared cost, so the search cannot cycle.

export interface UnitMove {
  unit: number
  to: number
  /** Households outside the range in the two grids after the move, and before. */
  violationAfter: number
  violationBefore: number
  /** Change of the cost of the two grids. */
  delta: number
}

/** What moving unit `u` to grid `to` would do, or null when it would break a grid or touch a pinned one. */
export function evaluateMove(state: PartitionState, u: number, to: number): UnitMove | null {
  const from = state.gridOf[u] as number
  if (from === to || state.pinned.has(from) || state.pinned.has(to)) return null
  const fromUnits = state.members[from] as number[]
  if (fromUnits.length <= 1 || !state.connected(fromUnits, u)) return null
  const toUnits = state.members[to] as number[]
  const oldFrom = state.stats(fromUnits)
  const oldTo = state.stats(toUnits)
  const newFrom = state.stats(fromUnits.filter((unit) => unit !== u))
  const newTo = state.stats([...toUnits, u])
  return {
    unit: u,
    to,
    violationBefore: state.violation(oldFrom.households) + state.violation(oldTo.households),
    violationAfter: state.violation(newFrom.households) + state.violation(newTo.households),
    delta: state.costOfStats(newFrom) + state.costOfStats(newTo) - state.costOfStats(oldFrom) - state.costOfStats(oldTo),
  }
}

/** One pass over all units in random order, taking each unit's best improving move. Returns whether any was taken. */
export function unitMoveSweep(state: PartitionState, rng: Random): boolean {
  const { graph } = state
  let moved = false
  const order = rng.shuffle(Array.from({ length: graph.n }, (_, u) => u))
  for (const u of order) {
    const from = state.gridOf[u] as number
    let best: UnitMove | null = null
    const tried = new Set<number>()
    for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) {
      const to = state.gridOf[graph.neighbours[e] as number] as number
      if (to === from || tried.has(to)) continue
      tried.add(to)
      const move = evaluateMove(state, u, to)
      if (!move || move.violationAfter > move.violationBefore || move.delta >= -1e-9) continue
      if (!best || move.delta < best.delta) best = move
    }
    if (best) {
      state.moveUnit(u, best.to)
      moved = true
    }
  }
  return moved
}

/** Merges grids a and b and re-splits them along the best of a few spanning trees; true when that lowered the cost. */
export function recombine(state: PartitionState, ctx: SplitContext, a: number, b: number, rng: Random, trees = 4): boolean {
  const unitsA = state.members[a] as number[]
  const unitsB = state.members[b] as number[]
  const units = [...unitsA, ...unitsB]
  let households = 0
  for (const u of units) households += state.graph.households[u] as number
  if (households < 2 * state.min || households > 2 * state.max) return false
  const before = state.cost(unitsA) + state.cost(unitsB)
  let best: { a: number[]; b: number[]; cost: number } | null = null
  for (let t = 0; t < trees; t++) {
    const cut = bipartition(ctx, units, 2, rng, 1)
    if (!cut?.feasible) continue
    const cost = state.cost(cut.a) + state.cost(cut.b)
    if (!best || cost < best.cost) best = { a: cut.a, b: cut.b, cost }
  }
  if (!best || best.cost >= before - 1e-9) return false
  state.replace([a, b], [best.a, best.b])
  return true
}

/**
 * Rounds of ReCom over every grid and a neighbour, then a unit sweep, until a round changes
 * nothing, `rounds` are done or the deadline passes. Returns true when the deadline stopped it.
 */
export function improve(state: PartitionState, ctx: SplitContext, rng: Random, rounds: number, deadline: number): boolean {
  for (let round = 0; round < rounds; round++) {
    let changed = false
    const grids = rng.shuffle(state.liveGrids().filter((grid) => !state.pinned.has(grid)))
    for (let i = 0; i < grids.length; i++) {
      const a = grids[i] as number
      if ((state.members[a] as number[]).length === 0) continue
      const neighbours = state.neighbourGrids(a).filter((grid) => !state.pinned.has(grid))
      if (neighbours.length === 0) continue
      if (recombine(state, ctx, a, neighbours[rng.below(neighbours.length)] as number, rng)) changed = true
      if (i % 32 === 31 && performance.now() > deadline) return true
    }
    if (unitMoveSweep(state, rng)) changed = true
    if (performance.now() > deadline) return true
    if (!changed) break
  }
  return false
}
