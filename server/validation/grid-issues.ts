import type { Geometry } from 'geojson'
import type { DatabaseHandle } from '../db/connect.js'
import type { GridRow } from '../grids/grids.repository.js'
import type { Language } from '../i18n/index.js'
import type { ValidationIssue } from './report.schemas.js'
import { validate } from './validate.service.js'

// The issues of stored grids (rows of findGrids) validated together, as the web's validation tab
// sends them, each with the place it is about: what the export's issues layer and the OGC API's
// validation-issues collection show.

export interface PlacedIssue {
  issue: ValidationIssue
  /** The issue's own geometry (gap, overlap, fault point), else the first grid it names; null when neither. */
  place: Geometry | null
}

/** Validates `rows` with the region `parentCode` as parent (none: holes in their union are the gaps). */
export async function placedIssues(
  database: DatabaseHandle,
  rows: readonly GridRow[],
  parentCode: string | undefined,
  language: Language,
): Promise<PlacedIssue[]> {
  const features = rows.map(({ geometry, ...properties }) => ({ type: 'Feature', id: properties.code, geometry, properties }))
  const report = await validate(
    database,
    { features: { type: 'FeatureCollection', features }, parent: parentCode, crs: 'cgcs2000' },
    language,
  )
  const shapes = new Map(rows.map((row) => [row.code, row.geometry as Geometry]))
  return report.issues.map((issue) => ({
    issue,
    place: (issue.geometry as Geometry | undefined) ?? issue.feature_ids.map((id) => shapes.get(id)).find((shape) => shape) ?? null,
  }))
}
