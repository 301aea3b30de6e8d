import { sql } from 'kysely'
import type { DatabaseHandle } from '../../server/db/connect.js'
import { Random } from '../../server/demo/random.js'
import type { TileAddress } from '../../server/geo/web-mercator.js'
import { GridIndexBuilder } from '../../server/lookup/index/grid-index-builder.js'
import { gridTileFromIndex } from '../../server/tiles/index-tiles.js'
import { encodeTile, TILE_BUFFER, TILE_EXTENT } from '../../server/tiles/mvt.js'
import { TileCache } from '../../server/tiles/tile-cache.js'
import type { Entry } from './report.js'
import { generateCounty } from './voronoi-county.js'

// Tile figures: z12–z16 tiles over a synthetic county of 20,000 Voronoi grids (~80 vertices each),
// cut from the in-memory index and encoded (what /tiles/grids/{z}/{x}/{y}.mvt does for today's
// grids), first uncached, then from the tile cache. Baseline on PostgreSQL: ST_AsMVT over
// ST_AsMVTGeom for the same tiles from a table of the same grids with a GiST index (what Martin and
// pg_tileserv serve); PGlite cannot run ST_AsMVT, so there the baseline is skipped.

export const TILE_FIGURES = ['tiles.p95_ms', 'tiles.cached_p95_ms', 'tiles.vs_st_asmvt'] as const

const GRIDS = 20_000
const TILES_PER_ZOOM = 120

export interface TilesBenchOptions {
  wanted(name: string): boolean
  progress(message: string): void
  skipBaseline: boolean
}

const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.95))] as number
const round2 = (value: number) => Math.round(value * 100) / 100

/** Tiles z12–z16 meeting the box: all of a zoom, or a seeded sample of TILES_PER_ZOOM. */
function tilesOver([west, south, east, north]: [number, number, number, number]): TileAddress[] {
  const random = new Random('gridwork-bench-tiles')
  const tiles: TileAddress[] = []
  for (let z = 12; z <= 16; z++) {
    const n = 2 ** z
    const tx = (lon: number) => Math.floor(((lon + 180) / 360) * n)
    const ty = (lat: number) => Math.floor(((1 - Math.log(Math.tan((lat * Math.PI) / 180 / 2 + Math.PI / 4)) / Math.PI) / 2) * n)
    const all: TileAddress[] = []
    for (let x = tx(west); x <= tx(east); x++)
      for (let y = ty(north); y <= ty(south); y++) all.push({ z, x, y, extent: TILE_EXTENT, buffer: TILE_BUFFER })
    while (all.length > TILES_PER_ZOOM) all.splice(random.int(0, all.length - 1), 1)
    tiles.push(...all)
  }
  return tiles
}

export async function tilesBench(database: DatabaseHandle, options: TilesBenchOptions): Promise<Entry[]> {
  const { progress } = options
  progress(`tiles: generating a county of ${GRIDS.toLocaleString('en')} Voronoi grids…`)
  const county = generateCounty({ grids: GRIDS, widthKm: 45, heightKm: 40, seed: 'gridwork-bench-tiles' })
  const builder = new GridIndexBuilder({ vertices: county.stats.vertices + GRIDS, rings: GRIDS, parts: GRIDS })
  for (const feature of county.features.features) {
    const properties = feature.properties as { id: string; name: string; households: number }
    builder.addGrid({
      code: properties.id,
      name: properties.name,
      kind: 'comprehensive',
      region_code: '990101001001',
      households: properties.households,
      grid_head: null,
    })
    builder.beginPart()
    builder.addRing(feature.geometry.coordinates[0]?.flat() ?? [])
  }
  const index = builder.finish()
  const tiles = tilesOver(county.bbox)
  progress(`tiles: ${tiles.length} tiles z12–z16 over ${county.stats.vertices.toLocaleString('en')} vertices`)

  const render = (tile: TileAddress) => encodeTile('grids', gridTileFromIndex(index, '', tile))
  for (const tile of tiles.slice(0, 50)) render(tile) // warm-up
  const uncached: number[] = []
  let bytes = 0
  const cache = new TileCache(256 * 1024 * 1024)
  for (const tile of tiles) {
    const started = performance.now()
    const body = render(tile)
    uncached.push(performance.now() - started)
    bytes += body.byteLength
    cache.set(index, `${tile.z}/${tile.x}/${tile.y}`, Buffer.from(body))
  }
  const cached: number[] = []
  for (const tile of tiles) {
    const started = performance.now()
    if (!cache.get(index, `${tile.z}/${tile.x}/${tile.y}`)) throw new Error('tile cache lost a tile')
    cached.push(performance.now() - started)
  }
  const ours = uncached.reduce((a, b) => a + b, 0)
  const entries: Entry[] = [
    {
      name: 'tiles.p95_ms',
      value: round2(p95(uncached)),
      unit: 'ms',
      target: 10,
      tiles: tiles.length,
      mean_bytes: Math.round(bytes / tiles.length),
      per_zoom_p95_ms: Object.fromEntries([12, 13, 14, 15, 16].map((z) => [z, round2(p95(uncached.filter((_, i) => tiles[i]?.z === z)))])),
    },
    { name: 'tiles.cached_p95_ms', value: round2(p95(cached)), unit: 'ms', target: 1, tiles: tiles.length },
  ]
  if (options.skipBaseline || database.engine !== 'postgres') {
    progress(
      `tiles: ST_AsMVT baseline skipped (${options.skipBaseline ? '--skip-baseline' : 'PGlite cannot run ST_AsMVT: run with DATABASE_URL'})`,
    )
    return entries
  }
  progress('tiles: loading the same grids into PostgreSQL for ST_AsMVT…')
  const db = database.kysely
  await sql`DROP TABLE IF EXISTS bench_tile_grids`.execute(db)
  await sql`CREATE TABLE bench_tile_grids (code text, name text, kind text, region_code text, households int, geom geometry(Polygon, 4490))`.execute(
    db,
  )
  const features = county.features.features
  for (let at = 0; at < features.length; at += 2000) {
    const batch = features.slice(at, at + 2000).map((f) => ({ ...(f.properties as object), geometry: f.geometry }))
    await sql`INSERT INTO bench_tile_grids
      SELECT f->>'id', f->>'name', 'comprehensive', '990101001001', (f->>'households')::int, ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4490)
      FROM jsonb_array_elements(${JSON.stringify(batch)}::jsonb) AS f`.execute(db)
  }
  await sql`CREATE INDEX ON bench_tile_grids USING gist (geom)`.execute(db)
  await sql`ANALYZE bench_tile_grids`.execute(db)
  const asMvt = (tile: TileAddress) =>
    sql<{ tile: Buffer }>`
    WITH t AS (SELECT ST_TileEnvelope(${tile.z}::int, ${tile.x}::int, ${tile.y}::int) AS box),
    g AS (SELECT code, name, kind, region_code, households, ST_AsMVTGeom(ST_Transform(geom, 3857), t.box, ${TILE_EXTENT}, ${TILE_BUFFER}, true) AS geom
          FROM bench_tile_grids, t
          WHERE geom && ST_Transform(ST_TileEnvelope(${tile.z}::int, ${tile.x}::int, ${tile.y}::int, margin => ${TILE_BUFFER / TILE_EXTENT}::float8), 4490))
    SELECT ST_AsMVT(g, 'grids', ${TILE_EXTENT}, 'geom') AS tile FROM g`.execute(db)
  for (const tile of tiles.slice(0, 50)) await asMvt(tile) // warm-up
  const theirs: number[] = []
  for (const tile of tiles) {
    const started = performance.now()
    await asMvt(tile)
    theirs.push(performance.now() - started)
  }
  await sql`DROP TABLE bench_tile_grids`.execute(db)
  const total = theirs.reduce((a, b) => a + b, 0)
  entries.push({
    name: 'tiles.vs_st_asmvt',
    value: round2(total / ours),
    unit: '×',
    target: 3,
    baseline: { name: 'st_asmvt.p95_ms', value: round2(p95(theirs)) },
    ours_total_ms: Math.round(ours),
    st_asmvt_total_ms: Math.round(total),
  })
  return entries
}
