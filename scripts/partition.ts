import { readFileSync, writeFileSync } from 'node:fs'
import { loadConfig } from '../server/config.js'
import { openDatabase } from '../server/db/connect.js'
import { AppError } from '../server/http/errors.js'
import { type Language, translate } from '../server/i18n/index.js'
import type { PartitionRequest, PartitionResponse } from '../server/partition/partition.schemas.js'
import { runPartition } from '../server/partition/partition.service.js'
import { parseArgs, runScript } from './cli.js'

// npm run partition -- --boundary b.geojson --buildings buildings.geojson --min 200 --max 500 --out grids.geojson
// The same checks, partition and messages as POST /api/v1/partition with a boundary
// (server/partition/partition.service.ts). The partition reads no table, so it runs on a database
// of its own: PostgreSQL when DATABASE_URL is set, else an in-memory PGlite — never the data
// folder, which a running server may hold. Bad files or input: the message and exit code 1.

const USAGE = `usage: npm run partition -- --boundary <file> (--buildings <file> | --units <file>) --min N --max N --out <file>
       [--roads <file>] [--existing <file>] [--target N] [--seed N] [--time-budget MS] [--crs EPSG:N] [--lang zh-CN|en]
  --boundary   GeoJSON Polygon or MultiPolygon (a geometry, a feature, or a collection of one feature), lon/lat
  --buildings  GeoJSON FeatureCollection of points or footprints with properties.households
  --units      instead of --buildings: GeoJSON FeatureCollection of polygons (blocks) with properties.households;
               every grid is a union of whole units
  --roads      GeoJSON FeatureCollection of LineStrings/MultiLineStrings (roads, rivers) grids should follow
  --existing   GeoJSON FeatureCollection of today's grids (properties.code): the partition starts from them
  --crs        the files' coordinate system when not lon/lat (e.g. EPSG:4548, a CGCS2000 Gauss-Krüger zone);
               the grids are written in it too
  --min/--max  households a grid may have; --target what it aims at (default mid-range)
  --out        the grids as a GeoJSON FeatureCollection (with the summary and explanations as foreign members)`

/** A problem with the command line's files, worded in the chosen language. */
class FileProblem extends Error {}

runScript(async () => {
  const { values } = parseArgs({
    options: {
      boundary: { type: 'string' },
      buildings: { type: 'string' },
      units: { type: 'string' },
      roads: { type: 'string' },
      existing: { type: 'string' },
      min: { type: 'string' },
      max: { type: 'string' },
      target: { type: 'string' },
      seed: { type: 'string' },
      'time-budget': { type: 'string' },
      out: { type: 'string' },
      crs: { type: 'string' },
      lang: { type: 'string', default: 'zh-CN' },
      help: { type: 'boolean', default: false },
    },
  })
  const language: Language = values.lang === 'en' ? 'en' : 'zh-CN'
  const numbers = { min: values.min, max: values.max, target: values.target, seed: values.seed, 'time-budget': values['time-budget'] }
  const badNumber = Object.entries(numbers).find(([, text]) => text !== undefined && !/^[0-9]{1,9}$/.test(text))
  if (values.help || !values.boundary || !(values.buildings || values.units) || !values.min || !values.max || !values.out || badNumber) {
    if (badNumber)
      console.error(translate(language, 'partition.cli.not_a_number', { option: `--${badNumber[0]}`, value: badNumber[1] ?? '' }))
    console.error(USAGE)
    return 2
  }
  const { out } = values
  const number = (text: string | undefined) => (text === undefined ? undefined : Number(text))
  try {
    const body: PartitionRequest = {
      boundary: boundaryOf(readGeoJson(values.boundary, language), values.boundary, language),
      ...(values.buildings
        ? { buildings: collectionOf(readGeoJson(values.buildings, language), values.buildings, language, 'households') }
        : {}),
      ...(values.units ? { units: collectionOf(readGeoJson(values.units, language), values.units, language, 'households') } : {}),
      range: { min: Number(values.min), max: Number(values.max) },
      ...(values.roads ? { roads: collectionOf(readGeoJson(values.roads, language), values.roads, language) } : {}),
      ...(values.existing ? { existing: collectionOf(readGeoJson(values.existing, language), values.existing, language, 'code') } : {}),
      ...(values.crs ? { crs: values.crs } : {}),
      ...(numbers.target ? { target: number(numbers.target) } : {}),
      ...(numbers.seed ? { seed: number(numbers.seed) } : {}),
      ...(numbers['time-budget'] ? { time_budget_ms: number(numbers['time-budget']) } : {}),
    } as PartitionRequest
    const config = loadConfig()
    const database = await openDatabase({ databaseUrl: config.databaseUrl })
    let answer: PartitionResponse
    try {
      answer = await runPartition(database, null, body, language)
    } finally {
      await database.close()
    }
    try {
      writeFileSync(out, `${JSON.stringify(answer)}\n`)
    } catch (error) {
      throw new FileProblem(translate(language, 'partition.cli.file_unwritable', { file: out, reason: (error as Error).message }))
    }
    printAnswer(answer, out, language)
    return 0
  } catch (error) {
    if (error instanceof FileProblem) {
      console.error(error.message)
      return 1
    }
    if (error instanceof AppError) {
      console.error(translate(language, `error.${error.code}`, error.params))
      return 1
    }
    throw error
  }
})

function readGeoJson(file: string, language: Language): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new FileProblem(translate(language, 'partition.cli.file_unreadable', { file, reason: (error as Error).message }))
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw new FileProblem(translate(language, 'partition.cli.file_not_json', { file, reason: (error as Error).message }))
  }
}

/** The boundary as a geometry: given as one, as a feature, or as a collection of exactly one feature. */
function boundaryOf(value: unknown, file: string, language: Language): unknown {
  const object = value as { type?: unknown; geometry?: unknown; features?: unknown[] } | null
  if (object?.type === 'Feature') return object.geometry
  if (object?.type === 'FeatureCollection') {
    if (Array.isArray(object.features) && object.features.length === 1) return (object.features[0] as { geometry?: unknown }).geometry
    throw new FileProblem(translate(language, 'partition.cli.boundary_one_feature', { file, count: object.features?.length ?? 0 }))
  }
  return value
}

/** A FeatureCollection whose features carry `property` (households: a whole number ≥ 0; code: a text). */
function collectionOf(value: unknown, file: string, language: Language, property?: 'households' | 'code') {
  const object = value as { type?: unknown; features?: unknown } | null
  if (object?.type !== 'FeatureCollection' || !Array.isArray(object.features)) {
    throw new FileProblem(translate(language, 'partition.cli.not_a_collection', { file }))
  }
  const features = object.features.map((feature: { geometry?: unknown; properties?: Record<string, unknown> | null }, i) => {
    const properties = feature?.properties ?? {}
    const value = property ? properties[property] : undefined
    if (property === 'households' && !(Number.isInteger(value) && (value as number) >= 0)) {
      throw new FileProblem(
        translate(language, 'partition.cli.households_invalid', { file, position: i + 1, value: JSON.stringify(value) ?? '' }),
      )
    }
    if (property === 'code' && !(typeof value === 'string' || typeof value === 'number')) {
      throw new FileProblem(translate(language, 'partition.cli.code_missing', { file, position: i + 1 }))
    }
    const kept =
      property === 'households'
        ? { households: value }
        : property === 'code'
          ? { code: String(value), ...(typeof properties.name === 'string' ? { name: properties.name } : {}) }
          : {}
    return { type: 'Feature', geometry: feature?.geometry ?? null, properties: kept }
  })
  return { type: 'FeatureCollection', features }
}

function printAnswer(answer: PartitionResponse, out: string, language: Language): void {
  const { summary } = answer
  const t = (key: string, params: Record<string, string | number> = {}) => translate(language, `partition.cli.${key}`, params)
  const share = (value: number | null) => (value === null ? '—' : `${Math.round(value * 1000) / 10} %`)
  const pct = (value: number | null) => (value === null ? '—' : `${value} %`)
  console.log(t('wrote', { file: out, grids: summary.grids }))
  console.log(t('summary_range', { pct: summary.in_range_pct }))
  console.log(t('summary_compactness', { value: Math.round(summary.mean_polsby_popper * 100) / 100 }))
  console.log(t('summary_roads', { value: share(summary.road_boundary_share) }))
  if (summary.unchanged_grids_pct !== null) {
    console.log(t('summary_kept', { unchanged: pct(summary.unchanged_grids_pct), moved: pct(summary.households_moved_pct) }))
  }
  console.log(t('summary_time', { ms: Math.round(summary.ms), seed: summary.seed }))
  for (const explanation of answer.explanations) console.log(`- ${explanation.message}`)
}
