import { describe, expect, it } from 'vitest'
import { type Layout, lattice, unitId } from './layouts.js'
import { partition } from './partition.js'
import { Random } from './random.js'
import { type PartitionInput, PartitionInputError, type PartitionResult } from './types.js'

// Property tests over generated layouts with fixed seeds: whatever the layout, every unit is in
// exactly one grid, every grid is connected (checked here from the edges, not from the answer's
// own flag), every grid is in range or explained, and the same seed gives the same answer.

const RANGE = { min: 200, max: 500 }

function run(layout: Layout, extra: Partial<PartitionInput> = {}): PartitionResult {
  return partition({ ...layout, range: RANGE, seed: 11, ...extra })
}

function expectSoundPartition(layout: Layout, result: PartitionResult, range = RANGE): void {
  const ids = layout.units.map((unit) => unit.id).sort()
  expect(Object.keys(result.assignment).sort()).toEqual(ids)
  const fromGrids = result.grids.flatMap((grid) => grid.units)
  expect(fromGrids.sort()).toEqual(ids)
  expect(result.grids.map((grid) => grid.number)).toEqual(result.grids.map((_, i) => i + 1))

  const neighbours = new Map<string, string[]>(ids.map((id) => [id, []]))
  for (const edge of layout.edges) {
    neighbours.get(edge.a)?.push(edge.b)
    neighbours.get(edge.b)?.push(edge.a)
  }
  const households = new Map(layout.units.map((unit) => [unit.id, unit.households]))
  const explained = new Set<number>()
  for (const explanation of result.explanations) {
    if ('grid' in explanation) explained.add(explanation.grid)
    if ('grids' in explanation) for (const grid of explanation.grids) explained.add(grid)
  }
  for (const grid of result.grids) {
    const inside = new Set(grid.units)
    const reached = new Set([grid.units[0]])
    const queue = [grid.units[0] as string]
    while (queue.length > 0) {
      for (const next of neighbours.get(queue.pop() as string) ?? []) {
        if (inside.has(next) && !reached.has(next)) {
          reached.add(next)
          queue.push(next)
        }
      }
    }
    expect(reached.size, `grid ${grid.number} is connected`).toBe(grid.units.length)
    expect(grid.contiguous).toBe(true)
    const sum = grid.units.reduce((total, id) => total + (households.get(id) as number), 0)
    expect(grid.households).toBe(sum)
    const inRange = sum >= range.min && sum <= range.max
    expect(grid.in_range).toBe(inRange)
    if (!inRange) expect(explained.has(grid.number), `grid ${grid.number} (${sum} households) is explained`).toBe(true)
  }
}

/** Removes the edges between column `column − 1` and `column`, except at the bridge rows. */
function withRiver(layout: Layout, column: number, bridgeRows: number[]): Layout {
  const crossing = (a: string, b: string) => {
    const ca = Number(a.split(':')[0])
    const cb = Number(b.split(':')[0])
    return Math.min(ca, cb) === column - 1 && Math.max(ca, cb) === column
  }
  const edges = layout.edges
    .filter((edge) => !crossing(edge.a, edge.b) || bridgeRows.includes(Number(edge.a.split(':')[1])))
    .map((edge) => (crossing(edge.a, edge.b) ? { ...edge, onRoad: true } : edge))
  return { units: layout.units, edges }
}

describe('partition of generated layouts', () => {
  for (const seed of [1, 2, 3]) {
    it(`divides a 20×20 county lattice (layout seed ${seed}) into connected grids in range`, () => {
      const layout = lattice({ columns: 20, rows: 20, seed })
      const result = run(layout)
      expectSoundPartition(layout, result)
      expect(result.summary.in_range_pct).toBe(100)
      expect(result.explanations).toEqual([])
      expect(result.summary.mean_polsby_popper).toBeGreaterThan(0.5)
      expect(result.summary.road_boundary_share).toBeGreaterThan(0.4)
    })
  }

  it('gives the same answer for the same seed, and another for another seed', () => {
    const layout = lattice({ columns: 18, rows: 18, seed: 4 })
    const first = run(layout, { seed: 5 })
    const again = run(layout, { seed: 5 })
    expect(again.assignment).toEqual(first.assignment)
    expect({ ...again.summary, ms: 0 }).toEqual({ ...first.summary, ms: 0 })
    expect(run(layout, { seed: 6 }).assignment).not.toEqual(first.assignment)
  })

  it('handles clustered high-rises (300–480 households) among small blocks', () => {
    const towers = (i: number, j: number) => Math.hypot(i - 6, j - 6) < 2.5 || Math.hypot(i - 17, j - 15) < 2
    const layout = lattice({
      columns: 24,
      rows: 24,
      seed: 8,
      households: (rng, i, j) => (towers(i, j) ? 300 + rng.below(181) : rng.below(40)),
    })
    const result = run(layout)
    expectSoundPartition(layout, result)
    expect(result.summary.in_range_pct).toBe(100)
  })

  it('keeps grids from crossing a river except over the bridge', () => {
    const layout = withRiver(lattice({ columns: 24, rows: 24, seed: 9 }), 12, [5])
    const result = run(layout)
    expectSoundPartition(layout, result)
    expect(result.summary.in_range_pct).toBe(100)
    const crossing = result.grids.filter((grid) => {
      const columns = grid.units.map((id) => Number(id.split(':')[0]))
      return Math.min(...columns) < 12 && Math.max(...columns) >= 12
    })
    for (const grid of crossing) expect(grid.units).toEqual(expect.arrayContaining([unitId(11, 5), unitId(12, 5)]))
  })

  it('puts an enclave (a unit touching only the block around it) in that block’s grid', () => {
    const base = lattice({ columns: 16, rows: 16, seed: 10 })
    const layout: Layout = {
      units: [...base.units, { id: 'enclave', households: 60, area: 900, perimeter: 120, x: 850, y: 850 }],
      edges: [...base.edges, { a: 'enclave', b: unitId(8, 8), length: 120, onRoad: false }],
    }
    const result = run(layout)
    expectSoundPartition(layout, result)
    expect(result.assignment.enclave).toBe(result.assignment[unitId(8, 8)])
    expect(result.summary.in_range_pct).toBe(100)
  })

  it('explains a unit above the maximum instead of looping on it', () => {
    const layout = lattice({ columns: 16, rows: 16, seed: 12, households: (rng, i, j) => (i === 3 && j === 3 ? 900 : rng.below(50)) })
    const result = run(layout)
    expectSoundPartition(layout, result)
    const grid = result.assignment[unitId(3, 3)] as number
    expect(result.explanations).toEqual([{ code: 'unit_above_max', unit: unitId(3, 3), households: 900, max: 500, grid }])
    expect(result.grids.filter((g) => !g.in_range).map((g) => g.number)).toEqual([grid])
  })

  it('explains a part too small for one grid (cut off by a river with no bridge)', () => {
    const base = lattice({ columns: 16, rows: 16, seed: 13 })
    const island = ['isle:a', 'isle:b', 'isle:c']
    const layout: Layout = {
      units: [...base.units, ...island.map((id, k) => ({ id, households: 20, area: 10_000, perimeter: 400, x: 2000 + 100 * k, y: 50 }))],
      edges: [
        ...base.edges,
        { a: 'isle:a', b: 'isle:b', length: 100, onRoad: false },
        { a: 'isle:b', b: 'isle:c', length: 100, onRoad: false },
      ],
    }
    const result = run(layout)
    expectSoundPartition(layout, result)
    const grid = result.assignment['isle:a'] as number
    expect(result.explanations).toEqual([{ code: 'component_too_small', units: island, households: 60, min: 200, grid }])
  })

  it('explains a part whose households no count of grids can fit (350 households for 200–300)', () => {
    const layout = lattice({ columns: 5, rows: 5, roadEvery: 0, households: (_rng, i, j) => (i === 0 && j === 0 ? 350 - 24 * 14 : 14) })
    const range = { min: 200, max: 300 }
    const result = run(layout, { range })
    expectSoundPartition(layout, result, range)
    expect(result.explanations).toEqual([
      { code: 'range_infeasible', units: 25, households: 350, min: 200, max: 300, grids: result.grids.map((grid) => grid.number) },
    ])
    expect(result.summary.road_boundary_share).toBeNull()
  })

  it('returns its best answer so far when the time budget is spent, and says so', () => {
    const layout = lattice({ columns: 20, rows: 20, seed: 14 })
    const result = run(layout, { timeBudgetMs: 0 })
    expectSoundPartition(layout, result)
    expect(result.summary.time_budget_reached).toBe(true)
    expect(result.explanations).toContainEqual({ code: 'time_budget_reached', budget_ms: 0 })
  })

  it('rejects input it cannot work on, listing every problem', () => {
    const layout = lattice({ columns: 2, rows: 2 })
    const units = [...layout.units, { ...(layout.units[0] as Layout['units'][number]), households: -1 }]
    const edges = [...layout.edges, { a: unitId(0, 0), b: 'nowhere', length: 5, onRoad: false }]
    let caught: unknown
    try {
      partition({ units, edges, range: { min: 300, max: 200 } })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(PartitionInputError)
    expect((caught as PartitionInputError).problems).toEqual([
      { code: 'invalid_range', min: 300, max: 200 },
      { code: 'duplicate_unit', unit: unitId(0, 0) },
      { code: 'invalid_unit_value', unit: unitId(0, 0), field: 'households' },
      { code: 'unknown_unit_in_edge', unit: 'nowhere' },
    ])
  })
})

describe('maintenance with today’s grids (the ONS rule)', () => {
  /** Changes households at random units until the changes add up to `share` of all households. */
  function recount(layout: Layout, share: number, seed: number): Layout {
    const rng = new Random(seed)
    const units = layout.units.map((unit) => ({ ...unit }))
    const total = units.reduce((sum, unit) => sum + unit.households, 0)
    let changed = 0
    while (changed < share * total) {
      const unit = units[rng.below(units.length)] as Layout['units'][number]
      const delta = Math.min(Math.ceil(share * total - changed), 1 + rng.below(30)) * (rng.next() < 0.5 ? -1 : 1)
      const next = Math.max(0, unit.households + delta)
      changed += Math.abs(next - unit.households)
      unit.households = next
    }
    return { units, edges: layout.edges }
  }

  const codesOf = (result: PartitionResult) =>
    Object.fromEntries(Object.entries(result.assignment).map(([unit, grid]) => [unit, `G${String(grid).padStart(3, '0')}`]))

  it('keeps every grid when nothing changed', () => {
    const layout = lattice({ columns: 20, rows: 20, seed: 21 })
    const today = run(layout)
    const again = run(layout, { existing: codesOf(today) })
    expect(again.summary.unchanged_grids_pct).toBe(100)
    expect(again.summary.households_moved_pct).toBe(0)
    expect(again.grids.every((grid) => grid.existing_code === `G${String(grid.number).padStart(3, '0')}`)).toBe(true)
  })

  for (const seed of [22, 23, 24]) {
    it(`after a 5 % recount (layout seed ${seed}) keeps ≥ 90 % of grids and moves ≤ 5 % of households`, () => {
      const layout = lattice({ columns: 30, rows: 30, seed })
      const today = run(layout)
      const recounted = recount(layout, 0.05, seed)
      const result = run(recounted, { existing: codesOf(today) })
      expectSoundPartition(recounted, result)
      expect(result.summary.in_range_pct).toBe(100)
      expect(result.summary.unchanged_grids_pct).toBeGreaterThanOrEqual(90)
      expect(result.summary.households_moved_pct).toBeLessThanOrEqual(5)
    })
  }

  it('redesigns grids that fell out of range, and explains a new unit above the maximum', () => {
    const layout = lattice({ columns: 20, rows: 20, seed: 25 })
    const today = run(layout)
    const units = layout.units.map((unit) => (unit.id === unitId(10, 10) ? { ...unit, households: 800 } : unit))
    const recounted = { units, edges: layout.edges }
    const result = run(recounted, { existing: codesOf(today) })
    expectSoundPartition(recounted, result)
    expect(result.explanations.map((explanation) => explanation.code)).toEqual(['unit_above_max'])
    expect(result.grids.filter((grid) => !grid.in_range)).toHaveLength(1)
    expect(result.summary.unchanged_grids_pct).toBeGreaterThanOrEqual(80)
  })
})
