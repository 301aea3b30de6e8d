import type { Geometry } from 'geojson'
import type { Kysely } from 'kysely'
import type { DatabaseHandle } from '../db/connect.js'
import type { Database } from '../db/database.js'
import { PREVIEW_MAX_FEATURES } from '../http/limits.js'
import { type Language, type MessageParams, translate } from '../i18n/index.js'
import { type Dataset, readDataset } from '../io/read.js'
import type { InputFile } from '../io/types.js'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { AppError, badRequest } from '../http/errors.js'
import { applyChanges, townshipsWithGrids } from '../proposals/changes.js'
import { assertMayPropose } from '../proposals/proposals.service.js'
import { validateTownship } from '../proposals/exactness.js'
import { byTownship } from './node-import.js'
import { replacementChanges } from './replacement.js'
import { interiorPoint } from '../geo/interior-point.js'
import { positionLists } from '../geo/positions.js'
import { parseRegionPrefix } from '../regions/region-codes.js'
import { RegionLocator } from '../regions/region-locator.js'
import { findBoundariesUnder, findRegionCodes } from '../regions/regions.repository.js'
import type { ValidationReport } from '../validation/report.schemas.js'
import { findFieldMap } from './field-maps.repository.js'
import { columnOf, mappedFeatures, suggestFieldMap } from './field-map.js'
import { type CheckedImport, type ImportProblem as CheckProblem, checkFeatures } from './geojson-import.js'
import { checkCodeList, isCodeList } from './region-code-list.js'
import type { CrsStatus, FieldMap, ImportChoices, ImportProblem, PreviewResponse } from './upload.schemas.js'

// Reads an upload and checks it as the chosen import would, writing nothing: the preview shows
// the result and the commit (commit.ts) writes it only when no problem was found.

export interface PreparedImport {
  dataset: Dataset
  crs: CrsStatus
  map: FieldMap
  problems: ImportProblem[]
  /** The features in lon/lat with gridwork's property names (empty when the CRS is unknown). */
  features: MappedFeature[]
  /** Grids and regions: what checkFeatures found, ready to write. */
  checked: CheckedImport | null
}

export type MappedFeature = ReturnType<typeof mappedFeatures>[number]

const GEOMETRY_TYPES: Record<ImportChoices['type'], readonly string[]> = {
  regions: ['Polygon', 'MultiPolygon'],
  grids: ['Polygon', 'MultiPolygon'],
  buildings: ['Point', 'Polygon', 'MultiPolygon'],
  reference: ['LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'],
}

/** The field a check's problem is about (its column in the file is named in the answer). */
function fieldOfProblem(problem: CheckProblem): string | null {
  if (problem.feature === 0) return null
  const byCode: Record<string, string> = {
    code_invalid: 'code',
    code_duplicate: 'code',
    code_exists: 'code',
    name_missing: 'name',
    kind_invalid: 'kind',
    level_invalid: 'level',
    level_mismatch: 'level',
    urban_rural_invalid: 'urban_rural',
    region_mismatch: 'region_code',
    region_unknown: 'region_code',
    parent_invalid: 'parent_code',
  }
  return byCode[problem.code] ?? problem.field ?? null
}

export async function prepareImport(
  db: Kysely<Database>,
  files: readonly InputFile[],
  choices: ImportChoices,
  language: Language,
  /** Grids written directly next to those in force (the command line's default) may not reuse their codes. */
  options: { direct?: boolean } = {},
): Promise<PreparedImport> {
  const fileLabel = uploadLabel(files)
  const problem = (feature: number, field: string | null, code: string, params: MessageParams = {}): ImportProblem => ({
    feature,
    field,
    code,
    message: translate(language, 'io.import.in_file', { file: fileLabel, message: translate(language, `io.import.${code}`, params) }),
  })
  const dataset = await readDataset(files, { layer: choices.layer, encoding: choices.encoding, crs: choices.crs })
  // Remembered per region prefix, so 990101001 and 990101001000 share one map.
  const remembered = await findFieldMap(db, parseRegionPrefix(choices.region) ?? choices.region, choices.type)
  const map = choices.map ?? suggestFieldMap(choices.type, dataset.layer.fields, remembered)
  const base = { dataset, map, checked: null }
  // A code list has no coordinates, so it needs no coordinate system.
  if (choices.type === 'regions' && isCodeList(dataset.layer.features)) {
    const features = mappedFeatures(dataset.layer.features, map)
    const list = await checkCodeList(db, features, { region: choices.region, map, language, fileLabel, format: dataset.format })
    return { ...base, crs: crsStatusOf(dataset), features, ...list }
  }
  const crs = crsStatusOf(dataset)
  if (crs.status === 'unknown')
    return { ...base, crs, features: [], problems: [problem(0, null, 'crs_unknown', { found: crs.found ?? '-' })] }
  const features = mappedFeatures(dataset.layer.features, map)
  const prepared = { ...base, crs, features }
  if (features.length === 0) return { ...prepared, problems: [problem(0, null, 'empty')] }

  // Lon/lat by the file's format (GeoJSON) but not lon/lat by value: the file is projected; never guess which projection.
  if (choices.crs === undefined && dataset.layer.crs.kind === 'lonlat') {
    const projected = features.flatMap((feature, index) => {
      const outside = firstOutsideLonLat(feature.geometry)
      return outside ? [problem(index + 1, null, 'coordinates_projected', { feature: index + 1, x: outside[0], y: outside[1] })] : []
    })
    if (projected.length > 0) return { ...prepared, problems: projected }
  }

  const problems: ImportProblem[] = []
  const allowed = GEOMETRY_TYPES[choices.type]
  const found = dataset.layer.geometryTypes
  if (found.length > 1 && found.some((type) => !allowed.includes(type))) {
    problems.push(problem(0, null, 'geometry_types_mixed', { types: found.join(', '), allowed: allowed.join(', ') }))
  }
  if (choices.type === 'grids') await assignRegions(db, features, choices.region)

  let checked: CheckedImport | null = null
  if (choices.type === 'grids' || choices.type === 'regions') {
    checked = await checkFeatures(db, features, { kind: choices.type, region: choices.region, language, replacing: !options.direct })
    for (const found of checked.problems) {
      const field = fieldOfProblem(found)
      problems.push({
        feature: found.feature,
        field: field === null ? null : columnOf(map, field),
        code: found.code,
        message: translate(language, 'io.import.in_file', {
          file: fileLabel,
          // An invalid shape can be repaired: say where.
          message: found.code === 'geometry_invalid' ? found.message + translate(language, 'io.import.repair_hint') : found.message,
        }),
      })
    }
    // A direct write is validated by nothing after it: a township whose coverage cannot be checked is refused here.
    if (options.direct && choices.type === 'grids' && problems.length === 0) await refuseTownshipsWithoutBoundary(db, checked.grids)
  } else {
    features.forEach((feature, index) => {
      if (feature.geometry === null || !allowed.includes(feature.geometry.type)) {
        problems.push(
          problem(index + 1, null, 'geometry_type', {
            feature: index + 1,
            type: feature.geometry?.type ?? '-',
            allowed: allowed.join(', '),
          }),
        )
      }
      const households = feature.properties.households
      if (choices.type === 'buildings' && (typeof households !== 'number' || !Number.isInteger(households) || households < 0)) {
        const column = columnOf(map, 'households')
        problems.push(
          problem(index + 1, column, 'households_invalid', { feature: index + 1, field: column, value: String(households ?? '') }),
        )
      }
    })
  }
  return { ...prepared, checked, problems }
}

/** Refuses grids for a township without a boundary with the message the preview's validation gives (parent_without_boundary). */
async function refuseTownshipsWithoutBoundary(db: Kysely<Database>, grids: readonly { region_code: string }[]): Promise<void> {
  const townships = [...byTownship(grids).keys()].map((township) => township.padEnd(12, '0')).sort()
  const known = await findRegionCodes(db, townships)
  const unbounded = townships.find((code) => known.get(code)?.hasBoundary === false)
  if (unbounded !== undefined) throw badRequest('parent_without_boundary', { code: unbounded })
}

/** The coordinate system read, or what the file says when gridwork cannot use it; none without any geometry. */
function crsStatusOf(dataset: Dataset): CrsStatus {
  // A table of codes has no coordinates: whatever the file (or the wizard) says, no system applies.
  if (isCodeList(dataset.layer.features)) return { status: 'none' }
  if (dataset.crs !== null) return { status: 'known', code: dataset.crs.code, name: dataset.crs.name }
  const evidence = dataset.layer.crs
  return { status: 'unknown', found: evidence.kind === 'wkt' ? evidence.wkt : evidence.kind === 'epsg' ? `EPSG:${evidence.code}` : null }
}

/** The first position of a geometry outside lon −180…180 / lat −90…90, if any. */
function firstOutsideLonLat(geometry: Geometry | null): [number, number] | null {
  for (const list of positionLists(geometry))
    for (const position of list) {
      const [x, y] = position as number[]
      if (Math.abs(x as number) > 180 || Math.abs(y as number) > 90) return [x as number, y as number]
    }
  return null
}

/**
 * Grids without a region_code: the region their code starts with, else (an import for a county)
 * the lowest region inside the import region that holds the grid's interior point.
 */
async function assignRegions(db: Kysely<Database>, features: MappedFeature[], region: string): Promise<void> {
  const scope = parseRegionPrefix(region)
  const open = features.filter((feature) => feature.properties.region_code === undefined || feature.properties.region_code === null)
  for (const feature of open) {
    const code = feature.properties.code
    if (typeof code === 'string' && /^[0-9]{15}$/.test(code)) feature.properties.region_code = code.slice(0, 12)
  }
  if (scope === null || scope.length >= 9) return
  const located = open.filter((feature) => feature.properties.region_code === undefined && feature.geometry?.type.endsWith('Polygon'))
  if (located.length === 0) return
  // The lowest region holding each grid's interior point (ST_PointOnSurface), found in memory.
  const locator = new RegionLocator(await findBoundariesUnder(db, scope, 4))
  for (const feature of located) {
    const point = interiorPoint(feature.geometry as Geometry & { coordinates: unknown })
    const code = point === null ? null : locator.regionAt(point)
    if (code !== null) feature.properties.region_code = code
  }
}

/** How problems name the upload: a loose shapefile set by its .shp (not every part), else its files. */
function uploadLabel(files: readonly InputFile[]): string {
  const shp = files.filter((file) => file.name.toLowerCase().endsWith('.shp'))
  return (shp.length > 0 ? shp : files).map((file) => file.name).join(', ')
}

/** Why the caller could not start the draft of each township that has grids (the chain's first step is another role's). */
async function draftRefusals(database: DatabaseHandle, user: TokenClaims, townships: readonly string[], language: Language) {
  const refusals: { code: string; message: string }[] = []
  const withGrids = await townshipsWithGrids(database.kysely, townships)
  for (const township of townships.filter((township) => withGrids.has(township))) {
    try {
      assertMayPropose(user, township.padEnd(12, '0'), false, language)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      refusals.push({ code: error.code, message: translate(language, `error.${error.code}`, error.params) })
    }
  }
  return refusals
}

/** The preview the wizard shows: what was read, the field map, problems and (grids) the township's report after the import. */
export async function previewImport(
  database: DatabaseHandle,
  files: readonly InputFile[],
  choices: ImportChoices,
  language: Language,
  /** The caller: told in the notes when a draft for a township with grids is not theirs to start under its chain. */
  user?: TokenClaims,
): Promise<PreviewResponse> {
  const prepared = await prepareImport(database.kysely, files, choices, language, { direct: choices.mode === 'direct' })
  const { dataset } = prepared
  const fields = dataset.layer.fields.map((field) => ({
    name: field.name,
    type: field.type,
    samples: dataset.layer.features
      .slice(0, 5)
      .map((feature) => feature.properties[field.name])
      .filter((value) => value !== null && value !== undefined)
      .map(String),
  }))
  let report: ValidationReport | null = null
  const notes = dataset.layer.notes.map((note) => ({ code: note.code, message: translate(language, `io.note.${note.code}`, note.params) }))
  if (prepared.checked && prepared.problems.length === 0 && choices.type === 'grids') {
    const townships = byTownship(prepared.checked.grids)
    if (user && choices.mode !== 'direct') notes.push(...(await draftRefusals(database, user, [...townships.keys()], language)))
    const [only] = townships.keys()
    if (townships.size === 1 && only !== undefined) {
      const changes = await replacementChanges(database.kysely, only, townships.get(only) ?? [])
      const after = await applyChanges(database.kysely, only, changes, { noded: true })
      report = await validateTownship(database, only, [...after.grids.values()], language)
    }
  }
  return {
    format: dataset.format,
    layers: dataset.layerNames,
    layer: dataset.layer.name,
    geometry_types: dataset.layer.geometryTypes,
    feature_count: dataset.layer.features.length,
    fields,
    encoding: dataset.layer.encoding,
    crs: prepared.crs,
    map: prepared.map,
    notes,
    problems: prepared.problems,
    features: {
      type: 'FeatureCollection',
      features: prepared.features.slice(0, PREVIEW_MAX_FEATURES).filter((feature) => feature.geometry !== null),
    },
    report,
  }
}
