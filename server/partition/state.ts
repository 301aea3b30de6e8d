import type { UnitGraph } from './graph.js'

// The assignment being built, and what a grid costs. One cost for everything that compares
// answers (seeds, ReCom moves, unit moves, repairs), so each step is a strict improvement of the
// same objective: a long off-road boundary, a ragged shape, a count far from the target and
// households moved away from today's grid all cost; households outside the range cost far more.

export interface CostWeights {
  /** Per grid: 1 − Polsby-Popper. */
  compactness: number
  /** Per grid: ((households − target) / target)². */
  target: number
  /** Off-road boundary length between grids, per typical grid side length. */
  offRoad: number
  /** Households moved away from today's grid, per target households. */
  change: number
}

export const DEFAULT_WEIGHTS: CostWeights = { compactness: 1, target: 0.5, offRoad: 1, change: 4 }
/** Households outside the range, per target households: dominates every soft term. */
const VIOLATION_WEIGHT = 100

export interface GridStats {
  households: number
  area: number
  perimeter: number
  polsbyPopper: number
  /** Length of the grid's boundary with other units that is not on a road (half of each such edge). */
  offRoadHalf: number
  /** Households not in the grid's most common existing grid. */
  moved: number
}

export class PartitionState {
  readonly gridOf: Int32Array
  /** Units of each grid id; an empty list is a grid that no longer exists. */
  readonly members: number[][] = []
  /** Grids that hold a unit above the maximum: no move or repair touches them. */
  readonly pinned = new Set<number>()
  private readonly stamp: Int32Array
  private token = 0
  private readonly codeHouseholds: Float64Array
  /** Typical grid side (metres), so an off-road length becomes a number like the other terms. */
  readonly scale: number

  constructor(
    readonly graph: UnitGraph,
    readonly min: number,
    readonly max: number,
    readonly target: number,
    readonly weights: CostWeights,
    /** Index of each unit's existing grid code, −1 for none; absent without existing grids. */
    readonly existingCode: Int32Array | null,
    codeCount: number,
  ) {
    this.gridOf = new Int32Array(graph.n).fill(-1)
    this.stamp = new Int32Array(graph.n)
    this.codeHouseholds = new Float64Array(codeCount)
    let area = 0
    let households = 0
    for (let u = 0; u < graph.n; u++) {
      area += graph.area[u] as number
      households += graph.households[u] as number
    }
    const grids = Math.max(1, Math.round(households / target))
    this.scale = Math.sqrt(area / grids) || 1
  }

  addGrid(units: number[]): number {
    const grid = this.members.length
    this.members.push([])
    this.setGrid(grid, units)
    return grid
  }

  setGrid(grid: number, units: number[]): void {
    this.members[grid] = units
    for (const u of units) this.gridOf[u] = grid
  }

  /** Puts `parts` in place of the grids `old` (reusing their ids); returns the ids of the parts. */
  replace(old: readonly number[], parts: number[][]): number[] {
    const ids: number[] = []
    parts.forEach((units, i) => {
      if (i < old.length) {
        this.setGrid(old[i] as number, units)
        ids.push(old[i] as number)
      } else ids.push(this.addGrid(units))
    })
    for (let i = parts.length; i < old.length; i++) this.members[old[i] as number] = []
    return ids
  }

  liveGrids(): number[] {
    const live: number[] = []
    for (let g = 0; g < this.members.length; g++) if ((this.members[g] as number[]).length > 0) live.push(g)
    return live
  }

  households(grid: number): number {
    let sum = 0
    for (const u of this.members[grid] as number[]) sum += this.graph.households[u] as number
    return sum
  }

  violation(households: number): number {
    return Math.max(0, this.min - households) + Math.max(0, households - this.max)
  }

  private mark(units: readonly number[], skip = -1): number {
    this.token++
    for (const u of units) if (u !== skip) this.stamp[u] = this.token
    return this.token
  }

  stats(units: readonly number[]): GridStats {
    const { graph } = this
    const token = this.mark(units)
    let households = 0
    let area = 0
    let perimeterSum = 0
    let internalTwice = 0
    let offRoad = 0
    for (const u of units) {
      households += graph.households[u] as number
      area += graph.area[u] as number
      perimeterSum += graph.perimeter[u] as number
      for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) {
        const length = graph.lengths[e] as number
        if (this.stamp[graph.neighbours[e] as number] === token) internalTwice += length
        else if (!graph.onRoad[e]) offRoad += length
      }
    }
    const perimeter = Math.max(0, perimeterSum - internalTwice)
    const polsbyPopper = perimeter > 0 ? Math.min(1, (4 * Math.PI * area) / (perimeter * perimeter)) : 0
    return { households, area, perimeter, polsbyPopper, offRoadHalf: offRoad / 2, moved: this.movedOf(units, households) }
  }

  private movedOf(units: readonly number[], households: number): number {
    const codes = this.existingCode
    if (!codes) return 0
    let best = 0
    for (const u of units) {
      const code = codes[u] as number
      if (code < 0) continue
      const sum = (this.codeHouseholds[code] as number) + (this.graph.households[u] as number)
      this.codeHouseholds[code] = sum
      if (sum > best) best = sum
    }
    for (const u of units) if ((codes[u] as number) >= 0) this.codeHouseholds[codes[u] as number] = 0
    return households - best
  }

  costOfStats(stats: GridStats): number {
    const { weights, target } = this
    const deviation = (stats.households - target) / target
    return (
      weights.compactness * (1 - stats.polsbyPopper) +
      weights.target * deviation * deviation +
      (weights.offRoad * stats.offRoadHalf) / this.scale +
      (weights.change * stats.moved) / target +
      (VIOLATION_WEIGHT * this.violation(stats.households)) / target
    )
  }

  cost(units: readonly number[]): number {
    return this.costOfStats(this.stats(units))
  }

  /** Whether the units (less `skip`) form one connected piece. */
  connected(units: readonly number[], skip = -1): boolean {
    const { graph } = this
    const count = skip >= 0 ? units.length - 1 : units.length
    if (count <= 1) return count === 1
    const token = this.mark(units, skip)
    const start = units[0] === skip ? (units[1] as number) : (units[0] as number)
    const queue = [start]
    this.stamp[start] = 0
    for (let head = 0; head < queue.length; head++) {
      const u = queue[head] as number
      for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) {
        const v = graph.neighbours[e] as number
        if (this.stamp[v] === token) {
          this.stamp[v] = 0
          queue.push(v)
        }
      }
    }
    return queue.length === count
  }

  /** Grids that share a boundary with `grid`, in ascending id order. */
  neighbourGrids(grid: number): number[] {
    const { graph } = this
    const found = new Set<number>()
    for (const u of this.members[grid] as number[]) {
      for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) {
        const other = this.gridOf[graph.neighbours[e] as number] as number
        if (other !== grid && other >= 0) found.add(other)
      }
    }
    return [...found].sort((a, b) => a - b)
  }

  /** Units of `grid` with a neighbour in `other`. */
  unitsFacing(grid: number, other: number): number[] {
    const { graph } = this
    const facing: number[] = []
    for (const u of this.members[grid] as number[]) {
      for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) {
        if (this.gridOf[graph.neighbours[e] as number] === other) {
          facing.push(u)
          break
        }
      }
    }
    return facing
  }

  /** Moves one unit from its grid to `to`. */
  moveUnit(u: number, to: number): void {
    const from = this.gridOf[u] as number
    this.members[from] = (this.members[from] as number[]).filter((unit) => unit !== u)
    ;(this.members[to] as number[]).push(u)
    this.gridOf[u] = to
  }
}
