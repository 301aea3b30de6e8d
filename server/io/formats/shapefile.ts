import { badRequest } from '../../http/errors.js'
import { prjOf } from '../crs.js'
import { decodeText, encodeWith, shapefileEncoding } from '../encoding.js'
import { readDbfHeader, readDbfRecords, type WrittenField, writeDbf } from '../shapefile/dbf.js'
import { familyOf, readShp, type ShapeFamily, writeShp } from '../shapefile/shp.js'
import type { FormatReader, FormatWriter, InputFile, IoFeature, IoNote, OutputLayer } from '../types.js'
import { geometryTypeOf } from '../wkb-runs.js'
import { type ZipMember, zipMembers } from '../zip-write.js'

// ESRI Shapefile: the loose .shp/.shx/.dbf(/.prj/.cpg) set, or those inside a zip (expanded by
// server/io/read.ts). Several .shp in one upload are several layers, named by base name.
// Geometry and attributes go through our own codecs (server/io/shapefile/); text encoding is
// settled by server/io/encoding.ts (explicit → .cpg → DBF language driver → detection).

const extensionOf = (name: string) => /\.[^.]*$/.exec(name)?.[0].toLowerCase() ?? ''
const stemOf = (name: string) => name.replace(/\.[^.]*$/, '')

/** The files of an upload by layer (base name, case-insensitive) and extension. */
function layersOf(files: readonly InputFile[]): Map<string, { name: string; parts: Map<string, InputFile> }> {
  const layers = new Map<string, { name: string; parts: Map<string, InputFile> }>()
  for (const file of files) {
    const key = stemOf(file.name).toLowerCase()
    const layer = layers.get(key) ?? { name: stemOf(file.name), parts: new Map() }
    if (extensionOf(file.name) === '.shp') layer.name = stemOf(file.name)
    layer.parts.set(extensionOf(file.name), file)
    layers.set(key, layer)
  }
  return layers
}

export const readShapefile: FormatReader = async (files, options) => {
  const layers = layersOf(files)
  const withShp = [...layers.values()].filter((layer) => layer.parts.has('.shp'))
  if (withShp.length === 0) {
    const other = [...layers.values()].find((layer) => layer.parts.has('.dbf') || layer.parts.has('.shx'))
    throw badRequest('io_shp_missing_part', { file: other ? `${other.name}.shp` : files.map((file) => file.name).join(', '), part: '.shp' })
  }
  const layerNames = withShp.map((layer) => layer.name)
  const chosen =
    options.layer === undefined ? withShp[0] : withShp.find((layer) => layer.name.toLowerCase() === options.layer?.toLowerCase())
  if (chosen === undefined)
    throw badRequest('io_layer_not_found', {
      file: layerNames.map((name) => `${name}.shp`).join(', '),
      layer: String(options.layer),
      layers: layerNames.join(', '),
    })
  const part = (extension: string) => {
    const found = chosen.parts.get(extension)
    if (found === undefined) throw badRequest('io_shp_missing_part', { file: `${chosen.name}.shp`, part: extension })
    return found.bytes
  }
  const shpFile = `${chosen.name}.shp`
  const shp = readShp(part('.shp'), part('.shx'), shpFile)
  const dbf = part('.dbf')
  const header = readDbfHeader(dbf, `${chosen.name}.dbf`)
  if (header.recordCount !== shp.geometries.length) {
    throw badRequest('io_shp_count_mismatch', { file: shpFile, shapes: shp.geometries.length, records: header.recordCount })
  }
  const cpg = chosen.parts.get('.cpg')
  const encoding = shapefileEncoding({
    explicit: options.encoding,
    cpg: cpg && new TextDecoder('latin1').decode(cpg.bytes),
    languageDriver: header.languageDriver,
    sample: dbf.subarray(header.headerLength),
  })
  const table = readDbfRecords(dbf, header, encoding.name, `${chosen.name}.dbf`)
  const notes: IoNote[] = []
  if (encoding.cpgIgnored !== undefined)
    notes.push({ code: 'cpg_unknown', params: { file: `${chosen.name}.cpg`, cpg: encoding.cpgIgnored, encoding: encoding.name } })
  if (shp.hasZOrM) notes.push({ code: 'zm_dropped', params: { file: shpFile } })
  const features: IoFeature[] = []
  shp.geometries.forEach((geometry, i) => {
    const properties = table.rows[i]
    if (properties !== null && properties !== undefined) features.push({ geometry, properties })
  })
  const deleted = shp.geometries.length - features.length
  if (deleted > 0) notes.push({ code: 'deleted_records', params: { file: `${chosen.name}.dbf`, count: deleted } })
  const prj = chosen.parts.get('.prj')
  const wkt = prj === undefined ? '' : decodeText(prj.bytes).text.trim()
  return {
    format: 'shp',
    layerNames,
    layer: {
      name: chosen.name,
      geometryTypes: [...new Set(features.map((feature) => feature.geometry?.type).filter((type) => type !== undefined))],
      fields: table.fields,
      crs: wkt === '' ? { kind: 'none' } : { kind: 'wkt', wkt },
      encoding: { name: encoding.name, source: encoding.source },
      features,
      notes,
    },
  }
}

const FAMILY_SUFFIX: Record<ShapeFamily, string> = { point: 'point', line: 'line', polygon: 'polygon' }
const safeFileName = (name: string) => name.replace(/[\\/:*?"<>|\0]+/g, '_').trim() || 'layer'

/**
 * A zip of one shapefile per geometry family in the layer (one, usually; a layer mixing points
 * and polygons gives NAME_point.shp and NAME_polygon.shp), with .cpg, .prj and 字段说明.txt, the
 * map of each field to its ≤ 10-byte name in the file.
 */
export const writeShapefile: FormatWriter = async (layer, options) => {
  const encoding = options.encoding ?? 'gbk'
  const base = safeFileName(layer.name)
  const families = [...new Set(layer.features.map((feature) => familyOf(geometryTypeOf(feature))).filter((family) => family !== null))]
  const groups: [string, ShapeFamily, IoFeature[]][] =
    families.length <= 1
      ? [[base, families[0] ?? 'polygon', layer.features]]
      : // Features without geometry go with the first family's shapefile, as null shapes.
        families.map((family, i) => [
          `${base}_${FAMILY_SUFFIX[family]}`,
          family,
          layer.features.filter((feature) => {
            const own = familyOf(geometryTypeOf(feature))
            return own === family || (own === null && i === 0)
          }),
        ])
  const members: ZipMember[] = []
  let fieldMap: WrittenField[] = []
  for (const [name, family, features] of groups) {
    const { shp, shx } = writeShp(
      family,
      features.map((feature) => feature.wkb ?? feature.geometry),
    )
    const table = writeDbf(
      layer.fields,
      features.map((feature) => feature.properties),
      encoding,
      encoding === 'gbk' ? 0x4d : 0x00,
    )
    fieldMap = table.fields
    members.push(
      // Coordinates gain little from effort: level 1 packs a county's .shp in ~70% of level 6's CPU time.
      { name: `${name}.shp`, bytes: shp, level: 1 },
      { name: `${name}.shx`, bytes: shx, level: 6 },
      { name: `${name}.dbf`, bytes: table.dbf, level: 6 },
      { name: `${name}.prj`, bytes: new TextEncoder().encode(prjOf(options.crs)), level: 6 },
      { name: `${name}.cpg`, bytes: new TextEncoder().encode(encoding === 'gbk' ? 'GBK' : 'UTF-8'), level: 6 },
    )
  }
  const readme = fieldReadme(layer, fieldMap, encoding)
  members.push({ name: '字段说明.txt', bytes: encodeWith(readme, encoding), level: 6 })
  if (encoding !== 'utf-8') members.push({ name: '字段说明_UTF-8.txt', bytes: new TextEncoder().encode(readme), level: 6 })
  return { name: `${base}.zip`, contentType: 'application/zip', bytes: await zipMembers(members) }
}

/** The readme: each field's original name, its name in the .dbf and its type (Windows line ends: Notepad opens it). */
function fieldReadme(layer: OutputLayer, fields: readonly WrittenField[], encoding: string): string {
  const lines = [
    `图层 Layer: ${layer.name}`,
    `编码 Encoding: ${encoding === 'gbk' ? 'GBK' : 'UTF-8'}`,
    '',
    '原字段名 Original\t写入字段名 In .dbf\t类型 Type',
    ...fields.map(
      (field) => `${field.original}\t${field.written}\t${field.dbfType}(${field.length}${field.decimals > 0 ? `,${field.decimals}` : ''})`,
    ),
  ]
  return `${lines.join('\r\n')}\r\n`
}
