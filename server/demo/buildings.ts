// Stage 3 of the demo generator: a household density field (county seat, township seats, hilly
// south-east, clustered hamlets) gives each county cell its buildings — apartment blocks in town,
// 1–3-household houses in the countryside. A grid's households are the sum of its buildings'.

import type { HexLattice } from './lattice.js'
import { CORE, dist, type HouseholdsOf, must, TOWNSHIPS } from './plan.js'
import { fractalNoise, hashInts, Random } from './random.js'

/** A building in metres on the lattice plane. */
export interface CellBuilding {
  households: number
  x: number
  y: number
}

export interface CellBuildings {
  /** The buildings of each county cell (every county cell has an entry, maybe empty). */
  buildingsOf: Map<number, CellBuilding[]>
  households: HouseholdsOf
}

const APARTMENT_SIZES = [12, 18, 24, 32, 36, 48, 54, 64, 72, 96]

/** Households per km² at (x, y) metres. */
export function householdDensity(seedNumber: number): (x: number, y: number) => number {
  const seats = TOWNSHIPS.map((t) => t.at)
  return (x, y) => {
    let d = 2400 * Math.exp(-((dist(x, y, CORE[0], CORE[1]) / 2300) ** 2))
    TOWNSHIPS.forEach((t, i) => {
      const [sx, sy] = must(seats[i], 'seat')
      if (t.kind === 'town') d += 900 * Math.exp(-((dist(x, y, sx, sy) / 750) ** 2))
      if (t.kind === 'xiang') d += 300 * Math.exp(-((dist(x, y, sx, sy) / 550) ** 2))
    })
    const hills = 0.55 * Math.exp(-((x - 7500) ** 2 + (y + 6000) ** 2) / 5500 ** 2)
    const terrain = Math.min(1.2, Math.max(0.05, 0.25 + 1.1 * fractalNoise(x / 7000, y / 7000, seedNumber ^ 0x7e) - hills))
    const cluster = Math.min(2.2, Math.max(0, (fractalNoise(x / 1200, y / 1200, seedNumber ^ 0xc1) - 0.36) * 3.2))
    return d + 250 * terrain * cluster
  }
}

/**
 * Household sizes of the buildings of a cell expecting `lambda` households: apartment blocks up
 * to a size by density (lambda ≥ 12; 8 % of such cells stay empty), else houses of 1–3.
 */
export function buildingSizes(lambda: number, rng: Random): number[] {
  const sizes: number[] = []
  if (lambda >= 12) {
    if (rng.next() >= 0.08) {
      const max = lambda >= 50 ? 96 : lambda >= 30 ? 64 : 36
      const target = lambda * rng.range(0.8, 1.2)
      let total = 0
      for (;;) {
        const remaining = target - total
        if (remaining < 6) break
        const fits = APARTMENT_SIZES.filter((s) => s <= max && s <= remaining + 6)
        const size = fits.length > 0 ? rng.pick(fits) : 6 * Math.round(remaining / 6)
        sizes.push(size)
        total += size
      }
    }
  } else {
    const expected = lambda * rng.range(0.6, 1.4)
    let total = Math.floor(expected) + (rng.next() < expected - Math.floor(expected) ? 1 : 0)
    while (total > 0) {
      const roll = rng.next()
      const size = Math.min(total, roll < 0.7 ? 1 : roll < 0.95 ? 2 : 3)
      sizes.push(size)
      total -= size
    }
  }
  return sizes
}

/** The buildings of every county cell; each cell draws from its own stream (by its axial q, r). */
export function placeBuildings(lattice: HexLattice, countyCells: readonly number[], seedNumber: number): CellBuildings {
  const density = householdDensity(seedNumber)
  const cellKm2 = lattice.cellArea / 1e6
  const buildingsOf = new Map<number, CellBuilding[]>()
  const householdsOf = new Map<number, number>()
  for (const c of countyCells) {
    const { x, y, q, r } = lattice.cell(c)
    const cellRng = new Random(hashInts(q, r, seedNumber ^ 0xb17d))
    const sizes = buildingSizes(density(x, y) * cellKm2, cellRng)
    const list = sizes.map((households) => {
      const angle = cellRng.range(0, 2 * Math.PI)
      const radius = Math.sqrt(cellRng.next()) * 0.5 * lattice.size
      return { households, x: x + radius * Math.cos(angle), y: y + radius * Math.sin(angle) }
    })
    buildingsOf.set(c, list)
    householdsOf.set(
      c,
      list.reduce((sum, b) => sum + b.households, 0),
    )
  }
  return { buildingsOf, households: (c) => householdsOf.get(c) ?? 0 }
}
