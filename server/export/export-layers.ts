import type { DatabaseHandle } from '../db/connect.js'
import { findGrids, findGridsAsWkb, type GridRow } from '../grids/grids.repository.js'
import { type Language, translate } from '../i18n/index.js'
import { fieldsOfFeatures } from '../io/layer-fields.js'
import type { FieldInfo, IoFeature, OutputLayer, PropertyValue } from '../io/types.js'
import { readReferenceLayer } from '../reference/reference.repository.js'
import { AppError, notFound } from '../http/errors.js'
import { MAX_FEATURES } from '../http/limits.js'
import { codeOfPrefix, enclosingPrefixes } from '../regions/region-codes.js'
import { byTownship } from '../import/node-import.js'
import { wkbFeature } from '../io/wkb-runs.js'
import { placedIssues } from '../validation/grid-issues.js'

// The layers gridwork exports, as lon/lat features with their columns. Column names are Chinese
// in every format (a county's departments open the files in QGIS, ArcGIS and Excel), and each fits
// a shapefile's 10-byte field name in GBK (4 characters at most; docs/data-io.md lists them).

export interface ExportRegion {
  /** Significant prefix, e.g. 990101001. */
  prefix: string
  /** 12-digit code. */
  code: string
  name: string
  hasBoundary: boolean
}

const GRID_FIELDS = [
  { name: '网格编码', type: 'string' },
  { name: '网格名称', type: 'string' },
  { name: '网格类型', type: 'string' },
  { name: '户数', type: 'integer' },
  { name: '人口', type: 'integer' },
  { name: '网格长', type: 'string' },
  { name: '社区代码', type: 'string' },
  { name: '所属社区', type: 'string' },
  { name: '生效日期', type: 'date' },
] as const satisfies readonly FieldInfo[]

const ISSUE_FIELDS = [
  { name: '问题代码', type: 'string' },
  { name: '严重程度', type: 'string' },
  { name: '问题说明', type: 'string' },
  { name: '涉及网格', type: 'string' },
  { name: '面积', type: 'number' },
] as const satisfies readonly FieldInfo[]

const REFERENCE_FIELDS = [
  { name: '名称', type: 'string' },
  { name: '类别', type: 'string' },
] as const satisfies readonly FieldInfo[]
const REFERENCE_COLUMNS: ReadonlySet<string> = new Set(REFERENCE_FIELDS.map((field) => field.name))

/** A feature's own properties without those that would clash with the layer's fixed columns. */
function withoutColumns(properties: Record<string, PropertyValue>, columns: ReadonlySet<string>): Record<string, PropertyValue> {
  return Object.fromEntries(Object.entries(properties).filter(([key]) => !columns.has(key)))
}

/** The text of a grid's head (网格长) from its attributes, null when none is recorded. */
function gridHead(attributes: unknown): string | null {
  const value = (typeof attributes === 'string' ? JSON.parse(attributes) : attributes) as { grid_head?: unknown } | null
  return typeof value?.grid_head === 'string' && value.grid_head !== '' ? value.grid_head : null
}

async function regionNames(database: DatabaseHandle, prefix: string): Promise<Map<string, string>> {
  const rows = await database.kysely.selectFrom('regions').select(['code', 'name']).where('code', 'like', `${prefix}%`).execute()
  return new Map(rows.map((row) => [row.code, row.name]))
}

/** The grids in force on `asOf` (today when undefined), one feature each. */
export async function gridsLayer(
  database: DatabaseHandle,
  region: ExportRegion,
  asOf: string | undefined,
  language: Language,
): Promise<OutputLayer> {
  const [rows, names] = await Promise.all([
    findGridsAsWkb(database.kysely, { regionPrefix: region.prefix, asOf }),
    regionNames(database, region.prefix),
  ])
  // One translation per kind, not per grid: i18next's lookup costs ~10 µs (1 s for 100,000 grids).
  const kindLabels = new Map<string, string>()
  const kindLabel = (kind: string) => {
    const known = kindLabels.get(kind)
    if (known !== undefined) return known
    const label = translate(language, `coding.kind.${kind}`)
    kindLabels.set(kind, label)
    return label
  }
  const features: IoFeature[] = rows.map((row) =>
    wkbFeature(Buffer.from(row.wkb, 'hex'), {
      网格编码: row.code,
      网格名称: row.name,
      网格类型: kindLabel(row.kind),
      户数: row.households,
      人口: row.population,
      网格长: gridHead(row.attributes),
      社区代码: row.region_code,
      所属社区: names.get(row.region_code) ?? null,
      生效日期: row.valid_from,
    }),
  )
  return { name: `${region.name}-${translate(language, 'io.export.grids')}`, fields: [...GRID_FIELDS], features }
}

/** The region of a 2/4/6/9-digit prefix (the 12-digit code padded with zeros); a code not in the regions table is a 404. */
export async function findExportRegion(database: DatabaseHandle, prefix: string, given: string): Promise<ExportRegion> {
  const code = codeOfPrefix(prefix)
  const row = await database.kysely
    .selectFrom('regions')
    .select(['name', (eb) => eb('boundary', 'is not', null).as('has_boundary')])
    .where('code', '=', code)
    .executeTakeFirst()
  if (!row) throw notFound('region_not_found', { code: given })
  return { prefix, code, name: row.name, hasBoundary: Boolean(row.has_boundary) }
}

/**
 * The issues of grids validated together, with `region` as parent when it has a boundary: the
 * report the web's validation tab shows, one feature each where the issue is (placedIssues).
 */
async function issueFeatures(database: DatabaseHandle, region: ExportRegion, rows: readonly GridRow[], language: Language) {
  const placed = await placedIssues(database, rows, region.hasBoundary ? region.code : undefined, language)
  return placed.map(
    ({ issue, place }): IoFeature => ({
      geometry: place,
      properties: {
        问题代码: issue.code,
        严重程度: translate(language, `io.export.severity_${issue.severity}`),
        问题说明: issue.message,
        涉及网格: issue.feature_ids.join(','),
        面积: issue.area_m2 ?? null,
      },
    }),
  )
}

/**
 * The validation issues of the region's grids in force on `asOf`. A region of more grids than one
 * validation takes (`validationCap`, MAX_FEATURES) is validated township by township, each with its
 * own boundary as parent, and the issues follow in township order; issues between grids of two
 * townships are then not looked for. A township over the cap is refused as validation refuses it.
 */
export async function issuesLayer(
  database: DatabaseHandle,
  region: ExportRegion,
  asOf: string | undefined,
  language: Language,
  validationCap: number = MAX_FEATURES,
): Promise<OutputLayer> {
  const rows = await findGrids(database.kysely, { regionPrefix: region.prefix, asOf })
  const features: IoFeature[] = []
  if (rows.length <= validationCap) features.push(...(await issueFeatures(database, region, rows, language)))
  else {
    for (const [prefix, grids] of [...byTownship(rows)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (grids.length > validationCap) {
        throw new AppError(413, 'validation_too_many_features', { count: grids.length, limit: validationCap })
      }
      const township = await findExportRegion(database, prefix, prefix)
      features.push(...(await issueFeatures(database, township, grids, language)))
    }
  }
  return { name: `${region.name}-${translate(language, 'io.export.issues')}`, fields: [...ISSUE_FIELDS], features }
}

/** The layer of that name of the region, else of the nearest wider region it lies in (a county's roads serve its townships). */
async function findReferenceLayer(database: DatabaseHandle, region: ExportRegion, name: string) {
  for (const prefix of enclosingPrefixes(region.prefix).reverse()) {
    const layer = await readReferenceLayer(database.kysely, prefix, name)
    if (layer) return layer
  }
  return null
}

/** A stored reference layer (roads, water…), with each feature's own columns after name and class. */
export async function referenceLayer(database: DatabaseHandle, region: ExportRegion, name: string): Promise<OutputLayer> {
  const layer = await findReferenceLayer(database, region, name)
  if (!layer) throw notFound('export_reference_unknown', { region: `${region.name}（${region.code}）`, name })
  const features: IoFeature[] = layer.features.map((feature) => ({
    geometry: feature.geometry,
    properties: { 名称: feature.name, 类别: feature.class, ...withoutColumns(feature.properties, REFERENCE_COLUMNS) },
  }))
  const fields = [...REFERENCE_FIELDS, ...fieldsOfFeatures(features).filter((field) => !REFERENCE_COLUMNS.has(field.name))]
  return { name: `${region.name}-${layer.name}`, fields, features }
}
