import { loadavg } from 'node:os'
import type { DatabaseHandle } from '../../server/db/connect.js'
import type { ValidationReport } from '../../server/validation/report.schemas.js'
import { type Dataset, reportSha256 } from './datasets.js'
import { type PostgisCoverageResult, postgisCoverage, postgisCoverageUnavailable } from './postgis-coverage.js'
import { type Answers, type Entry, median, round1 } from './report.js'

// What the coverage figures record beside ours and the naive baseline (bench.ts): PostGIS's own
// coverage functions timed in the same loop, whether the report is the one validate() gave
// before its speed-ups, and the machine's load average while the figure was measured.

/** PostGIS's coverage functions over a dataset's runs (postgis-coverage.ts), or why they are not run. */
export class PostgisCoverageRuns {
  readonly samples: number[] = []
  last: PostgisCoverageResult | undefined
  private constructor(readonly skipped: string | null) {}

  static async for(database: DatabaseHandle, dataset: Dataset, skipBaseline: boolean): Promise<PostgisCoverageRuns | null> {
    if (!dataset.postgisCoverage || skipBaseline) return null
    return new PostgisCoverageRuns(await postgisCoverageUnavailable(database.kysely))
  }

  /** One run, interleaved with ours and the naive check; the warm-up (run 0) is not counted. */
  async run(database: DatabaseHandle, dataset: Dataset, run: number, label: string, progress: (line: string) => void): Promise<void> {
    if (this.skipped) return
    this.last = await postgisCoverage(database.kysely, dataset.features)
    if (run > 0) this.samples.push(this.last.ms.total)
    const s = this.last.ms
    progress(
      `  ${label} PostGIS coverage functions: ${s.total.toFixed(0)} ms (load ${s.load.toFixed(0)}, ST_CoverageInvalidEdges ${s.invalid_edges.toFixed(0)}, ST_CoverageUnion ${s.union.toFixed(0)})`,
    )
  }

  /** The fields of our entry: `postgis_coverage` with its figure, ratio (it / ours) and answers. */
  fields(dataset: Dataset, ours: number, answers: Answers | null): Record<string, unknown> {
    if (this.skipped) return { postgis_coverage: { skipped: this.skipped } }
    if (!this.last || this.samples.length === 0) return {}
    const value = round1(median(this.samples))
    const found = this.last.answers
    return {
      postgis_coverage: {
        name: `${dataset.name}.postgis_coverage_ms`,
        value,
        ratio: Math.round((value / ours) * 100) / 100,
        samples: this.samples.map(round1),
        steps_ms: Object.fromEntries(Object.entries(this.last.ms).map(([step, ms]) => [step, round1(ms)])),
        answers: found,
        // Gaps are the union's holes only without a parent; ours are counted from the report.
        same_gaps:
          answers && !dataset.parent ? found.holes === answers.gaps && Math.abs(found.hole_area_m2 - answers.gap_area_m2) < 1 : null,
      },
    }
  }

  /** Warnings: the functions found edges our proof did not, or other gaps. */
  warnings(dataset: Dataset, answers: Answers | null, path: string | undefined): string[] {
    const found = this.last?.answers
    if (!found || !answers) return []
    const warnings: string[] = []
    if (found.invalid_edges > 0 && path === 'edge-match') {
      warnings.push(`${dataset.name}: ST_CoverageInvalidEdges finds ${found.invalid_edges} edges, our edge match proved the coverage clean`)
    }
    if (!dataset.parent && (found.holes !== answers.gaps || Math.abs(found.hole_area_m2 - answers.gap_area_m2) >= 1)) {
      warnings.push(
        `${dataset.name}: ST_CoverageUnion has ${found.holes} holes (${found.hole_area_m2} m²), our report ${answers.gaps} gaps (${answers.gap_area_m2} m²)`,
      )
    }
    return warnings
  }
}

/** The report's fingerprint and whether it is the one recorded before the speed-ups (same engine). */
export function reportCheck(dataset: Dataset, report: ValidationReport | undefined, engine: string, postgis: string) {
  if (!report) return { fields: {}, warning: null }
  const sha256 = reportSha256(report)
  const before = dataset.reportBefore?.[`${engine} ${postgis}`]
  if (!before) return { fields: { report_sha256: sha256 }, warning: null }
  const same = sha256 === before
  return {
    fields: { report_sha256: sha256, report_same_as_before: same },
    warning: same ? null : `${dataset.name}: the report differs from the one validate() gave before (${sha256}, was ${before})`,
  }
}

/** The load averages (1, 5, 15 minutes) now: a shared machine's figures are read beside them. */
export const loadAverage = () => loadavg().map((value) => Math.round(value * 100) / 100)

export type { Entry }
