// The fixed plan of the demo county (townships, densities, grid sizes, lattice) and the small
// helpers every generator stage shares.

import type { UrbanRural } from './county.js'

export type TownshipKind = 'street' | 'seat' | 'town' | 'xiang'

export interface TownshipPlan {
  name: string
  kind: TownshipKind
  /** Seed (and, for towns, seat) position in metres from the county centre. */
  at: [number, number]
  /** Relative area. */
  area: number
  /** Households per community (target). */
  communityHouseholds: number
}

export const TOWNSHIPS: readonly TownshipPlan[] = [
  { name: '东湖街道', kind: 'street', at: [500, 900], area: 1, communityHouseholds: 2600 },
  { name: '城关镇', kind: 'seat', at: [-3200, 300], area: 3, communityHouseholds: 2000 },
  { name: '青石镇', kind: 'town', at: [-8500, 5200], area: 3.3, communityHouseholds: 1300 },
  { name: '白沙镇', kind: 'town', at: [1500, 7500], area: 3.3, communityHouseholds: 1300 },
  { name: '花桥镇', kind: 'town', at: [8800, 3000], area: 3.3, communityHouseholds: 1300 },
  { name: '龙泉镇', kind: 'town', at: [-8000, -4500], area: 3.3, communityHouseholds: 1300 },
  { name: '石门乡', kind: 'xiang', at: [7500, -5800], area: 3.3, communityHouseholds: 1100 },
  { name: '桃源乡', kind: 'xiang', at: [-1000, -7800], area: 3, communityHouseholds: 1100 },
]

/** Index in TOWNSHIPS of the township that gets the deliberate faults (FAULTY_TOWNSHIP_CODE). */
export const FAULTY_TOWNSHIP_INDEX = 3

/** County seat (urban core) centre, metres. */
export const CORE: [number, number] = [-1400, 700]

/** Household targets per grid by urban/rural class. */
export const GRID_TARGET: Record<UrbanRural, number> = { '111': 270, '112': 300, '121': 300, '122': 330, '210': 360, '220': 370 }

export const LATTICE = { lon0: 113.0, lat0: 28.2, size: 110, halfWidth: 16500, halfHeight: 14000, jitter: 0.22 }

/** Households of a lattice cell (0 for a cell without buildings). */
export type HouseholdsOf = (cell: number) => number

export function dist(ax: number, ay: number, bx: number, by: number): number {
  return Math.hypot(ax - bx, ay - by)
}

export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`demo generator: missing ${what}`)
  return value
}

export function pad3(n: number): string {
  if (n < 1 || n > 999) throw new Error(`sequence ${n} outside 001–999`)
  return String(n).padStart(3, '0')
}

/** The 12-digit code of the township at index `t` of TOWNSHIPS. */
export function townshipCode(t: number): string {
  return `990101${pad3(t + 1)}000`
}

export function sumOf(cells: Iterable<number>, households: HouseholdsOf): number {
  let sum = 0
  for (const c of cells) sum += households(c)
  return sum
}
