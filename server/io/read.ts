import type { Geometry, Position as GeoJsonPosition } from 'geojson'
import { badRequest } from '../http/errors.js'
import { type ResolvedCrs, resolveCrs } from './crs.js'
import { FORMATS } from './formats/index.js'
import type { FormatName, InputFile, IoFeature, RawDataset, ReadOptions } from './types.js'

// Reads an upload (files as given; zips expanded) into one layer in CGCS2000 lon/lat.

export interface DatasetOptions extends ReadOptions {
  /** The user's CRS choice ('EPSG:4527', 'gcj02', 'bd09'); required when the file names none. */
  crs?: string
}

export interface Dataset extends RawDataset {
  /** null: the file names no CRS the importer can use and none was chosen; features are then as in the file. */
  crs: ResolvedCrs | null
}

/** The format of an upload, from its files' extensions. */
export function formatOf(files: readonly InputFile[]): FormatName {
  const extensions = files.map((file) => file.name.toLowerCase().replace(/^.*(\.[^.]+)$/, '$1'))
  for (const [name, format] of Object.entries(FORMATS) as [FormatName, (typeof FORMATS)[FormatName]][]) {
    if (name === 'shp' ? extensions.includes('.shp') : extensions.some((extension) => format.extensions.includes(extension))) return name
  }
  throw badRequest('io_format_unknown', { file: files.map((file) => file.name).join(', ') })
}

export async function readDataset(files: readonly InputFile[], options: DatasetOptions = {}): Promise<Dataset> {
  const raw = await FORMATS[formatOf(files)].read(files, options)
  const crs = resolveCrs(raw.layer.crs, options.crs)
  if (crs === null) return { ...raw, crs }
  const features = raw.layer.features.map((feature): IoFeature => ({ ...feature, geometry: mapGeometry(feature.geometry, crs.toLonLat) }))
  return { ...raw, crs, layer: { ...raw.layer, features } }
}

/** The geometry with every position mapped (Z and M dropped). */
export function mapGeometry(geometry: Geometry | null, map: (position: readonly number[]) => [number, number]): Geometry | null {
  if (geometry === null) return null
  const positions = (value: unknown, depth: number): unknown =>
    depth === 0 ? map(value as GeoJsonPosition) : (value as unknown[]).map((inner) => positions(inner, depth - 1))
  switch (geometry.type) {
    case 'Point':
      return { type: 'Point', coordinates: map(geometry.coordinates) }
    case 'MultiPoint':
    case 'LineString':
      return { type: geometry.type, coordinates: positions(geometry.coordinates, 1) } as Geometry
    case 'MultiLineString':
    case 'Polygon':
      return { type: geometry.type, coordinates: positions(geometry.coordinates, 2) } as Geometry
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: positions(geometry.coordinates, 3) } as Geometry
    case 'GeometryCollection':
      return { type: 'GeometryCollection', geometries: geometry.geometries.map((inner) => mapGeometry(inner, map) as Geometry) }
  }
}
