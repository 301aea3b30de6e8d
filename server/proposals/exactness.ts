import { type BBox, geometryBBox } from '../geo/bbox.js'
import type { DatabaseHandle } from '../db/connect.js'
import { AppError } from '../http/errors.js'
import type { Language } from '../i18n/index.js'
import { profileForRegion } from '../profiles/profiles.js'
import { findUrbanRuralUnder } from '../regions/regions.repository.js'
import type { ValidationIssue, ValidationReport } from '../validation/report.schemas.js'
import { AREA_CODES, atSliverTolerance } from '../validation/validate-coverage.js'
import { DEFAULT_SLIVER_M2 } from '../validation/validate-input.js'
import { validate } from '../validation/validate.service.js'
import { currentGrids, type GridState } from './changes.js'

// A township's grids validated as a layer, and the approval's last check: the layer written must
// have no gap or overlap of any size (sliver tolerance 0) that the layer in force does not have.
// Noding (noding.ts) keeps edits exact; this refuses anything it missed rather than write it.

/** The validation report of a township's grids (the after-state of a proposal, or the grids in force). */
export async function validateTownship(
  database: DatabaseHandle,
  township: string,
  grids: readonly GridState[],
  language: Language,
  sliverToleranceM2?: number,
): Promise<ValidationReport> {
  const urbanRural = await findUrbanRuralUnder(database.kysely, township)
  const features = grids.map((grid) => ({
    type: 'Feature',
    id: grid.id,
    properties: {
      name: grid.name,
      kind: grid.kind,
      parent_grid: grid.parent_code,
      households: grid.households,
      population: grid.population,
      count_date: grid.count_date,
      urban_rural: urbanRural.get(grid.region_code) ?? null,
    },
    geometry: grid.geometry,
  }))
  const parent = township.padEnd(12, '0')
  return validate(
    database,
    {
      features: { type: 'FeatureCollection', features },
      parent,
      profile: profileForRegion(parent).id,
      ...(sliverToleranceM2 === undefined ? {} : { sliver_tolerance_m2: sliverToleranceM2 }),
    },
    language,
    // Grids in force, changes checked by applyChanges (or the import), PostGIS's splits and merges.
    { structureChecked: true },
  )
}

const within = (inner: BBox, outer: BBox) => inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3]

/**
 * Gap, overlap and boundary issues of `after` that `before` does not have. A fault already in the
 * layer keeps its code and area whatever its grids are called now; a piece of one (a split
 * through an overlap) lies within its bounding box and is no larger.
 */
export function newCoverageIssues(before: ValidationReport, after: ValidationReport): ValidationIssue[] {
  const coverage = (report: ValidationReport) => report.issues.filter((issue) => AREA_CODES.has(issue.code))
  const old = coverage(before).map((issue) => ({ issue, box: geometryBBox(issue.geometry), area: issue.area_m2 ?? 0 }))
  const known = new Set(old.map(({ issue, area }) => `${issue.code}:${area}`))
  return coverage(after).filter((issue) => {
    const area = issue.area_m2 ?? 0
    if (known.has(`${issue.code}:${area}`)) return false
    const box = geometryBBox(issue.geometry)
    return !old.some((fault) => fault.issue.code === issue.code && fault.box && box && within(box, fault.box) && area <= fault.area)
  })
}

/**
 * The report of a township's grids at sliver tolerance 0 (`exactReport`, the applying step's
 * check) and the usual report derived from it (`report`): one validation, not two.
 */
export async function validateExactly(database: DatabaseHandle, township: string, grids: readonly GridState[], language: Language) {
  const exactReport = await validateTownship(database, township, grids, language, 0)
  return { exactReport, report: atSliverTolerance(exactReport, DEFAULT_SLIVER_M2, language) }
}

/**
 * Refuses (409) an after-state with a gap or overlap of any size the township's grids in force do
 * not have; `exact` is the after-state's report at sliver tolerance 0.
 */
export async function assertNoNewSlivers(
  database: DatabaseHandle,
  township: string,
  exact: ValidationReport,
  language: Language,
): Promise<void> {
  const before = await validateTownship(database, township, await currentGrids(database.kysely, township), language, 0)
  const fresh = newCoverageIssues(before, exact)
  const first = fresh[0]
  if (!first) return
  throw new AppError(
    409,
    'proposal_not_exact',
    { issue: first.message, count: fresh.length },
    fresh.map((issue) => ({ code: issue.code, message: issue.message, feature_ids: issue.feature_ids, area_m2: issue.area_m2 })),
  )
}
