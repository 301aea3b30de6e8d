import type { Geometry } from 'geojson'
import initSqlJs, { type Database, type SqlValue } from 'sql.js'
import { badRequest } from '../../http/errors.js'
import { crsByCode, ogcWktOf } from '../crs.js'
import { chooseLayer, geometryTypesOf, refuseEmptyLayer } from '../layer-fields.js'
import type { CrsEvidence, FieldInfo, FieldType, FormatReader, FormatWriter, IoFeature, IoNote, PropertyValue } from '../types.js'
import { type Envelope, envelopeOf, readWkb, unionEnvelope, writeWkb } from '../wkb.js'
import { wkbEnvelope } from '../wkb-runs.js'

// GeoPackage (OGC 12-128r18, version 1.3, the newest GDAL 3.6 reads without a warning) through sql.js, SQLite compiled to WASM: no native
// build. Feature tables are the layers; a geometry is a GPKG blob: "GP", version, flags, srs_id,
// an optional envelope, then 2D WKB (server/io/wkb.ts).

let sqlJs: ReturnType<typeof initSqlJs> | undefined
const sqlite = () => {
  sqlJs ??= initSqlJs()
  return sqlJs
}

const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`

function rows(database: Database, sql: string, params: SqlValue[] = []): SqlValue[][] {
  const statement = database.prepare(sql, params)
  const result: SqlValue[][] = []
  while (statement.step()) result.push(statement.get())
  statement.free()
  return result
}

/** Bytes of the envelope by the flags' envelope indicator (§2.1.3.1.1): none, xy, xyz, xym, xyzm. */
const ENVELOPE_BYTES = [0, 32, 48, 48, 64]

/** The geometry of a GPKG blob; null when empty or not a GPKG blob. */
function blobGeometry(blob: Uint8Array): { geometry: Geometry | null; droppedZm: boolean } {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) return { geometry: null, droppedZm: false }
  const flags = blob[3] as number
  const empty = (flags & 0x10) !== 0
  const envelope = ENVELOPE_BYTES[(flags >> 1) & 0x07] ?? 0
  if (empty) return { geometry: null, droppedZm: false }
  return readWkb(blob, 8 + envelope)
}

function fieldType(declared: string): FieldType | null {
  const type = declared.toUpperCase()
  if (type === 'BLOB' || type.startsWith('BLOB(')) return null
  if (type === 'BOOLEAN') return 'boolean'
  if (/INT/.test(type)) return 'integer'
  if (/REAL|DOUBLE|FLOAT|NUMERIC/.test(type)) return 'number'
  if (type === 'DATE' || type === 'DATETIME') return 'date'
  return 'string'
}

function crsEvidence(database: Database, srsId: number): CrsEvidence {
  const [row] = rows(database, 'SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?', [
    srsId,
  ])
  if (!row || srsId <= 0) return { kind: 'none' }
  const [organization, code, definition] = row
  if (String(organization).toUpperCase() === 'EPSG' && typeof code === 'number' && code > 0) return { kind: 'epsg', code }
  return typeof definition === 'string' && definition !== 'undefined' ? { kind: 'wkt', wkt: definition } : { kind: 'none' }
}

function openGeoPackage(SQL: initSqlJs.SqlJsStatic, name: string, bytes: Uint8Array): { database: Database; layerNames: string[] } {
  const database = new SQL.Database(bytes)
  try {
    const layerNames = rows(database, "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY rowid").map((row) =>
      String(row[0]),
    )
    if (layerNames.length === 0) throw badRequest('io_gpkg_no_feature_layers', { file: name })
    return { database, layerNames }
  } catch (error) {
    database.close()
    const message = (error as Error).message
    if (/not a database/i.test(message)) throw badRequest('io_gpkg_not_sqlite', { file: name })
    if (/no such table/i.test(message)) throw badRequest('io_gpkg_no_feature_layers', { file: name })
    throw error
  }
}

export const readGeoPackage: FormatReader = async (files, options) => {
  const file = files[0]
  if (!file) throw badRequest('io_no_files')
  const { database, layerNames } = openGeoPackage(await sqlite(), file.name, file.bytes)
  try {
    const name = chooseLayer(file.name, layerNames, options.layer)
    const [geometryRow] = rows(database, 'SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?', [name])
    const geometryColumn = geometryRow ? String(geometryRow[0]) : null
    const columns = rows(database, `PRAGMA table_info(${quoted(name)})`).map(([, column, declared, , , primaryKey]) => ({
      name: String(column),
      type: fieldType(String(declared)),
      primaryKey: primaryKey !== 0,
    }))
    const attributes = columns.filter((column) => column.name !== geometryColumn && !column.primaryKey && column.type !== null)
    const fields: FieldInfo[] = attributes.map((column) => ({ name: column.name, type: column.type as FieldType }))
    const selected = [geometryColumn === null ? 'NULL' : quoted(geometryColumn), ...attributes.map((column) => quoted(column.name))]
    let droppedZm = 0
    const features = rows(database, `SELECT ${selected.join(', ')} FROM ${quoted(name)}`).map(([blob, ...values], index): IoFeature => {
      let read: ReturnType<typeof blobGeometry> = { geometry: null, droppedZm: false }
      try {
        if (blob instanceof Uint8Array) read = blobGeometry(blob)
      } catch (error) {
        // A truncated blob reads past its end (a RangeError) or names an unknown type.
        throw badRequest('io_gpkg_bad_geometry', { file: file.name, layer: name, fid: index + 1, detail: (error as Error).message })
      }
      if (read.droppedZm) droppedZm++
      const properties: Record<string, PropertyValue> = {}
      fields.forEach((field, index) => {
        const value = values[index] ?? null
        properties[field.name] = value instanceof Uint8Array ? null : field.type === 'boolean' && value !== null ? value === 1 : value
      })
      return { geometry: read.geometry, properties }
    })
    refuseEmptyLayer(file.name, name, features.length)
    const notes: IoNote[] = droppedZm > 0 ? [{ code: 'zm_dropped', params: { file: `${file.name} (${name})` } }] : []
    return {
      format: 'gpkg',
      layerNames,
      layer: {
        name,
        geometryTypes: geometryTypesOf(features),
        fields,
        crs: geometryRow ? crsEvidence(database, Number(geometryRow[1])) : { kind: 'none' },
        encoding: { name: 'utf-8', source: 'format' },
        features,
        notes,
      },
    }
  } finally {
    database.close()
  }
}

// The tables every GeoPackage has (OGC 12-128r18 Annex C, tables 1–3 and their rows).
const CORE_TABLES = `
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
`

const COLUMN_TYPES: Record<FieldType, string> = { string: 'TEXT', integer: 'INTEGER', number: 'REAL', date: 'DATE', boolean: 'BOOLEAN' }

/** A name not already taken by a field (a layer may well have a field called "geom"). */
const freeName = (wanted: string, fields: readonly FieldInfo[]) => {
  const taken = new Set(fields.map((field) => field.name.toLowerCase()))
  let name = wanted
  for (let suffix = 1; taken.has(name); suffix++) name = `${wanted}_${suffix}`
  return name
}

/**
 * A GPKG blob: little-endian header with an xy envelope, then the WKB (given, or written from the
 * GeoJSON). A given WKB is copied into `scratch` when it fits: sql.js copies a blob into its heap
 * when it is bound, so one buffer serves every row.
 */
function geometryBlob(geometry: Geometry | Uint8Array, envelope: Envelope | null, srsId: number, scratch: Uint8Array): Uint8Array {
  let blob: Uint8Array
  if (geometry instanceof Uint8Array) {
    blob = 40 + geometry.length <= scratch.length ? scratch.subarray(0, 40 + geometry.length) : new Uint8Array(40 + geometry.length)
    blob.set(geometry, 40)
  } else blob = writeWkb(geometry, 40)
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength)
  blob.set([0x47, 0x50, 0, 0b0000_0011])
  view.setInt32(4, srsId, true)
  const [minX, maxX, minY, maxY] = envelope ?? [0, 0, 0, 0]
  view.setFloat64(8, minX, true)
  view.setFloat64(16, maxX, true)
  view.setFloat64(24, minY, true)
  view.setFloat64(32, maxY, true)
  return blob
}

function cellOf(field: FieldInfo, value: PropertyValue | undefined): SqlValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'boolean') return value ? 1 : 0
  return field.type === 'string' || field.type === 'date' ? String(value) : value
}

export const writeGeoPackage: FormatWriter = async (layer, options) => {
  const SQL = await sqlite()
  const database = new SQL.Database()
  try {
    const srsId = options.crs
    const geometryColumn = freeName('geom', layer.fields)
    const fidColumn = freeName('fid', layer.fields)
    const types = geometryTypesOf(layer.features)
    const geometryTypeName = types.length === 1 ? (types[0] as string).toUpperCase() : 'GEOMETRY'
    // Large pages save ~10% of a big write (fewer page copies in sql.js) but bloat a small file 10×.
    const pageSize = layer.features.length > 10_000 ? 65536 : 4096
    database.exec(
      `PRAGMA page_size = ${pageSize}; PRAGMA journal_mode = OFF; PRAGMA application_id = ${0x47504b47}; PRAGMA user_version = 10300; ${CORE_TABLES}`,
    )
    if (srsId !== 4326) {
      database.run('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)', [
        crsByCode(`EPSG:${srsId}`).name,
        srsId,
        'EPSG',
        srsId,
        ogcWktOf(srsId),
        null,
      ])
    }
    database.run('INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, ?, ?, ?)', [
      layer.name,
      'features',
      layer.name,
      srsId,
    ])
    database.run('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)', [layer.name, geometryColumn, geometryTypeName, srsId])
    const columns = layer.fields.map((field) => `${quoted(field.name)} ${COLUMN_TYPES[field.type]}`)
    database.run(
      `CREATE TABLE ${quoted(layer.name)} (${quoted(fidColumn)} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, ${quoted(geometryColumn)} ${geometryTypeName}${columns.map((column) => `, ${column}`).join('')})`,
    )
    // One transaction and one prepared statement: 100,000 polygons in seconds (docs/data-io.md).
    database.run('BEGIN')
    const insert = database.prepare(
      `INSERT INTO ${quoted(layer.name)} (${[geometryColumn, ...layer.fields.map((field) => field.name)].map(quoted).join(', ')}) VALUES (${['?', ...layer.fields.map(() => '?')].join(', ')})`,
    )
    let bounds: Envelope | null = null
    const scratch = new Uint8Array(64 * 1024)
    for (const feature of layer.features) {
      const geometry = feature.wkb ?? feature.geometry
      const envelope = geometry === null ? null : geometry instanceof Uint8Array ? wkbEnvelope(geometry) : envelopeOf(geometry)
      bounds = unionEnvelope(bounds, envelope)
      const blob = geometry === null ? null : geometryBlob(geometry, envelope, srsId, scratch)
      insert.run([blob, ...layer.fields.map((field) => cellOf(field, feature.properties[field.name]))])
    }
    insert.free()
    if (bounds) {
      database.run('UPDATE gpkg_contents SET min_x = ?, max_x = ?, min_y = ?, max_y = ?', bounds)
    }
    database.run('COMMIT')
    return { name: `${layer.name}.gpkg`, contentType: 'application/geopackage+sqlite3', bytes: database.export() }
  } finally {
    database.close()
  }
}
