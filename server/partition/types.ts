// The partition's contract: units and their adjacency in, grids and reasons out. Plain data so the
// next slice (units from roads and buildings in PostGIS, the API, `npm run partition`) can call it
// as it is. Explanations are codes with parameters; the caller renders them in its language.

/** An atomic unit: a block or a building cell. Areas and lengths in metres, x/y a centroid in metres. */
export interface PartitionUnit {
  id: string
  households: number
  area: number
  perimeter: number
  x: number
  y: number
}

/**
 * Two units share a boundary of `length` metres. `onRoad`: the shared boundary runs along a road or
 * river. A boundary partly on a road may be given as two edges (one of each kind); lengths add up.
 */
export interface PartitionEdge {
  a: string
  b: string
  length: number
  onRoad: boolean
}

export interface HouseholdRange {
  min: number
  max: number
}

export interface PartitionInput {
  units: readonly PartitionUnit[]
  edges: readonly PartitionEdge[]
  range: HouseholdRange
  /** Households a grid should aim at; default the middle of the range. */
  target?: number
  /** Same seed, same input → same answer (as long as the time budget is not reached). */
  seed?: number
  /** Work stops here and the best answer so far is returned; default 10 s. */
  timeBudgetMs?: number
  /** Today's grid code of each unit: grids still in range and contiguous are kept unchanged. */
  existing?: Readonly<Record<string, string>>
  /** Seed partitions tried per connected area (the best is kept); default 4. */
  seeds?: number
}

export interface PartitionGrid {
  /** 1-based, in coding order: rows north → south, west → east within a row. */
  number: number
  units: string[]
  households: number
  area: number
  perimeter: number
  polsby_popper: number
  contiguous: boolean
  in_range: boolean
  /** With `existing`: the code this grid takes over (greatest household overlap), if any. */
  existing_code?: string
  /** With `existing`: true when the grid has exactly the units of that existing grid. */
  unchanged?: boolean
}

export interface PartitionSummary {
  grids: number
  in_range_pct: number
  mean_polsby_popper: number
  /** Share of the length between grids that runs on roads; null when no edge is on a road. */
  road_boundary_share: number | null
  /** With `existing`: households whose grid code changes, as % of all households. */
  households_moved_pct: number | null
  /** With `existing`: grids identical to an existing grid, as % of the grids proposed. */
  unchanged_grids_pct: number | null
  ms: number
  seed: number
  time_budget_reached: boolean
}

/** Why a grid is not inside the range. Grid numbers are those of `grids`. */
export type PartitionExplanation =
  | { code: 'unit_above_max'; unit: string; households: number; max: number; grid: number }
  | { code: 'component_too_small'; units: string[]; households: number; min: number; grid: number }
  | { code: 'range_infeasible'; units: number; households: number; min: number; max: number; grids: number[] }
  | { code: 'grid_out_of_range'; grid: number; households: number; min: number; max: number }
  | { code: 'time_budget_reached'; budget_ms: number }
  // Geometry (reconcile.ts): a cut meeting the boundary between two corners that no corner could take; the proposal's noding moves it.
  | { code: 'boundary_node_kept'; node: [number, number] }

export interface PartitionResult {
  /** Unit id → grid number. */
  assignment: Record<string, number>
  grids: PartitionGrid[]
  summary: PartitionSummary
  explanations: PartitionExplanation[]
}

/** Input that cannot be partitioned at all; the caller answers 400/422 with these. */
export type PartitionInputProblem =
  | { code: 'no_units' }
  | { code: 'duplicate_unit'; unit: string }
  | { code: 'invalid_unit_value'; unit: string; field: 'households' | 'area' | 'perimeter' | 'x' | 'y' }
  | { code: 'unknown_unit_in_edge'; unit: string }
  | { code: 'self_edge'; unit: string }
  | { code: 'invalid_edge_length'; a: string; b: string }
  | { code: 'invalid_range'; min: number; max: number }
  | { code: 'invalid_target'; target: number }
  | { code: 'unknown_unit_in_existing'; unit: string }
  // From geometry (units.ts): the area and its buildings before any unit exists.
  | { code: 'boundary_not_polygon'; type: string }
  | { code: 'boundary_invalid'; reason: string }
  | { code: 'invalid_building'; building: number }
  | { code: 'buildings_outside_boundary'; buildings: number[] }
  | { code: 'no_households' }
  | { code: 'too_many_buildings'; buildings: number; limit: number }
  | { code: 'too_many_units'; units: number; limit: number }

export class PartitionInputError extends Error {
  constructor(readonly problems: PartitionInputProblem[]) {
    super(`partition input rejected: ${problems.map((problem) => problem.code).join(', ')}`)
    this.name = 'PartitionInputError'
  }
}
