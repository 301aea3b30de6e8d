// Household range a grid should fall in. The national practice is 200–500 households per
// comprehensive grid (docs/design.md); rule profiles (./profiles.ts) give per-region ranges for urban
// and rural grids, a people alternative and approved exceptions — pick the range for a grid with
// householdRangeFor(profileForRegion(regionCode), urbanRuralClass).
import type { CountRange, RuleProfile, SizingBasis } from './rule-profile.js'

export interface HouseholdRange {
  min: number
  max: number
}

export const NATIONAL_DEFAULT_RANGE: HouseholdRange = Object.freeze({ min: 200, max: 500 })

export type HouseholdFit = 'below' | 'within' | 'above' | 'unknown'

export function householdFit(households: number | null, range: HouseholdRange): HouseholdFit {
  if (households === null || !Number.isFinite(households)) return 'unknown'
  if (households < range.min) return 'below'
  if (households > range.max) return 'above'
  return 'within'
}

/**
 * Urban or rural, from the 3-digit 统计用城乡分类代码 of the grid's community: 1xx (111 主城区 …
 * 123 特殊区域) is urban, 2xx (210 乡中心区, 220 村庄) is rural. Unknown or malformed (null, '',
 * '3xx') is taken as urban, with `assumed: true`: the urban range is the one the regulations state
 * outright (002 §6, 003 §8), and the message says the class was assumed, so the fix is to record
 * the class, not to argue with the count.
 */
export function urbanRuralBasis(urbanRuralClass: string | null | undefined): { basis: SizingBasis; assumed: boolean } {
  const value = urbanRuralClass?.trim() ?? ''
  if (/^1[0-9]{2}$/.test(value)) return { basis: 'urban', assumed: false }
  if (/^2[0-9]{2}$/.test(value)) return { basis: 'rural', assumed: false }
  return { basis: 'urban', assumed: true }
}

/** The household range of a profile for a grid in a community of this urban/rural class. */
export function householdRangeFor(profile: RuleProfile, urbanRuralClass: string | null | undefined): CountRange {
  return profile.households[urbanRuralBasis(urbanRuralClass).basis]
}
