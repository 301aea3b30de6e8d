import { open, stat } from 'node:fs/promises'
import path from 'node:path'
import { PMTiles, type RangeResponse, type Source, TileType } from 'pmtiles'
import initSqlJs, { type Database as SqlDatabase } from 'sql.js'

// A local basemap file (GRIDWORK_BASEMAP): a PMTiles archive, served to the page as byte ranges of
// the file (the page's pmtiles Protocol reads it), or an MBTiles database, read here with sql.js and
// served by z/x/y. sql.js holds the whole database in memory, so an .mbtiles is limited to
// MBTILES_MAX_BYTES (docs/limits.md); convert a bigger one to .pmtiles.

export const MBTILES_MAX_BYTES = 512 * 1024 * 1024

export type BasemapFormat = 'pmtiles' | 'mbtiles'

export interface BasemapInfo {
  format: BasemapFormat
  /** raster: PNG/JPEG/WebP images; vector: Mapbox Vector Tiles. */
  tiles: 'raster' | 'vector'
  minzoom: number
  maxzoom: number
  bounds: [number, number, number, number] | null
  /** The vector layers' ids (vector tiles only), for a generic style. */
  vector_layers: string[]
}

export interface Basemap {
  info: BasemapInfo
  file: string
  /** MBTiles only: the tile bytes and their content type, or null when the file has none there. */
  tile(z: number, x: number, y: number): { data: Uint8Array; type: string; gzip: boolean } | null
  close(): void
}

export function basemapFormatOf(file: string): BasemapFormat | null {
  const extension = path.extname(file).toLowerCase()
  return extension === '.pmtiles' ? 'pmtiles' : extension === '.mbtiles' ? 'mbtiles' : null
}

/** Reads a PMTiles archive's header and metadata from the file through the pmtiles reader. */
class NodeFileSource implements Source {
  constructor(private readonly file: string) {}
  getKey = () => this.file
  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    const handle = await open(this.file, 'r')
    try {
      const buffer = Buffer.alloc(length)
      const { bytesRead } = await handle.read(buffer, 0, length, offset)
      const data = new ArrayBuffer(bytesRead)
      new Uint8Array(data).set(buffer.subarray(0, bytesRead))
      return { data }
    } finally {
      await handle.close()
    }
  }
}

function vectorLayerIds(json: unknown): string[] {
  const layers = (json as { vector_layers?: { id?: unknown }[] } | null)?.vector_layers
  return Array.isArray(layers) ? layers.flatMap((layer) => (typeof layer.id === 'string' ? [layer.id] : [])) : []
}

async function openPmtiles(file: string): Promise<Basemap> {
  const archive = new PMTiles(new NodeFileSource(file))
  const header = await archive.getHeader()
  const vector = header.tileType === TileType.Mvt
  return {
    file,
    info: {
      format: 'pmtiles',
      tiles: vector ? 'vector' : 'raster',
      minzoom: header.minZoom,
      maxzoom: header.maxZoom,
      bounds: [header.minLon, header.minLat, header.maxLon, header.maxLat],
      vector_layers: vector ? vectorLayerIds(await archive.getMetadata()) : [],
    },
    tile: () => null,
    close: () => {},
  }
}

/** The metadata's `json` row; a file without one, or with broken JSON, just has no layer list. */
function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? null : JSON.parse(text)
  } catch {
    return null
  }
}

const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp' }

async function openMbtiles(file: string): Promise<Basemap> {
  const size = (await stat(file)).size
  if (size > MBTILES_MAX_BYTES) {
    throw new Error(
      `${file} is ${Math.round(size / 2 ** 20)} MiB; .mbtiles basemaps are read into memory, up to ${MBTILES_MAX_BYTES / 2 ** 20} MiB: convert it to .pmtiles`,
    )
  }
  const SQL = await initSqlJs()
  const handle = await open(file, 'r')
  let db: SqlDatabase
  try {
    db = new SQL.Database(await handle.readFile())
  } finally {
    await handle.close()
  }
  const metadata = new Map<string, string>()
  for (const row of db.exec('SELECT name, value FROM metadata')[0]?.values ?? []) metadata.set(String(row[0]), String(row[1]))
  const format = metadata.get('format') ?? 'png'
  const vector = format === 'pbf' || format === 'mvt'
  const bounds = metadata.get('bounds')?.split(',').map(Number)
  const statement = db.prepare('SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?')
  const number = (name: string, fallback: number) => {
    const value = Number(metadata.get(name))
    return Number.isFinite(value) && metadata.has(name) ? value : fallback
  }
  return {
    file,
    info: {
      format: 'mbtiles',
      tiles: vector ? 'vector' : 'raster',
      minzoom: number('minzoom', 0),
      maxzoom: number('maxzoom', 22),
      bounds: bounds?.length === 4 && bounds.every(Number.isFinite) ? (bounds as [number, number, number, number]) : null,
      vector_layers: vector ? vectorLayerIds(parseJson(metadata.get('json'))) : [],
    },
    tile(z, x, y) {
      // MBTiles rows count from the south (TMS); the page asks in XYZ, rows from the north.
      statement.bind([z, x, 2 ** z - 1 - y])
      const found = statement.step() ? statement.get()[0] : null
      statement.reset()
      if (!(found instanceof Uint8Array)) return null
      const gzip = found[0] === 0x1f && found[1] === 0x8b
      return { data: found, type: vector ? 'application/x-protobuf' : (IMAGE_TYPES[format] ?? 'application/octet-stream'), gzip }
    },
    close() {
      statement.free()
      db.close()
    },
  }
}

export async function openBasemap(file: string): Promise<Basemap> {
  const format = basemapFormatOf(file)
  if (format === null) throw new Error(`${file}: a basemap is a .pmtiles or .mbtiles file`)
  return format === 'pmtiles' ? openPmtiles(file) : openMbtiles(file)
}
