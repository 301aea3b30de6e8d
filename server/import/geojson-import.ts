import { type Kysely, sql } from 'kysely'
import { type Actor, recordAudit } from '../audit/audit.repository.js'
import { inReadingOrder, sequenceCode } from '../coding/reading-order.js'
import type { Database } from '../db/database.js'
import { interiorPoint } from '../geo/interior-point.js'
import { type GridsTransaction, writeGrids } from '../grids/grid-events.js'
import { insertGridVersions } from '../grids/grids.repository.js'
import { type GridKind, isGridKind } from '../grids/kinds.js'
import { isIsoDate } from '../http/query-params.js'
import { type Language, type MessageParams, translate } from '../i18n/index.js'
import { nodeImportedGrids } from './node-import.js'
import { isRegionCode, isUrbanRuralCode, levelOfCode, parentCodeOf, parseLevel, parseRegionPrefix } from '../regions/region-codes.js'
import { findRegionCodes, insertRegions, setMissingBoundaries } from '../regions/regions.repository.js'
import { type GeometryProblem, checkPolygonFeature } from '../validation/geometry-structure.js'
import { findInvalidGeometries } from '../validation/geometry-validity.js'

// Loads regions or grids from a GeoJSON file in one transaction. Every feature is checked first;
// if any has a problem, nothing is written and the report names each feature and what is wrong.

export type ImportKind = 'regions' | 'grids'

export interface ImportOptions {
  kind: ImportKind
  /** For grids: the region they belong to (features may name a region inside it). For regions: the parent. */
  region: string
  validFrom: string
  actor: Actor
  language: Language
}

export interface ImportProblem {
  /** 1-based feature number, 0 for the file as a whole. */
  feature: number
  id: string | null
  code: string
  message: string
  /** The property a problem is about, when a check names it in its message (number and date fields). */
  field?: string
}

export interface ImportReport {
  ok: boolean
  imported: number
  codes: string[]
  problems: ImportProblem[]
  message: string
}

/** The import's message key for each structural problem. */
const IMPORT_MESSAGE_OF: Record<GeometryProblem['code'], string> = {
  not_a_feature: 'feature_not_object',
  wrong_geometry_type: 'geometry_type',
  empty_geometry: 'geometry_empty',
  coordinates_not_numbers: 'coordinates_not_numbers',
  out_of_range_coordinate: 'coordinate_out_of_range',
  too_few_points: 'ring_too_few_points',
  unclosed_ring: 'ring_not_closed',
}

type Feature = { type: 'Feature'; id?: unknown; geometry: unknown; properties: Record<string, unknown> | null }

export async function importGeoJson(db: Kysely<Database>, bytes: Uint8Array, options: ImportOptions): Promise<ImportReport> {
  const parsed = parseFeatureCollection(bytes)
  if ('problem' in parsed) return failedReport(fileProblems(options.language, parsed.problem, parsed.params), options.language)
  const checked = await checkFeatures(db, parsed.features, options)
  if (checked.problems.length > 0)
    return failedReport(
      checked.problems.map(({ field: _field, ...problem }) => problem),
      options.language,
    )
  return writeChecked(db, checked, options)
}

/** The features of a GeoJSON FeatureCollection's bytes, or the file-level problem. */
function parseFeatureCollection(bytes: Uint8Array): { features: unknown[] } | { problem: string; params?: MessageParams } {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return { problem: 'not_utf8' }
  }
  let document: unknown
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    return { problem: 'not_json', params: { detail: (error as Error).message } }
  }
  const features = (document as { type?: unknown; features?: unknown }).features
  if ((document as { type?: unknown }).type !== 'FeatureCollection' || !Array.isArray(features)) {
    return { problem: 'not_feature_collection' }
  }
  return { features }
}

const fileProblems = (language: Language, code: string, params: MessageParams = {}): ImportProblem[] => [
  { feature: 0, id: null, code, message: translate(language, `import.${code}`, params) },
]

/** The report of an import that loads nothing: the file's problem itself, or a count of the features with problems. */
export function failedReport(problems: ImportProblem[], language: Language): ImportReport {
  const fileLevel = problems.length === 1 && problems[0]?.feature === 0
  const message = fileLevel
    ? (problems[0]?.message as string)
    : translate(language, 'import.failed', { count: new Set(problems.map((p) => p.feature)).size })
  return { ok: false, imported: 0, codes: [], problems, message }
}

/** Features that passed every check, ready to write (writeChecked), or the problems found. */
export interface CheckedImport {
  scope: string
  problems: ImportProblem[]
  regions: RegionInput[]
  grids: GridInput[]
}

/**
 * Checks GeoJSON features for an import, in three layers: structure, PostGIS validity, properties
 * against the database. `region` is the grids' region or the regions' parent.
 */
export async function checkFeatures(
  db: Kysely<Database>,
  features: readonly unknown[],
  options: Pick<ImportOptions, 'kind' | 'region' | 'language'> & {
    /** The grids replace their townships' grids (a draft): a code in force in the grid's own township names that grid. */
    replacing?: boolean
  },
): Promise<CheckedImport> {
  const t = (key: string, params: MessageParams = {}) => translate(options.language, `import.${key}`, params)
  const scope = parseRegionPrefix(options.region)
  const none = { scope: scope ?? '', regions: [], grids: [] }
  if (features.length === 0) return { ...none, problems: fileProblems(options.language, 'empty') }
  if (scope === null || !isRegionCode(options.region.padEnd(12, '0'))) {
    return { ...none, problems: fileProblems(options.language, 'region_unknown', { feature: '-', region: options.region }) }
  }

  const problems: ImportProblem[] = []
  const label = (index: number, feature: unknown) => {
    const id = featureId(feature)
    return id ? `#${index + 1}（${id}）` : `#${index + 1}`
  }
  const report = (index: number, feature: unknown, code: string, params: MessageParams = {}) =>
    problems.push({
      feature: index + 1,
      id: featureId(feature),
      code,
      message: t(code, { feature: label(index, feature), ...params }),
      ...(typeof params.field === 'string' ? { field: params.field } : {}),
    })

  // Layer 1: structure, coordinates and rings, per feature.
  features.forEach((feature: unknown, index) => {
    for (const problem of checkPolygonFeature(feature)) {
      report(index, feature, IMPORT_MESSAGE_OF[problem.code], { index: index + 1, ...problem.params })
    }
  })
  // Layer 2: PostGIS validity of the features that passed layer 1.
  const structurallySound = features
    .map((feature: unknown, index) => ({ feature: feature as Feature, index }))
    .filter(({ index }) => !problems.some((problem) => problem.feature === index + 1))
  const invalid = await findInvalidGeometries(
    db,
    structurallySound.map(({ feature }) => feature.geometry),
  )
  for (const fault of invalid) {
    const entry = structurallySound[fault.index]
    if (!entry) continue
    report(entry.index, entry.feature, 'geometry_invalid', {
      reason: translate(options.language, `validation.reason.${fault.reason}`),
      location: fault.location ? `${fault.location[0].toFixed(7)}, ${fault.location[1].toFixed(7)}` : '-',
    })
  }

  // Layer 3: properties, against the database.
  const regions = options.kind === 'regions' ? await checkRegionProperties(db, structurallySound, scope, report, options.language) : []
  const grids =
    options.kind === 'grids'
      ? await checkGridProperties(db, structurallySound, scope, report, options.language, options.replacing ?? false)
      : []
  problems.sort((a, b) => a.feature - b.feature)
  return { scope, problems, regions, grids }
}

/** Writes checked features directly (regions, or grids as version 1 from `validFrom`) in one transaction, audited. */
export async function writeChecked(db: Kysely<Database>, checked: CheckedImport, options: ImportOptions): Promise<ImportReport> {
  // Grids are noded first (node-import.ts): neighbours' shared edges get the same vertices.
  if (options.kind === 'grids') await nodeImportedGrids(db, checked.grids)
  // A grids import is announced to the lookup index after the commit (writeGrids).
  const codes = await writeGrids(db, async (trx) => {
    const written =
      options.kind === 'regions'
        ? await writeRegions(trx, checked.regions, options.actor)
        : await insertGrids(trx, checked.grids, options.validFrom, options.actor.username)
    await recordAudit(trx, options.actor, {
      action: `import_${options.kind}`,
      entity: options.kind === 'regions' ? 'region' : 'grid',
      regionCode: checked.scope,
      after: { count: written.length, codes: written },
    })
    return written
  })
  const what = translate(options.language, options.kind === 'regions' ? 'import.what_regions' : 'import.what_grids')
  return {
    ok: true,
    imported: codes.length,
    codes,
    problems: [],
    message: translate(options.language, 'import.done', { count: codes.length, what }),
  }
}

function featureId(feature: unknown): string | null {
  if (typeof feature !== 'object' || feature === null) return null
  const { id, properties } = feature as { id?: unknown; properties?: Record<string, unknown> | null }
  const value = id ?? properties?.id ?? properties?.code
  return value === undefined || value === null ? null : String(value)
}

type Report = (index: number, feature: unknown, code: string, params?: MessageParams) => void
type Candidate = { feature: Feature; index: number }

export interface RegionInput {
  code: string
  name: string
  level: number
  parent_code: string | null
  urban_rural: string | null
  geometry: unknown
  /** The code exists from a code list, without a boundary: this feature gives it one. */
  addsBoundary: boolean
  source: Candidate
}

async function checkRegionProperties(db: Kysely<Database>, candidates: Candidate[], scope: string, report: Report, language: Language) {
  const inFile = new Set<string>()
  const rows: RegionInput[] = []
  for (const { feature, index } of candidates) {
    const properties = feature.properties ?? {}
    const code = String(properties.code ?? feature.id ?? '')
    if (!isRegionCode(code)) {
      report(index, feature, 'code_invalid', { code, expected: translate(language, 'import.expected_region_code') })
      continue
    }
    if (inFile.has(code)) report(index, feature, 'code_duplicate', { code })
    inFile.add(code)
    const name = typeof properties.name === 'string' ? properties.name.trim() : ''
    if (!name) report(index, feature, 'name_missing')
    const level = properties.level === undefined || properties.level === null ? levelOfCode(code) : parseLevel(properties.level)
    if (level === null) report(index, feature, 'level_invalid', { level: String(properties.level) })
    else if (level !== levelOfCode(code)) report(index, feature, 'level_mismatch', { level, code, expected: levelOfCode(code) })
    const urbanRural = properties.urban_rural === undefined || properties.urban_rural === null ? null : String(properties.urban_rural)
    if (urbanRural !== null && !isUrbanRuralCode(urbanRural)) report(index, feature, 'urban_rural_invalid', { value: urbanRural })
    const parent =
      properties.parent_code === undefined || properties.parent_code === null ? parentCodeOf(code) : String(properties.parent_code)
    if (!code.startsWith(scope)) report(index, feature, 'region_mismatch', { region: code, target: scope })
    // A row with a problem is never written; its level only has to be a number.
    const row = {
      code,
      name,
      level: level ?? 0,
      parent_code: parent,
      urban_rural: urbanRural,
      geometry: feature.geometry,
      addsBoundary: false,
    }
    rows.push({ ...row, source: { feature, index } })
  }
  const known = await findRegionCodes(db, [...rows.map((r) => r.code), ...rows.flatMap((r) => r.parent_code ?? [])])
  for (const row of rows) {
    const { code, parent_code, source } = row
    // A code from a code list (no boundary yet) takes the file's polygon; one with a boundary is taken.
    if (known.get(code)?.hasBoundary === false) row.addsBoundary = true
    else if (known.has(code)) report(source.index, source.feature, 'code_exists', { code })
    if (parent_code !== null && !known.has(parent_code) && !inFile.has(parent_code))
      report(source.index, source.feature, 'parent_invalid', { parent: parent_code })
  }
  return rows
}

/** Regions: new ones inserted, code-list entries given their boundary (audited each). */
async function writeRegions(db: Kysely<Database>, rows: RegionInput[], actor: Actor): Promise<string[]> {
  const asNew = ({ source: _source, addsBoundary: _adds, geometry, ...row }: RegionInput) => ({ ...row, boundary: geometry })
  const inserted = await insertRegions(db, rows.filter((row) => !row.addsBoundary).map(asNew))
  return [...inserted, ...(await setMissingBoundaries(db, rows.filter((row) => row.addsBoundary).map(asNew), actor))]
}

export interface GridInput {
  code: string | null
  name: string
  kind: GridKind
  region_code: string
  parent_code: string | null
  households: number | null
  population: number | null
  count_date: string | null
  attributes: Record<string, unknown>
  geometry: unknown
  source: Candidate
}

const GRID_FIELDS = new Set(['id', 'code', 'name', 'kind', 'region_code', 'parent_code', 'households', 'population', 'count_date'])

async function checkGridProperties(
  db: Kysely<Database>,
  candidates: Candidate[],
  scope: string,
  report: Report,
  language: Language,
  replacing: boolean,
) {
  const regionCodes = new Set<string>()
  const inFile = new Set<string>()
  const rows: GridInput[] = []
  for (const { feature, index } of candidates) {
    const properties = feature.properties ?? {}
    const region = String(properties.region_code ?? scope.padEnd(12, '0'))
    if (!isRegionCode(region) || !region.startsWith(scope)) report(index, feature, 'region_mismatch', { region, target: scope })
    regionCodes.add(region)
    const code = properties.code === undefined || properties.code === null ? null : String(properties.code)
    if (code !== null) {
      if (!/^[0-9]{15}$/.test(code) || !code.startsWith(region)) {
        report(index, feature, 'code_invalid', { code, expected: translate(language, 'import.expected_grid_code', { region }) })
      }
      if (inFile.has(code)) report(index, feature, 'code_duplicate', { code })
      inFile.add(code)
    }
    const name = typeof properties.name === 'string' ? properties.name.trim() : ''
    if (!name) report(index, feature, 'name_missing')
    const kind = String(properties.kind ?? 'comprehensive')
    if (!isGridKind(kind)) report(index, feature, 'kind_invalid', { kind })
    const count = (field: 'households' | 'population') => {
      const value = properties[field]
      if (value === undefined || value === null) return null
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        report(index, feature, 'number_invalid', { field, value: String(value) })
        return null
      }
      return value
    }
    const countDate = properties.count_date === undefined || properties.count_date === null ? null : String(properties.count_date)
    if (countDate !== null && !isIsoDate(countDate)) report(index, feature, 'date_invalid', { field: 'count_date', value: countDate })
    rows.push({
      code,
      name,
      kind: kind as GridInput['kind'],
      region_code: region,
      parent_code: properties.parent_code === undefined || properties.parent_code === null ? null : String(properties.parent_code),
      households: count('households'),
      population: count('population'),
      count_date: countDate,
      attributes: Object.fromEntries(Object.entries(properties).filter(([key]) => !GRID_FIELDS.has(key))),
      geometry: feature.geometry,
      source: { feature, index },
    })
  }
  const known = new Set(
    (
      await db
        .selectFrom('regions')
        .select('code')
        .where('code', 'in', [...regionCodes].filter(isRegionCode).concat(['']))
        .execute()
    ).map((row) => row.code),
  )
  const existing =
    inFile.size === 0
      ? []
      : await db
          .selectFrom('grids')
          .select(['code', 'region_code', 'valid_to'])
          .where('code', 'in', [...inFile])
          .execute()
  // Codes are never reused; but a replacement may name a grid in force in its own township (the
  // file came from an export and was edited: the grid is reshaped or updated, not created again).
  const taken = new Set(existing.map((row) => row.code))
  const inForceTownship = new Map(existing.filter((row) => row.valid_to === null).map((row) => [row.code, row.region_code.slice(0, 9)]))
  for (const { region_code, code, source } of rows) {
    if (isRegionCode(region_code) && !known.has(region_code))
      report(source.index, source.feature, 'region_unknown', { region: region_code })
    const namesGridInForce = replacing && code !== null && inForceTownship.get(code) === region_code.slice(0, 9)
    if (code && taken.has(code) && !namesGridInForce) report(source.index, source.feature, 'code_exists', { code })
  }
  return rows
}

async function insertGrids(trx: GridsTransaction, rows: GridInput[], validFrom: string, createdBy: string): Promise<string[]> {
  await allocateMissingCodes(trx, rows)
  await insertGridVersions(
    trx,
    rows.map(({ source: _source, code, ...row }) => ({
      ...row,
      code: code as string,
      version: 1,
      valid_from: validFrom,
      created_by: createdBy,
      proposal_id: null,
    })),
  )
  return rows.map((row) => row.code as string)
}

/** Grids without a code get the next never-used cn-stat-15 sequence in their region, in reading order. */
async function allocateMissingCodes(db: Kysely<Database>, rows: GridInput[]): Promise<void> {
  const missing = rows.filter((row) => row.code === null)
  if (missing.length === 0) return
  const points = missing.map((row) => interiorPoint(row.geometry as { type: string; coordinates: unknown }))
  const located = missing.map((row, i) => ({ row, point: points[i] ?? [0, 0] }))
  // The highest sequence the file's own codes use in each region (read once, not per region).
  const lastInFile = new Map<string, number>()
  for (const { code } of rows) {
    if (code === null || code.length !== 15) continue
    const region = code.slice(0, 12)
    lastInFile.set(region, Math.max(lastInFile.get(region) ?? 0, Number(code.slice(12))))
  }
  const next = new Map<string, number>()
  for (const { row } of inReadingOrder(located)) {
    if (!next.has(row.region_code)) {
      const { rows: used } = await sql<{ last: number | null }>`
        SELECT max(substr(code, 13, 3)::int) AS last FROM grids
        WHERE region_code = ${row.region_code} AND length(code) = 15`.execute(db)
      next.set(row.region_code, Math.max(used[0]?.last ?? 0, lastInFile.get(row.region_code) ?? 0) + 1)
    }
    const sequence = next.get(row.region_code) as number
    row.code = sequenceCode(row.region_code, sequence)
    next.set(row.region_code, sequence + 1)
  }
}
