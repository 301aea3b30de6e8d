import type { Geometry } from 'geojson'
import type { MessageParams } from '../i18n/index.js'
import type { FormatName } from './formats.schemas.js'

export type { FormatName }

// The shapes every file format reads into and writes from (server/io/formats/*). A reader turns
// the bytes of one upload (a file, or the members of a zip) into layers in the file's own
// coordinates; server/io/read.ts then picks the layer, settles the CRS and encoding and
// reprojects to CGCS2000 lon/lat (SRID 4490), which is the only thing gridwork stores.
// A writer gets lon/lat features and the target CRS and returns the files to send.

/** One file of an upload, by its name as the user gave it (zip members are expanded into these). */
export interface InputFile {
  name: string
  bytes: Uint8Array
}

export type FieldType = 'string' | 'integer' | 'number' | 'date' | 'boolean'

export interface FieldInfo {
  /** The field's name as decoded (Chinese names intact). */
  name: string
  type: FieldType
}

export type PropertyValue = string | number | boolean | null

export interface IoFeature {
  /** GeoJSON geometry; null for a record with no shape (reported, never stored). */
  geometry: Geometry | null
  properties: Record<string, PropertyValue>
  /**
   * The same geometry as little-endian 2D WKB, on features an export read from the database
   * (server/io/wkb-runs.ts): the shapefile and GeoPackage writers write from these bytes.
   */
  wkb?: Uint8Array
}

/** What a file says about its coordinates, before anyone decides (server/io/crs.ts decides). */
export type CrsEvidence =
  | { kind: 'epsg'; code: number }
  /** A .prj or GPKG definition that names no EPSG code. */
  | { kind: 'wkt'; wkt: string }
  /** Formats that are lon/lat WGS84 by definition (KML, GeoJSON without crs member, CSV lon/lat). */
  | { kind: 'lonlat' }
  | { kind: 'none' }

/** How the text of a layer was decoded, and why (the preview shows it so a person can check). */
export interface EncodingInfo {
  name: string
  source: 'cpg' | 'ldid' | 'explicit' | 'detected' | 'format'
}

/** Something the reader changed or dropped, shown in the preview (never an error). */
export interface IoNote {
  code: string
  params: MessageParams
}

export interface RawLayer {
  name: string
  /** The geometry type(s) found, GeoJSON names ('Polygon', 'MultiPolygon', 'LineString', 'Point'…). */
  geometryTypes: string[]
  fields: FieldInfo[]
  crs: CrsEvidence
  encoding: EncodingInfo | null
  features: IoFeature[]
  notes: IoNote[]
}

export interface ReadOptions {
  /** The layer to read when the file has several (GeoPackage, KML folders, XLSX sheets). */
  layer?: string
  /** An explicit text encoding ('gbk', 'utf-8', 'gb18030'…), overriding .cpg and detection. */
  encoding?: string
  /** CSV/XLSX: the columns that hold the geometry (found by name when omitted). */
  columns?: { lon?: string; lat?: string; wkt?: string }
}

/** A format's reader: all layers' names, and the chosen (or only) layer read in full. */
export interface RawDataset {
  format: FormatName
  layerNames: string[]
  layer: RawLayer
}

export type FormatReader = (files: readonly InputFile[], options: ReadOptions) => Promise<RawDataset>

/** A layer to write: features in CGCS2000 lon/lat; the writer reprojects to `crs`. */
export interface OutputLayer {
  name: string
  fields: FieldInfo[]
  features: IoFeature[]
}

export interface WriteOptions {
  /** EPSG code of the coordinates to write (4490 or a CGCS2000 Gauss-Krüger zone 4491–4554). */
  crs: number
  /** Shapefile/CSV text encoding: 'gbk' (default for shp, what Chinese desktop GIS expects) or 'utf-8'. */
  encoding?: 'gbk' | 'utf-8'
}

export interface OutputFile {
  /** File name to offer (a .zip for shapefiles). */
  name: string
  contentType: string
  bytes: Uint8Array
}

/** A format's writer: coordinates already in `options.crs` (server/io/write.ts reprojects). */
export type FormatWriter = (layer: OutputLayer, options: WriteOptions) => Promise<OutputFile>
