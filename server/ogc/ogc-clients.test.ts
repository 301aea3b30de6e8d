import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { FeatureCollection } from 'geojson'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../demo/seed.js'
import { createTestApp, type TestApp } from '../testing/app.js'

// Real clients of the standard against a listening server over the demo county: GDAL's OAPIF
// driver (ogrinfo, ogr2ogr) and OWSLib (Debian's python3-owslib, under /usr/bin/python3). They
// run as child processes, asynchronously: the server answers them from this same process.

const exec = promisify(execFile)
let t: TestApp
let root = ''
let token = ''

beforeAll(async () => {
  t = await createTestApp()
  await seedDemo(t.db)
  token = await t.token('admin')
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  root = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}/ogc`
}, 240_000)
afterAll(async () => t?.close())

/** A GDAL command with the token (or another header) sent on every request (GDAL_HTTP_HEADERS) and, when asked, its debug log. */
const gdal = async (command: 'ogrinfo' | 'ogr2ogr', args: string[], debug = false, header = `Authorization: Bearer ${token}`) => {
  const env = { ...process.env, GDAL_HTTP_HEADERS: header, CPL_DEBUG: debug ? 'ON' : 'OFF' }
  return exec(command, args, { env, maxBuffer: 256 * 1024 * 1024 })
}

/** The query parameters of each items request in GDAL's debug log (CPL_DEBUG=ON): `HTTP: Fetch(<url>)`. */
const itemRequests = (stderr: string) =>
  [...stderr.matchAll(/^HTTP: Fetch\(\S+\/ogc\/collections\/grids\/items\?(\S+)\)$/gm)].map((match) => new URLSearchParams(match[1]))

const IN_FORCE = 'valid_from <= current_date AND (valid_to IS NULL OR valid_to > current_date)'

const inForce = async () => {
  const { rows } = await sql<{ code: string; geometry: string }>`
    SELECT code, ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 15, 0) AS geometry FROM grids
    WHERE valid_to IS NULL AND valid_from <= current_date ORDER BY code`.execute(t.db)
  return rows
}

describe("GDAL's OAPIF driver", () => {
  it('lists the collections with their titles', async () => {
    const { stdout } = await gdal('ogrinfo', ['-ro', '-q', `OAPIF:${root}`])
    expect(stdout).toContain('1: grids (title: 网格（现行；datetime 查看某日或某段时间的网格）) (Multi Polygon)')
    expect(stdout).toContain('5: townships (title: 乡镇（街道）) (Multi Polygon)')
  })

  it('lists the buildings, addresses and validation issues', async () => {
    const { stdout } = await gdal('ogrinfo', ['-ro', '-q', `OAPIF:${root}`])
    expect(stdout).toContain('7: buildings (title: 楼栋点位（户数、地址）) (Point)')
    expect(stdout).toContain('8: addresses (title: 标准地址点位) (Point)')
    expect(stdout).toContain('9: validation-issues (title: 现行网格的检查问题（缺口、重叠、户数等）)')
  })

  it('reports the buildings the caller may see: the database’s count for a township account and a department key', async () => {
    const count = async (prefix: string) =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM buildings WHERE region_code LIKE ${`${prefix}%`}`.execute(t.db)).rows[0]?.n
    const township = await t.token('township')
    const own = await gdal('ogrinfo', ['-ro', '-so', `OAPIF:${root}`, 'buildings'], false, `Authorization: Bearer ${township}`)
    expect(own.stdout).toContain(`Feature Count: ${await count('990101001')}`)
    const issued = await t
      .http()
      .post('/api/v1/api-keys')
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'GDAL', department: '县民政局', region_prefix: '990101002000' })
    const keyed = await gdal('ogrinfo', ['-ro', '-so', `OAPIF:${root}`, 'buildings'], false, `X-API-Key: ${issued.body.key}`)
    expect(keyed.stdout).toContain(`Feature Count: ${await count('990101002')}`)
    expect(keyed.stdout).toMatch(/address: String/)
  })

  it('reports a feature count equal to the grids in force', async () => {
    const { stdout } = await gdal('ogrinfo', ['-ro', '-so', `OAPIF:${root}`, 'grids'])
    expect(stdout).toContain(`Feature Count: ${(await inForce()).length}`)
  })

  it('copies every grid with ogr2ogr, 50 a page, with identical geometry', async () => {
    const { stdout } = await gdal('ogr2ogr', [
      '-f',
      'GeoJSON',
      '-lco',
      'COORDINATE_PRECISION=15',
      '/vsistdout/',
      `OAPIF:${root}`,
      'grids',
      '-oo',
      'PAGE_SIZE=50',
    ])
    const copied = JSON.parse(stdout) as FeatureCollection
    const expected = await inForce()
    expect(copied.features.map((f) => f.properties?.code)).toEqual(expected.map((row) => row.code))
    // GDAL reads every polygon as a MultiPolygon (the layer's type); the coordinates are the same numbers.
    const rings = (geometry: { type: string; coordinates: unknown }) =>
      geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
    copied.features.forEach((feature, i) => {
      expect(rings(feature.geometry as never), feature.properties?.code).toEqual(rings(JSON.parse(expected[i]?.geometry as string)))
    })
  })

  it('sends an equality -where to the server (as CQL2, since the API offers it), not filtering on its side', async () => {
    const where = "region_code = '990101001001'"
    const { stdout, stderr } = await gdal('ogrinfo', ['-ro', '-q', `OAPIF:${root}`, 'grids', '-where', where], true)
    expect(itemRequests(stderr).map((params) => params.get('filter'))).toContain(where)
    expect(stderr).not.toContain('Full filter will be evaluated on client side')
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM grids WHERE valid_to IS NULL AND region_code = '990101001001'`.execute(t.db)
    expect(stdout.match(/^OGRFeature\(grids\)/gm)?.length).toBe(rows[0]?.n)
  })
})

describe("GDAL's OAPIF driver and CQL2 filters (Part 3)", () => {
  it('sends a -where of comparisons, LIKE, IS NULL and dates to the server as a CQL2 filter, not filtering on its side', async () => {
    // GDAL looks for `cql-text` among filter-lang's values in /ogc/api (not for the conformance
    // classes), and names only properties that are query parameters there.
    const where = "households > 300 AND region_code LIKE '990101001%' AND NOT (grid_head IS NULL) AND valid_from >= '2026-01-01'"
    const { stdout, stderr } = await gdal('ogrinfo', ['-ro', '-q', `OAPIF:${root}`, 'grids', '-where', where], true)
    expect(stderr).toContain('CQL text detected')
    const sent = itemRequests(stderr)
    const filters = sent.map((params) => params.get('filter')).filter((filter) => filter !== null)
    expect(filters.length, stderr).toBeGreaterThan(0)
    expect(filters[0]).toBe(
      "((households > 300) AND (region_code LIKE '990101001%')) AND ((NOT ((grid_head IS NULL))) AND (valid_from >= '2026-01-01T'))",
    )
    expect(sent.find((params) => params.has('filter'))?.get('filter-lang')).toBe('cql-text')
    expect(stderr).not.toContain('evaluated on client side')
    expect(stderr).not.toContain('Only part of the filter')
    const { rows } = await sql<{ code: string }>`
      SELECT code FROM grids WHERE ${sql.raw(IN_FORCE)} AND households > 300 AND region_code LIKE '990101001%'
        AND attributes->>'grid_head' IS NOT NULL AND valid_from >= '2026-01-01' ORDER BY code`.execute(t.db)
    expect(rows.length).toBeGreaterThan(0)
    expect([...stdout.matchAll(/^ {2}code \(String\) = (\S+)$/gm)].map((match) => match[1])).toEqual(rows.map((row) => row.code))
  })

  it('copies the grids an OR filter selects with ogr2ogr, paging with the filter kept', async () => {
    const where = "households < 250 OR name = '明珠社区第一网格'"
    const { stdout, stderr } = await gdal(
      'ogr2ogr',
      ['-f', 'GeoJSON', '/vsistdout/', `OAPIF:${root}`, 'grids', '-where', where, '-oo', 'PAGE_SIZE=5'],
      true,
    )
    const pages = itemRequests(stderr)
    expect(pages.filter((params) => params.get('filter') === "(households < 250) OR (name = '明珠社区第一网格')").length).toBeGreaterThan(1)
    const { rows } = await sql<{ code: string }>`
      SELECT code FROM grids WHERE ${sql.raw(IN_FORCE)} AND (households < 250 OR name = '明珠社区第一网格') ORDER BY code`.execute(t.db)
    expect((JSON.parse(stdout) as FeatureCollection).features.map((f) => f.properties?.code)).toEqual(rows.map((row) => row.code))
  })
})

describe('GDAL 3.6 and coordinate systems (Part 2)', () => {
  it('reads every grid in a Gauss-Krüger zone asked with crs=, within 1 mm of PostGIS ST_Transform', async () => {
    // Debian 12's GDAL 3.6 has no CRS open option (3.7 has); a query parameter on the URL is sent
    // with every request. GDAL takes the numbers as they come: northing, easting (EPSG's order).
    const url = `OAPIF:${root}?crs=http://www.opengis.net/def/crs/EPSG/0/4547`
    const { stdout } = await gdal('ogr2ogr', [
      '-f',
      'GeoJSON',
      '-lco',
      'COORDINATE_PRECISION=6',
      '/vsistdout/',
      url,
      'grids',
      '-oo',
      'PAGE_SIZE=100',
    ])
    const copied = JSON.parse(stdout) as FeatureCollection
    const { rows } = await sql<{ code: string; geometry: { coordinates: unknown } }>`
      SELECT code, ST_AsGeoJSON(ST_Transform(ST_ForcePolygonCCW(geom), 4547), 6)::json AS geometry FROM grids
      WHERE valid_to IS NULL AND valid_from <= current_date ORDER BY code`.execute(t.db)
    expect(copied.features.map((f) => f.properties?.code)).toEqual(rows.map((row) => row.code))
    const flat = (geometry: { coordinates: unknown }) => (geometry.coordinates as number[][][][]).flat(2)
    let worst = 0
    copied.features.forEach((feature, i) => {
      const expected = flat(rows[i]?.geometry as { coordinates: unknown })
      const ours = flat(feature.geometry as never)
      expect(ours.length).toBe(expected.length)
      ours.forEach(([northing, easting], j) => {
        const [x, y] = expected[j] as number[]
        worst = Math.max(worst, Math.abs((easting as number) - (x as number)), Math.abs((northing as number) - (y as number)))
      })
    })
    expect(worst).toBeLessThan(0.001)
  })
})

describe('GDAL 3.6 and the vector tiles (OGC API – Tiles)', () => {
  it('follows the grids collection to its tileset list, tileset and tile matrix set (OGCAPI driver)', async () => {
    // Debian's GDAL 3.6.2 then declines the tileset whatever it says: its vector branch is compiled
    // out (docs/ogc.md, "Vector tiles in GDAL and QGIS"), so only the requests are checked here.
    const args = ['-ro', '-q', '-oo', 'API=TILES', `OGCAPI:${root}/collections/grids`]
    const stderr = await gdal('ogrinfo', args, true).then(
      (done) => done.stderr,
      (failed: { stderr: string }) => failed.stderr,
    )
    const fetched = [...stderr.matchAll(/^HTTP: Fetch\((\S+)\)$/gm)].map((match) => match[1])
    expect(fetched).toEqual([
      `${root}/collections/grids`,
      `${root}/collections/grids/tiles`,
      `${root}/collections/grids/tiles/WebMercatorQuad`,
      `${root}/tileMatrixSets/WebMercatorQuad`,
    ])
    expect(stderr).not.toMatch(/ERROR \d/)
  })

  it('reads every grid in force from the z14 tiles over the demo county (MVT driver, TileJSON beside)', async () => {
    // MVT:<…>/tiles/grids/14 reads {x}/{y}.mvt below it and takes the fields from the TileJSON,
    // /tiles/grids.json (the tileserver-gl name it tries after metadata.json); -spat, in EPSG:3857,
    // bounds the tiles it requests (one request per tile: ~150 here).
    const { rows } = await sql<{ xmin: number; ymin: number; xmax: number; ymax: number }>`
      SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax
      FROM (SELECT ST_Extent(ST_Transform(geom, 3857)) AS e FROM grids WHERE ${sql.raw(IN_FORCE)}) AS x`.execute(t.db)
    const box = rows[0] as { xmin: number; ymin: number; xmax: number; ymax: number }
    const spat = [box.xmin, box.ymin, box.xmax, box.ymax].map(String)
    const tiles = root.replace(/\/ogc$/, '/tiles/grids/14')
    const { stdout } = await gdal('ogr2ogr', [
      '-f',
      'GeoJSON',
      '/vsistdout/',
      `MVT:${tiles}`,
      'grids',
      '-spat',
      ...spat,
      '-oo',
      'TILE_EXTENSION=mvt',
    ])
    const read = JSON.parse(stdout) as FeatureCollection
    // A grid crossing tiles comes once per tile, clipped to it.
    expect(read.features.length).toBeGreaterThan((await inForce()).length)
    expect([...new Set(read.features.map((f) => f.properties?.code))].sort()).toEqual((await inForce()).map((row) => row.code))
    expect(read.features[0]?.properties).toMatchObject({ name: expect.any(String), region_code: expect.stringMatching(/^\d{12}$/) })
  })
})

describe('OWSLib', () => {
  it('reads conformance, collections, a page of items and one item', async () => {
    const script = `
import json, sys
from owslib.ogcapi.features import Features
api = Features(sys.argv[1], headers={'Authorization': 'Bearer ' + sys.argv[2]})
page = api.collection_items('grids', limit=5)
print(json.dumps({
  'conformance': api.conformance()['conformsTo'],
  'collections': [c['id'] for c in api.collections()['collections']][:6],
  'matched': page['numberMatched'],
  'ids': [f['id'] for f in page['features']],
  'township': api.collection_item('townships', '990101001000')['properties']['name'],
  'queryables': sorted(api.collection_queryables('grids')['properties'].keys()),
}))`
    const { stdout } = await exec('/usr/bin/python3', ['-c', script, root, token])
    const read = JSON.parse(stdout)
    const grids = await inForce()
    expect(read).toEqual({
      conformance: expect.arrayContaining(['http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core']),
      collections: ['grids', 'provinces', 'cities', 'counties', 'townships', 'communities'],
      matched: grids.length,
      ids: grids.slice(0, 5).map((row) => row.code),
      township: '东湖街道',
      queryables: [
        'code',
        'count_date',
        'geometry',
        'grid_head',
        'households',
        'kind',
        'name',
        'parent_code',
        'population',
        'region_code',
        'valid_from',
        'valid_to',
        'version',
      ],
    })
  })
})
