import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { systemActor } from '../../server/audit/audit.repository.js'
import type { TokenClaims } from '../../server/auth/auth.plugin.js'
import type { DatabaseHandle } from '../../server/db/connect.js'
import { exportLayer } from '../../server/export/export.service.js'
import { commitImport } from '../../server/import/commit.js'
import { importGeoJson } from '../../server/import/geojson-import.js'
import { openTestDatabase } from '../../server/testing/database.js'
import { boxPolygon } from '../../server/testing/shapes.js'
import { gridLayerShapefile, IO_BENCH_DIR } from './io-dataset.js'
import { ogcItemsRun } from './ogc.js'
import { type Entry, median, round1 } from './report.js'

// Data in/out figures: 100,000 grid polygons (40 vertices each) as a GBK shapefile written by
// GDAL, imported through the importer's one code path (commitImport, as `npm run import` and the
// wizard's commit) into a county of 106 townships (bands of three lattice rows, ~950 grids each)
// with no grids: as drafts, one proposal per township, what the figure names and the wizard
// makes (import.shp_100k), and on another fresh database written directly as an initial division
// (import.shp_100k_direct, what `npm run import` does by default); then exported again as a
// shapefile and a GeoPackage. Each run on a fresh database (the template copy the tests use). Baseline, where a PostgreSQL is at hand (DATABASE_URL): ogr2ogr -f
// PostgreSQL of the same file, and ogr2ogr from that table back to a shapefile and a GeoPackage.

export const IO_FIGURES = [
  'import.shp_100k.ms',
  'import.shp_100k_direct.ms',
  'export.shp_100k.ms',
  'export.gpkg_100k.ms',
  'ogc.items_per_s',
] as const

export interface IoBenchOptions {
  wanted(name: string): boolean
  progress(message: string): void
  skipBaseline: boolean
  runs: number
}

export const GRIDS = 100_000
export const BENCH_ADMIN: TokenClaims = { sub: 'bench', role: 'admin', region_prefix: '', scope_name: '' }
export const GRID_MAP = { name: '网格名称', households: '户数' }
const BAND_ROWS = 3 // townships (one village each) are bands of three lattice rows: at most 999 grids (15-digit codes)

/** The bench county's regions (regionsOf) for the GRIDS lattice, as GeoJSON text. */
export const benchRegions = () => {
  const columns = Math.ceil(Math.sqrt(GRIDS))
  return regionsOf(columns, Math.ceil(GRIDS / columns), 0.001, [117.0, 31.0])
}

/** Province → county → townships, each with one village, covering the lattice; prefix 98 (clear of the demo's 99). */
function regionsOf(columns: number, rows: number, cell: number, origin: [number, number]) {
  const round = (value: number) => Math.round(value * 1e9) / 1e9
  const [ox, oy] = origin
  const whole = boxPolygon(ox, oy, round(ox + columns * cell), round(oy + rows * cell))
  const feature = (code: string, name: string, level: number, geometry: unknown) => ({
    type: 'Feature',
    properties: { code, name, level },
    geometry,
  })
  const features = [
    feature('980000000000', '测试省', 1, whole),
    feature('980100000000', '测试市', 2, whole),
    feature('980101000000', '测试县', 3, whole),
  ]
  for (let band = 0; band * BAND_ROWS < rows; band++) {
    const y0 = round(oy + band * BAND_ROWS * cell)
    const y1 = round(oy + Math.min(rows, (band + 1) * BAND_ROWS) * cell)
    const township = `980101${String(band + 1).padStart(3, '0')}`
    const box = boxPolygon(ox, y0, round(ox + columns * cell), y1)
    features.push(feature(`${township}000`, `测试${band + 1}镇`, 4, box), feature(`${township}001`, `测试${band + 1}村`, 5, box))
  }
  return JSON.stringify({ type: 'FeatureCollection', features })
}

export const shapefileParts = (shp: string) => {
  const dir = path.dirname(shp)
  const stem = path.basename(shp, '.shp')
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${stem}.`) && !name.endsWith('.geojson'))
    .map((name) => ({ name, bytes: readFileSync(path.join(dir, name)) }))
}

/** A fresh database with the bench county's regions. */
export async function countyDatabase(regions: string): Promise<DatabaseHandle> {
  const database = await openTestDatabase()
  const loaded = await importGeoJson(database.kysely, Buffer.from(regions), {
    kind: 'regions',
    region: '98',
    validFrom: '2026-01-01',
    actor: systemActor('bench'),
    language: 'en',
  })
  if (!loaded.ok) throw new Error(`bench regions did not load: ${loaded.message}`)
  return database
}

const timed = async <T>(work: () => Promise<T>) => {
  const started = performance.now()
  const result = await work()
  return { ms: performance.now() - started, result }
}

export async function ioBench(options: IoBenchOptions): Promise<Entry[]> {
  const { progress } = options
  if (spawnSync('ogr2ogr', ['--version']).status !== 0) {
    progress('io: skipped — ogr2ogr (gdal-bin) is not installed')
    return []
  }
  progress(`io: ${GRIDS.toLocaleString('en')} grids × 40 vertices as a GBK shapefile (ogr2ogr, cached in ${IO_BENCH_DIR})…`)
  const layer = await gridLayerShapefile(GRIDS)
  const files = shapefileParts(layer.shp)
  const regions = benchRegions()
  const samples: Record<(typeof IO_FIGURES)[number], number[]> = {
    'import.shp_100k.ms': [],
    'import.shp_100k_direct.ms': [],
    'export.shp_100k.ms': [],
    'export.gpkg_100k.ms': [],
    'ogc.items_per_s': [],
  }
  const ogcBaseline: number[] = []
  let engine = ''
  const runs = Array.from({ length: options.runs + 1 }, (_, run) => ({ run, label: run === 0 ? 'warm-up' : `run ${run}/${options.runs}` }))
  // Each draft import in a process of its own (io-draft-run.ts), as `npm run import` runs it:
  // its peak RSS is the import's, not the bench process's.
  let draftRssMb = 0
  for (const { run, label } of options.wanted('import.shp_100k.ms') ? runs : []) {
    const drafted = draftInOwnProcess()
    if (drafted.imported !== GRIDS) throw new Error(`drafted ${drafted.imported} grids, expected ${GRIDS}`)
    progress(
      `  ${label} import.shp_100k: ${drafted.ms.toFixed(0)} ms (${GRIDS} grids in ${drafted.proposals} draft proposals; peak RSS of its process ${drafted.peakRssMb} MB)`,
    )
    if (run > 0) {
      samples['import.shp_100k.ms'].push(drafted.ms)
      draftRssMb = Math.max(draftRssMb, drafted.peakRssMb)
    }
  }
  for (const { run, label } of runs) {
    const database = await countyDatabase(regions)
    engine = database.engine
    try {
      const imported = await timed(() =>
        commitImport({ database, user: BENCH_ADMIN, language: 'en', consoleDirect: true }, files, {
          type: 'grids',
          region: '980101',
          map: GRID_MAP,
          mode: 'direct',
        }),
      )
      if (imported.result.imported !== GRIDS) throw new Error(`imported ${imported.result.imported} grids, expected ${GRIDS}`)
      progress(`  ${label} import.shp_100k_direct: ${imported.ms.toFixed(0)} ms (${imported.result.imported} grids)`)
      if (run > 0) samples['import.shp_100k_direct.ms'].push(imported.ms)
      for (const format of ['shp', 'gpkg'] as const) {
        const name = `export.${format}_100k.ms` as const
        const exported = await timed(() => exportLayer(database, { region: '980101', layer: 'grids', format, language: 'zh-CN' }))
        if (exported.result.count !== GRIDS) throw new Error(`exported ${exported.result.count} grids, expected ${GRIDS}`)
        progress(
          `  ${label} ${name.replace(/\.ms$/, '')}: ${exported.ms.toFixed(0)} ms (${(exported.result.file.bytes.length / 1e6).toFixed(0)} MB)`,
        )
        if (run > 0) samples[name].push(exported.ms)
      }
      if (options.wanted('ogc.items_per_s')) {
        const paged = await ogcItemsRun(database)
        if (paged.features !== GRIDS) throw new Error(`paged ${paged.features} grids, expected ${GRIDS}`)
        const rate = paged.features / (paged.ms / 1000)
        const baseRate = paged.features / (paged.baselineMs / 1000)
        progress(
          `  ${label} ogc.items: ${paged.features} grids in ${paged.pages} pages, ${paged.ms.toFixed(0)} ms (${rate.toFixed(0)} features/s; PostGIS ST_AsGeoJSON alone ${paged.baselineMs.toFixed(0)} ms, ${baseRate.toFixed(0)}/s)`,
        )
        if (run > 0) {
          samples['ogc.items_per_s'].push(rate)
          ogcBaseline.push(baseRate)
        }
      }
    } finally {
      await database.close()
    }
  }
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024)
  progress(`  peak RSS of the bench process: ${rssMb} MB`)
  const peakRss = (name: string) =>
    name === 'import.shp_100k.ms' ? { peak_rss_mb: draftRssMb } : name === 'import.shp_100k_direct.ms' ? { peak_rss_mb: rssMb } : {}
  const baseline = options.skipBaseline ? null : ogrBaseline(layer.shp, progress)
  return IO_FIGURES.filter((name) => options.wanted(name)).map((name) => {
    const value = round1(median(samples[name]))
    if (name === 'ogc.items_per_s') {
      // A rate: higher is better, so the ratio is ours over PostGIS's.
      const base = round1(median(ogcBaseline))
      return {
        name,
        value,
        unit: 'features/s',
        engine,
        runs: options.runs,
        samples: samples[name].map(round1),
        baseline: { name: 'ogc.items.postgis_asgeojson_per_s', value: base },
        ratio: Math.round((value / base) * 100) / 100,
      }
    }
    const base = baseline?.[name as Exclude<typeof name, 'ogc.items_per_s'>]
    return {
      name,
      value,
      unit: 'ms',
      engine,
      runs: options.runs,
      samples: samples[name].map(round1),
      ...peakRss(name),
      ...(base === undefined
        ? {}
        : { baseline: { name: base.name, value: round1(base.ms) }, ratio: Math.round((base.ms / value) * 100) / 100 }),
    }
  })
}

interface DraftRun {
  ms: number
  imported: number
  proposals: number
  peakRssMb: number
}

/** One draft import in a child process (io-draft-run.ts), with the same engine (DATABASE_URL or PGlite). */
function draftInOwnProcess(): DraftRun {
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'io-draft-run.ts')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  })
  const last = child.stdout.trim().split('\n').at(-1) ?? ''
  if (child.status !== 0 || !last.startsWith('{')) throw new Error(`the draft import's process failed (exit ${child.status}): ${last}`)
  return JSON.parse(last) as DraftRun
}

/** ogr2ogr -f PostgreSQL of the same file, and back out to a shapefile and a GeoPackage; null without DATABASE_URL. */
function ogrBaseline(shp: string, progress: (message: string) => void) {
  const url = process.env.DATABASE_URL?.trim()
  if (!url) {
    progress('  baseline: skipped — ogr2ogr -f PostgreSQL needs a PostgreSQL (set DATABASE_URL)')
    return null
  }
  const pgSource = `PG:${url.replace(/^postgres(ql)?:\/\//, 'postgresql://')}`
  const out = path.join(IO_BENCH_DIR, 'baseline-out')
  const time = (args: string[]) => {
    const started = performance.now()
    execFileSync('ogr2ogr', args, { stdio: ['ignore', 'ignore', 'inherit'] })
    return performance.now() - started
  }
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true }) // GDAL 3.6 does not make a shapefile's folder
  const load = time([
    '-f',
    'PostgreSQL',
    pgSource,
    shp,
    '-nln',
    'bench_io_grids',
    '-overwrite',
    '-lco',
    'GEOMETRY_NAME=geom',
    '--config',
    'PG_USE_COPY',
    'YES',
  ])
  const toShp = time(['-f', 'ESRI Shapefile', '-lco', 'ENCODING=GBK', path.join(out, 'grids.shp'), pgSource, 'bench_io_grids'])
  const toGpkg = time(['-f', 'GPKG', path.join(out, 'grids.gpkg'), pgSource, 'bench_io_grids'])
  progress(`  baseline ogr2ogr: load ${load.toFixed(0)} ms, to shp ${toShp.toFixed(0)} ms, to gpkg ${toGpkg.toFixed(0)} ms`)
  return {
    'import.shp_100k.ms': { name: 'import.shp_100k.ogr2ogr_postgresql_ms', ms: load },
    'import.shp_100k_direct.ms': { name: 'import.shp_100k.ogr2ogr_postgresql_ms', ms: load },
    'export.shp_100k.ms': { name: 'export.shp_100k.ogr2ogr_ms', ms: toShp },
    'export.gpkg_100k.ms': { name: 'export.gpkg_100k.ogr2ogr_ms', ms: toGpkg },
  }
}
