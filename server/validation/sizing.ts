// Household sizing of comprehensive grids against a rule profile (docs/design.md: "size by
// households"). Dedicated and micro grids are not sized. Decisions, in order of evaluation:
//
// 1. households null (or not a finite number) → warning `households_missing`.
// 2. Range: the profile's urban or rural range by the community's 统计用城乡分类代码 (1xx urban,
//    2xx rural); unknown class → urban, and the message says it was assumed (household-range.ts).
// 3. Within the range → nothing.
// 4. Out of range but the population is within the profile's people range for that basis
//    (003 §8: 300–500 户"或者"1000 人左右) → nothing: the regulation offers the two measures as
//    equals, so the grid complies.
// 5. An approved exception for the grid (profile.exceptions, matched on the grid id):
//    without a range, or with a range the count falls in → a warning with the same code, carrying
//    the reason, approver and date (the exception stays visible on every report, never silent);
//    with a range the count falls outside → an error against the exception's range.
// 6. A range marked advisory (the regulation gives no number, e.g. 自贡 villages, 003 §8) → warning.
// 7. Otherwise → error `households_below_min` / `households_above_max`.
import type { GridKind } from '../grids/kinds.js'
import type { Language } from '../i18n/index.js'
import { urbanRuralBasis } from '../profiles/household-range.js'
import type { RuleProfile } from '../profiles/rule-profile.js'
import { sizingMessage } from './issue-messages.js'
import type { IssueCode, Severity, SizingDetails, ValidationIssue } from './report.schemas.js'

export interface SizingInput {
  id: string
  kind: GridKind
  households: number | null
  population: number | null
  count_date: string | null
  /** 统计用城乡分类代码 of the grid's community (111…220); null = unknown → sized as urban. */
  urban_rural: string | null
}

export function householdIssues(grids: SizingInput[], profile: RuleProfile, language: Language): ValidationIssue[] {
  const exceptions = new Map(profile.exceptions.map((e) => [e.grid, e]))
  const issues: ValidationIssue[] = []

  for (const grid of grids) {
    if (grid.kind !== 'comprehensive') continue
    const { basis, assumed } = urbanRuralBasis(grid.urban_rural)
    const range = profile.households[basis]
    const peopleRange = profile.people?.[basis]
    const households = isCount(grid.households) ? grid.households : null
    const population = isCount(grid.population) ? grid.population : null
    const facts: Facts = { grid, households, population, basis, assumed, profile, source: range.source, peopleRange }
    if (households === null) {
      issues.push(sizingIssue('households_missing', 'warning', grid.id, details(facts, range), language))
      continue
    }
    if (households >= range.min && households <= range.max) continue
    if (peopleRange && population !== null && population >= peopleRange.min && population <= peopleRange.max) continue

    const exception = exceptions.get(grid.id)
    // An exception with its own range the count misses: an error against that range.
    const missesException = exception?.range !== undefined && (households < exception.range.min || households > exception.range.max)
    const checked = missesException && exception?.range ? exception.range : range
    const severity: Severity = exception ? (missesException ? 'error' : 'warning') : range.advisory ? 'warning' : 'error'
    const below = households < checked.min
    issues.push(
      sizingIssue(
        below ? 'households_below_min' : 'households_above_max',
        severity,
        grid.id,
        details(facts, checked, {
          ...(exception ? { exception: { ...exception, ...(exception.range ? { range: { ...exception.range } } : {}) } } : {}),
          ...(!exception && range.advisory ? { advisory: true as const } : {}),
        }),
        language,
      ),
    )
  }
  return issues
}

/** What every household issue of a grid states (module-level, not closures per grid: a city sizes 100,000). */
interface Facts {
  grid: SizingInput
  households: number | null
  population: number | null
  basis: SizingDetails['basis']
  assumed: boolean
  profile: RuleProfile
  source: SizingDetails['source']
  peopleRange: { min: number; max: number } | undefined
}

function details(facts: Facts, checked: { min: number; max: number }, extra: Partial<SizingDetails> = {}): SizingDetails {
  const { grid, households, population, basis, assumed, profile, source, peopleRange } = facts
  return {
    households,
    population,
    count_date: grid.count_date,
    range: { min: checked.min, max: checked.max },
    basis,
    basis_assumed: assumed,
    profile: profile.id,
    source,
    ...(peopleRange ? { people_range: { min: peopleRange.min, max: peopleRange.max } } : {}),
    ...extra,
  }
}

// The facts are the message's parameters: issue-messages.ts words them in the reader's language.
function sizingIssue(code: IssueCode, severity: Severity, grid: string, facts: SizingDetails, language: Language): ValidationIssue {
  return { code, severity, message: sizingMessage(code, grid, facts, language), feature_ids: [grid], details: facts }
}

function isCount(value: number | null): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}
