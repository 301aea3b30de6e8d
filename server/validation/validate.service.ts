import type { DatabaseHandle } from '../db/connect.js'
import { AppError, badRequest, notFound } from '../http/errors.js'
import { MAX_FEATURES, type ShapeToCount } from '../http/limits.js'
import { type Language, type MessageParams, translate } from '../i18n/index.js'
import { type CrsName, toLonLat } from '../geo/crs.js'
import { getProfile } from '../profiles/profiles.js'
import { isRegionCode } from '../regions/region-codes.js'
import { type Crossing, CoverageTables, type Finding, type InputRow } from './coverage.repository.js'
import { type PolygonRings, type Position, matchEdges, orientRings } from './edge-match.js'
import { checkPolygonFeature } from './geometry-structure.js'
import { findInvalidShapes } from './geometry-validity.js'
import { directRunner, withPostgisWork } from './postgis-work.js'
import { tooTangledToRepair } from './repair.repository.js'
import type { IssueCode, ValidationIssue, ValidationReport } from './report.schemas.js'
import { isCertainlySimpleRing } from './simple-ring.js'
import { householdIssues } from './sizing.js'
import { Slices } from './slices.js'

// The validation engine behind POST /api/v1/validate, proposals and imports. In layers:
// 1. the request (a FeatureCollection, CRS, profile, parent) — problems here are 4xx errors;
// 2. each feature's structure and coordinates (JS), then validity (JS proof for simple rings,
//    PostGIS ST_IsValidDetail for everything else);
// 3. contiguity and household sizing by the rule profile;
// 4. coverage of the comprehensive grids: proven clean by edge matching in JS when it can be
//    (fast), else computed exactly by overlay in PostGIS; micro-grids and dedicated grids always
//    by overlay (they are few).

export interface ValidateRequest {
  features: unknown
  /** A 12-digit region code, or a GeoJSON Polygon/MultiPolygon. */
  parent?: unknown
  profile?: string
  crs?: CrsName
  sliver_tolerance_m2?: number
}

export interface ValidateOptions {
  /** Skip the edge-match proof and compute coverage by PostGIS overlay (the parity tests). */
  forceOverlay?: boolean
  /** Filled with the milliseconds each phase took (benchmarks). */
  timings?: Record<string, number>
  /** Aborted when the caller went away: the work stops at its next slice. */
  signal?: AbortSignal
  /** PostgreSQL statement_timeout of the PostGIS work (tests); default GEOMETRY_STATEMENT_TIMEOUT_MS. */
  statementTimeoutMs?: number
}

export { MAX_FEATURES }
const DEFAULT_SLIVER_M2 = 1

type Kind = 'comprehensive' | 'dedicated' | 'micro'

interface Parsed {
  idx: number
  id: string
  kind: Kind
  parentId: string | null
  properties: Record<string, unknown>
  /** Polygons (rings of positions), shells CCW, holes CW, in CGCS2000/WGS84 lon/lat. */
  polygons: PolygonRings[] | null
  invalid: boolean
  /** Invalid with too many crossings for ST_MakeValid (repair.repository.ts). */
  tangled?: boolean
}

const KINDS = new Set(['comprehensive', 'dedicated', 'micro'])
const STRUCTURE_DETAILS = new Set(['coordinates_not_numbers', 'out_of_range_coordinate', 'too_few_points', 'wrong_geometry_type'])

const FC_CRS_OK = /^(urn:ogc:def:crs:OGC:1\.3:CRS84|urn:ogc:def:crs:EPSG::(4326|4490)|EPSG:(4326|4490))$/i

/** The id a feature is reported by: its id, else properties.id or code; null when it has none. */
function givenId(feature: { id?: unknown; properties?: Record<string, unknown> | null }): string | null {
  const given = feature.id ?? feature.properties?.id ?? feature.properties?.code
  return given === undefined || given === null || given === '' ? null : String(given)
}

/** The shapes of a validation request, for the vertex limits: each feature's geometry and a parent polygon. */
export function* validationShapes(request: ValidateRequest): Generator<ShapeToCount> {
  const features = (request.features as { features?: unknown } | null | undefined)?.features
  if (Array.isArray(features)) {
    for (const [i, raw] of features.entries()) {
      if (typeof raw !== 'object' || raw === null) continue
      const feature = raw as { id?: unknown; properties?: Record<string, unknown> | null; geometry?: unknown }
      const id = givenId(feature)?.slice(0, 64) ?? null
      yield { shape: id === null ? `features[${i}]` : `features[${i}] (${id})`, geometry: feature.geometry }
    }
  }
  if (typeof request.parent === 'object' && request.parent !== null) yield { shape: 'parent', geometry: request.parent }
}

export async function validate(
  database: DatabaseHandle,
  request: ValidateRequest,
  language: Language,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const t = (key: string, params: MessageParams = {}) => translate(language, `validation.${key}`, params)
  const slices = new Slices(options.signal)
  const postgis = { slices, timeoutMs: options.statementTimeoutMs }
  let phaseStart = performance.now()
  const phase = (name: string) => {
    const now = performance.now()
    if (options.timings) options.timings[name] = Math.round((now - phaseStart) * 10) / 10
    phaseStart = now
  }
  const collection = request.features as { type?: unknown; features?: unknown; crs?: { properties?: { name?: unknown } } }
  if (typeof collection !== 'object' || collection === null || collection.type !== 'FeatureCollection' || !Array.isArray(collection.features)) {
    throw badRequest('validation_not_feature_collection')
  }
  const rawFeatures = collection.features as unknown[]
  if (rawFeatures.length === 0) throw badRequest('validation_empty')
  if (rawFeatures.length > MAX_FEATURES) throw new AppError(413, 'validation_too_many_features', { count: rawFeatures.length, limit: MAX_FEATURES })
  const crsName = collection.crs?.properties?.name
  if (crsName !== undefined && !FC_CRS_OK.test(String(crsName))) throw badRequest('crs_unsupported', { crs: String(crsName) })
  if (crsName !== undefined && (request.crs === 'gcj02' || request.crs === 'bd09')) {
    throw badRequest('crs_conflict', { crs: String(crsName), requested: request.crs })
  }
  const profileId = request.profile ?? 'cn-default'
  const profile = getProfile(profileId)
  if (!profile) throw badRequest('profile_unknown', { profile: profileId })
  const tolerance = request.sliver_tolerance_m2 ?? DEFAULT_SLIVER_M2
  if (!(Number.isFinite(tolerance) && tolerance >= 0)) throw badRequest('sliver_tolerance_invalid')
  const parent = await resolveParent(database, request.parent, request.crs)

  const issues: ValidationIssue[] = []
  const issue = (code: IssueCode, severity: 'error' | 'warning', message: string, featureIds: string[], extra: Partial<ValidationIssue> = {}) =>
    issues.push({ code, severity, message, feature_ids: featureIds, ...extra })

  // Layer 2a: ids, structure, coordinates, CRS.
  const assigned: string[] = []
  const parsed: Parsed[] = []
  for (const [idx, raw] of rawFeatures.entries()) {
    await slices.pause()
    const feature = (typeof raw === 'object' && raw !== null ? raw : {}) as { id?: unknown; properties?: Record<string, unknown> | null; geometry?: { type?: string; coordinates?: unknown } }
    const properties = feature.properties ?? {}
    const given = givenId({ id: feature.id, properties })
    const id = given ?? `#${idx + 1}`
    if (given === null) assigned.push(id)
    const kindValue = String(properties.kind ?? 'comprehensive')
    const kind: Kind = kindValue === 'dedicated' || kindValue === 'micro' ? kindValue : 'comprehensive'
    const parentId = properties.parent_grid === undefined || properties.parent_grid === null ? null : String(properties.parent_grid)
    const problems = checkPolygonFeature(raw)
    for (const problem of problems) {
      const where = STRUCTURE_DETAILS.has(problem.code) ? t(`detail.${problem.code}`, problem.params) : ''
      issue('invalid_geometry', 'error', t('invalid_geometry', { feature: id, reason: t(`reason.${problem.code}`), where }), [id], { reason: problem.code })
    }
    if (!KINDS.has(kindValue)) issue('invalid_kind', 'error', t('invalid_kind', { feature: id, kind: kindValue }), [id])
    const polygons = problems.length > 0 ? null : toPolygons(feature.geometry as { type: string; coordinates: unknown }, request.crs)
    parsed.push({ idx, id, kind, parentId, properties, polygons, invalid: problems.length > 0 })
  }
  const byId = new Map<string, Parsed[]>()
  for (const feature of parsed) byId.set(feature.id, [...(byId.get(feature.id) ?? []), feature])
  for (const [id, same] of byId) {
    if (same.length > 1) issue('duplicate_id', 'error', t('duplicate_id', { feature: id, count: same.length }), [id])
  }
  const idOf = (idx: number) => (parsed[idx] as Parsed).id
  const parentOf = (f: Parsed) => (f.parentId === null ? null : ((byId.get(f.parentId) ?? []).find((p) => p.kind === 'comprehensive') ?? null))
  for (const feature of parsed) {
    if (feature.kind === 'comprehensive') continue
    if (feature.parentId !== null && parentOf(feature) === null) {
      issue('parent_grid_missing', 'error', t('parent_grid_missing', { kindName: t(`kind_name.${feature.kind}`), feature: feature.id, parent: feature.parentId }), [feature.id])
    } else if (feature.parentId === null && feature.kind === 'micro') {
      issue('parent_grid_missing', 'error', t('parent_grid_none', { feature: feature.id }), [feature.id])
    }
  }
  phase('parse')

  // Layer 2b: validity. Simple single rings are proven valid in JS; the rest asks PostGIS.
  const unproven: Parsed[] = []
  for (const f of parsed) {
    await slices.pause()
    if (f.polygons !== null && !(f.polygons.length === 1 && f.polygons[0]?.length === 1 && isCertainlySimpleRing(f.polygons[0][0] as Position[]))) unproven.push(f)
  }
  const faults = await withPostgisWork(database, (work) => findInvalidShapes(work, unproven.map((f) => f.polygons as PolygonRings[])), postgis)
  for (const fault of faults) {
    await slices.pause()
    const feature = unproven[fault.index] as Parsed
    feature.invalid = true
    feature.tangled = tooTangledToRepair(feature.polygons as PolygonRings[])
    const where = fault.location ? t('at', { place: formatPlace(fault.location) }) : ''
    issue('invalid_geometry', 'error', t('invalid_geometry', { feature: feature.id, reason: t(`reason.${fault.reason}`), where }), [feature.id], {
      reason: fault.reason,
      ...(fault.location ? { geometry: { type: 'Point', coordinates: fault.location } } : {}),
    })
  }

  phase('validity')

  // Layer 3: contiguity and households.
  for (const feature of parsed) {
    if (feature.kind === 'comprehensive' && !feature.invalid && feature.polygons && feature.polygons.length > 1 && !profile.allowMultipart) {
      issue('not_contiguous', 'error', t('not_contiguous', { feature: feature.id, parts: feature.polygons.length }), [feature.id])
    }
  }
  // The urban/rural class comes from the feature, else from its region_code's community, else
  // from the parent region.
  const regionCodes = [...new Set(parsed.map((f) => f.properties.region_code).filter((code): code is string => typeof code === 'string' && isRegionCode(code)))]
  const classOf = new Map(
    regionCodes.length === 0
      ? []
      : (await database.kysely.selectFrom('regions').select(['code', 'urban_rural']).where('code', 'in', regionCodes).execute()).map((r) => [r.code, r.urban_rural]),
  )
  const urbanRuralOf = (f: Parsed) =>
    typeof f.properties.urban_rural === 'string' ? f.properties.urban_rural : (classOf.get(String(f.properties.region_code)) ?? parent?.urbanRural ?? null)
  issues.push(
    ...householdIssues(
      parsed.filter((f) => f.polygons !== null).map((f) => ({
        id: f.id,
        kind: f.kind,
        households: asCount(f.properties.households),
        population: asCount(f.properties.population),
        count_date: typeof f.properties.count_date === 'string' ? f.properties.count_date : null,
        urban_rural: urbanRuralOf(f),
      })),
      profile,
      language,
    ),
  )

  phase('sizing')

  // Layer 4: coverage.
  const usable = parsed.filter((f) => f.polygons !== null)
  const comprehensive = usable.filter((f) => f.kind === 'comprehensive')
  const others = usable.filter((f) => f.kind !== 'comprehensive')
  const forceOverlay = options.forceOverlay === true
  const proof = !forceOverlay && comprehensive.length > 0 && comprehensive.every((f) => !f.invalid)
    ? await matchEdges(comprehensive.map((f) => ({ index: f.idx, polygons: f.polygons as PolygonRings[] })), slices)
    : null
  const clean = proof?.clean === true ? proof : null
  phase('edge_match')
  const path: ValidationReport['summary']['coverage_path'] = comprehensive.length === 0 ? 'none' : clean ? 'edge-match' : 'overlay'
  const hasGapRings = clean?.rings.some((ring) => !ring.shell) ?? false
  const crossingsIn = profile.allowCrossBoundary ? null : (parent?.regionWithChildren ?? null)
  const needsDatabase = comprehensive.length > 0 && (!clean || parent !== null || hasGapRings)

  const severityFor = (area: number) => (area < tolerance ? 'warning' : 'error')
  const findings = { crossings: [] as Crossing[], overlap: [] as Finding[], gap: [] as Finding[], outside: [] as Finding[], microOverlap: [] as Finding[], microGap: [] as Finding[], microOutside: [] as Finding[], dedicated: [] as Finding[] }
  if (needsDatabase || others.length > 0) {
    // The clean path needs only the grids along the outline — unless crossings of child regions are checked.
    const inTable = clean && crossingsIn === null ? [...clean.outlineFeatures.map((idx) => parsed[idx] as Parsed), ...others] : usable
    const parentIdx = (f: Parsed) => parentOf(f)?.idx ?? null
    const rows: InputRow[] = [...new Set(inTable)].map((f) => ({ idx: f.idx, kind: f.kind, parent_idx: parentIdx(f), polygons: f.polygons as PolygonRings[], invalid: f.invalid, tangled: f.tangled }))
    // Micro-grids need their parent grids in the table even when the parent's coverage is clean.
    const inRows = new Set(rows.map((row) => row.idx))
    for (const f of others) {
      const p = parentIdx(f)
      if (p !== null && !inRows.has(p)) {
        const grid = parsed[p] as Parsed
        rows.push({ idx: p, kind: grid.kind, parent_idx: null, polygons: grid.polygons as PolygonRings[], invalid: grid.invalid, tangled: grid.tangled })
        inRows.add(p)
      }
    }
    await withPostgisWork(
      database,
      async (work) => {
        const tables = await CoverageTables.load(work, rows, parent?.polygons ?? null)
        if (comprehensive.length > 0) {
          if (!clean) findings.overlap = await tables.findOverlaps('comprehensive')
          if (parent !== null || !clean || hasGapRings) findings.gap = await tables.findGaps(clean?.union ?? null)
          if (parent !== null) findings.outside = await tables.findOutside('comprehensive')
          if (crossingsIn !== null) findings.crossings = await tables.findRegionCrossings(crossingsIn)
        }
        if (others.some((f) => f.kind === 'micro')) {
          findings.microOverlap = await tables.findOverlaps('micro')
          findings.microGap = await tables.findMicroGaps()
          findings.microOutside = await tables.findMicroOutside()
        }
        if (others.some((f) => f.kind === 'dedicated') && (comprehensive.length > 0 || parent !== null)) {
          findings.dedicated = await tables.findDedicatedOutside(comprehensive.length > 0)
        }
      },
      postgis,
    )
  }

  phase('overlay')

  // Coverage findings next to a grid whose geometry is invalid come from its repaired shape
  // (ST_MakeValid) and would mislead: the invalid_geometry issue stands for them.
  const invalidIdx = new Set(parsed.filter((f) => f.invalid).map((f) => f.idx))
  for (const key of Object.keys(findings) as (keyof typeof findings)[]) {
    findings[key] = findings[key].filter((f) => !f.idxs.some((idx) => invalidIdx.has(idx))) as never
  }
  const place = (finding: Finding) => formatPlace([(finding.bbox[0] + finding.bbox[2]) / 2, (finding.bbox[1] + finding.bbox[3]) / 2])
  const area = (finding: Finding) => formatArea(finding.area_m2)
  const ids = (finding: Finding) => finding.idxs.map(idOf)
  const sliverNote = (finding: Finding) => (finding.area_m2 < tolerance ? t('sliver', { tolerance }) : '')
  const areaIssue = (code: IssueCode, finding: Finding, message: string, featureIds = ids(finding)) =>
    issue(code, severityFor(finding.area_m2), message + sliverNote(finding), featureIds, { geometry: finding.geometry, area_m2: finding.area_m2 })

  for (const f of findings.overlap) areaIssue('overlap', f, t('overlap', { a: idOf(f.idxs[0] as number), b: idOf(f.idxs[1] as number), area: area(f), place: place(f) }))
  for (const f of findings.gap) {
    const neighbours = ids(f)
    areaIssue('gap', f, t(neighbours.length ? 'gap' : 'gap_alone', { area: area(f), place: place(f), features: neighbours.join(t('list_separator')) }), neighbours)
  }
  for (const f of findings.crossings) {
    areaIssue('crosses_region', f, t('crosses_region', { feature: idOf(f.idxs[0] as number), main: f.main, others: f.others.join(t('list_separator')), area: area(f), place: place(f) }))
  }
  for (const f of findings.outside) areaIssue('outside_parent', f, t('outside_parent', { feature: idOf(f.idxs[0] as number), area: area(f), place: place(f) }))
  for (const f of findings.microOverlap) areaIssue('micro_overlap', f, t('micro_overlap', { a: idOf(f.idxs[0] as number), b: idOf(f.idxs[1] as number), area: area(f), place: place(f) }))
  for (const f of findings.microGap) areaIssue('micro_gap', f, t('micro_gap', { feature: idOf(f.idxs[0] as number), area: area(f), place: place(f) }))
  for (const f of findings.microOutside) areaIssue('micro_outside_parent', f, t('micro_outside_parent', { feature: idOf(f.idxs[0] as number), parent: idOf(f.idxs[1] as number), area: area(f), place: place(f) }))
  for (const f of findings.dedicated) areaIssue('dedicated_outside', f, t('dedicated_outside', { feature: idOf(f.idxs[0] as number), area: area(f), place: place(f) }))

  return buildReport(issues, parsed.length, assigned, profile.id, path)
}

function buildReport(issues: ValidationIssue[], features: number, assigned: string[], profile: string, path: ValidationReport['summary']['coverage_path']): ValidationReport {
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
      grids_out_of_range: new Set(issues.filter((i) => i.code === 'households_below_min' || i.code === 'households_above_max').flatMap((i) => i.feature_ids)).size,
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
function formatPlace([lng, lat]: [number, number]): string {
  const steady = (value: number) => (Math.round(value * 1e7) / 1e7).toFixed(5)
  return `${steady(lng)}, ${steady(lat)}`
}

function asCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null
}

/** Polygon/MultiPolygon coordinates → polygons with canonical winding, converted to WGS84/CGCS2000. */
function toPolygons(geometry: { type: string; coordinates: unknown }, crs: CrsName | undefined): PolygonRings[] {
  const polygons = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as Position[][][]
  const convert = toLonLat(crs)
  return polygons.map((rings) => orientRings(rings.map((ring) => ring.map(convert))))
}

interface Parent {
  /** The parent polygon(s), lon/lat. */
  polygons: PolygonRings[]
  urbanRural: string | null
  /** The region code, when the parent was given as one and has child regions with boundaries. */
  regionWithChildren: string | null
}

async function resolveParent(database: DatabaseHandle, parent: unknown, crs: CrsName | undefined): Promise<Parent | null> {
  if (parent === undefined || parent === null) return null
  if (typeof parent === 'string') {
    if (!isRegionCode(parent)) throw badRequest('region_code_invalid', { code: parent })
    const region = await database.kysely
      .selectFrom('regions')
      .select(['urban_rural', (eb) => eb.fn<unknown>('ST_AsGeoJSON', [eb.ref('boundary'), eb.val(9), eb.val(0)]).as('geometry')])
      .where('code', '=', parent)
      .executeTakeFirst()
    if (!region) throw notFound('region_not_found', { code: parent })
    if (!region.geometry) throw badRequest('parent_without_boundary', { code: parent })
    const child = await database.kysely.selectFrom('regions').select('code').where('parent_code', '=', parent).where('boundary', 'is not', null).executeTakeFirst()
    const boundary = JSON.parse(String(region.geometry)) as { type: string; coordinates: unknown }
    const polygons = (boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.coordinates) as PolygonRings[]
    return { polygons, urbanRural: region.urban_rural, regionWithChildren: child ? parent : null }
  }
  const problems = checkPolygonFeature({ type: 'Feature', properties: {}, geometry: parent })
  if (problems.length > 0) throw badRequest('parent_invalid')
  const polygons = toPolygons(parent as { type: string; coordinates: unknown }, crs)
  const [invalid] = await findInvalidShapes(directRunner(database.kysely), [polygons])
  if (invalid) throw badRequest('parent_invalid')
  return { polygons, urbanRural: null, regionWithChildren: null }
}
