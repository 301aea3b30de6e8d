import { GRID_KINDS } from '../grids/kinds.js'
import { LANGUAGES, translate } from '../i18n/index.js'
import type { FieldInfo, IoFeature, PropertyValue } from '../io/types.js'
import { type FieldMap, type ImportType, MAPPED_FIELDS } from './upload.schemas.js'

// Which column of a file holds each field gridwork knows (MAPPED_FIELDS), and the features'
// properties renamed and normalised by that map, ready for the import checks (geojson-import.ts).

/** Column names county offices use for each field, most specific first (compared without case or spaces). */
const COLUMN_NAMES: Record<string, readonly string[]> = {
  code: ['code', '网格编码', '网格代码', '统计用区划代码', '区划代码', '编码', '代码'],
  name: ['name', '网格名称', '区划名称', '名称', '名字'],
  households: ['households', '户数', '户', 'hh'],
  population: ['population', '人口', '人数', 'pop'],
  grid_head: ['grid_head', '网格长', '负责人'],
  kind: ['kind', '网格类型', '类型', 'type'],
  count_date: ['count_date', '统计日期', '日期', 'date'],
  urban_rural: ['urban_rural', '城乡分类代码', '城乡分类'],
  level: ['level', '级别', '层级'],
  address: ['address', '地址', '门牌', '门牌号', 'addr'],
  class: ['class', '道路等级', '等级'],
}

/** Kind labels a file may carry: the short Chinese ones and the labels gridwork's own export writes, in every language. */
const KIND_NAMES: Record<string, string> = {
  综合: 'comprehensive',
  专属: 'dedicated',
  微: 'micro',
  ...Object.fromEntries(
    LANGUAGES.flatMap((language) => GRID_KINDS.map((kind) => [translate(language, `coding.kind.${kind}`).toLowerCase(), kind])),
  ),
}

const normalise = (name: string) => name.replace(/\s+/g, '').toLowerCase()

/**
 * The field map to offer: the remembered one's columns that this file has, and for the other
 * fields the first column whose name is a known name of the field. A field remembered as null
 * (the person cleared it at the last commit) stays null, so it is not suggested again.
 */
export function suggestFieldMap(type: ImportType, fields: readonly FieldInfo[], remembered: FieldMap | null): FieldMap {
  const columns = fields.map((field) => field.name)
  const taken = new Set<string>()
  const map: FieldMap = {}
  for (const field of MAPPED_FIELDS[type]) {
    const column = remembered?.[field]
    if (column === null) map[field] = null
    else if (column !== undefined && columns.includes(column)) {
      map[field] = column
      taken.add(column)
    }
  }
  for (const field of MAPPED_FIELDS[type]) {
    if (map[field] !== undefined) continue
    for (const name of COLUMN_NAMES[field] ?? [field]) {
      const column = columns.find((candidate) => !taken.has(candidate) && normalise(candidate) === normalise(name))
      if (column !== undefined) {
        map[field] = column
        taken.add(column)
        break
      }
    }
  }
  return map
}

/** A value as the checks expect it: numeric text → number, Chinese grid kinds → their names, dates → YYYY-MM-DD. */
function normaliseValue(field: string, value: PropertyValue): PropertyValue {
  if (typeof value !== 'string') return field === 'code' && typeof value === 'number' ? String(value) : value
  const text = value.trim()
  if (text === '') return null
  if ((field === 'households' || field === 'population') && /^-?\d+(\.\d+)?$/.test(text)) return Number(text)
  if (field === 'kind') return KIND_NAMES[text.toLowerCase()] ?? text
  if (field === 'count_date') {
    const date = /^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?$/.exec(text)
    if (date) return `${date[1]}-${date[2]?.padStart(2, '0')}-${date[3]?.padStart(2, '0')}`
  }
  return text
}

/** The properties of a feature under gridwork's names: mapped fields renamed and normalised, other columns kept as they are. */
export function mapProperties(properties: Record<string, PropertyValue>, map: FieldMap): Record<string, PropertyValue> {
  const mappedColumns = new Set(Object.values(map))
  const result: Record<string, PropertyValue> = {}
  for (const [column, value] of Object.entries(properties)) if (!mappedColumns.has(column)) result[column] = value
  for (const [field, column] of Object.entries(map)) {
    const value = column === null ? undefined : properties[column]
    if (value !== undefined) result[field] = normaliseValue(field, value)
  }
  return result
}

/** The features as GeoJSON Features with mapped properties (what checkFeatures reads). */
export function mappedFeatures(features: readonly IoFeature[], map: FieldMap) {
  return features.map((feature) => ({
    type: 'Feature' as const,
    geometry: feature.geometry,
    properties: mapProperties(feature.properties, map),
  }))
}

/** The file's column behind a gridwork field (what a problem message names), else the field itself. */
export const columnOf = (map: FieldMap, field: string) => map[field] ?? field
