import type { GridKind } from '../../db/database.js'

// A grid as lookups answer it, and the rule's code order and distance rounding, shared by the
// in-memory index and the PostGIS path so that both answer alike.

export interface IndexedGrid {
  code: string
  name: string
  kind: GridKind
  region_code: string
  households: number | null
  grid_head: string | null
}

/** A nearest-grid distance as lookups answer it: metres to 0.1 m (index and PostGIS alike). */
export function roundDistanceM(metres: number): number {
  return Math.round(metres * 10) / 10
}

/** Code order of the rule: shorter codes first, then digit by digit (same as ORDER BY length, code). */
export function compareCodes(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}
