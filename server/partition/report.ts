import { connectedPieces, householdsOf } from './graph.js'
import type { PartitionState } from './state.js'
import type { PartitionExplanation, PartitionGrid, PartitionResult } from './types.js'

// From the final assignment to the answer: coding order, per-grid figures, the summary, the match
// to today's grids, and an explanation for every grid outside the range, all derived from the
// final state so nothing the algorithm did along the way can leave a grid unexplained.

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits

/** Rows north → south (a row is one typical grid high), west → east within a row; the lowest unit breaks ties. */
function codingOrder(state: PartitionState, grids: number[]): number[] {
  const { graph } = state
  let top = Number.NEGATIVE_INFINITY
  const centre = new Map<number, { x: number; y: number; first: number }>()
  for (const grid of grids) {
    const units = state.members[grid] as number[]
    let area = 0
    let x = 0
    let y = 0
    for (const u of units) {
      const weight = (graph.area[u] as number) || 1e-9
      area += weight
      x += (graph.x[u] as number) * weight
      y += (graph.y[u] as number) * weight
    }
    centre.set(grid, { x: x / area, y: y / area, first: Math.min(...units) })
    top = Math.max(top, y / area)
  }
  const row = (grid: number) => Math.floor((top - (centre.get(grid)?.y as number)) / state.scale)
  return [...grids].sort((a, b) => {
    const ca = centre.get(a) as { x: number; first: number }
    const cb = centre.get(b) as { x: number; first: number }
    return row(a) - row(b) || ca.x - cb.x || ca.first - cb.first
  })
}

/** For each grid, the existing code it takes over: greatest household (then unit) overlap first, each code once. */
function matchExisting(state: PartitionState, grids: number[], codes: string[]): Map<number, number> {
  const existing = state.existingCode as Int32Array
  const overlaps: { grid: number; code: number; households: number; units: number }[] = []
  for (const grid of grids) {
    const byCode = new Map<number, { households: number; units: number }>()
    for (const u of state.members[grid] as number[]) {
      const code = existing[u] as number
      if (code < 0) continue
      const entry = byCode.get(code) ?? { households: 0, units: 0 }
      entry.households += state.graph.households[u] as number
      entry.units++
      byCode.set(code, entry)
    }
    for (const [code, entry] of byCode) overlaps.push({ grid, code, ...entry })
  }
  overlaps.sort((a, b) => b.households - a.households || b.units - a.units || a.grid - b.grid || a.code - b.code)
  const matched = new Map<number, number>()
  const taken = new Uint8Array(codes.length)
  for (const { grid, code } of overlaps) {
    if (matched.has(grid) || taken[code]) continue
    matched.set(grid, code)
    taken[code] = 1
  }
  return matched
}

export interface ReportContext {
  state: PartitionState
  codes: string[]
  started: number
  seed: number
  budgetMs: number
  budgetReached: boolean
}

export function report({ state, codes, started, seed, budgetMs, budgetReached }: ReportContext): PartitionResult {
  const { graph } = state
  const order = codingOrder(state, state.liveGrids())
  const numberOf = new Map(order.map((grid, i) => [grid, i + 1]))
  const matched = state.existingCode ? matchExisting(state, order, codes) : null
  const codeSize = new Int32Array(codes.length)
  if (state.existingCode) for (const code of state.existingCode) if (code >= 0) codeSize[code] = (codeSize[code] as number) + 1

  const assignment: Record<string, number> = {}
  const grids: PartitionGrid[] = order.map((grid) => {
    const units = state.members[grid] as number[]
    const stats = state.stats(units)
    for (const u of units) assignment[graph.ids[u] as string] = numberOf.get(grid) as number
    const entry: PartitionGrid = {
      number: numberOf.get(grid) as number,
      units: units.map((u) => graph.ids[u] as string),
      households: stats.households,
      area: round(stats.area, 1),
      perimeter: round(stats.perimeter, 1),
      polsby_popper: round(stats.polsbyPopper, 4),
      contiguous: state.connected(units),
      in_range: state.violation(stats.households) === 0,
    }
    const code = matched?.get(grid)
    if (matched) {
      entry.unchanged = code !== undefined && codeSize[code] === units.length && units.every((u) => state.existingCode?.[u] === code)
      if (code !== undefined) entry.existing_code = codes[code] as string
    }
    return entry
  })

  let between = 0
  let onRoad = 0
  for (let u = 0; u < graph.n; u++) {
    for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) {
      const v = graph.neighbours[e] as number
      if (v < u || state.gridOf[u] === state.gridOf[v]) continue
      between += graph.lengths[e] as number
      if (graph.onRoad[e]) onRoad += graph.lengths[e] as number
    }
  }
  const total = householdsOf(
    graph,
    Array.from({ length: graph.n }, (_, u) => u),
  )
  let moved = 0
  if (matched && state.existingCode) {
    for (let u = 0; u < graph.n; u++) {
      if (matched.get(state.gridOf[u] as number) !== state.existingCode[u]) moved += graph.households[u] as number
    }
  }
  const count = grids.length
  const pct = (part: number, whole: number) => (whole > 0 ? round((100 * part) / whole, 2) : 0)
  return {
    assignment,
    grids,
    summary: {
      grids: count,
      in_range_pct: pct(grids.filter((grid) => grid.in_range).length, count),
      mean_polsby_popper: count > 0 ? round(grids.reduce((sum, grid) => sum + grid.polsby_popper, 0) / count, 4) : 0,
      road_boundary_share: graph.hasRoads && between > 0 ? round(onRoad / between, 4) : null,
      households_moved_pct: matched ? pct(moved, total) : null,
      unchanged_grids_pct: matched ? pct(grids.filter((grid) => grid.unchanged).length, count) : null,
      ms: round(performance.now() - started, 1),
      seed,
      time_budget_reached: budgetReached,
    },
    explanations: explain(state, numberOf, budgetReached, budgetMs),
  }
}

function explain(state: PartitionState, numberOf: Map<number, number>, budgetReached: boolean, budgetMs: number): PartitionExplanation[] {
  const { graph, min, max } = state
  const explanations: PartitionExplanation[] = []
  const explained = new Set<number>()
  for (let u = 0; u < graph.n; u++) {
    if ((graph.households[u] as number) <= max) continue
    const grid = state.gridOf[u] as number
    explanations.push({
      code: 'unit_above_max',
      unit: graph.ids[u] as string,
      households: graph.households[u] as number,
      max,
      grid: numberOf.get(grid) as number,
    })
    explained.add(grid)
  }
  for (const piece of connectedPieces(graph)) {
    const households = householdsOf(graph, piece)
    const grids = [...new Set(piece.map((u) => state.gridOf[u] as number))].sort(
      (a, b) => (numberOf.get(a) as number) - (numberOf.get(b) as number),
    )
    if (grids.some((grid) => explained.has(grid))) continue
    if (households < min) {
      const grid = grids[0] as number
      explanations.push({
        code: 'component_too_small',
        units: piece.map((u) => graph.ids[u] as string),
        households,
        min,
        grid: numberOf.get(grid) as number,
      })
      for (const g of grids) explained.add(g)
    } else if (Math.ceil(households / max - 1e-9) > Math.floor(households / min + 1e-9)) {
      explanations.push({
        code: 'range_infeasible',
        units: piece.length,
        households,
        min,
        max,
        grids: grids.map((g) => numberOf.get(g) as number),
      })
      for (const g of grids) explained.add(g)
    }
  }
  for (const [grid, number] of [...numberOf].sort((a, b) => a[1] - b[1])) {
    const households = state.households(grid)
    if (explained.has(grid) || state.violation(households) === 0) continue
    explanations.push({ code: 'grid_out_of_range', grid: number, households, min, max })
  }
  if (budgetReached) explanations.push({ code: 'time_budget_reached', budget_ms: budgetMs })
  return explanations
}
