import type { ValidationReport } from '../../server/validation/report.schemas.js'
import type { NaiveAnswers } from './naive-coverage.js'

// Figures and answers → the JSON array (`--json`) or a table for people. The JSON shape is the
// one docs/design.md fixes for every benchmark: { name, value, unit, baseline?: { name, value } },
// plus `ratio` (baseline / ours) where there is a baseline, and extra fields for the record.

export interface Answers {
  invalid: number
  overlaps: number
  overlaps_ge_1m2: number
  overlap_area_m2: number
  gaps: number
  gaps_ge_1m2: number
  gap_area_m2: number
  outside_area_m2: number
}

export interface Entry {
  name: string
  value: number
  unit: string
  baseline?: { name: string; value: number }
  ratio?: number
  [extra: string]: unknown
}

/** The same questions the naive check answers, read off our report. */
export function answersOf(report: ValidationReport): Answers & { valid: boolean; coverage_path: string } {
  const issues = report.issues
  const of = (code: string) => issues.filter((issue) => issue.code === code)
  const atLeast1 = (code: string) => of(code).filter((issue) => (issue.area_m2 ?? 0) >= 1).length
  return {
    valid: report.valid,
    coverage_path: report.summary.coverage_path,
    invalid: new Set(of('invalid_geometry').flatMap((issue) => issue.feature_ids)).size,
    overlaps: of('overlap').length,
    overlaps_ge_1m2: atLeast1('overlap'),
    overlap_area_m2: report.summary.overlap_area_m2,
    gaps: of('gap').length,
    gaps_ge_1m2: atLeast1('gap'),
    gap_area_m2: report.summary.gap_area_m2,
    outside_area_m2: report.summary.outside_area_m2,
  }
}

export function naiveAnswers(answers: NaiveAnswers): Answers {
  const { features: _features, ...rest } = answers
  return rest
}

/**
 * Where our answers and the naive ones disagree beyond rounding. Counts are compared for
 * faults of at least 1 m² (below that, the engine reports slivers by its own tolerance), areas
 * within 1 % or 1 m² (our engine may measure on a projection, the naive check on the spheroid).
 */
export function disagreements(ours: Answers, naive: Answers): string[] {
  const out: string[] = []
  const count = (field: keyof Answers, label: string) => {
    if (ours[field] !== naive[field]) out.push(`${label}: ours ${ours[field]}, naive PostGIS ${naive[field]}`)
  }
  const area = (field: keyof Answers, label: string) => {
    const a = ours[field]
    const b = naive[field]
    if (Math.abs(a - b) > Math.max(1, 0.01 * Math.max(Math.abs(a), Math.abs(b)))) {
      out.push(`${label}: ours ${formatArea(a)}, naive PostGIS ${formatArea(b)}`)
    }
  }
  count('invalid', 'invalid geometries')
  count('overlaps_ge_1m2', 'overlapping pairs ≥ 1 m²')
  area('overlap_area_m2', 'overlap area')
  count('gaps_ge_1m2', 'gaps ≥ 1 m²')
  area('gap_area_m2', 'gap area')
  area('outside_area_m2', 'area outside the parent')
  return out
}

/** Faults claimed in a coverage that is clean by construction (either side). */
export function claimsOnClean(answers: Answers, who: string): string[] {
  const out: string[] = []
  if (answers.invalid > 0) out.push(`${who} reports ${answers.invalid} invalid geometries in a clean coverage`)
  if (answers.overlaps_ge_1m2 > 0) out.push(`${who} reports ${answers.overlaps_ge_1m2} overlaps ≥ 1 m² in a clean coverage`)
  if (answers.gap_area_m2 >= 1) out.push(`${who} reports ${formatArea(answers.gap_area_m2)} of gaps in a clean coverage`)
  if (answers.outside_area_m2 >= 1) out.push(`${who} reports ${formatArea(answers.outside_area_m2)} outside the parent in a clean coverage`)
  return out
}

export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export const round1 = (value: number) => Math.round(value * 10) / 10
export const round3 = (value: number) => Math.round(value * 1000) / 1000

export function formatArea(m2: number): string {
  if (m2 === 0) return '0 m²'
  if (Math.abs(m2) < 0.01) return `${m2.toExponential(1)} m²`
  return `${m2.toLocaleString('en-US', { maximumFractionDigits: 2 })} m²`
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width)
}

export function renderTable(headers: string[], rows: string[][], rightAligned: number[] = []): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => pad(cell, widths[i] ?? 0, rightAligned.includes(i)))
      .join('  ')
      .trimEnd()
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n')
}

export function answersTable(rows: { label: string; answers: Answers | undefined }[]): string {
  return renderTable(
    ['', 'invalid', 'overlaps', '≥1 m²', 'overlap area', 'gaps', '≥1 m²', 'gap area', 'outside parent'],
    rows.map(({ label, answers: a }) =>
      a
        ? [
            label,
            String(a.invalid),
            String(a.overlaps),
            String(a.overlaps_ge_1m2),
            formatArea(a.overlap_area_m2),
            String(a.gaps),
            String(a.gaps_ge_1m2),
            formatArea(a.gap_area_m2),
            formatArea(a.outside_area_m2),
          ]
        : [label, '—', '—', '—', '—', '—', '—', '—', '—'],
    ),
    [1, 2, 3, 4, 5, 6, 7, 8],
  )
}
