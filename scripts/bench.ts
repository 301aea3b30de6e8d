import { existsSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { type DatabaseHandle, openDatabase } from '../server/db/connect.js'
import { DATA_FOLDER_LOCKED_EXIT_CODE, DataFolderLockedError } from '../server/db/data-lock.js'
import { migrateToLatest } from '../server/db/migrate.js'
import type { ValidationReport } from '../server/validation/report.schemas.js'
import { loadAverage, PostgisCoverageRuns, reportCheck } from './bench/coverage-extras.js'
import { cityDataset, countyDataset, type Dataset, denverDataset, faultyCountyDataset, REPO_ROOT } from './bench/datasets.js'
import { IO_FIGURES, ioBench } from './bench/io.js'
import { LOOKUP_FIGURES, lookupBench } from './bench/lookup.js'
import { NATIONAL_FIGURES, nationalBench } from './bench/national.js'
import { PARTITION_FIGURES, partitionBench } from './bench/partition.js'
import { PARTITION_AREA_FIGURES, partitionAreaBench } from './bench/partition-area.js'
import { TILE_FIGURES, tilesBench } from './bench/tiles.js'
import { naiveCoverage, type NaiveResult } from './bench/naive-coverage.js'
import {
  type Answers,
  answersOf,
  answersTable,
  claimsOnClean,
  disagreements,
  type Entry,
  median,
  naiveAnswers,
  renderTable,
  round1,
} from './bench/report.js'

// npm run bench [-- --json] [--only coverage] [--runs N] [--skip-baseline]
//
// Coverage validation timed as a whole validate() call (PostGIS work included), median of N runs
// after one warm-up, beside a naive PostGIS check doing the same work on the same engine in the
// same run (scripts/bench/naive-coverage.ts), runs interleaved so drift hits both alike. Engine:
// embedded PGlite in .cache/bench-pglite (created when missing, reused), or PostgreSQL when
// DATABASE_URL is set. Progress goes to stderr; stdout holds the table, or with --json exactly
// one JSON array. See bench/README.md.

const USAGE = `usage: npm run bench -- [--json] [--only NAME] [--runs N] [--skip-baseline]
  --json           print only a JSON array of figures on stdout (progress stays on stderr)
  --only NAME      run figures whose name is NAME or starts with NAME. (repeatable), e.g. coverage,
                   coverage.3000, coverage.denver, coverage.city_100k, coverage.city_10k, lookup, lookup.http, lookup.index, import, export, ogc, tiles,
                   partition (partition.2500, .denver, .providence need no database; .area_2500, .demo do),
                   lookup.index_1m (a child process), national (PostgreSQL only: DATABASE_URL)
  --runs N         counted runs per figure, after one warm-up (default 3)
  --skip-baseline  do not run the naive PostGIS check (no ratio, no answer comparison)
engine: PGlite in .cache/bench-pglite unless DATABASE_URL=postgres://… is set`

type ValidateFn = typeof import('../server/validation/validate.service.js')['validate']

interface Figure {
  dataset: Dataset
  /** Figure name stem; the overlay variant shares its dataset (and baseline) with another. */
  name: string
  options: { forceOverlay?: boolean }
}

const progress = (message: string) => process.stderr.write(`${message}\n`)

/** A mistake in the command line: printed with the usage, without a stack. */
class UsageError extends Error {}

async function main(): Promise<number> {
  const options = {
    json: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    runs: { type: 'string', default: '3' },
    'skip-baseline': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  } as const
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options }>>
  try {
    parsed = parseArgs({ options })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  const { values } = parsed
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const runs = Number(values.runs)
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new UsageError(`--runs must be an integer 1–100, got "${values.runs}"`)
  const only = values.only ?? []
  const wanted = (name: string) => only.length === 0 || only.some((o) => name === o || name.startsWith(`${o}.`))
  const anyWanted = (names: string[]) => names.some(wanted)
  const lookupWanted = anyWanted([...LOOKUP_FIGURES])
  const ioWanted = anyWanted([...IO_FIGURES])
  const tilesWanted = anyWanted([...TILE_FIGURES])
  const partitionWanted = anyWanted([...PARTITION_FIGURES])
  // partitionArea polygonises in PostGIS: it needs the engine, as the lookup figures do.
  const partitionAreaWanted = anyWanted([...PARTITION_AREA_FIGURES])
  const nationalWanted = anyWanted([...NATIONAL_FIGURES])

  // Our engine; until it exists the benchmark still measures the baseline and says so.
  let validate: ValidateFn | undefined
  if (existsSync(path.join(REPO_ROOT, 'server/validation/validate.service.ts'))) {
    validate = (await import('../server/validation/validate.service.js')).validate
  } else {
    progress('warning: server/validation/validate.service.ts not found — measuring the naive PostGIS baseline only')
  }
  if (!validate && values['skip-baseline']) throw new Error('nothing to measure: no validate() and --skip-baseline')

  // Datasets (only those asked for).
  const figures: Figure[] = []
  const skipped: string[] = []
  if (anyWanted(['coverage.3000.ms', 'coverage.3000.overlay.ms'])) {
    progress('generating the synthetic county (3,000 Voronoi grids)…')
    const county = countyDataset()
    progress(`  ${county.description}; ${county.stats.positions} positions, sha256 ${county.stats.sha256}`)
    if (wanted('coverage.3000.ms')) figures.push({ dataset: county, name: 'coverage.3000', options: {} })
    if (wanted('coverage.3000.overlay.ms')) {
      figures.push({ dataset: county, name: 'coverage.3000.overlay', options: { forceOverlay: true } })
    }
  }
  if (wanted('coverage.3000.faults.ms')) {
    const faulty = faultyCountyDataset()
    progress(`  ${faulty.description}`)
    figures.push({ dataset: faulty, name: 'coverage.3000.faults', options: {} })
  }
  if (wanted('coverage.denver.ms')) {
    progress('loading the Denver blocks…')
    const denver = denverDataset()
    if ('skipped' in denver) {
      skipped.push(`coverage.denver: skipped — ${denver.skipped}`)
      progress(`  skipped: ${denver.skipped}`)
    } else {
      progress(`  ${denver.dataset.description}; ${denver.dataset.stats.positions} positions`)
      figures.push({ dataset: denver.dataset, name: 'coverage.denver', options: {} })
    }
  }
  for (const size of ['10k', '100k'] as const) {
    if (!wanted(`coverage.city_${size}.ms`)) continue
    progress(`generating the synthetic city (${size === '100k' ? '100,000' : '10,000'} grids)…`)
    const city = cityDataset(size)
    progress(`  ${city.description}; ${city.stats.positions} positions, sha256 ${city.stats.sha256}`)
    figures.push({ dataset: city, name: city.name, options: {} })
  }
  // The partition is pure computation: timed before any database is opened, and alone without one.
  const partitionEntries: Entry[] = []
  if (partitionWanted) {
    const partitionRun = await partitionBench({ wanted, progress, runs })
    partitionEntries.push(...partitionRun.entries)
    skipped.push(...partitionRun.skipped)
  }
  const databaseWanted = figures.length > 0 || lookupWanted || ioWanted || tilesWanted || partitionAreaWanted || nationalWanted
  if (!databaseWanted && partitionWanted) {
    if (values.json) console.log(JSON.stringify(partitionEntries, null, 2))
    else console.log([partitionTable(partitionEntries), ...skipped].join('\n'))
    return 0
  }
  if (!databaseWanted) {
    if (skipped.length > 0) {
      if (values.json) console.log('[]')
      else console.log(skipped.join('\n'))
      return 0
    }
    throw new UsageError(
      `--only ${only.join(', ')} matches no figure (coverage.3000, coverage.3000.overlay, coverage.3000.faults, coverage.denver, coverage.city_100k, coverage.city_10k, ${LOOKUP_FIGURES.join(', ')}, ${IO_FIGURES.join(', ')}, ${TILE_FIGURES.join(', ')}, ${PARTITION_FIGURES.join(', ')}, ${PARTITION_AREA_FIGURES.join(', ')}, ${NATIONAL_FIGURES.join(', ')})`,
    )
  }

  // Engine.
  const databaseUrl = process.env.DATABASE_URL?.trim() || undefined
  const dataDir = path.join(REPO_ROOT, '.cache/bench-pglite')
  progress(
    databaseUrl
      ? `engine: PostgreSQL at ${databaseUrl.replace(/\/\/[^@/]*@/, '//…@')} (DATABASE_URL); migrating it to the latest schema`
      : `engine: embedded PGlite in ${path.relative(process.cwd(), dataDir) || dataDir} (a new data dir takes ~10 s to set up)`,
  )
  const database = await openDatabase({ databaseUrl, dataDir })
  let failed = false
  const entries: Entry[] = []
  const warnings: string[] = []
  const tables: string[] = []
  try {
    await migrateToLatest(database.kysely)
    const caps = database.capabilities
    const engineLine = `${database.engine} — PostgreSQL ${caps.postgres}, PostGIS ${caps.postgis}, GEOS ${caps.geos}`
    progress(`  ${engineLine}`)

    // One baseline per dataset, shared by the figures that use it.
    const baselines = new Map<Dataset, { samples: number[]; result: NaiveResult }>()
    const byDataset = new Map<Dataset, Figure[]>()
    for (const figure of figures) byDataset.set(figure.dataset, [...(byDataset.get(figure.dataset) ?? []), figure])

    for (const [dataset, its] of byDataset) {
      progress(`${dataset.name}: ${dataset.stats.features} features, 1 warm-up + ${runs} runs each, interleaved`)
      const samples = new Map<Figure, number[]>(its.map((figure) => [figure, []]))
      const reports = new Map<Figure, ValidationReport>()
      const errors = new Map<Figure, string>()
      const baselineSamples: number[] = []
      let baseline: NaiveResult | undefined
      const postgisCoverageRuns = await PostgisCoverageRuns.for(database, dataset, values['skip-baseline'])
      if (postgisCoverageRuns?.skipped) skipped.push(`${dataset.name}.postgis_coverage_ms: skipped — ${postgisCoverageRuns.skipped}`)
      if (dataset.naiveSkipped && !values['skip-baseline'])
        skipped.push(`${dataset.name}.naive_postgis.ms: not run — ${dataset.naiveSkipped}`)

      for (let run = 0; run <= runs; run++) {
        const label = run === 0 ? 'warm-up' : `run ${run}/${runs}`
        for (const figure of its) {
          if (!validate || errors.has(figure)) continue
          try {
            const { ms, report } = await timeOurs(validate, database, dataset, figure.options)
            if (run > 0) samples.get(figure)?.push(ms)
            reports.set(figure, report)
            progress(`  ${label} ${figure.name}: ${ms.toFixed(0)} ms (${report.issues.length} issues)`)
          } catch (error) {
            errors.set(figure, error instanceof Error ? (error.stack ?? error.message) : String(error))
            progress(`  ${label} ${figure.name}: validate() threw — ${String(error)}`)
            failed = true
          }
        }
        await postgisCoverageRuns?.run(database, dataset, run, label, progress)
        if (!values['skip-baseline'] && !dataset.naiveSkipped) {
          baseline = await naiveCoverage(database.kysely, dataset.features, dataset.parent)
          if (run > 0) baselineSamples.push(baseline.ms.total)
          const s = baseline.ms
          progress(
            `  ${label} naive PostGIS: ${s.total.toFixed(0)} ms (load ${s.load.toFixed(0)}, validity ${s.validity.toFixed(0)}, overlaps ${s.overlaps.toFixed(0)}, union/gaps ${s.gaps.toFixed(0)})`,
          )
        }
      }
      if (baseline) {
        baselines.set(dataset, { samples: baselineSamples, result: baseline })
        for (const workaround of baseline.workarounds) warnings.push(`${dataset.name}: naive PostGIS: ${workaround}`)
      }

      // Answers side by side.
      const naive = baseline ? naiveAnswers(baseline.answers) : undefined
      const answerRows: { label: string; answers: Answers | undefined }[] = []
      for (const figure of its) {
        const report = reports.get(figure)
        const ours = report ? answersOf(report) : undefined
        answerRows.push({ label: `ours${figure.options.forceOverlay ? ' (overlay)' : ''}`, answers: ours })
        if (ours && naive) {
          for (const d of disagreements(ours, naive)) warnings.push(`${figure.name}: answers disagree — ${d}`)
        }
        if (ours && dataset.expectClean) warnings.push(...claimsOnClean(ours, figure.name))
        if (ours && !dataset.expectClean && ours.valid && naive && (naive.overlaps_ge_1m2 > 0 || naive.gaps_ge_1m2 > 0)) {
          warnings.push(`${figure.name}: our report says valid, but naive PostGIS finds overlaps/gaps ≥ 1 m²`)
        }
        const errorText = errors.get(figure)
        if (errorText) warnings.push(`${figure.name}: validate() threw:\n${errorText}`)
      }
      if (naive) {
        answerRows.push({ label: 'naive PostGIS', answers: naive })
        if (dataset.expectClean) {
          for (const claim of claimsOnClean(naive, 'naive PostGIS')) {
            warnings.push(`${dataset.name}: ${claim} — the generator did not make a valid coverage`)
          }
        }
      }
      tables.push(`${dataset.name}: ${dataset.description}\n${answersTable(answerRows)}`)

      // Figures.
      const baselineEntry = baselines.get(dataset)
      const baselineMs = baselineEntry ? round1(median(baselineEntry.samples)) : undefined
      const baselineName = `${dataset.name}.naive_postgis.ms`
      const common = {
        engine: database.engine,
        postgis: caps.postgis,
        runs,
        dataset: dataset.stats,
        load_average: loadAverage(),
        // The bench process's peak so far (datasets, baselines and all): an upper bound of ours.
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      }
      for (const figure of its) {
        const mine = samples.get(figure) ?? []
        const report = reports.get(figure)
        if (mine.length < runs) continue
        const value = round1(median(mine))
        const ours = report ? answersOf(report) : null
        const check = reportCheck(dataset, report, database.engine, caps.postgis)
        if (check.warning) warnings.push(check.warning)
        if (postgisCoverageRuns) warnings.push(...postgisCoverageRuns.warnings(dataset, ours, report?.summary.coverage_path))
        entries.push({
          name: `${figure.name}.ms`,
          value,
          unit: 'ms',
          ...(baselineMs !== undefined
            ? { baseline: { name: baselineName, value: baselineMs }, ratio: Math.round((baselineMs / value) * 100) / 100 }
            : {}),
          ...common,
          min: round1(Math.min(...mine)),
          max: round1(Math.max(...mine)),
          samples: mine.map(round1),
          ...(report ? { coverage_path: report.summary.coverage_path, valid: report.valid } : {}),
          answers: {
            ours,
            baseline: baselineEntry ? naiveAnswers(baselineEntry.result.answers) : null,
          },
          ...check.fields,
          ...(postgisCoverageRuns && !figure.options.forceOverlay ? postgisCoverageRuns.fields(dataset, value, ours) : {}),
        })
      }
      if (baselineEntry && baselineMs !== undefined && !its.some((figure) => (samples.get(figure)?.length ?? 0) >= runs)) {
        // No figure of ours to attach it to: record the baseline on its own.
        entries.push({
          name: baselineName,
          value: baselineMs,
          unit: 'ms',
          ...common,
          samples: baselineEntry.samples.map(round1),
          answers: { baseline: naiveAnswers(baselineEntry.result.answers) },
        })
      }
      if (baselineEntry) {
        const last = baselineEntry.result.ms
        for (const entry of entries.filter((e) => e.baseline?.name === baselineName || e.name === baselineName)) {
          if (baselineEntry.result.workarounds.length > 0) entry.baseline_workarounds = baselineEntry.result.workarounds
          entry.baseline_steps_ms = {
            load: round1(last.load),
            validity: round1(last.validity),
            overlaps: round1(last.overlaps),
            union_gaps: round1(last.gaps),
          }
        }
      }
    }

    if (lookupWanted) entries.push(...(await lookupBench(database, { wanted, progress, skipBaseline: values['skip-baseline'] })))
    if (tilesWanted) entries.push(...(await tilesBench(database, { wanted, progress, skipBaseline: values['skip-baseline'] })))
    if (ioWanted) entries.push(...(await ioBench({ wanted, progress, skipBaseline: values['skip-baseline'], runs })))
    if (partitionAreaWanted) partitionEntries.push(...(await partitionAreaBench(database, { wanted, progress, runs })))
    if (nationalWanted) {
      const national = await nationalBench(database, { wanted, progress })
      entries.push(...national.entries)
      skipped.push(...national.skipped)
    }
    entries.push(...partitionEntries)

    // Output.
    if (values.json) {
      for (const warning of warnings) progress(`WARNING ${warning}`)
      console.log(JSON.stringify(entries, null, 2))
    } else {
      console.log(`engine: ${engineLine}`)
      console.log(`median of ${runs} runs after 1 warm-up; ratio = naive PostGIS / ours (higher is better for ours)\n`)
      console.log(
        renderTable(
          ['figure', 'ours', 'min–max', 'naive PostGIS', 'ratio', 'path'],
          entries
            .filter(
              (entry) =>
                !entry.name.startsWith('lookup.') &&
                !entry.name.startsWith('tiles.') &&
                !entry.name.startsWith('partition.') &&
                !entry.name.startsWith('national.') &&
                !IO_FIGURES.some((name) => name === entry.name),
            )
            .map((entry) => {
              const baselineOnly = entry.name.endsWith('.naive_postgis.ms')
              return [
                entry.name,
                baselineOnly ? '—' : `${entry.value.toFixed(0)} ms`,
                entry.min !== undefined ? `${Number(entry.min).toFixed(0)}–${Number(entry.max).toFixed(0)}` : '',
                baselineOnly ? `${entry.value.toFixed(0)} ms` : entry.baseline ? `${entry.baseline.value.toFixed(0)} ms` : '—',
                entry.ratio !== undefined ? `${entry.ratio.toFixed(2)}×` : '—',
                typeof entry.coverage_path === 'string' ? entry.coverage_path : '',
              ]
            }),
          [1, 2, 3, 4],
        ),
      )
      const lookups = entries.filter(
        (entry) =>
          entry.name.startsWith('lookup.') ||
          entry.name.startsWith('tiles.') ||
          entry.name.startsWith('national.') ||
          IO_FIGURES.some((name) => name === entry.name),
      )
      if (lookups.length > 0) {
        console.log(
          `\n${renderTable(
            ['lookup figure', 'value', 'baseline', 'ratio'],
            lookups.map((entry) => [
              entry.name,
              `${entry.value.toLocaleString('en')} ${entry.unit}`,
              entry.baseline ? `${entry.baseline.name} ${entry.baseline.value.toLocaleString('en')}` : '—',
              entry.ratio !== undefined ? `${entry.ratio}×` : '—',
            ]),
            [1, 3],
          )}`,
        )
      }
      if (partitionEntries.length > 0) console.log(`\n${partitionTable(partitionEntries)}`)
      for (const table of tables) console.log(`\n${table}`)
      for (const entry of entries) {
        const steps = entry.baseline_steps_ms as Record<string, number> | undefined
        if (steps && entry.name.endsWith('.ms') && !entry.name.includes('.overlay.')) {
          console.log(
            `\n${entry.name.replace(/\.ms$/, '')} naive PostGIS steps (last run): ${Object.entries(steps)
              .map(([step, ms]) => `${step} ${ms.toFixed(0)} ms`)
              .join(', ')}`,
          )
        }
      }
      for (const entry of entries) {
        const pc = entry.postgis_coverage as { name?: string; value?: number; ratio?: number; answers?: object } | undefined
        if (pc?.name && pc.value !== undefined) {
          console.log(
            `\n${pc.name}: ${pc.value.toFixed(0)} ms (PostGIS's ST_CoverageInvalidEdges + ST_CoverageUnion, load included), ${pc.ratio}× ours; found ${JSON.stringify(pc.answers)}`,
          )
        }
        if (Array.isArray(entry.load_average)) console.log(`${entry.name}: load average ${entry.load_average.join(', ')} after its runs`)
      }
      for (const line of skipped) console.log(`\n${line}`)
      if (warnings.length > 0) console.log(`\n${warnings.map((w) => `WARNING ${w}`).join('\n')}`)
    }
  } finally {
    await database.close()
  }
  return failed ? 1 : 0
}

/** The partition figures for people: time, grids, share in range, compactness, road share. */
function partitionTable(entries: Entry[]): string {
  const goals = entries.filter((entry) => typeof entry.goal === 'number')
  const goalTable =
    goals.length === 0
      ? ''
      : `\n\n${renderTable(
          ['partition goal', 'value', 'goal', 'baseline'],
          goals.map((entry) => [
            entry.name,
            `${entry.value} ${entry.unit}`,
            String(entry.goal),
            entry.baseline ? `${entry.baseline.value} (${entry.baseline.name})` : '—',
          ]),
          [1, 2],
        )}`
  return `${renderTable(
    ['partition figure', 'ours', 'grids', 'in range', 'mean PP', 'road share', 'PySAL max-p (not run)'],
    entries
      .filter((entry) => entry.unit === 'ms' && entry.result)
      .map((entry) => {
        const result = entry.result as {
          grids: number
          in_range_pct: number
          mean_polsby_popper: number
          road_boundary_share: number | null
        }
        return [
          entry.name,
          `${entry.value.toFixed(0)} ms`,
          String(result.grids),
          `${result.in_range_pct} %`,
          String(result.mean_polsby_popper),
          result.road_boundary_share === null ? '—' : String(result.road_boundary_share),
          typeof entry.pysal_max_p_ms === 'number' ? `${entry.pysal_max_p_ms.toLocaleString('en')} ms (not run here)` : '—',
        ]
      }),
    [1, 2, 3, 4, 5],
  )}${goalTable}`
}

async function timeOurs(
  validate: ValidateFn,
  database: DatabaseHandle,
  dataset: Dataset,
  options: { forceOverlay?: boolean },
): Promise<{ ms: number; report: ValidationReport }> {
  const request = {
    features: dataset.features,
    ...(dataset.parent ? { parent: dataset.parent } : {}),
    crs: dataset.crs,
  }
  const started = performance.now()
  const report = await validate(database, request, 'en', { ...dataset.validateOptions, ...options })
  return { ms: performance.now() - started, report }
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${USAGE}`)
      process.exit(2)
    }
    if (error instanceof DataFolderLockedError) {
      console.error(error.message)
      process.exit(DATA_FOLDER_LOCKED_EXIT_CODE)
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error)
    process.exit(1)
  })
