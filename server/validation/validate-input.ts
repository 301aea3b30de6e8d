import { sql } from 'kysely'
import type { DatabaseHandle } from '../db/connect.js'
import type { BBox } from '../geo/bbox.js'
import { type GridKind, isGridKind } from '../grids/kinds.js'
import { type CrsName, toLonLat } from '../geo/crs.js'
import { AppError, badRequest, notFound } from '../http/errors.js'
import { MAX_FEATURES } from '../http/limits.js'
import { getProfile } from '../profiles/profiles.js'
import type { RuleProfile } from '../profiles/rule-profile.js'
import { isRegionCode } from '../regions/region-codes.js'
import { type PolygonRings, type Position, orientRings } from './edge-match.js'
import { checkPolygonFeature } from './geometry-structure.js'
import { findInvalidShapes } from './geometry-validity.js'
import { directRunner } from './postgis-work.js'
import type { ValidationIssue } from './report.schemas.js'
import type { Slices } from './slices.js'
import { type Translate, issueOf } from './validate-report.js'

// The first stages of a validation (validate.service.ts): the request itself — problems there are
// 4xx errors — then each feature's id, kind, parent grid and structure, as issues.

export interface ParsedFeature {
  idx: number
  id: string
  kind: GridKind
  parentId: string | null
  properties: Record<string, unknown>
  /** Polygons (rings of positions), shells CCW, holes CW, in CGCS2000/WGS84 lon/lat. */
  polygons: PolygonRings[] | null
  invalid: boolean
  /** Invalid with too many crossings for ST_MakeValid (repair.repository.ts). */
  tangled?: boolean
}

/** The request's parts once checked. */
export interface CheckedRequest {
  features: unknown[]
  profile: RuleProfile
  /** Coverage findings smaller than this (m²) are warnings, not errors. */
  tolerance: number
}

export interface Parent {
  /** The parent polygon(s), lon/lat. */
  polygons: PolygonRings[]
  urbanRural: string | null
  /** The region code, when the parent was given as one and has child regions with boundaries. */
  regionWithChildren: string | null
  /** Bounding boxes of those child regions: a grid whose box meets only one cannot cross into another. */
  childBoxes: BBox[]
}

export interface ParsedFeatures {
  parsed: ParsedFeature[]
  /** Ids given to features that came without one, in input order. */
  assigned: string[]
  issues: ValidationIssue[]
}

export const DEFAULT_SLIVER_M2 = 1
const FC_CRS_OK = /^(urn:ogc:def:crs:OGC:1\.3:CRS84|urn:ogc:def:crs:EPSG::(4326|4490)|EPSG:(4326|4490))$/i

/** The id a feature is reported by: its id, else properties.id or code; null when it has none. */
export function givenId(feature: { id?: unknown; properties?: Record<string, unknown> | null }): string | null {
  const given = feature.id ?? feature.properties?.id ?? feature.properties?.code
  return given === undefined || given === null || given === '' ? null : String(given)
}

/** Checks the request's collection, CRS, profile and tolerance; throws the 4xx error of the first problem. */
export function checkRequest(
  request: {
    features: unknown
    profile?: string
    crs?: CrsName
    sliver_tolerance_m2?: number
  },
  maxFeatures = MAX_FEATURES,
): CheckedRequest {
  const collection = request.features as { type?: unknown; features?: unknown; crs?: { properties?: { name?: unknown } } }
  if (
    typeof collection !== 'object' ||
    collection === null ||
    collection.type !== 'FeatureCollection' ||
    !Array.isArray(collection.features)
  ) {
    throw badRequest('validation_not_feature_collection')
  }
  const features = collection.features as unknown[]
  if (features.length === 0) throw badRequest('validation_empty')
  if (features.length > maxFeatures) throw new AppError(413, 'validation_too_many_features', { count: features.length, limit: maxFeatures })
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
  return { features, profile, tolerance }
}

/** Each feature's id, kind, parent grid and polygons (in lon/lat), with its structure and kind issues. */
export async function parseFeatures(
  rawFeatures: unknown[],
  crs: CrsName | undefined,
  t: Translate,
  slices: Slices,
  /** The geometry was checked by checkPolygonFeature before (ValidateOptions.structureChecked). */
  structureChecked = false,
): Promise<ParsedFeatures> {
  const issues: ValidationIssue[] = []
  const assigned: string[] = []
  const parsed: ParsedFeature[] = []
  for (const [idx, raw] of rawFeatures.entries()) {
    await slices.pause()
    const feature = (typeof raw === 'object' && raw !== null ? raw : {}) as {
      id?: unknown
      properties?: Record<string, unknown> | null
      geometry?: { type?: string; coordinates?: unknown }
    }
    const properties = feature.properties ?? {}
    const given = givenId({ id: feature.id, properties })
    const id = given ?? `#${idx + 1}`
    if (given === null) assigned.push(id)
    const kindValue = String(properties.kind ?? 'comprehensive')
    const kind: GridKind = isGridKind(kindValue) ? kindValue : 'comprehensive'
    const parentId = properties.parent_grid === undefined || properties.parent_grid === null ? null : String(properties.parent_grid)
    const problems = structureChecked ? [] : checkPolygonFeature(raw)
    for (const problem of problems) {
      issues.push(issueOf('invalid_geometry', 'error', { feature: id, ...problem.params }, [id], t, { reason: problem.code }))
    }
    if (!isGridKind(kindValue)) issues.push(issueOf('invalid_kind', 'error', { feature: id, kind: kindValue }, [id], t))
    const polygons = problems.length > 0 ? null : toPolygons(feature.geometry as { type: string; coordinates: unknown }, crs)
    parsed.push({ idx, id, kind, parentId, properties, polygons, invalid: problems.length > 0 })
  }
  return { parsed, assigned, issues }
}

/** The features by id, and the comprehensive grid a micro or dedicated grid names as its parent. */
export class FeatureIds {
  private readonly byId = new Map<string, ParsedFeature[]>()

  constructor(private readonly parsed: readonly ParsedFeature[]) {
    for (const feature of parsed) this.byId.set(feature.id, [...(this.byId.get(feature.id) ?? []), feature])
  }

  idOf(idx: number): string {
    return (this.parsed[idx] as ParsedFeature).id
  }

  parentOf(feature: ParsedFeature): ParsedFeature | null {
    if (feature.parentId === null) return null
    return (this.byId.get(feature.parentId) ?? []).find((p) => p.kind === 'comprehensive') ?? null
  }

  /** Ids used more than once, and micro/dedicated grids whose parent grid is missing. */
  issues(t: Translate): ValidationIssue[] {
    const issues: ValidationIssue[] = []
    for (const [id, same] of this.byId) {
      if (same.length > 1) issues.push(issueOf('duplicate_id', 'error', { feature: id, count: same.length }, [id], t))
    }
    for (const feature of this.parsed) {
      if (feature.kind === 'comprehensive') continue
      if (feature.parentId !== null && this.parentOf(feature) === null) {
        const params = { kind: feature.kind, feature: feature.id, parent: feature.parentId }
        issues.push(issueOf('parent_grid_missing', 'error', params, [feature.id], t))
      } else if (feature.parentId === null && feature.kind === 'micro') {
        issues.push(issueOf('parent_grid_missing', 'error', { kind: feature.kind, feature: feature.id }, [feature.id], t))
      }
    }
    return issues
  }
}

/** Polygon/MultiPolygon coordinates → polygons with canonical winding, converted to WGS84/CGCS2000. */
export function toPolygons(geometry: { type: string; coordinates: unknown }, crs: CrsName | undefined): PolygonRings[] {
  const polygons = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as Position[][][]
  // Lon/lat positions are used as they are (read-only; a z is ignored by every reader): copying
  // a county's 4 million positions cost ~1 s and as much again in garbage collection.
  if (crs !== 'gcj02' && crs !== 'bd09') return polygons.map(orientRings)
  const convert = toLonLat(crs)
  return polygons.map((rings) => orientRings(rings.map((ring) => ring.map(convert))))
}

/** The parent: a region code (its boundary from the database) or a polygon; throws when unusable. */
export async function resolveParent(database: DatabaseHandle, parent: unknown, crs: CrsName | undefined): Promise<Parent | null> {
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
    const { rows: children } = await sql<{ xmin: number; ymin: number; xmax: number; ymax: number }>`
      SELECT ST_XMin(boundary) AS xmin, ST_YMin(boundary) AS ymin, ST_XMax(boundary) AS xmax, ST_YMax(boundary) AS ymax
      FROM regions WHERE parent_code = ${parent} AND boundary IS NOT NULL`.execute(database.kysely)
    const boundary = JSON.parse(String(region.geometry)) as { type: string; coordinates: unknown }
    const polygons = (boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.coordinates) as PolygonRings[]
    return {
      polygons,
      urbanRural: region.urban_rural,
      regionWithChildren: children.length > 0 ? parent : null,
      childBoxes: children.map((child): BBox => [child.xmin, child.ymin, child.xmax, child.ymax]),
    }
  }
  const problems = checkPolygonFeature({ type: 'Feature', properties: {}, geometry: parent })
  if (problems.length > 0) throw badRequest('parent_invalid')
  const polygons = toPolygons(parent as { type: string; coordinates: unknown }, crs)
  const [invalid] = await findInvalidShapes(directRunner(database.kysely), [polygons])
  if (invalid) throw badRequest('parent_invalid')
  return { polygons, urbanRural: null, regionWithChildren: null, childBoxes: [] }
}
