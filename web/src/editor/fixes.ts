import difference from '@turf/difference'
import { featureCollection } from '@turf/helpers'
import union from '@turf/union'
import type { Feature, MultiPolygon, Polygon } from 'geojson'
import type { Change } from '../../../server/proposals/change.schemas.js'
import type { ValidationIssue } from '../../../server/validation/report.schemas.js'
import type { EditableGrid } from './shared-vertices.js'

// The fix buttons of a gap or overlap in the draft's validation: join the gap to one of the grids
// it borders, or cut the overlap from one of the two grids. Pure, so the server's tests apply
// exactly what the button sends (server/proposals/old-slivers.test.ts).

const FIXABLE_GAPS = new Set(['gap', 'micro_gap'])
const FIXABLE_OVERLAPS = new Set(['overlap', 'micro_overlap'])

/** Whether an issue has a fix button: a gap or overlap with its geometry. */
export function isFixable(issue: ValidationIssue): boolean {
  return !!issue.geometry && (FIXABLE_GAPS.has(issue.code) || FIXABLE_OVERLAPS.has(issue.code))
}

/** A gap is joined to the grid; anything else fixable is cut from it. */
export const joinsGap = (issue: ValidationIssue): boolean => FIXABLE_GAPS.has(issue.code)

const shape = (geometry: unknown): Feature<Polygon | MultiPolygon> => ({
  type: 'Feature',
  geometry: geometry as Polygon | MultiPolygon,
  properties: {},
})

/**
 * The reshape the fix button of `issue` sends for `grid`: Turf (polyclip-ts) joins the gap to, or
 * cuts the overlap from, the grid along the edges the server drew the issue with. Null when the
 * issue has no fix or Turf leaves nothing.
 */
export function fixChange(grid: EditableGrid, issue: ValidationIssue): Extract<Change, { op: 'reshape' }> | null {
  if (!isFixable(issue)) return null
  const pair = featureCollection([shape(grid.geometry), shape(issue.geometry)])
  const result = joinsGap(issue) ? union(pair) : difference(pair)
  return result ? { op: 'reshape', grid: grid.id, geometry: result.geometry } : null
}
