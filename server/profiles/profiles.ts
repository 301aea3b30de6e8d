// Rule profiles: the national default plus one per seed regulation, as data (./regions/*.ts).
// They are checked when this module loads (a bad profile stops the server, loudly) and frozen,
// so no caller can change a shared profile by accident.
//
// Region → profile: the longest matching statistical code prefix wins, so a city profile
// ('2311' Heihe) overrides a province profile ('23') should one be added; nothing matching
// (including the demo province 99) → cn-default.
import { changji } from './regions/changji.js'
import { cnDefault } from './regions/cn-default.js'
import { heihe } from './regions/heihe.js'
import { qingyuan } from './regions/qingyuan.js'
import { xizang000 } from './regions/xizang-000.js'
import { zigong } from './regions/zigong.js'
import type { ApprovalStep, Bounds, CountRange, RuleProfile } from './rule-profile.js'

export type {
  ApprovalAction,
  ApprovalRole,
  ApprovalStep,
  Bounds,
  CountRange,
  DedicatedUnitType,
  Landmark,
  NoticeLanguage,
  RuleProfile,
  SizingBasis,
  SizingException,
  StaffRole,
  StaffRules,
} from './rule-profile.js'

export const DEFAULT_PROFILE_ID = 'cn-default'

/** Problems with a set of profiles, one sentence each; empty when they are sound. */
export function checkProfiles(profiles: readonly RuleProfile[]): string[] {
  const problems: string[] = []
  const ids = new Set<string>()
  const prefixes = new Map<string, string>()
  const seeds = new Set<string>()
  for (const p of profiles) {
    const at = `profile ${p.id}`
    if (!/^[a-z0-9][a-z0-9-]*$/.test(p.id)) problems.push(`${at}: id must be lower-case letters, digits and dashes`)
    if (ids.has(p.id)) problems.push(`${at}: duplicate id`)
    ids.add(p.id)
    if (p.seed !== undefined) {
      if (seeds.has(p.seed) || ids.has(p.seed)) problems.push(`${at}: duplicate seed ${p.seed}`)
      seeds.add(p.seed)
    }
    if (!p.name.zh || !p.name.en) problems.push(`${at}: needs a Chinese and an English name`)
    for (const prefix of p.regionPrefixes) {
      if (!/^[0-9]{2}([0-9]{2}([0-9]{2})?)?$/.test(prefix)) problems.push(`${at}: region prefix "${prefix}" must be 2, 4 or 6 digits`)
      const other = prefixes.get(prefix)
      if (other !== undefined) problems.push(`${at}: region prefix ${prefix} is also claimed by ${other}`)
      prefixes.set(prefix, p.id)
    }
    problems.push(...checkBounds(at, p))
    const ranges: [string, CountRange | undefined][] = [
      ['households.urban', p.households.urban],
      ['households.rural', p.households.rural],
      ['people.urban', p.people?.urban],
      ['people.rural', p.people?.rural],
    ]
    for (const [name, range] of ranges) {
      if (range === undefined) continue
      if (!validRange(range)) problems.push(`${at}: ${name} must be whole numbers with 0 < min ≤ max`)
      if (!range.source) problems.push(`${at}: ${name} needs a source`)
    }
    problems.push(...checkChain(`${at}: approvalChain`, p.approvalChain))
    if (p.initialDivisionChain) problems.push(...checkChain(`${at}: initialDivisionChain`, p.initialDivisionChain))
    if (p.noticeLanguages.length === 0 || p.noticeLanguages[0] !== 'zh') {
      problems.push(`${at}: notices are in the national common script first (noticeLanguages starts with 'zh')`)
    }
    const unitIds = new Set<string>()
    for (const unit of p.dedicatedUnitTypes) {
      if (unitIds.has(unit.id)) problems.push(`${at}: dedicated unit type ${unit.id} listed twice`)
      unitIds.add(unit.id)
    }
    const excepted = new Set<string>()
    for (const e of p.exceptions) {
      if (excepted.has(e.grid)) problems.push(`${at}: two exceptions for grid ${e.grid}`)
      excepted.add(e.grid)
      if (!e.reason || !e.approver) problems.push(`${at}: exception for grid ${e.grid} needs a reason and an approver`)
      if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(e.date)) problems.push(`${at}: exception for grid ${e.grid} needs a YYYY-MM-DD date`)
      if (e.range && !validRange(e.range))
        problems.push(`${at}: exception range for grid ${e.grid} must be whole numbers with 0 < min ≤ max`)
    }
  }
  if (!ids.has(DEFAULT_PROFILE_ID)) problems.push(`the ${DEFAULT_PROFILE_ID} profile is missing`)
  return problems
}

function validRange(range: { min: number; max: number }): boolean {
  return Number.isInteger(range.min) && Number.isInteger(range.max) && range.min > 0 && range.min <= range.max
}

/** Whether a WGS84 point lies within a box (edges included). */
export function withinBounds(bounds: Bounds, lng: number, lat: number): boolean {
  const [west, south, east, north] = bounds
  return lng >= west && lng <= east && lat >= south && lat <= north
}

const isDegrees = (value: unknown, limit: number): value is number => typeof value === 'number' && Math.abs(value) <= limit

// A box is four numbers of degrees, west < east and south < north, and holds the profile's
// landmark: a typo in one number (a swapped pair, a lost digit) moves the box off its own region.
function checkBounds(at: string, p: RuleProfile): string[] {
  const box: readonly unknown[] = Array.isArray(p.bounds) ? p.bounds : []
  const [west, south, east, north] = box
  const wellFormed =
    box.length === 4 &&
    isDegrees(west, 180) &&
    isDegrees(south, 90) &&
    isDegrees(east, 180) &&
    isDegrees(north, 90) &&
    west < east &&
    south < north
  if (!wellFormed)
    return [
      `${at}: bounds must be [west, south, east, north] in degrees with west < east and south < north, got ${JSON.stringify(p.bounds)}`,
    ]
  const { landmark } = p
  if (!landmark?.name || !isDegrees(landmark.lng, 180) || !isDegrees(landmark.lat, 90))
    return [`${at}: needs a landmark (a named place with lng and lat)`]
  if (!withinBounds(p.bounds, landmark.lng, landmark.lat)) {
    return [`${at}: bounds ${JSON.stringify(p.bounds)} do not contain its landmark ${landmark.name} (${landmark.lng}, ${landmark.lat})`]
  }
  return []
}

const LEVEL = { township: 0, county: 1, city: 2 } as const

// A chain starts with a proposal, ends with an approval or a filing, and never goes down a level.
function checkChain(at: string, chain: readonly ApprovalStep[]): string[] {
  const problems: string[] = []
  const first = chain[0]
  const last = chain[chain.length - 1]
  if (!first || !last) return [`${at} is empty`]
  if (first.action !== 'propose') problems.push(`${at} must start with 'propose'`)
  if (chain.length < 2) problems.push(`${at} needs a step after the proposal`)
  if (last.action !== 'approve' && last.action !== 'file') problems.push(`${at} must end with 'approve' or 'file'`)
  chain.forEach((step, i) => {
    const before = chain[i - 1]
    if (i > 0 && step.action === 'propose') problems.push(`${at}: only the first step proposes`)
    if (before && LEVEL[step.role] < LEVEL[before.role])
      problems.push(`${at}: step ${i + 1} (${step.role}) goes below step ${i} (${before.role})`)
    if (!step.source) problems.push(`${at}: step ${i + 1} needs a source`)
  })
  return problems
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

const PROFILES: readonly RuleProfile[] = deepFreeze([cnDefault, xizang000, heihe, changji, zigong, qingyuan])

const problems = checkProfiles(PROFILES)
if (problems.length > 0) throw new Error(`Rule profiles are not sound:\n- ${problems.join('\n- ')}`)

const BY_ID = new Map<string, RuleProfile>()
for (const p of PROFILES) {
  BY_ID.set(p.id, p)
  // The seed number is an alias: getProfile('001') is Heihe.
  if (p.seed !== undefined) BY_ID.set(p.seed, p)
}

/** The profile with this id (or seed number, '000'…'004'); undefined when there is none. */
export function getProfile(id: string): RuleProfile | undefined {
  return BY_ID.get(id)
}

/** All profiles, the national default first. */
export function listProfiles(): readonly RuleProfile[] {
  return PROFILES
}

/**
 * The profile of the most specific prefix among `profiles` that `regionCode` starts with
 * (any length of code: a 12-digit region code, a prefix, or a 15-digit grid code), or the
 * default profile when none matches or the code is not digits.
 */
export function resolveProfile(regionCode: string, profiles: readonly RuleProfile[]): RuleProfile {
  let best: RuleProfile | undefined
  let bestLength = 0
  if (/^[0-9]+$/.test(regionCode)) {
    for (const p of profiles) {
      for (const prefix of p.regionPrefixes) {
        if (prefix.length > bestLength && regionCode.startsWith(prefix)) {
          best = p
          bestLength = prefix.length
        }
      }
    }
  }
  return best ?? profiles.find((p) => p.id === DEFAULT_PROFILE_ID) ?? (BY_ID.get(DEFAULT_PROFILE_ID) as RuleProfile)
}

/** The profile that governs a region: longest matching code prefix, else cn-default. */
export function profileForRegion(regionCode: string): RuleProfile {
  return resolveProfile(regionCode, PROFILES)
}
