import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { VectorTile } from '@mapbox/vector-tile'
import { sql } from 'kysely'
import Pbf from 'pbf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../demo/seed.js'
import { findGridTile } from '../grids/grids.repository.js'
import { gridTileFromIndex } from './index-tiles.js'
import { encodeTile, TILE_BUFFER, TILE_EXTENT, tileFeatureOf } from './mvt.js'
import { bearer, bytesOf, createTestApp, type TestApp } from '../testing/app.js'

// Vector tiles of the grids over the demo county: decoded by @mapbox/vector-tile and by GDAL's MVT
// driver, compared with the grids PostGIS says meet the tile, and on PostgreSQL with ST_AsMVT.

const exec = promisify(execFile)
let t: TestApp
let admin = ''
const dir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-tiles-'))
beforeAll(async () => {
  t = await createTestApp()
  await seedDemo(t.db)
  admin = await t.token('admin')
}, 240_000)
afterAll(async () => {
  await t?.close()
  rmSync(dir, { recursive: true, force: true })
})

const get = (url: string, language = 'zh-CN') =>
  t.http().get(url).set(bearer(admin)).set('Accept-Language', language).buffer(true).parse(bytesOf)

/** The z14 tile holding the first grid's first vertex. */
async function demoTile(z = 14) {
  const { rows } = await sql<{ x: number; y: number }>`
    SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1) AS p FROM grids
    WHERE valid_to IS NULL ORDER BY code LIMIT 1) AS g`.execute(t.db)
  const { x: lon, y: lat } = rows[0] as { x: number; y: number }
  const n = 2 ** z
  const x = Math.floor(((lon + 180) / 360) * n)
  const y = Math.floor(((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * n)
  return { z, x, y }
}

/** Codes of the grids in force whose inside meets the tile with its 64/4096 buffer (not only its edge), as PostGIS says. */
async function codesMeeting(z: number, x: number, y: number) {
  const { rows } = await sql<{ code: string }>`
    SELECT code FROM grids WHERE valid_to IS NULL
      AND ST_Relate(ST_Transform(geom, 3857), ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int, margin => ${64 / 4096}::float8), '2********')
    ORDER BY code`.execute(t.db)
  return rows.map((row) => row.code)
}

const decode = (bytes: Buffer) => new VectorTile(new Pbf(bytes))

describe('vector tiles of the grids', () => {
  it('describes them in TileJSON 3.0, the grid code among the fields', async () => {
    const response = await t.http().get('/tiles/grids.json').set(bearer(admin))
    expect(response.body).toMatchObject({ tilejson: '3.0.0', minzoom: 0, maxzoom: 22 })
    expect(response.body.tiles[0]).toMatch(/\/tiles\/grids\/\{z\}\/\{x\}\/\{y\}\.mvt$/)
    expect(response.body.vector_layers[0]).toMatchObject({ id: 'grids', fields: { code: 'String', households: 'Number' } })
  })

  it('holds in a z14 tile exactly the grids PostGIS says meet it, with their codes', async () => {
    const { z, x, y } = await demoTile()
    const response = await get(`/tiles/grids/${z}/${x}/${y}.mvt`)
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toBe('application/vnd.mapbox-vector-tile')
    const layer = decode(response.body).layers.grids
    const codes = Array.from({ length: layer?.length ?? 0 }, (_, i) => String(layer?.feature(i).properties.code)).sort()
    expect(codes.length).toBeGreaterThan(0)
    expect(codes).toEqual(await codesMeeting(z, x, y))
    // Exterior rings clockwise on screen (positive area in tile coordinates), as the specification asks.
    const feature = layer?.feature(0)
    const ring = feature?.loadGeometry()[0] ?? []
    let area2 = 0
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
      area2 += (ring[j]?.x ?? 0) * (ring[i]?.y ?? 0) - (ring[i]?.x ?? 0) * (ring[j]?.y ?? 0)
    expect(area2).toBeGreaterThan(0)
  })

  it('is read by GDAL’s MVT driver with the same grids', async () => {
    const { z, x, y } = await demoTile()
    const response = await get(`/tiles/grids/${z}/${x}/${y}.mvt`)
    const folder = path.join(dir, String(z), String(x))
    mkdirSync(folder, { recursive: true })
    const file = path.join(folder, `${y}.pbf`)
    writeFileSync(file, response.body)
    // CLIP=NO: GDAL would drop a grid that lies only in the tile's buffer.
    const { stdout } = await exec('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', file, 'grids', '-oo', 'CLIP=NO'])
    const read = JSON.parse(stdout) as { features: { properties: { code: string } }[] }
    expect(read.features.map((f) => f.properties.code).sort()).toEqual(await codesMeeting(z, x, y))
  })

  it.runIf(Boolean(process.env.DATABASE_URL))(
    'matches PostGIS ST_AsMVT on PostgreSQL: the same grids, boxes within 1 unit, areas within a rounding',
    async () => {
      // ST_AsMVTGeom also drops collinear points along the clip edge and starts rings elsewhere, and
      // its rounding can differ by one unit: the tiles agree in what a map draws, not byte for byte.
      const { z, x, y } = await demoTile()
      const ours = decode((await get(`/tiles/grids/${z}/${x}/${y}.mvt`)).body).layers.grids
      const { rows } = await sql<{ tile: Buffer }>`
      WITH t AS (SELECT ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int) AS box),
      g AS (SELECT code, ST_AsMVTGeom(ST_Transform(geom, 3857), t.box, 4096, 64, true) AS geom FROM grids, t
            WHERE valid_to IS NULL AND geom && ST_Transform(ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int, margin => ${64 / 4096}::float8), 4490))
      SELECT ST_AsMVT(g, 'grids', 4096, 'geom') AS tile FROM g`.execute(t.db)
      const theirs = decode(rows[0]?.tile as Buffer).layers.grids
      const summary = (layer: typeof ours) =>
        new Map(
          Array.from({ length: layer?.length ?? 0 }, (_, i) => {
            const feature = layer?.feature(i)
            const rings = feature?.loadGeometry() ?? []
            const points = rings.flat()
            let area2 = 0
            for (const ring of rings)
              for (let a = 0, b = ring.length - 1; a < ring.length; b = a++)
                area2 += (ring[b]?.x ?? 0) * (ring[a]?.y ?? 0) - (ring[a]?.x ?? 0) * (ring[b]?.y ?? 0)
            const xs = points.map((p) => p.x)
            const ys = points.map((p) => p.y)
            return [String(feature?.properties.code), { area2, box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] }]
          }),
        )
      const [mine, postgis] = [summary(ours), summary(theirs)]
      expect([...mine.keys()].sort()).toEqual([...postgis.keys()].sort())
      for (const [code, shape] of mine) {
        const other = postgis.get(code) as { area2: number; box: number[] }
        for (const [k, value] of shape.box.entries()) expect(Math.abs(value - (other.box[k] as number)), code).toBeLessThanOrEqual(1)
        // A rounding of one unit along the outline moves the area by at most about its perimeter.
        const [x0, y0, x1, y1] = other.box as [number, number, number, number]
        expect(Math.abs(shape.area2 - other.area2), code).toBeLessThanOrEqual(
          Math.max(0.01 * Math.abs(other.area2), 4 * (x1 - x0 + y1 - y0)),
        )
      }
    },
  )

  it('cuts from the in-memory index what PostGIS cuts, at zooms 10 to 16', async () => {
    // The index path (today's grids) and the PostGIS path (other days) must draw the same map.
    await t.app.gridIndex.settled()
    const loaded = t.app.gridIndex.current()
    expect(loaded?.index.size).toBeGreaterThan(0)
    const summary = (bytes: Uint8Array) => {
      const layer = decode(Buffer.from(bytes)).layers.grids
      return new Map(
        Array.from({ length: layer?.length ?? 0 }, (_, i) => {
          const feature = layer?.feature(i)
          const points = (feature?.loadGeometry() ?? []).flat()
          const xs = points.map((p) => p.x)
          const ys = points.map((p) => p.y)
          return [String(feature?.properties.code), [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]]
        }),
      )
    }
    let compared = 0
    for (const z of [10, 12, 14, 16]) {
      const centre = await demoTile(z)
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [-1, -1],
      ] as const) {
        const address = { z, x: centre.x + dx, y: centre.y + dy, extent: TILE_EXTENT, buffer: TILE_BUFFER }
        const ours = summary(encodeTile('grids', gridTileFromIndex(loaded?.index as never, '', address)))
        const rows = await findGridTile(t.db, '', address)
        const features = rows.map(({ geojson, ...properties }) => tileFeatureOf(JSON.parse(geojson), properties))
        const postgis = summary(
          encodeTile(
            'grids',
            features.filter((feature) => feature !== null),
          ),
        )
        expect([...ours.keys()].sort(), `${z}/${address.x}/${address.y}`).toEqual([...postgis.keys()].sort())
        for (const [code, box] of ours)
          for (const [k, value] of box.entries())
            expect(
              Math.abs(value - (postgis.get(code)?.[k] as number)),
              `${z}/${address.x}/${address.y} ${code} ${box} ${postgis.get(code)}`,
            ).toBeLessThanOrEqual(1)
        compared += ours.size
      }
    }
    expect(compared).toBeGreaterThan(20)
  })

  it('answers If-None-Match with 304, and gives a new tag once the grids in it change', async () => {
    const { z, x, y } = await demoTile()
    const url = `/tiles/grids/${z}/${x}/${y}.mvt`
    const first = await get(url)
    const tag = first.headers.etag as string
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{22}"$/)
    const again = await t.http().get(url).set(bearer(admin)).set('If-None-Match', tag)
    expect(again.status).toBe(304)
    // A grid of the tile renamed, as an approval would; the index follows and the tile with it.
    const code = String(decode(first.body).layers.grids?.feature(0).properties.code)
    await sql`UPDATE grids SET name = name || '（改）' WHERE code = ${code} AND valid_to IS NULL`.execute(t.db)
    await t.app.gridIndex.rebuild()
    const changed = await get(url)
    expect(changed.headers.etag).not.toBe(tag)
    const names = decode(changed.body).layers.grids
    const renamed = Array.from({ length: names?.length ?? 0 }, (_, i) => names?.feature(i).properties).find((p) => p?.code === code)
    expect(String(renamed?.name)).toMatch(/（改）$/)
    expect((await t.http().get(url).set(bearer(admin)).set('If-None-Match', tag)).status).toBe(200)
  })

  it('shows the grids of a past day with datetime, and refuses what is not a day, in zh-CN and en', async () => {
    const { z, x, y } = await demoTile()
    const before = await get(`/tiles/grids/${z}/${x}/${y}.mvt?datetime=2000-01-01`)
    expect(before.status).toBe(200)
    expect(decode(before.body).layers.grids).toBeUndefined()
    const { rows } = await sql<{ day: string }>`SELECT current_date::text AS day`.execute(t.db)
    const today = await get(`/tiles/grids/${z}/${x}/${y}.mvt?datetime=${rows[0]?.day}`)
    expect(decode(today.body).layers.grids?.length).toBeGreaterThan(0)
    const zh = await t.http().get(`/tiles/grids/${z}/${x}/${y}.mvt?datetime=2026-01-01/2026-02-01`).set(bearer(admin))
    expect(zh.status).toBe(400)
    expect(zh.body.error.message).toBe(
      '参数 datetime 无效：“2026-01-01/2026-02-01”：瓦片显示某一天的网格，应为日期（2026-06-30）或时刻（2026-06-30T00:00:00Z）',
    )
    const en = await t.http().get(`/tiles/grids/${z}/${x}/${y}.mvt?datetime=yesterday`).set(bearer(admin)).set('Accept-Language', 'en')
    expect(en.body.error.message).toBe(
      'Parameter datetime is invalid: "yesterday": a tile shows the grids of one day; expected a date (2026-06-30) or an instant (2026-06-30T00:00:00Z)',
    )
    const unknown = await t.http().get(`/tiles/grids/${z}/${x}/${y}.mvt?limit=5`).set(bearer(admin)).set('Accept-Language', 'en')
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.message).toBe('Parameter limit is not supported: tiles take only datetime')
  })

  it('shows a township account only its own grids', async () => {
    const { z, x, y } = await demoTile(12)
    const township = await t.token('township')
    const all = decode((await get(`/tiles/grids/${z}/${x}/${y}.mvt`)).body).layers.grids
    const own = decode((await t.http().get(`/tiles/grids/${z}/${x}/${y}.mvt`).set(bearer(township)).buffer(true).parse(bytesOf)).body)
      .layers.grids
    const regions = Array.from({ length: own?.length ?? 0 }, (_, i) => String(own?.feature(i).properties.region_code))
    expect(regions.length).toBeGreaterThan(0)
    expect(regions.length).toBeLessThan(all?.length ?? 0)
    expect(new Set(regions.map((code) => code.slice(0, 9))).size).toBe(1)
  })

  it('is found through OGC API – Tiles: conformance, the collection link, tileset, matrix set, the same tile', async () => {
    const conformance = (await t.http().get('/ogc/conformance').set(bearer(admin))).body.conformsTo as string[]
    expect(conformance).toEqual(expect.arrayContaining(['http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt']))
    const collection = (await t.http().get('/ogc/collections/grids').set(bearer(admin))).body
    const tilesLink = collection.links.find(
      (link: { rel: string }) => link.rel === 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector',
    )
    const path = (href: string) => new URL(href).pathname
    const list = (await t.http().get(path(tilesLink.href)).set(bearer(admin))).body
    const tileset = (await t.http().get(path(list.tilesets[0].links[0].href)).set(bearer(admin))).body
    expect(tileset).toMatchObject({
      dataType: 'vector',
      tileMatrixSetURI: 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad',
    })
    expect(tileset.layers[0].propertiesSchema.properties.code).toEqual({ type: 'string' })
    const scheme = tileset.links.find((link: { rel: string }) => link.rel === 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme')
    const tms = (await t.http().get(path(scheme.href)).set(bearer(admin))).body
    expect(tms.tileMatrices).toHaveLength(23)
    expect(tms.tileMatrices[14]).toMatchObject({ id: '14', matrixWidth: 16384, tileWidth: 256 })
    expect(tms.tileMatrices[0].scaleDenominator).toBeCloseTo(559082264.0287178, 3)
    const { z, x, y } = await demoTile()
    const template = tileset.links.find((link: { rel: string }) => link.rel === 'item').href as string
    const url = template.replace('{tileMatrix}', String(z)).replace('{tileRow}', String(y)).replace('{tileCol}', String(x))
    const viaOgc = await get(new URL(url).pathname)
    expect(viaOgc.headers['content-type']).toBe('application/vnd.mapbox-vector-tile')
    expect(Buffer.compare(viaOgc.body, (await get(`/tiles/grids/${z}/${x}/${y}.mvt`)).body)).toBe(0)
    const missing = await t.http().get('/ogc/collections/buildings/tiles').set(bearer(admin)).set('Accept-Language', 'en')
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({
      code: 'ogc_tiles_not_found',
      description:
        'No tiles for buildings: tiles (tile matrix set WebMercatorQuad) are served for the grids (grids), the regions of each level (provinces, cities, counties, townships, communities) and your region’s reference layers (reference-<number>), see /ogc/collections',
    })
    const zh = await t.http().get('/ogc/collections/grids/tiles/WebMercatorQuad/23/0/0').set(bearer(admin))
    expect(zh.status).toBe(404)
    expect(zh.body.description).toBe('没有瓦片 23/0/0：z 应为 0 至 22，x、y 应为 0 至 2^z − 1')
  })

  it('is a 404 out of the tile grid, in zh-CN and en', async () => {
    for (const url of ['/tiles/grids/23/0/0.mvt', '/tiles/grids/2/4/0.mvt', '/tiles/grids/a/0/0.mvt']) {
      const zh = await t.http().get(url).set(bearer(admin))
      expect(zh.status, url).toBe(404)
      expect(zh.body.error.code).toBe('tile_out_of_range')
    }
    const en = await t.http().get('/tiles/grids/2/4/0.mvt').set(bearer(admin)).set('Accept-Language', 'en')
    expect(en.body.error.message).toBe('No tile 2/4/0: z is 0 to 22, and x and y 0 to 2^z − 1')
    const zh = await t.http().get('/tiles/grids/2/4/0.mvt').set(bearer(admin))
    expect(zh.body.error.message).toBe('没有瓦片 2/4/0：z 应为 0 至 22，x、y 应为 0 至 2^z − 1')
  })
})
