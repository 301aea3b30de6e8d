import type { Language } from '../i18n/index.js'
import { fastTranslate as translate } from '../i18n/templates.js'
import { getProfile } from '../profiles/profiles.js'
import type { IssueParams, SizingDetails, ValidationIssue, ValidationReport } from './report.schemas.js'

// An issue's sentence is rendered from its code and parameters in the reader's language, at
// answer time: stored reports (proposals.validation) keep codes and parameters only, so an English
// reviewer reads English whoever drafted it. Household issues take their facts from `details`.

/** An issue as stored: no message, or the message of a report stored before reports were neutral. */
export type StoredIssue = Omit<ValidationIssue, 'message'> & { message?: string }
export type StoredReport = Omit<ValidationReport, 'issues'> & { issues: StoredIssue[] }

type Words = IssueParams & Record<string, string | number | string[] | undefined>

/** Geometry reasons whose params say where (a path, a coordinate, a count, a type). */
const STRUCTURE_DETAILS = new Set(['coordinates_not_numbers', 'out_of_range_coordinate', 'too_few_points', 'wrong_geometry_type'])

/** The report without message texts: what is stored. */
export function withoutMessages(report: ValidationReport | StoredReport): StoredReport {
  return { ...report, issues: report.issues.map(({ message: _message, ...issue }) => issue) }
}

/** A stored report with each issue's message in `language`; a message stored with an old report is kept. */
export function renderReport(report: StoredReport, language: Language): ValidationReport {
  return { ...report, issues: report.issues.map((issue) => ({ ...issue, message: issue.message ?? issueMessage(issue, language) })) }
}

/** The sentence of an issue in `language`, from its code and params (or, for household issues, details). */
export function issueMessage(issue: StoredIssue, language: Language): string {
  if (issue.details) return sizingMessage(issue.code, issue.feature_ids[0] ?? '', issue.details, language)
  const t = (key: string, params: Words = {}) => translate(language, `validation.${key}`, joinLists(language, params))
  const params = issue.params ?? {}
  const sliver = typeof params.sliver_tolerance === 'number' ? t('sliver', { tolerance: params.sliver_tolerance }) : ''
  switch (issue.code) {
    case 'invalid_geometry': {
      const reason = issue.reason ?? 'other'
      const where =
        typeof params.place === 'string'
          ? t('at', { place: params.place })
          : STRUCTURE_DETAILS.has(reason)
            ? t(`detail.${reason}`, params)
            : ''
      return t('invalid_geometry', { feature: params.feature ?? '', reason: t(`reason.${reason}`), where })
    }
    case 'gap':
      return t(Array.isArray(params.features) && params.features.length > 0 ? 'gap' : 'gap_alone', params) + sliver
    case 'parent_grid_missing':
      return params.parent === undefined
        ? t('parent_grid_none', params)
        : t('parent_grid_missing', { ...params, kindName: t(`kind_name.${params.kind}`) })
    default:
      return t(issue.code, params) + sliver
  }
}

/** Lists (the neighbours of a gap, the other communities of a crossing) joined in the language's way. */
function joinLists(language: Language, params: Words): Record<string, string | number> {
  const separator = translate(language, 'validation.list_separator')
  const words: Record<string, string | number> = {}
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) words[key] = Array.isArray(value) ? value.join(separator) : value
  }
  return words
}

/** A household issue's sentences (sizing.ts decides; these words say what it decided and why). */
export function sizingMessage(code: ValidationIssue['code'], grid: string, details: SizingDetails, language: Language): string {
  const t = (key: string, params: Record<string, string | number> = {}) => translate(language, `sizing.${key}`, params)
  const profile = getProfile(details.profile)
  const profileName = profile ? (language === 'en' ? profile.name.en : profile.name.zh) : details.profile
  const basis = t(`basis_${details.basis}`)
  const assumed = details.basis_assumed ? t('basis_assumed') : ''
  const { range, households, population, exception } = details
  if (code === 'households_missing' || households === null)
    return t('households_missing', { grid, basis, min: range.min, max: range.max, profile: profileName }) + assumed

  const below = code === 'households_below_min'
  const missesException = exception?.range !== undefined && (households < exception.range.min || households > exception.range.max)
  const counted = details.count_date ? t('counted', { date: details.count_date }) : t('counted_unknown')
  const params = { grid, households, counted, basis, min: range.min, max: range.max, profile: profileName }
  const sentences = [
    missesException && exception
      ? t(below ? 'households_below_exception' : 'households_above_exception', {
          ...params,
          approver: exception.approver,
          date: exception.date,
        })
      : t(below ? 'households_below_min' : 'households_above_max', params),
    assumed,
  ]
  const people = details.people_range
  if (people)
    sentences.push(
      population === null
        ? t('people_missing', { min: people.min, max: people.max })
        : t('people_out', { population, min: people.min, max: people.max }),
    )
  if (exception && !missesException)
    sentences.push(t('excepted', { reason: exception.reason, approver: exception.approver, date: exception.date }))
  if (details.advisory) sentences.push(t('advisory'))
  return sentences.join('')
}
