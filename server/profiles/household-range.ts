// Household range a grid should fall in. The national practice is 200–500 households per
// comprehensive grid (DESIGN.md); per-province profiles (urban/rural ranges, a people
// alternative, approved exceptions) build on this in the validation engine.
export interface HouseholdRange {
  min: number
  max: number
}

export const NATIONAL_DEFAULT_RANGE: HouseholdRange = { min: 200, max: 500 }

export type HouseholdFit = 'below' | 'within' | 'above' | 'unknown'

export function householdFit(households: number | null, range: HouseholdRange): HouseholdFit {
  if (households === null) return 'unknown'
  if (households < range.min) return 'below'
  if (households > range.max) return 'above'
  return 'within'
}
