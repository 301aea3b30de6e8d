import type { Feature, Geometry } from 'geojson'
import * as flatbuffers from 'flatbuffers'
import { Column } from 'flatgeobuf/lib/mjs/flat-geobuf/column.js'
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js'
import { Crs } from 'flatgeobuf/lib/mjs/flat-geobuf/crs.js'
import { Header } from 'flatgeobuf/lib/mjs/flat-geobuf/header.js'
import { magicbytes } from 'flatgeobuf/lib/mjs/constants.js'
import { buildFeature } from 'flatgeobuf/lib/mjs/generic/feature.js'
import { inferGeometryType } from 'flatgeobuf/lib/mjs/generic/header.js'
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js'
import { parseGC, parseGeometry } from 'flatgeobuf/lib/mjs/geojson/geometry.js'
import type { ColumnMeta } from 'flatgeobuf/lib/mjs/column-meta.js'
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js'
import { badRequest } from '../../http/errors.js'
import { geometryTypesOf, refuseEmptyLayer, valueAs } from '../layer-fields.js'
import type { CrsEvidence, FieldInfo, FieldType, FormatReader, FormatWriter, IoFeature, PropertyValue } from '../types.js'

// FlatGeobuf through the flatgeobuf package. Reading: its deserializer, the CRS from the header
// (headerMetaFn runs before the first feature). Writing: its header and feature builders, with
// the columns from the layer's declared fields and our own header; the package's serialize()
// types the columns from the first feature's values (a null there breaks it), and its header
// names every layer "L1" and leaves the CRS organisation out.

const COLUMN_FIELD_TYPES: Partial<Record<ColumnType, FieldType>> = {
  [ColumnType.Bool]: 'boolean',
  [ColumnType.Byte]: 'integer',
  [ColumnType.UByte]: 'integer',
  [ColumnType.Short]: 'integer',
  [ColumnType.UShort]: 'integer',
  [ColumnType.Int]: 'integer',
  [ColumnType.UInt]: 'integer',
  [ColumnType.Long]: 'integer',
  [ColumnType.ULong]: 'integer',
  [ColumnType.Float]: 'number',
  [ColumnType.Double]: 'number',
  [ColumnType.String]: 'string',
  [ColumnType.Json]: 'string',
  [ColumnType.DateTime]: 'date',
}

function crsEvidence(header: HeaderMeta | null): CrsEvidence {
  const crs = header?.crs
  if (!crs) return { kind: 'none' }
  if (crs.code > 0 && (crs.org === null || crs.org.toUpperCase() === 'EPSG')) return { kind: 'epsg', code: crs.code }
  return crs.wkt ? { kind: 'wkt', wkt: crs.wkt } : { kind: 'none' }
}

export const readFlatGeobuf: FormatReader = async (files) => {
  const file = files[0]
  if (!file) throw badRequest('io_no_files')
  let header: HeaderMeta | null = null
  const features: IoFeature[] = []
  try {
    for await (const feature of deserialize(file.bytes, { headerMetaFn: (meta: HeaderMeta) => (header = meta) })) {
      features.push({
        geometry: (feature.geometry as Geometry | undefined) ?? null,
        properties: (feature.properties ?? {}) as Record<string, PropertyValue>,
      })
    }
  } catch (error) {
    throw badRequest('io_fgb_broken', { file: file.name, detail: (error as Error).message })
  }
  const meta = header as HeaderMeta | null
  const fields: FieldInfo[] = (meta?.columns ?? []).flatMap((column) => {
    const type = COLUMN_FIELD_TYPES[column.type]
    return type ? [{ name: column.name, type }] : []
  })
  for (const feature of features) {
    const properties: Record<string, PropertyValue> = {}
    for (const field of fields) {
      const value = feature.properties[field.name] as unknown
      properties[field.name] =
        value === undefined ? null : typeof value === 'object' && value !== null ? JSON.stringify(value) : (value as PropertyValue)
    }
    feature.properties = properties
  }
  const name = meta?.title || file.name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '')
  refuseEmptyLayer(file.name, name, features.length)
  return {
    format: 'fgb',
    layerNames: [name],
    layer: {
      name,
      geometryTypes: geometryTypesOf(features),
      fields,
      crs: crsEvidence(meta),
      encoding: { name: 'utf-8', source: 'format' },
      features,
      notes: [],
    },
  }
}

const INT32_MAX = 2 ** 31 - 1

function columnOf(field: FieldInfo, values: readonly PropertyValue[]): ColumnMeta {
  const fitsInt = values.every((value) => value === null || (typeof value === 'number' && Math.abs(value) <= INT32_MAX))
  const type =
    field.type === 'integer'
      ? fitsInt
        ? ColumnType.Int
        : ColumnType.Long
      : field.type === 'number'
        ? ColumnType.Double
        : field.type === 'boolean'
          ? ColumnType.Bool
          : ColumnType.String
  return {
    name: field.name,
    type,
    title: null,
    description: null,
    width: -1,
    precision: -1,
    scale: -1,
    nullable: true,
    unique: false,
    primary_key: false,
  }
}

/** The size-prefixed header table (no spatial index: GDAL and the package read the file in order). */
function headerBytes(name: string, header: HeaderMeta, epsg: number): Uint8Array {
  const builder = new flatbuffers.Builder()
  const columns = (header.columns ?? []).map((column) => {
    const columnName = builder.createString(column.name)
    Column.startColumn(builder)
    Column.addName(builder, columnName)
    Column.addType(builder, column.type)
    return Column.endColumn(builder)
  })
  const columnsVector = Header.createColumnsVector(builder, columns)
  const nameOffset = builder.createString(name)
  const organisation = builder.createString('EPSG')
  Crs.startCrs(builder)
  Crs.addOrg(builder, organisation)
  Crs.addCode(builder, epsg)
  const crs = Crs.endCrs(builder)
  Header.startHeader(builder)
  Header.addName(builder, nameOffset)
  Header.addCrs(builder, crs)
  Header.addFeaturesCount(builder, BigInt(header.featuresCount))
  Header.addGeometryType(builder, header.geometryType)
  Header.addIndexNodeSize(builder, 0)
  Header.addColumns(builder, columnsVector)
  builder.finishSizePrefixed(Header.endHeader(builder))
  return builder.asUint8Array()
}

export const writeFlatGeobuf: FormatWriter = async (layer, options) => {
  // A FlatGeobuf feature needs a geometry; records without one are left out of this format.
  const features: Feature[] = layer.features.flatMap((feature) =>
    feature.geometry
      ? [
          {
            type: 'Feature' as const,
            geometry: feature.geometry,
            properties: Object.fromEntries(layer.fields.map((field) => [field.name, valueAs(field.type, feature.properties[field.name])])),
          },
        ]
      : [],
  )
  const columns = layer.fields.map((field) =>
    columnOf(
      field,
      features.map((feature) => (feature.properties?.[field.name] ?? null) as PropertyValue),
    ),
  )
  const header: HeaderMeta = {
    geometryType: inferGeometryType(features),
    columns,
    envelope: null,
    featuresCount: features.length,
    indexNodeSize: 0,
    crs: null,
    title: null,
    description: null,
    metadata: null,
  }
  const parts = [magicbytes, headerBytes(layer.name, header, options.crs)]
  for (const feature of features) {
    const geometry = feature.geometry.type === 'GeometryCollection' ? parseGC(feature.geometry) : parseGeometry(feature.geometry)
    parts.push(buildFeature(geometry, feature.properties ?? {}, header))
  }
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  parts.reduce((offset, part) => {
    bytes.set(part, offset)
    return offset + part.length
  }, 0)
  return { name: `${layer.name}.fgb`, contentType: 'application/vnd.flatgeobuf', bytes }
}
