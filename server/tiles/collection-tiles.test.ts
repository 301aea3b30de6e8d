import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { VectorTile } from '@mapbox/vector-tile'
import { type RawBuilder, sql } from 'kysely'
import Pbf from 'pbf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemActor } from '../audit/audit.repository.js'
import { DEMO_ROADS_LAYER } from '../demo/reference-layers.js'
import { seedDemo } from '../demo/seed.js'
import { replaceReferenceLayer } from '../reference/reference.repository.js'
import { bearer, bytesOf, createTestApp, type TestApp } from '../testing/app.js'

// Vector tiles of the collections besides the grids — the regions of each level and the reference
// layers — over the demo county: what a tile holds against PostGIS, GDAL's MVT driver reading the
// roads, TileJSON and OGC API – Tiles per collection, the caching of a reference layer's tiles,
// and the refusals in zh-CN and en.

const exec = promisify(execFile)
let t: TestApp
let admin = ''
let roadsId = 0
const dir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-collection-tiles-'))
beforeAll(async () => {
  t = await createTestApp()
  await seedDemo(t.db)
  admin = await t.token('admin')
  const { rows } = await sql<{ id: number }>`SELECT id FROM reference_layers WHERE name = ${DEMO_ROADS_LAYER}`.execute(t.db)
  roadsId = Number(rows[0]?.id)
}, 240_000)
afterAll(async () => {
  await t?.close()
  rmSync(dir, { recursive: true, force: true })
})

const get = (url: string, token = admin, language = 'zh-CN') =>
  t.http().get(url).set(bearer(token)).set('Accept-Language', language).buffer(true).parse(bytesOf)
const decode = (bytes: Buffer) => new VectorTile(new Pbf(bytes))

/** The tile at zoom z holding a lon/lat point. */
function tileAt(lon: number, lat: number, z: number) {
  const n = 2 ** z
  const rad = (lat * Math.PI) / 180
  return { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n) }
}

/** The z-tile holding a point inside the first township of the demo county. */
async function townshipTile(z: number) {
  const { rows } = await sql<{ x: number; y: number }>`
    SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_PointOnSurface(boundary) AS p FROM regions WHERE level = 4 ORDER BY code LIMIT 1) AS r`.execute(
    t.db,
  )
  const { x, y } = rows[0] as { x: number; y: number }
  return tileAt(x, y, z)
}

/** What PostGIS says meets the buffered tile with more than its edge: areas of the regions, lines of the roads. */
async function meeting(
  table: 'regions' | 'reference_features',
  where: RawBuilder<unknown>,
  column: string,
  tile: { z: number; x: number; y: number },
) {
  const [geometry, pattern] = table === 'regions' ? ['boundary', '2********'] : ['geom', '1********']
  const { rows } = await sql<{ key: string }>`
    SELECT ${sql.ref(column)}::text AS key FROM ${sql.table(table)}
    WHERE ${where} AND ST_Relate(ST_Transform(${sql.ref(geometry)}, 3857),
      ST_TileEnvelope(${tile.z}::int, ${tile.x}::int, ${tile.y}::int, margin => ${64 / 4096}::float8), ${pattern})
    ORDER BY 1`.execute(t.db)
  return rows.map((row) => row.key)
}

const valuesOf = (layer: ReturnType<typeof decode>['layers'][string] | undefined, name: string) =>
  Array.from({ length: layer?.length ?? 0 }, (_, i) => String(layer?.feature(i).properties[name])).sort()

describe('vector tiles of the regions and the reference layers', () => {
  it('cuts the townships of a tile with their codes and names, as PostGIS says they meet it', async () => {
    const tile = await townshipTile(12)
    const response = await get(`/tiles/townships/${tile.z}/${tile.x}/${tile.y}.mvt`)
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toBe('application/vnd.mapbox-vector-tile')
    const layer = decode(response.body).layers.townships
    const codes = valuesOf(layer, 'code')
    expect(codes.length).toBeGreaterThan(0)
    expect(codes).toEqual(await meeting('regions', sql`level = 4`, 'code', tile))
    expect(layer?.feature(0).type).toBe(3)
    expect(String(layer?.feature(0).properties.name)).toMatch(/[镇乡街道]/)
  })

  it('cuts the roads as lines with their class and name, read alike by GDAL’s MVT driver', async () => {
    const tile = await townshipTile(13)
    const response = await get(`/tiles/reference-${roadsId}/${tile.z}/${tile.x}/${tile.y}.mvt`)
    const layer = decode(response.body).layers[`reference-${roadsId}`]
    const ids = valuesOf(layer, 'id')
    expect(ids.length).toBeGreaterThan(0)
    expect(ids).toEqual((await meeting('reference_features', sql`layer_id = ${roadsId}`, 'id', tile)).sort())
    expect(layer?.feature(0).type).toBe(2)
    expect(valuesOf(layer, 'class').some((value) => value !== 'undefined')).toBe(true)
    const folder = path.join(dir, String(tile.z), String(tile.x))
    mkdirSync(folder, { recursive: true })
    const file = path.join(folder, `${tile.y}.pbf`)
    writeFileSync(file, response.body)
    const { stdout } = await exec('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', file, `reference-${roadsId}`, '-oo', 'CLIP=NO'])
    const read = JSON.parse(stdout) as { features: { geometry: { type: string }; properties: { id: number } }[] }
    expect(read.features.map((f) => String(f.properties.id)).sort()).toEqual(ids)
    for (const feature of read.features) expect(['LineString', 'MultiLineString']).toContain(feature.geometry.type)
  })

  it('keeps a reference layer’s tiles (304 for their tag), and a re-import serves the new layer under its new id', async () => {
    const tile = await townshipTile(13)
    const url = `/tiles/reference-${roadsId}/${tile.z}/${tile.x}/${tile.y}.mvt`
    const first = await get(url)
    expect(
      (
        await t
          .http()
          .get(url)
          .set(bearer(admin))
          .set('If-None-Match', first.headers.etag as string)
      ).status,
    ).toBe(304)
    const { rows } = await sql<{ region_code: string }>`SELECT region_code FROM reference_layers WHERE id = ${roadsId}`.execute(t.db)
    const replaced = await replaceReferenceLayer(t.db, {
      region: rows[0]?.region_code as string,
      name: '临时道路',
      kind: 'road',
      features: [
        {
          geometry: {
            type: 'LineString',
            coordinates: [
              [0, 0],
              [0.001, 0.001],
            ],
          },
          name: '测试路',
          class: '村道',
          properties: {},
        },
      ],
      actor: systemActor('test'),
    })
    const other = await get(`/tiles/reference-${replaced.id}/15/${tileAt(0.0005, 0.0005, 15).x}/${tileAt(0.0005, 0.0005, 15).y}.mvt`)
    expect(valuesOf(decode(other.body).layers[`reference-${replaced.id}`], 'name')).toEqual(['测试路'])
    expect(Buffer.compare((await get(url)).body, first.body)).toBe(0)
  })

  it('leaves building footprints out of tiles below zoom 13 (TileJSON says so)', async () => {
    const { rows } = await sql<{ region_code: string }>`SELECT region_code FROM reference_layers WHERE id = ${roadsId}`.execute(t.db)
    const square = [
      [
        [120, 30],
        [120.0001, 30],
        [120.0001, 30.0001],
        [120, 30.0001],
        [120, 30],
      ],
    ]
    const footprints = await replaceReferenceLayer(t.db, {
      region: rows[0]?.region_code as string,
      name: '建筑轮廓',
      kind: 'building',
      features: [{ geometry: { type: 'Polygon', coordinates: square }, name: null, class: null, properties: {} }],
      actor: systemActor('test'),
    })
    const id = `reference-${footprints.id}`
    const json = (await t.http().get(`/tiles/${id}.json`).set(bearer(admin))).body
    expect(json).toMatchObject({
      minzoom: 13,
      vector_layers: [{ id, minzoom: 13, fields: { id: 'Number', name: 'String', class: 'String' } }],
    })
    expect(json.bounds[0]).toBeCloseTo(120, 6)
    const at = (z: number) => tileAt(120.00005, 30.00005, z)
    const low = await get(`/tiles/${id}/12/${at(12).x}/${at(12).y}.mvt`)
    expect(decode(low.body).layers[id]).toBeUndefined()
    const high = await get(`/tiles/${id}/16/${at(16).x}/${at(16).y}.mvt`)
    expect(decode(high.body).layers[id]?.feature(0).type).toBe(3)
  })

  it('offers each tiled collection through TileJSON and OGC API – Tiles, with the same tile', async () => {
    const json = (await t.http().get('/tiles/communities.json').set(bearer(admin))).body
    expect(json).toMatchObject({
      tilejson: '3.0.0',
      name: 'communities',
      vector_layers: [{ id: 'communities', fields: { code: 'String' } }],
    })
    const collection = (await t.http().get(`/ogc/collections/reference-${roadsId}`).set(bearer(admin))).body
    expect(collection.links.map((link: { rel: string }) => link.rel)).toContain('http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector')
    const tileset = (await t.http().get(`/ogc/collections/reference-${roadsId}/tiles/WebMercatorQuad`).set(bearer(admin))).body
    expect(tileset.title).toBe(DEMO_ROADS_LAYER)
    expect(tileset.layers[0].propertiesSchema.properties).toEqual({
      id: { type: 'integer' },
      name: { type: 'string' },
      class: { type: 'string' },
    })
    const tile = await townshipTile(13)
    const viaOgc = await get(`/ogc/collections/reference-${roadsId}/tiles/WebMercatorQuad/${tile.z}/${tile.y}/${tile.x}`)
    expect(Buffer.compare(viaOgc.body, (await get(`/tiles/reference-${roadsId}/${tile.z}/${tile.x}/${tile.y}.mvt`)).body)).toBe(0)
  })

  it('refuses what a tile of these collections cannot be, in zh-CN and en', async () => {
    const zhDay = await get('/tiles/townships/12/0/0.mvt?datetime=2026-01-01')
    expect(zhDay.status).toBe(400)
    expect(JSON.parse(zhDay.body.toString()).error.message).toBe('不支持参数 datetime：图层 townships 不随时间变化，其瓦片不接受参数')
    const enDay = await get('/tiles/townships/12/0/0.mvt?datetime=2026-01-01', admin, 'en')
    expect(JSON.parse(enDay.body.toString()).error.message).toBe(
      'Parameter datetime is not supported: townships does not change over time and its tiles take no parameters',
    )
    const unknown = await get('/tiles/nothing/1/0/0.mvt', admin, 'en')
    expect(unknown.status).toBe(404)
    expect(JSON.parse(unknown.body.toString()).error.message).toMatch(/^No tiles for nothing: tiles \(tile matrix set WebMercatorQuad\)/)
    const zh = await get('/tiles/nothing.json')
    expect(zh.status).toBe(404)
    expect(JSON.parse(zh.body.toString()).error.message).toMatch(/^图层 nothing 没有瓦片：/)
  })

  it('shows a township account none of another county’s reference layers', async () => {
    const { rows } = await sql<{ id: number }>`
      INSERT INTO reference_layers (region_code, name, kind, feature_count, created_by) VALUES ('110101', '别处道路', 'road', 0, 'test') RETURNING id`.execute(
      t.db,
    )
    const township = await t.token('township')
    const response = await get(`/tiles/reference-${rows[0]?.id}/1/0/0.mvt`, township)
    expect(response.status).toBe(404)
    expect((await get(`/tiles/reference-${roadsId}/1/0/0.mvt`, township)).status).toBe(200)
  })
})
