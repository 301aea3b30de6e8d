import type { Geometry } from 'geojson'
import type { DatabaseHandle } from '../db/connect.js'
import type { Db } from '../db/database.js'
import { type BBox, geometryBBox } from '../geo/bbox.js'
import { findGrids, findGridsExtent, gridsInForceStamp } from '../grids/grids.repository.js'
import { AppError, badRequest } from '../http/errors.js'
import { MAX_FEATURES } from '../http/limits.js'
import type { Language } from '../i18n/index.js'
import { prefixOfCode } from '../regions/region-codes.js'
import { countActiveGrids, findRegionsExtent, findRegionsOfLevel } from '../regions/regions.repository.js'
import { placedIssues } from '../validation/grid-issues.js'
import { issueMessage, type StoredIssue } from '../validation/issue-messages.js'
import { columns, type Item, type ItemQuery, type OgcCollection } from './collection.js'

// The current validation issues of the grids in force, one feature each where the issue is (the
// gap, the overlap, the fault point, else the grid it is about). Issues are not stored: they are
// computed as POST /validate computes them, per township with its boundary as parent (per the
// caller's own region when it is finer than a township), so an issue has one region and the same
// id whoever asks; overlaps between grids of two townships are not looked for. A township's
// issues are kept in memory while its grids in force stay the same (gridsInForceStamp), so a
// client paging through them validates once. Without `region_code`, a caller whose region holds
// more than MAX_SCOPE_GRIDS grids is asked to name one township (400): a county of 20,000 grids
// takes tens of seconds to validate, too long for a page. Being computed, the collection takes
// its queryables as equality query parameters only: a CQL2 `filter` is a 400 (ogc-params.ts).

/** The most grids in force a caller's whole region may hold for its issues to be computed on one request. */
export const MAX_SCOPE_GRIDS = 2_000

/** A region whose grids are validated together. */
interface Unit {
  code: string
  hasBoundary: boolean
}

interface IssueFeature {
  id: string
  region_code: string
  issue: StoredIssue
  place: Geometry | null
  box: BBox | null
}

/** The regions of a caller's scope that issues are computed per: its townships, or its own region when finer. */
function unitsOf(db: Db, scope: string): Promise<Unit[]> {
  return findRegionsOfLevel(db, scope, unitLevel(scope))
}

/** Townships (4); a community's own account or key (a 12-digit scope) has its community (5). */
const unitLevel = (scope: string) => (scope.length === 12 ? 5 : 4)

const kept = new WeakMap<Db, Map<string, { stamp: string; features: Promise<IssueFeature[]> }>>()

/** A unit's issues, validated again only when its grids in force changed (or its boundary came). */
async function issuesOf(database: DatabaseHandle, unit: Unit): Promise<IssueFeature[]> {
  const db = database.kysely
  const prefix = prefixOfCode(unit.code)
  const stamp = `${await gridsInForceStamp(db, prefix)}/${unit.hasBoundary}`
  let units = kept.get(db)
  if (!units) {
    units = new Map()
    kept.set(db, units)
  }
  const known = units.get(unit.code)
  if (known?.stamp === stamp) return known.features
  const features = computeIssues(database, unit, prefix)
  units.set(unit.code, { stamp, features })
  // A failed validation is not kept: the next request tries again.
  features.catch(() => units.get(unit.code)?.features === features && units.delete(unit.code))
  return features
}

async function computeIssues(database: DatabaseHandle, unit: Unit, prefix: string): Promise<IssueFeature[]> {
  const rows = await findGrids(database.kysely, { regionPrefix: prefix, asOf: undefined })
  if (rows.length === 0) return []
  if (rows.length > MAX_FEATURES) throw new AppError(413, 'validation_too_many_features', { count: rows.length, limit: MAX_FEATURES })
  // Messages are rendered per request in the caller's language; only the neutral issue is kept.
  const placed = await placedIssues(database, rows, unit.hasBoundary ? unit.code : undefined, 'zh-CN')
  return placed.map(({ issue: { message: _message, ...issue }, place }, i) => ({
    id: `${unit.code}.${i + 1}`,
    region_code: unit.code,
    issue,
    place,
    box: geometryBBox(place),
  }))
}

const meets = (a: BBox, b: BBox) => a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]

const asItem = (feature: IssueFeature, language: Language): Item => ({
  id: feature.id,
  geometryJson: feature.place === null ? null : JSON.stringify(feature.place),
  properties: {
    region_code: feature.region_code,
    code: feature.issue.code,
    severity: feature.issue.severity,
    message: issueMessage(feature.issue, language),
    grid_codes: feature.issue.feature_ids.join(','),
    area_m2: feature.issue.area_m2 ?? null,
  },
})

/** The units a request covers: the one `region_code` names (a 400 unless it is one of the caller's), else all, when few enough grids. */
async function unitsAsked(db: Db, scope: string, regionCode: string | undefined, maxScopeGrids: number): Promise<Unit[]> {
  const units = await unitsOf(db, scope)
  if (regionCode !== undefined) {
    const unit = units.find((candidate) => candidate.code === regionCode)
    if (!unit) throw badRequest('ogc_issues_region_invalid', { value: regionCode })
    return [unit]
  }
  const grids = await countActiveGrids(db, scope)
  if (grids > maxScopeGrids) throw badRequest('ogc_issues_region_required', { count: grids, max: maxScopeGrids })
  return units
}

/**
 * The issues' queryables: equality query parameters only (the collection is `computed`, so no
 * `filter` reaches them and their SQL, a column name as for the other collections, is never run).
 * No geometry: with no CQL2 there is no S_INTERSECTS; bbox selects by place.
 */
const { geometry: _geometry, ...ISSUE_QUERYABLES } = columns({ region_code: 'string', code: 'string', severity: 'string' }, 'place')

/** The `validation-issues` collection over a database handle (validation needs the engine), messages in `language`. */
export const issuesCollection = (database: DatabaseHandle, language: Language, maxScopeGrids = MAX_SCOPE_GRIDS): OgcCollection => ({
  id: 'validation-issues',
  temporal: false,
  computed: true,
  queryables: ISSUE_QUERYABLES,
  propertyTitles: { region_code: 'ogc.property_of_issue.region_code', code: 'ogc.property_of_issue.code' },
  // The box of the grids and townships: issues lie on them (a gap within a township's boundary).
  async extent(db, scope) {
    const boxes = [await findGridsExtent(db, scope), await findRegionsExtent(db, scope, unitLevel(scope))].filter((box) => box !== null)
    if (boxes.length === 0) return null
    return [
      Math.min(...boxes.map((box) => box[0])),
      Math.min(...boxes.map((box) => box[1])),
      Math.max(...boxes.map((box) => box[2])),
      Math.max(...boxes.map((box) => box[3])),
    ]
  },
  async item(db, scope, id) {
    const regionCode = id.split('.')[0] ?? ''
    const units = await unitsOf(db, scope)
    const unit = units.find((candidate) => candidate.code === regionCode)
    const feature = unit && (await issuesOf(database, unit)).find((candidate) => candidate.id === id)
    return feature && asItem(feature, language)
  },
  async page(db, query: ItemQuery) {
    const { region_code: regionCode, ...equals } = query.equals ?? {}
    const features: IssueFeature[] = []
    for (const unit of await unitsAsked(db, query.scope, regionCode, maxScopeGrids)) features.push(...(await issuesOf(database, unit)))
    const box = query.bbox
    const matching = features.filter(
      (feature) =>
        (box === undefined || (feature.box !== null && meets(feature.box, box))) &&
        Object.entries(equals).every(([name, value]) => (name === 'code' ? feature.issue.code : feature.issue.severity) === value),
    )
    const page = matching.slice(query.offset, query.offset + query.limit)
    return { matched: matching.length, items: page.map((feature) => asItem(feature, language)) }
  },
})
