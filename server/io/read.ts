import type { Geometry, Position as GeoJsonPosition } from 'geojson'
import { positionLists } from '../geo/positions.js'
import { badRequest } from '../http/errors.js'
import { type ResolvedCrs, resolveCrs } from './crs.js'
import { FORMATS } from './formats/index.js'
import type { FormatName, InputFile, IoNote, RawDataset, ReadOptions } from './types.js'
import { expandZip, isZip } from './zip.js'

// Reads an upload (files as given; zips expanded) into one layer in CGCS2000 lon/lat.

const extensionOf = (name: string) => /\.[^.]*$/.exec(name)?.[0].toLowerCase() ?? ''
const SHAPEFILE_PARTS = ['.shp', '.shx', '.dbf']

/**
 * The upload with its zips expanded, zips inside zips too: a file that starts like a zip (whatever
 * its name) is expanded unless its extension names a format that is a zip itself (.xlsx, .kmz:
 * their readers open them).
 */
export function expandUpload(files: readonly InputFile[]): InputFile[] {
  const zipFormats = new Set(Object.values(FORMATS).flatMap((format) => format.extensions))
  const keepZipped = (file: InputFile) => zipFormats.has(extensionOf(file.name))
  return files.flatMap((file) => (isZip(file) && !keepZipped(file) ? expandZip(file, { keepZipped }) : [file]))
}

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
  const extensions = files.map((file) => extensionOf(file.name))
  for (const [name, format] of Object.entries(FORMATS) as [FormatName, (typeof FORMATS)[FormatName]][]) {
    // A shapefile is named by its main parts (its reader says which one is missing); a lone .prj or .cpg is not one.
    const parts = name === 'shp' ? SHAPEFILE_PARTS : format.extensions
    if (extensions.some((extension) => parts.includes(extension))) return name
  }
  throw badRequest('io_format_unknown', { file: files.map((file) => file.name).join(', ') })
}

export async function readDataset(files: readonly InputFile[], options: DatasetOptions = {}): Promise<Dataset> {
  const expanded = expandUpload(files)
  if (expanded.length === 0) throw badRequest('io_no_files')
  const raw = await FORMATS[formatOf(expanded)].read(expanded, options)
  const notes = raw.layer.notes.some((note) => note.code === 'zm_dropped') ? raw.layer.notes : [...raw.layer.notes, ...zmNote(raw)]
  const crs = resolveCrs(raw.layer.crs, options.crs)
  if (crs === null) return { ...raw, crs, layer: { ...raw.layer, notes } }
  // The reader's positions are fresh arrays owned by this call: reprojected in place (a county's
  // 4 million positions are not copied again).
  if (crs.code !== 'EPSG:4490' && crs.code !== 'EPSG:4326')
    for (const feature of raw.layer.features) projectInPlace(feature.geometry, crs.toLonLat)
  else for (const feature of raw.layer.features) projectInPlace(feature.geometry, null)
  return { ...raw, crs, layer: { ...raw.layer, notes } }
}

/** Maps every position of `geometry` in place and drops Z/M (`map` null: only drops them). */
function projectInPlace(geometry: Geometry | null, map: ((position: readonly number[]) => [number, number]) | null) {
  for (const list of positionLists(geometry))
    for (const position of list) {
      if (!Array.isArray(position)) continue
      if (map !== null) {
        const [x, y] = map(position)
        position[0] = x
        position[1] = y
      }
      if (position.length > 2) position.length = 2
    }
}

/** A note when any geometry has a third (Z or M) value: gridwork keeps x and y only. */
function zmNote(raw: RawDataset): IoNote[] {
  const hasThird = raw.layer.features.some((feature) => (positionLists(feature.geometry)[0]?.[0]?.length ?? 0) > 2)
  return hasThird ? [{ code: 'zm_dropped', params: { file: raw.layer.name } }] : []
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
