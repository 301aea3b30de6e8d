import type { Random } from './random.js'
import { evaluateMove, type UnitMove } from './moves.js'
import { type SplitContext, splitInto } from './split.js'
import type { PartitionState } from './state.js'

// Repair of grids outside the range, from the smallest change up: first single units across the
// grid's own boundary; then the grid merged with one neighbour and re-split (each neighbour tried,
// the cheapest kept); then with all its neighbours; then two rings out. The number of grids may
// change (a 150-household grid and a 260 one become one of 410). This is also the maintenance
// rule: grids in range are touched only when they border one that is not.

/** Moves single units across the grid's boundary while each move brings households into range. */
function shiftUnits(state: PartitionState, grid: number): void {
  for (let step = 0; step < 64; step++) {
    const households = state.households(grid)
    if (state.violation(households) === 0) return
    let best: UnitMove | null = null
    for (const other of state.neighbourGrids(grid)) {
      if (state.pinned.has(other)) continue
      const candidates =
        households < state.min
          ? state.unitsFacing(other, grid).map((u) => evaluateMove(state, u, grid))
          : state.unitsFacing(grid, other).map((u) => evaluateMove(state, u, other))
      for (const move of candidates) {
        if (!move || move.violationAfter >= move.violationBefore) continue
        if (
          !best ||
          move.violationAfter < best.violationAfter ||
          (move.violationAfter === best.violationAfter && move.delta < best.delta)
        ) {
          best = move
        }
      }
    }
    if (!best) return
    state.moveUnit(best.unit, best.to)
  }
}

/** Grid groups to merge around `grid`, by level: each neighbour alone, all neighbours, two rings. */
function mergeLevels(state: PartitionState, grid: number): number[][][] {
  const free = (g: number) => !state.pinned.has(g)
  const ring1 = state.neighbourGrids(grid).filter(free)
  if (ring1.length === 0) return []
  const ring2 = new Set<number>([grid, ...ring1])
  for (const neighbour of ring1) for (const g of state.neighbourGrids(neighbour)) if (free(g)) ring2.add(g)
  const levels = [ring1.map((neighbour) => [grid, neighbour])]
  if (ring1.length > 1) levels.push([[grid, ...ring1]])
  if (ring2.size > ring1.length + 1) levels.push([[...ring2].sort((a, b) => a - b)])
  return levels
}

/** Merges the grid with neighbours and re-splits the whole into grids all in range; true when done. */
function mergeAndResplit(state: PartitionState, ctx: SplitContext, grid: number, rng: Random): boolean {
  for (const level of mergeLevels(state, grid)) {
    let best: { group: number[]; parts: number[][]; delta: number } | null = null
    for (const group of level) {
      const units = group.flatMap((g) => state.members[g] as number[])
      let households = 0
      for (const u of units) households += state.graph.households[u] as number
      const fewest = Math.ceil(households / state.max - 1e-9)
      const most = Math.floor(households / state.min + 1e-9)
      if (fewest > most) continue
      const counts: number[] = []
      for (let k = fewest; k <= most; k++) counts.push(k)
      counts.sort((p, q) => Math.abs(p - group.length) - Math.abs(q - group.length) || p - q)
      const before = group.reduce((sum, g) => sum + state.cost(state.members[g] as number[]), 0)
      for (const count of counts.slice(0, 2)) {
        for (let attempt = 0; attempt < 3; attempt++) {
          const parts = splitInto(ctx, units, count, rng)
          if (parts.some((part) => state.violation(part.reduce((sum, u) => sum + (state.graph.households[u] as number), 0)) > 0)) continue
          const delta = parts.reduce((sum, part) => sum + state.cost(part), 0) - before
          if (!best || delta < best.delta) best = { group, parts, delta }
          break
        }
      }
    }
    if (best) {
      state.replace(best.group, best.parts)
      return true
    }
  }
  return false
}

/**
 * Repairs every grid outside the range that can be (not pinned, with neighbours). Returns true
 * when the deadline stopped it.
 */
export function repair(state: PartitionState, ctx: SplitContext, rng: Random, deadline: number): boolean {
  for (let pass = 0; pass < 3; pass++) {
    const broken = state.liveGrids().filter((g) => !state.pinned.has(g) && state.violation(state.households(g)) > 0)
    if (broken.length === 0) return false
    for (const grid of broken) {
      if (performance.now() > deadline) return true
      if ((state.members[grid] as number[]).length === 0 || state.violation(state.households(grid)) === 0) continue
      shiftUnits(state, grid)
      if (state.violation(state.households(grid)) > 0) mergeAndResplit(state, ctx, grid, rng)
    }
  }
  return false
}
