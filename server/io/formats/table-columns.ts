import type { Geometry } from 'geojson'
import { badRequest } from '../../http/errors.js'
import { envelopeOf } from '../wkb.js'
import { parseWkt, toWkt } from '../wkt.js'
import { geometryTypesOf, typeOfValue, typeOfValues, valueAs } from '../layer-fields.js'
import type { CrsEvidence, FieldInfo, FieldType, IoFeature, IoNote, OutputLayer, PropertyValue, ReadOptions } from '../types.js'

// Tables (CSV rows, XLSX sheets) as layers and back: the geometry columns found by name (or given
// by the user), the other columns as typed attributes. Code-like columns stay text: a 12-digit
// region code or a leading zero must survive (docs/data-io.md, "CSV and XLSX").

export type Cell = string | number | boolean | Date | null

const LON_NAMES = ['lon', 'lng', 'long', 'longitude', 'x', '经度', '东经']
const LAT_NAMES = ['lat', 'latitude', 'y', '纬度', '北纬']
const WKT_NAMES = ['wkt', 'geometry', 'geom', 'the_geom', '几何', 'shape']
const CODE_NAME = /编码|代码|编号|区划|code|^id$|_id$/i
const DIGITS = /^-?\d+$/
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i

export interface TableLayer {
  geometryTypes: string[]
  fields: FieldInfo[]
  crs: CrsEvidence
  features: IoFeature[]
  notes: IoNote[]
}

interface GeometryColumns {
  wkt?: number
  lon?: number
  lat?: number
}

function findColumns(file: string, header: readonly string[], given: ReadOptions['columns']): GeometryColumns {
  const normalised = header.map((name) => name.trim().toLowerCase())
  const byName = (names: readonly string[]) => {
    const index = normalised.findIndex((name) => names.includes(name))
    return index < 0 ? undefined : index
  }
  if (given && (given.wkt || given.lon || given.lat)) {
    // A lon without a lat (or the reverse) counts as a missing column, shown as "—".
    const wanted = given.wkt ? [given.wkt] : [given.lon ?? '—', given.lat ?? '—']
    const missing = wanted.filter((name) => !header.includes(name))
    if (missing.length > 0) {
      throw badRequest('io_csv_columns_missing', { file, columns: missing.join(', '), available: header.join(', ') })
    }
    return given.wkt ? { wkt: header.indexOf(given.wkt) } : { lon: header.indexOf(given.lon ?? ''), lat: header.indexOf(given.lat ?? '') }
  }
  const wkt = byName(WKT_NAMES)
  if (wkt !== undefined) return { wkt }
  const lon = byName(LON_NAMES)
  const lat = byName(LAT_NAMES)
  return lon !== undefined && lat !== undefined ? { lon, lat } : {}
}

const isBlank = (cell: Cell) => cell === null || (typeof cell === 'string' && cell.trim() === '')

/** A column's type from its cells: numbers only when no value looks like a code (leading zero, 10+ digits). */
function columnType(name: string, cells: readonly Cell[]): FieldType {
  const present = cells.filter((cell) => !isBlank(cell))
  if (CODE_NAME.test(name) && !present.every((cell) => typeof cell === 'boolean' || cell instanceof Date)) return 'string'
  return typeOfValues(present, (cell) => {
    const text = typeof cell === 'number' ? String(cell) : typeof cell === 'string' ? cell.trim() : null
    if (text === null || !DECIMAL.test(text)) return typeOfValue(typeof cell === 'string' ? cell.trim() : cell)
    if (/^-?0\d/.test(text) || text.replace(/^-/, '').replace(/\..*$/, '').length >= 10) return 'string'
    return DIGITS.test(text) ? 'integer' : 'number'
  })
}

function cellValue(type: FieldType, cell: Cell): PropertyValue {
  if (isBlank(cell)) return null
  if (cell instanceof Date) return type === 'date' ? cell.toISOString().replace(/T00:00:00\.000Z$/, '') : cell.toISOString()
  return valueAs(type, typeof cell === 'string' ? cell.trim() : cell)
}

/** Header names as field names: blanks become column_N, repeats get _2, _3… (a property per column). */
function fieldNames(header: readonly string[]): string[] {
  const seen = new Map<string, number>()
  return header.map((raw, index) => {
    const name = raw.trim() || `column_${index + 1}`
    const count = (seen.get(name) ?? 0) + 1
    seen.set(name, count)
    return count === 1 ? name : `${name}_${count}`
  })
}

/** The features of a table (`rows` without the header; the header is the file's row 1). */
export function tableToLayer(
  file: string,
  rawHeader: readonly string[],
  rows: readonly Cell[][],
  columns: ReadOptions['columns'],
): TableLayer {
  const header = fieldNames(rawHeader)
  const geometryColumns = findColumns(file, header, columns)
  const geometryIndexes = new Set(Object.values(geometryColumns))
  const attributes = header.map((name, index) => ({ name, index })).filter(({ index }) => !geometryIndexes.has(index))
  const types = attributes.map(({ name, index }) =>
    columnType(
      name,
      rows.map((row) => row[index] ?? null),
    ),
  )
  const bad = (row: number, column: number, value: Cell): never => {
    throw badRequest('io_csv_bad_geometry', { file, row: row + 2, column: header[column] ?? '', value: String(value ?? '') })
  }
  const geometryOf = (row: readonly Cell[], rowIndex: number): Geometry | null => {
    if (geometryColumns.wkt !== undefined) {
      const cell = row[geometryColumns.wkt] ?? null
      if (isBlank(cell)) return null
      try {
        return parseWkt(String(cell))
      } catch {
        return bad(rowIndex, geometryColumns.wkt, cell)
      }
    }
    if (geometryColumns.lon === undefined || geometryColumns.lat === undefined) return null
    const lon = row[geometryColumns.lon] ?? null
    const lat = row[geometryColumns.lat] ?? null
    if (isBlank(lon) && isBlank(lat)) return null
    const x = typeof lon === 'number' ? lon : Number(String(lon ?? '').trim())
    const y = typeof lat === 'number' ? lat : Number(String(lat ?? '').trim())
    if (isBlank(lon) || !Number.isFinite(x)) return bad(rowIndex, geometryColumns.lon, lon)
    if (isBlank(lat) || !Number.isFinite(y)) return bad(rowIndex, geometryColumns.lat, lat)
    return { type: 'Point', coordinates: [x, y] }
  }
  const features = rows.map((row, rowIndex): IoFeature => {
    const properties: Record<string, PropertyValue> = {}
    attributes.forEach(({ name, index }, at) => {
      properties[name] = cellValue(types[at] as FieldType, row[index] ?? null)
    })
    return { geometry: geometryOf(row, rowIndex), properties }
  })
  const fields = attributes.map(({ name }, at) => ({ name, type: types[at] as FieldType }))
  const withGeometry = features.filter((feature) => feature.geometry !== null).length
  const notes: IoNote[] =
    geometryIndexes.size > 0 && withGeometry < features.length
      ? [{ code: 'rows_without_geometry', params: { count: features.length - withGeometry } }]
      : []
  return { geometryTypes: geometryTypesOf(features), fields, crs: evidenceOf(features), features, notes }
}

/** Lon/lat when every position is within ±180/±90 (or there are none); otherwise the file does not say. */
function evidenceOf(features: readonly IoFeature[]): CrsEvidence {
  for (const feature of features) {
    const box = feature.geometry && envelopeOf(feature.geometry)
    if (box && (box[0] < -180 || box[1] > 180 || box[2] < -90 || box[3] > 90)) return { kind: 'none' }
  }
  return { kind: 'lonlat' }
}

/**
 * A layer as a table: points as two coordinate columns (lon/lat for EPSG:4490, else x/y), any
 * other geometry as a WKT column first (the column GDAL's CSV driver reads by itself); then the fields.
 */
export function layerToTable(layer: OutputLayer, crs: number): { header: string[]; types: FieldType[]; rows: Cell[][] } {
  const pointsOnly = layer.features.every((feature) => feature.geometry === null || feature.geometry.type === 'Point')
  const names = layer.fields.map((field) => field.name)
  const types = layer.fields.map((field) => field.type)
  const attributes = (feature: IoFeature) => layer.fields.map((field) => valueAs(field.type, feature.properties[field.name]))
  if (pointsOnly) {
    const [x, y] = crs === 4490 || crs === 4326 ? ['lon', 'lat'] : ['x', 'y']
    return {
      header: [x, y, ...names],
      types: ['number', 'number', ...types],
      rows: layer.features.map((feature) => {
        const position = feature.geometry?.type === 'Point' ? feature.geometry.coordinates : [null, null]
        return [position[0] ?? null, position[1] ?? null, ...attributes(feature)]
      }),
    }
  }
  return {
    header: ['WKT', ...names],
    types: ['string', ...types],
    rows: layer.features.map((feature) => [feature.geometry ? toWkt(feature.geometry) : null, ...attributes(feature)]),
  }
}
