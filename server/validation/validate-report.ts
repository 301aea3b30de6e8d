import type { Language, MessageParams } from '../i18n/index.js'
import { fastTranslate as translate } from '../i18n/templates.js'
import { issueMessage } from './issue-messages.js'
import type { IssueCode, IssueParams, Severity, ValidationIssue, ValidationReport } from './report.schemas.js'

// Building blocks of the validation report: issues, the messages and numbers in them, and the
// summary over all issues.

/** A validation.* message in the caller's language; issues are worded in its `language`. */
export type Translate = ((key: string, params?: MessageParams) => string) & { readonly language: Language }

export function validationMessages(language: Language): Translate {
  return Object.assign((key: string, params: MessageParams = {}) => translate(language, `validation.${key}`, params), { language })
}

/** An issue with its params, and its message rendered from them (issue-messages.ts words every code). */
export function issueOf(
  code: IssueCode,
  severity: Severity,
  params: IssueParams,
  featureIds: string[],
  t: Translate,
  extra: Partial<ValidationIssue> = {},
): ValidationIssue {
  const issue = { code, severity, feature_ids: featureIds, params, ...extra }
  return { ...issue, message: issueMessage(issue, t.language) }
}

export function newIssue(
  code: IssueCode,
  severity: Severity,
  message: string,
  featureIds: string[],
  extra: Partial<ValidationIssue> = {},
): ValidationIssue {
  return { code, severity, message, feature_ids: featureIds, ...extra }
}

/** The report of a validation: the issues as found, and the counts and areas over them. */
export function buildReport(
  issues: ValidationIssue[],
  features: number,
  assigned: string[],
  profile: string,
  path: ValidationReport['summary']['coverage_path'],
): ValidationReport {
  const byCode: Partial<Record<IssueCode, number>> = {}
  for (const i of issues) byCode[i.code] = (byCode[i.code] ?? 0) + 1
  const sumArea = (code: IssueCode) => round(issues.filter((i) => i.code === code).reduce((sum, i) => sum + (i.area_m2 ?? 0), 0))
  const errors = issues.filter((i) => i.severity === 'error').length
  return {
    valid: errors === 0,
    issues,
    summary: {
      features,
      errors,
      warnings: issues.length - errors,
      by_code: byCode,
      gap_area_m2: sumArea('gap'),
      overlap_area_m2: sumArea('overlap'),
      outside_area_m2: sumArea('outside_parent'),
      grids_out_of_range: new Set(
        issues.filter((i) => i.code === 'households_below_min' || i.code === 'households_above_max').flatMap((i) => i.feature_ids),
      ).size,
      assigned_ids: assigned,
      profile,
      coverage_path: path,
    },
  }
}

const round = (value: number) => Math.round(value * 10000) / 10000

/** Areas in messages: three significant digits, so GEOS versions agree on the text. */
export function formatArea(m2: number): string {
  if (m2 >= 1000) return String(Math.round(m2))
  return String(Number(m2.toPrecision(3)))
}

/**
 * A place in messages: lon, lat to 5 decimals (about a metre). Rounded to 7 decimals first, so a
 * vertex that GEOS versions compute a last bit apart cannot tip the 5th decimal.
 */
export function formatPlace([lng, lat]: [number, number]): string {
  const steady = (value: number) => (Math.round(value * 1e7) / 1e7).toFixed(5)
  return `${steady(lng)}, ${steady(lat)}`
}
