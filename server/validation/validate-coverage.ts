import { type BBox, geometryBBox } from '../geo/bbox.js'
import { sql } from 'kysely'
import { polygonsToEwkb, verticesOf } from '../geo/ewkb.js'
import { STATEMENT_VERTICES } from '../http/limits.js'
import type { Language } from '../i18n/index.js'
import type { DatabaseHandle } from '../db/connect.js'
import { type Crossing, CoverageTables, type Finding, type InputRow } from './coverage.repository.js'
import { type EdgeMatchResult, type PolygonRings, matchEdges } from './edge-match.js'
import { type PostgisWork, withPostgisWork } from './postgis-work.js'
import type { IssueCode, IssueParams, ValidationIssue, ValidationReport } from './report.schemas.js'
import type { Slices } from './slices.js'
import type { FeatureIds, Parent, ParsedFeature } from './validate-input.js'
import { issueMessage } from './issue-messages.js'
import { type Translate, buildReport, formatArea, formatPlace, issueOf } from './validate-report.js'

// The coverage stages of a validation (validate.service.ts): the comprehensive grids' coverage is
// proven clean by edge matching in JS when it can be (fast), else computed exactly by overlay in
// PostGIS; micro-grids and dedicated grids always by overlay (they are few).

export type CleanCoverage = Extract<EdgeMatchResult, { clean: true }>

/** What the coverage checks work on, and what the edge match proved. */
export interface CoveragePlan {
  /** Features with polygons. */
  usable: ParsedFeature[]
  comprehensive: ParsedFeature[]
  /** Micro and dedicated grids. */
  others: ParsedFeature[]
  /** The edge match's proof of a clean coverage of the comprehensive grids; null when none. */
  clean: CleanCoverage | null
  path: ValidationReport['summary']['coverage_path']
  /** The clean coverage has rings around gaps (they need measuring in PostGIS). */
  hasGapRings: boolean
  /** The region whose child regions grids must not cross; null when not checked. */
  crossingsIn: string | null
  /** Bounding boxes of its child regions (Parent.childBoxes). */
  childBoxes: BBox[]
}

export interface CoverageFindings {
  crossings: Crossing[]
  overlap: Finding[]
  gap: Finding[]
  outside: Finding[]
  microOverlap: Finding[]
  microGap: Finding[]
  microOutside: Finding[]
  dedicated: Finding[]
}

/** Findings of a coverage with nothing wrong: every list empty. */
export const noFindings = (): CoverageFindings => ({
  crossings: [],
  overlap: [],
  gap: [],
  outside: [],
  microOverlap: [],
  microGap: [],
  microOutside: [],
  dedicated: [],
})

/**
 * Splits the features by kind and tries the edge-match proof on the comprehensive grids — unless
 * one is invalid or `forceOverlay` asks for the PostGIS path.
 */
export async function planCoverage(
  parsed: readonly ParsedFeature[],
  parent: Parent | null,
  allowCrossBoundary: boolean,
  forceOverlay: boolean,
  slices: Slices,
): Promise<CoveragePlan> {
  const usable = parsed.filter((f) => f.polygons !== null)
  const comprehensive = usable.filter((f) => f.kind === 'comprehensive')
  const others = usable.filter((f) => f.kind !== 'comprehensive')
  const proof =
    !forceOverlay && comprehensive.length > 0 && comprehensive.every((f) => !f.invalid)
      ? await matchEdges(
          comprehensive.map((f) => ({ index: f.idx, polygons: f.polygons as PolygonRings[] })),
          slices,
        )
      : null
  const clean = proof?.clean === true ? proof : null
  return {
    usable,
    comprehensive,
    others,
    clean,
    path: comprehensive.length === 0 ? 'none' : clean ? 'edge-match' : 'overlay',
    hasGapRings: clean?.rings.some((ring) => !ring.shell) ?? false,
    // A grid can cross only between two child regions: with one or none there is nothing to check.
    crossingsIn: allowCrossBoundary || (parent?.childBoxes.length ?? 0) < 2 ? null : (parent?.regionWithChildren ?? null),
    childBoxes: parent?.childBoxes ?? [],
  }
}

const boxesMeet = (a: BBox, b: BBox) => a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]

/** Whether the plan leaves any work for PostGIS. */
export function needsOverlay(plan: CoveragePlan, parent: Parent | null): boolean {
  const comprehensiveWork = plan.comprehensive.length > 0 && (!plan.clean || parent !== null || plan.hasGapRings)
  return comprehensiveWork || plan.others.length > 0
}

/**
 * The grids the overlay needs in its table. The clean path needs only the grids along the
 * outline, and, where crossings of child regions are checked, the grids whose bounding box meets
 * more than one child region's (no other grid can cross: a township's thousand grids mostly lie
 * well inside one village); micro-grids need their parent grids.
 */
export function overlayRows(parsed: readonly ParsedFeature[], plan: CoveragePlan, ids: FeatureIds): InputRow[] {
  const { clean, others } = plan
  const mayCross = (f: ParsedFeature) => {
    const box = geometryBBox({ type: 'MultiPolygon', coordinates: f.polygons })
    return box !== null && plan.childBoxes.filter((child) => boxesMeet(box, child)).length > 1
  }
  const crossing = clean && plan.crossingsIn !== null ? plan.comprehensive.filter(mayCross) : []
  const inTable = clean ? [...clean.outlineFeatures.map((idx) => parsed[idx] as ParsedFeature), ...crossing, ...others] : plan.usable
  const parentIdx = (f: ParsedFeature) => ids.parentOf(f)?.idx ?? null
  const row = (f: ParsedFeature, parent: number | null): InputRow => ({
    idx: f.idx,
    kind: f.kind,
    parent_idx: parent,
    polygons: f.polygons as PolygonRings[],
    invalid: f.invalid,
    tangled: f.tangled,
  })
  const rows = [...new Set(inTable)].map((f) => row(f, parentIdx(f)))
  const inRows = new Set(rows.map((r) => r.idx))
  for (const f of others) {
    const p = parentIdx(f)
    if (p !== null && !inRows.has(p)) {
      rows.push(row(parsed[p] as ParsedFeature, null))
      inRows.add(p)
    }
  }
  return rows
}

/** The overlay checks the plan calls for, on the grids of `rows`, in PostGIS. */
export async function overlayFindings(
  database: DatabaseHandle,
  rows: InputRow[],
  plan: CoveragePlan,
  parent: Parent | null,
  postgis: { slices: Slices; timeoutMs?: number },
): Promise<CoverageFindings> {
  const findings = noFindings()
  const { clean, hasGapRings, crossingsIn } = plan
  const hasComprehensive = plan.comprehensive.length > 0
  await withPostgisWork(
    database,
    async (work) => {
      if (await coverageIsParent(work, plan, parent)) return
      const tables = await CoverageTables.load(work, rows, parent?.polygons ?? null)
      if (hasComprehensive) {
        if (!clean) findings.overlap = await tables.findOverlaps('comprehensive')
        if (parent !== null || !clean || hasGapRings) findings.gap = await tables.findGaps(clean?.union ?? null)
        if (parent !== null) findings.outside = await tables.findOutside('comprehensive')
        if (crossingsIn !== null) findings.crossings = await tables.findRegionCrossings(crossingsIn)
      }
      if (plan.others.some((f) => f.kind === 'micro')) {
        findings.microOverlap = await tables.findOverlaps('micro')
        findings.microGap = await tables.findMicroGaps()
        findings.microOutside = await tables.findMicroOutside()
      }
      if (plan.others.some((f) => f.kind === 'dedicated') && (hasComprehensive || parent !== null)) {
        findings.dedicated = await tables.findDedicatedOutside(hasComprehensive)
      }
    },
    postgis,
  )
  return findings
}

/**
 * The usual answer for a township, in one statement: the edge match proved the grids clean and
 * their union (its outline) is the parent's area exactly (ST_Equals: each covers the other), so
 * there is no gap, nothing outside, and no other check to make. Spares the scratch tables, which cost more than the test.
 */
async function coverageIsParent(work: PostgisWork, plan: CoveragePlan, parent: Parent | null): Promise<boolean> {
  const { clean } = plan
  if (clean === null || parent === null || plan.hasGapRings || plan.crossingsIn !== null || plan.others.length > 0) return false
  if (verticesOf(clean.union) > STATEMENT_VERTICES) return false
  const { rows } = await work.run(sql<{ same: boolean }>`
    SELECT ST_Equals(p, u) AS same
    FROM (SELECT ${polygonsToEwkb(parent.polygons)}::geometry AS p, ${polygonsToEwkb(clean.union)}::geometry AS u) AS g`)
  return rows[0]?.same === true
}

/** The coverage findings of the plan: none when the edge match proved everything. */
export async function findCoverage(
  database: DatabaseHandle,
  parsed: readonly ParsedFeature[],
  plan: CoveragePlan,
  parent: Parent | null,
  ids: FeatureIds,
  postgis: { slices: Slices; timeoutMs?: number },
): Promise<CoverageFindings> {
  if (!needsOverlay(plan, parent)) return noFindings()
  return overlayFindings(database, overlayRows(parsed, plan, ids), plan, parent, postgis)
}

/**
 * The findings without those next to a grid whose geometry is invalid: they come from its
 * repaired shape (ST_MakeValid) and would mislead; the invalid_geometry issue stands for them.
 */
export function withoutInvalidGrids(findings: CoverageFindings, parsed: readonly ParsedFeature[]): CoverageFindings {
  const invalidIdx = new Set(parsed.filter((f) => f.invalid).map((f) => f.idx))
  const keep = <F extends Finding>(list: F[]): F[] => list.filter((f) => !f.idxs.some((idx) => invalidIdx.has(idx)))
  return {
    crossings: keep(findings.crossings),
    overlap: keep(findings.overlap),
    gap: keep(findings.gap),
    outside: keep(findings.outside),
    microOverlap: keep(findings.microOverlap),
    microGap: keep(findings.microGap),
    microOutside: keep(findings.microOutside),
    dedicated: keep(findings.dedicated),
  }
}

/** The findings as issues: errors, or warnings with a note when smaller than the sliver tolerance. */
export function coverageIssues(findings: CoverageFindings, ids: FeatureIds, tolerance: number, t: Translate): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  const idOf = (idx: number | undefined) => ids.idOf(idx as number)
  const place = (finding: Finding) => formatPlace([(finding.bbox[0] + finding.bbox[2]) / 2, (finding.bbox[1] + finding.bbox[3]) / 2])
  const area = (finding: Finding) => formatArea(finding.area_m2)
  const areaIssue = (code: IssueCode, finding: Finding, params: IssueParams, featureIds = finding.idxs.map(idOf)) => {
    const sliver = finding.area_m2 < tolerance
    issues.push(
      issueOf(code, sliver ? 'warning' : 'error', { ...params, ...(sliver ? { sliver_tolerance: tolerance } : {}) }, featureIds, t, {
        geometry: finding.geometry,
        area_m2: finding.area_m2,
      }),
    )
  }
  // The first (and second) feature of a finding and where it is, for the messages.
  const one = (f: Finding) => ({ feature: idOf(f.idxs[0]), area: area(f), place: place(f) })
  const pair = (f: Finding) => ({ a: idOf(f.idxs[0]), b: idOf(f.idxs[1]), area: area(f), place: place(f) })

  for (const f of findings.overlap) areaIssue('overlap', f, pair(f))
  for (const f of findings.gap) {
    const neighbours = f.idxs.map(idOf)
    areaIssue('gap', f, { area: area(f), place: place(f), features: neighbours }, neighbours)
  }
  for (const f of findings.crossings) areaIssue('crosses_region', f, { ...one(f), main: f.main, others: f.others })
  for (const f of findings.outside) areaIssue('outside_parent', f, one(f))
  for (const f of findings.microOverlap) areaIssue('micro_overlap', f, pair(f))
  for (const f of findings.microGap) areaIssue('micro_gap', f, one(f))
  for (const f of findings.microOutside) areaIssue('micro_outside_parent', f, { ...one(f), parent: idOf(f.idxs[1]) })
  for (const f of findings.dedicated) areaIssue('dedicated_outside', f, one(f))
  return issues
}

/** The codes coverageIssues gives an area (gaps, overlaps, parts outside): each is a warning below the sliver tolerance. */
export const AREA_CODES: ReadonlySet<IssueCode> = new Set<IssueCode>([
  'overlap',
  'gap',
  'crosses_region',
  'outside_parent',
  'micro_overlap',
  'micro_gap',
  'micro_outside_parent',
  'dedicated_outside',
])

/**
 * A report made at sliver tolerance 0 as a validation at `tolerance` gives it: each area issue
 * smaller than the tolerance becomes the warning coverageIssues makes of it, and the summary is
 * counted again. Spares validating the same grids twice when both reports are needed.
 */
export function atSliverTolerance(exact: ValidationReport, tolerance: number, language: Language): ValidationReport {
  const issues = exact.issues.map((issue): ValidationIssue => {
    if (!AREA_CODES.has(issue.code) || !((issue.area_m2 ?? 0) < tolerance)) return issue
    const sliver = { ...issue, severity: 'warning' as const, params: { ...issue.params, sliver_tolerance: tolerance } }
    return { ...sliver, message: issueMessage(sliver, language) }
  })
  const { features, assigned_ids, profile, coverage_path } = exact.summary
  return buildReport(issues, features, assigned_ids, profile, coverage_path)
}
