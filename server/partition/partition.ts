import { buildGraph, connectedPieces, householdsOf, type UnitGraph } from './graph.js'
import { improve } from './moves.js'
import { Random } from './random.js'
import { repair } from './repair.js'
import { report } from './report.js'
import { type SplitContext, splitInto } from './split.js'
import { DEFAULT_WEIGHTS, PartitionState } from './state.js'
import { type PartitionInput, PartitionInputError, type PartitionInputProblem, type PartitionResult } from './types.js'

// Grids from units: per connected area, several seed partitions by recursive spanning-tree
// bipartition (the best kept), repair of anything outside the range, then ReCom and unit moves
// while they improve the cost. With today's grids: keep every grid that is still in range and
// contiguous, and repair only the others with their neighbours (the ONS rule).

const DEFAULT_BUDGET_MS = 10_000
const DEFAULT_SEEDS = 4
/** ReCom rounds over all grids; most runs settle well before. */
const IMPROVE_ROUNDS = 12

export function partition(input: PartitionInput): PartitionResult {
  const started = performance.now()
  const { min, max } = input.range
  const problems: PartitionInputProblem[] = []
  if (!(Number.isFinite(min) && Number.isFinite(max) && min > 0 && max >= min)) problems.push({ code: 'invalid_range', min, max })
  const target = input.target ?? (min + max) / 2
  if (!(Number.isFinite(target) && target > 0)) problems.push({ code: 'invalid_target', target })
  const { graph, indexOf, problems: graphProblems } = buildGraph(input.units, input.edges)
  problems.push(...graphProblems)
  const codes: string[] = []
  let existingCode: Int32Array | null = null
  if (input.existing) {
    existingCode = new Int32Array(graph.n).fill(-1)
    const codeIndex = new Map<string, number>()
    for (const [unit, code] of Object.entries(input.existing)) {
      const u = indexOf.get(unit)
      if (u === undefined) {
        problems.push({ code: 'unknown_unit_in_existing', unit })
        continue
      }
      let index = codeIndex.get(code)
      if (index === undefined) {
        index = codes.length
        codeIndex.set(code, index)
        codes.push(code)
      }
      existingCode[u] = index
    }
  }
  if (problems.length > 0) throw new PartitionInputError(problems)

  const seed = input.seed ?? 1
  const budgetMs = input.timeBudgetMs ?? DEFAULT_BUDGET_MS
  const deadline = started + budgetMs
  const rng = new Random(seed)
  const state = new PartitionState(graph, min, max, target, DEFAULT_WEIGHTS, existingCode, codes.length)
  const ctx: SplitContext = { graph, min, max, local: new Int32Array(graph.n).fill(-1) }
  let budgetReached: boolean
  if (existingCode) {
    startFromExisting(state, existingCode)
    pinUnitsAboveMax(state)
    budgetReached = repair(state, ctx, rng, deadline)
  } else {
    for (const piece of connectedPieces(graph)) divideArea(state, ctx, piece, rng.fork(), input.seeds ?? DEFAULT_SEEDS, deadline)
    budgetReached = repair(state, ctx, rng, deadline)
    if (!budgetReached) budgetReached = improve(state, ctx, rng, IMPROVE_ROUNDS, deadline)
  }
  return report({ state, codes, started, seed, budgetMs, budgetReached })
}

/**
 * One connected area: units above the maximum become grids of their own (with any scrap they cut
 * off); each remaining piece gets the grid count nearest its target that the range allows and the
 * best of several seed partitions.
 */
function divideArea(state: PartitionState, ctx: SplitContext, area: number[], rng: Random, seeds: number, deadline: number): void {
  const { graph, min, max, target } = state
  const above = area.filter((u) => (graph.households[u] as number) > max)
  const aboveGrid = new Map<number, number>()
  for (const u of above) {
    const grid = state.addGrid([u])
    state.pinned.add(grid)
    aboveGrid.set(u, grid)
  }
  const rest = above.length > 0 ? area.filter((u) => !aboveGrid.has(u)) : area
  for (const piece of above.length > 0 ? connectedPieces(graph, rest) : [area]) {
    const households = householdsOf(graph, piece)
    if (households < min && above.length > 0) {
      // Cut off by a unit above the maximum: part of that unit's grid rather than a tiny grid.
      const host = hostAboveMax(graph, piece, aboveGrid)
      if (host !== undefined) {
        state.setGrid(host, [...(state.members[host] as number[]), ...piece])
        continue
      }
    }
    const fewest = Math.max(1, Math.ceil(households / max - 1e-9))
    const most = Math.max(1, Math.floor(households / min + 1e-9))
    // When the range cannot be met (e.g. 350 households for 200–300) take the count nearest the target.
    const ideal = Math.max(1, Math.round(households / target))
    const grids = fewest <= most ? Math.min(most, Math.max(fewest, ideal)) : Math.min(fewest, Math.max(most, ideal))
    let best: { parts: number[][]; violation: number; cost: number } | null = null
    for (let attempt = 0; attempt < seeds; attempt++) {
      if (attempt > 0 && performance.now() > deadline) break
      const parts = splitInto(ctx, piece, Math.min(grids, piece.length), rng.fork())
      let violation = 0
      let cost = 0
      for (const part of parts) {
        const stats = state.stats(part)
        violation += state.violation(stats.households)
        cost += state.costOfStats(stats)
      }
      if (!best || violation < best.violation || (violation === best.violation && cost < best.cost)) best = { parts, violation, cost }
    }
    for (const part of (best as { parts: number[][] }).parts) state.addGrid(part)
  }
}

function hostAboveMax(graph: UnitGraph, piece: number[], aboveGrid: Map<number, number>): number | undefined {
  for (const u of piece) {
    for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) {
      const grid = aboveGrid.get(graph.neighbours[e] as number)
      if (grid !== undefined) return grid
    }
  }
  return undefined
}

/** Today's grids as the starting state: each code's connected pieces a grid, units without a code grouped by piece. */
function startFromExisting(state: PartitionState, existingCode: Int32Array): void {
  const byCode = new Map<number, number[]>()
  for (let u = 0; u < state.graph.n; u++) {
    const code = existingCode[u] as number
    const list = byCode.get(code)
    if (list) list.push(u)
    else byCode.set(code, [u])
  }
  for (const code of [...byCode.keys()].sort((a, b) => a - b)) {
    for (const piece of connectedPieces(state.graph, byCode.get(code) as number[])) state.addGrid(piece)
  }
}

/** A unit above the maximum leaves its grid for one of its own; what it leaves behind is split into connected pieces. */
function pinUnitsAboveMax(state: PartitionState): void {
  const { graph, max } = state
  for (let u = 0; u < graph.n; u++) {
    if ((graph.households[u] as number) <= max) continue
    const grid = state.gridOf[u] as number
    const others = (state.members[grid] as number[]).filter((unit) => unit !== u)
    if (others.length === 0) {
      state.pinned.add(grid)
      continue
    }
    state.replace([grid], connectedPieces(graph, others))
    state.pinned.add(state.addGrid([u]))
  }
}
