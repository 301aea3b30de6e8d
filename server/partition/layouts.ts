import { Random } from './random.js'
import type { PartitionEdge, PartitionUnit } from './types.js'

// Geometry-free layouts for the tests and the benchmark: square blocks on a lattice, roads along
// every few lattice lines, households drawn like a real county (many empty or small blocks, a
// few high-rises). Built in code so the cases stay small and readable.

export interface Layout {
  units: PartitionUnit[]
  edges: PartitionEdge[]
}

export interface LatticeOptions {
  columns: number
  rows: number
  /** Block side in metres. */
  cell?: number
  /** A road runs along every `roadEvery`-th lattice line (0: no roads). */
  roadEvery?: number
  seed?: number
  /** Households of the block at column i, row j; default `countyHouseholds`. */
  households?: (rng: Random, i: number, j: number) => number
}

export const unitId = (i: number, j: number) => `${i}:${j}`

/** Households per block like Providence's census blocks (about a quarter empty, median ~25, 2 % high-rises of 150–480). */
export function countyHouseholds(rng: Random): number {
  const draw = rng.next()
  if (draw < 0.25) return 0
  if (draw < 0.27) return 150 + rng.below(331)
  // Log-normal by Box–Muller, median 25, capped below the high-rises.
  const normal = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next())
  return Math.min(140, Math.max(1, Math.round(25 * Math.exp(0.8 * normal))))
}

export function lattice(options: LatticeOptions): Layout {
  const { columns, rows, cell = 100, roadEvery = 5, seed = 1 } = options
  const rng = new Random(seed)
  const households = options.households ?? countyHouseholds
  const units: PartitionUnit[] = []
  const edges: PartitionEdge[] = []
  const road = (line: number) => roadEvery > 0 && line % roadEvery === 0
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      units.push({
        id: unitId(i, j),
        households: households(rng, i, j),
        area: cell * cell,
        perimeter: 4 * cell,
        x: (i + 0.5) * cell,
        y: (j + 0.5) * cell,
      })
      if (i + 1 < columns) edges.push({ a: unitId(i, j), b: unitId(i + 1, j), length: cell, onRoad: road(i + 1) })
      if (j + 1 < rows) edges.push({ a: unitId(i, j), b: unitId(i, j + 1), length: cell, onRoad: road(j + 1) })
    }
  }
  return { units, edges }
}
