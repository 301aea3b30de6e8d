import type { DatabaseHandle } from '../db/connect.js'
import type { CrsName } from '../geo/crs.js'
import { MAX_FEATURES, type ShapeToCount } from '../http/limits.js'
import type { Language } from '../i18n/index.js'
import type { ValidationReport } from './report.schemas.js'
import { Slices } from './slices.js'
import { contiguityIssues, sizingIssues, unprovenFeatures, validityIssues } from './validate-checks.js'
import { coverageIssues, findCoverage, planCoverage, withoutInvalidGrids } from './validate-coverage.js'
import { checkRequest, FeatureIds, givenId, parseFeatures, resolveParent } from './validate-input.js'
import { buildReport, validationMessages } from './validate-report.js'

// The validation engine behind POST /api/v1/validate, proposals and imports. In layers:
// 1. the request (a FeatureCollection, CRS, profile, parent) — problems here are 4xx errors;
// 2. each feature's structure and coordinates (JS), then validity (JS proof for simple rings,
//    PostGIS ST_IsValidDetail for everything else);
// 3. contiguity and household sizing by the rule profile;
// 4. coverage of the comprehensive grids: proven clean by edge matching in JS when it can be
//    (fast), else computed exactly by overlay in PostGIS; micro-grids and dedicated grids always
//    by overlay (they are few).
// validate() runs these as stages, each a function of its own: validate-input.ts (layers 1, 2a),
// validate-checks.ts (2b, 3), validate-coverage.ts (4), validate-report.ts (issues, summary).

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
  /**
   * Every feature's geometry already passed checkPolygonFeature (a proposal's after-state: grids
   * in force, checked changes, PostGIS's splits and merges), so parsing does not check it again.
   */
  structureChecked?: boolean
  /**
   * The most features one call takes (413 above it); default MAX_FEATURES, what POST /validate
   * takes. In-process callers validating stored grids may allow more (a city in one call).
   */
  maxFeatures?: number
}

export { MAX_FEATURES }

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
  const t = validationMessages(language)
  const slices = new Slices(options.signal)
  const postgis = { slices, timeoutMs: options.statementTimeoutMs }
  const phase = phaseClock(options.timings)

  // Layer 1: the request.
  const { features, profile, tolerance } = checkRequest(request, options.maxFeatures)
  const parent = await resolveParent(database, request.parent, request.crs)

  // Layer 2a: ids, structure, coordinates, CRS.
  const { parsed, assigned, issues } = await parseFeatures(features, request.crs, t, slices, options.structureChecked)
  const ids = new FeatureIds(parsed)
  issues.push(...ids.issues(t))
  phase('parse')

  // Layer 2b: validity. Simple single rings are proven valid in JS; the rest asks PostGIS.
  issues.push(...(await validityIssues(database, await unprovenFeatures(parsed, slices), t, postgis)))
  phase('validity')

  // Layer 3: contiguity and households.
  issues.push(...contiguityIssues(parsed, profile, t))
  issues.push(...(await sizingIssues(database, parsed, parent, profile, language)))
  phase('sizing')

  // Layer 4: coverage.
  const plan = await planCoverage(parsed, parent, profile.allowCrossBoundary, options.forceOverlay === true, slices)
  phase('edge_match')
  const findings = await findCoverage(database, parsed, plan, parent, ids, postgis)
  phase('overlay')
  issues.push(...coverageIssues(withoutInvalidGrids(findings, parsed), ids, tolerance, t))

  return buildReport(issues, parsed.length, assigned, profile.id, plan.path)
}

/** Records into `timings` the milliseconds since the previous phase ended (or since the start). */
function phaseClock(timings: Record<string, number> | undefined): (name: string) => void {
  let phaseStart = performance.now()
  return (name) => {
    const now = performance.now()
    if (timings) timings[name] = Math.round((now - phaseStart) * 10) / 10
    phaseStart = now
  }
}
