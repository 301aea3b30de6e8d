import type { DatabaseHandle } from '../db/connect.js'
import type { Language } from '../i18n/index.js'
import type { RuleProfile } from '../profiles/rule-profile.js'
import { isRegionCode } from '../regions/region-codes.js'
import type { PolygonRings, Position } from './edge-match.js'
import { findInvalidShapes } from './geometry-validity.js'
import { withPostgisWork } from './postgis-work.js'
import { tooTangledToRepair } from './repair.repository.js'
import type { ValidationIssue } from './report.schemas.js'
import { isCertainlySimpleRing } from './simple-ring.js'
import { householdIssues, type SizingInput } from './sizing.js'
import type { Slices } from './slices.js'
import type { Parent, ParsedFeature } from './validate-input.js'
import { type Translate, formatPlace, issueOf } from './validate-report.js'

// The per-feature stages of a validation (validate.service.ts) after parsing: validity (a JS proof
// for simple single rings, PostGIS ST_IsValidDetail for the rest), contiguity and household sizing
// by the rule profile.

/** Features with polygons that JS cannot prove valid: anything but a single simple ring. */
export async function unprovenFeatures(parsed: readonly ParsedFeature[], slices: Slices): Promise<ParsedFeature[]> {
  const unproven: ParsedFeature[] = []
  for (const f of parsed) {
    await slices.pause()
    if (
      f.polygons !== null &&
      !(f.polygons.length === 1 && f.polygons[0]?.length === 1 && isCertainlySimpleRing(f.polygons[0][0] as Position[]))
    )
      unproven.push(f)
  }
  return unproven
}

/** Asks PostGIS about the unproven features; marks the invalid ones (and whether repair can cope) and reports them. */
export async function validityIssues(
  database: DatabaseHandle,
  unproven: readonly ParsedFeature[],
  t: Translate,
  postgis: { slices: Slices; timeoutMs?: number },
): Promise<ValidationIssue[]> {
  const faults = await withPostgisWork(
    database,
    (work) =>
      findInvalidShapes(
        work,
        unproven.map((f) => f.polygons as PolygonRings[]),
      ),
    postgis,
  )
  const issues: ValidationIssue[] = []
  for (const fault of faults) {
    await postgis.slices.pause()
    const feature = unproven[fault.index] as ParsedFeature
    feature.invalid = true
    feature.tangled = tooTangledToRepair(feature.polygons as PolygonRings[])
    issues.push(
      issueOf(
        'invalid_geometry',
        'error',
        { feature: feature.id, ...(fault.location ? { place: formatPlace(fault.location) } : {}) },
        [feature.id],
        t,
        {
          reason: fault.reason,
          ...(fault.location ? { geometry: { type: 'Point', coordinates: fault.location } } : {}),
        },
      ),
    )
  }
  return issues
}

/** Valid comprehensive grids in several parts, unless the profile allows them. */
export function contiguityIssues(parsed: readonly ParsedFeature[], profile: RuleProfile, t: Translate): ValidationIssue[] {
  if (profile.allowMultipart) return []
  return parsed
    .filter((f) => f.kind === 'comprehensive' && !f.invalid && f.polygons && f.polygons.length > 1)
    .map((f) => issueOf('not_contiguous', 'error', { feature: f.id, parts: f.polygons?.length ?? 0 }, [f.id], t))
}

/** The 统计用城乡分类代码 of the communities the features name by region_code. */
export async function urbanRuralOfRegions(database: DatabaseHandle, parsed: readonly ParsedFeature[]): Promise<Map<string, string | null>> {
  const codes = [
    ...new Set(
      parsed.map((f) => f.properties.region_code).filter((code): code is string => typeof code === 'string' && isRegionCode(code)),
    ),
  ]
  if (codes.length === 0) return new Map()
  const rows = await database.kysely.selectFrom('regions').select(['code', 'urban_rural']).where('code', 'in', codes).execute()
  return new Map(rows.map((r) => [r.code, r.urban_rural]))
}

/**
 * What household sizing needs of each feature with polygons. The urban/rural class comes from the
 * feature, else from its region_code's community, else from the parent region.
 */
export function sizingInputs(
  parsed: readonly ParsedFeature[],
  classOf: ReadonlyMap<string, string | null>,
  parent: Parent | null,
): SizingInput[] {
  const urbanRuralOf = (f: ParsedFeature) =>
    typeof f.properties.urban_rural === 'string'
      ? f.properties.urban_rural
      : (classOf.get(String(f.properties.region_code)) ?? parent?.urbanRural ?? null)
  return parsed
    .filter((f) => f.polygons !== null)
    .map((f) => ({
      id: f.id,
      kind: f.kind,
      households: asCount(f.properties.households),
      population: asCount(f.properties.population),
      count_date: typeof f.properties.count_date === 'string' ? f.properties.count_date : null,
      urban_rural: urbanRuralOf(f),
    }))
}

export async function sizingIssues(
  database: DatabaseHandle,
  parsed: readonly ParsedFeature[],
  parent: Parent | null,
  profile: RuleProfile,
  language: Language,
): Promise<ValidationIssue[]> {
  const classOf = await urbanRuralOfRegions(database, parsed)
  return householdIssues(sizingInputs(parsed, classOf, parent), profile, language)
}

function asCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null
}
