import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PMTiles, type RangeResponse, type Source } from 'pmtiles'
import supertest from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureTile } from '../../scripts/make-basemap-fixture.js'
import { buildApp } from '../app.js'
import { ConfigError, loadConfig } from '../config.js'
import type { DatabaseHandle } from '../db/connect.js'
import { openTestDatabase } from '../testing/database.js'
import { openBasemap } from './basemap-file.js'

// The local basemap (GRIDWORK_BASEMAP) served by the real app: an .mbtiles that GDAL writes, by
// z/x/y with the TMS row flip, and the checked-in .pmtiles fixture by byte ranges, read back
// through the pmtiles reader the page uses.

const PMTILES_FIXTURE = 'fixtures/basemap/tiny.pmtiles'
let database: DatabaseHandle
let dir: string

beforeAll(async () => {
  database = await openTestDatabase()
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-basemap-'))
}, 60_000)
afterAll(async () => {
  await database?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function appWith(file: string) {
  const app = await buildApp({ database, signingSecret: 'x'.repeat(40), basemap: await openBasemap(file) })
  await app.ready()
  return app
}

/** What GET /basemap says of the configured file. */
async function description(app: Awaited<ReturnType<typeof appWith>>) {
  return (await supertest(app.server).get('/basemap').expect(200)).body.basemap
}

/** The XYZ tile (rows from the north) holding a lon/lat at zoom z. */
function xyzTile(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z
  const rad = (lat * Math.PI) / 180
  return [Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n)]
}

describe('GRIDWORK_BASEMAP', () => {
  it('takes a .pmtiles or .mbtiles file that exists', () => {
    expect(loadConfig({ GRIDWORK_BASEMAP: PMTILES_FIXTURE }).basemapFile).toBe(path.resolve(PMTILES_FIXTURE))
    expect(loadConfig({}).basemapFile).toBeNull()
    expect(() => loadConfig({ GRIDWORK_BASEMAP: 'map.tif' })).toThrow(ConfigError)
    expect(() => loadConfig({ GRIDWORK_BASEMAP: 'missing.mbtiles' })).toThrow(/GRIDWORK_BASEMAP file not found/)
  })
})

describe('an .mbtiles basemap (written by gdal_translate)', () => {
  let app: Awaited<ReturnType<typeof appWith>>
  beforeAll(async () => {
    const tif = path.join(dir, 'tiny.tif')
    execFileSync('gdal_create', [
      '-of',
      'GTiff',
      '-outsize',
      '64',
      '64',
      '-bands',
      '3',
      '-burn',
      '200',
      '-a_srs',
      'EPSG:4326',
      '-a_ullr',
      '110',
      '30',
      '112',
      '28',
      tif,
    ])
    execFileSync('gdal_translate', ['-q', '-of', 'MBTILES', tif, path.join(dir, 'tiny.mbtiles')])
    app = await appWith(path.join(dir, 'tiny.mbtiles'))
  }, 60_000)
  afterAll(async () => app?.close())

  it('describes itself', async () => {
    expect(await description(app)).toMatchObject({
      format: 'mbtiles',
      tiles: 'raster',
      minzoom: 5,
      maxzoom: 5,
      url: '/basemap/tiles/{z}/{x}/{y}',
    })
  })

  it('serves the tile over the raster at its XYZ row (the TMS row flipped), 204 elsewhere', async () => {
    const [x, y] = xyzTile(111, 29, 5)
    const tile = await supertest(app.server).get(`/basemap/tiles/5/${x}/${y}`).buffer(true).expect(200)
    expect(tile.headers['content-type']).toBe('image/png')
    expect(tile.body.subarray(1, 4).toString()).toBe('PNG')
    // The same row counted from the south holds nothing.
    await supertest(app.server)
      .get(`/basemap/tiles/5/${x}/${31 - y}`)
      .expect(204)
    await supertest(app.server).get('/basemap/tiles/5/99/0').expect(404)
  })
})

describe('a vector .mbtiles basemap (written by ogr2ogr)', () => {
  it('lists its vector layers and serves gzipped tiles as such', async () => {
    const roads = path.join(dir, 'roads.geojson')
    const line = {
      type: 'LineString',
      coordinates: [
        [110, 28],
        [112, 30],
      ],
    }
    writeFileSync(roads, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: line }] }))
    execFileSync('ogr2ogr', ['-f', 'MBTILES', path.join(dir, 'vector.mbtiles'), roads, '-dsco', 'MAXZOOM=4', '-nln', 'roads'])
    const app = await appWith(path.join(dir, 'vector.mbtiles'))
    try {
      expect(await description(app)).toMatchObject({ format: 'mbtiles', tiles: 'vector', minzoom: 0, maxzoom: 4, vector_layers: ['roads'] })
      const tile = await supertest(app.server).get('/basemap/tiles/0/0/0').expect(200)
      expect(tile.headers['content-type']).toBe('application/x-protobuf')
      expect(tile.headers['content-encoding']).toBe('gzip')
    } finally {
      await app.close()
    }
  })
})

describe('a .pmtiles basemap (fixture from scripts/make-basemap-fixture.ts)', () => {
  let app: Awaited<ReturnType<typeof appWith>>
  beforeAll(async () => {
    app = await appWith(PMTILES_FIXTURE)
  })
  afterAll(async () => app?.close())

  it('describes itself', async () => {
    expect(await description(app)).toMatchObject({
      format: 'pmtiles',
      tiles: 'raster',
      minzoom: 0,
      maxzoom: 1,
      url: '/basemap/archive.pmtiles',
    })
  })

  it('answers byte ranges (206, Content-Range), whole-file requests and unsatisfiable ranges (416)', async () => {
    const size = readFileSync(PMTILES_FIXTURE).length
    const head = await supertest(app.server).get('/basemap/archive.pmtiles').set('Range', 'bytes=0-6').buffer(true).expect(206)
    expect(head.headers['content-range']).toBe(`bytes 0-6/${size}`)
    expect(Buffer.from(head.body).toString()).toBe('PMTiles')
    const tail = await supertest(app.server).get('/basemap/archive.pmtiles').set('Range', 'bytes=-5').buffer(true).expect(206)
    expect(Buffer.from(tail.body)).toEqual(readFileSync(PMTILES_FIXTURE).subarray(size - 5))
    const whole = await supertest(app.server).get('/basemap/archive.pmtiles').buffer(true).expect(200)
    expect(whole.headers['accept-ranges']).toBe('bytes')
    expect(Buffer.from(whole.body)).toEqual(readFileSync(PMTILES_FIXTURE))
    const beyond = await supertest(app.server).get('/basemap/archive.pmtiles').set('Range', `bytes=${size}-`).expect(416)
    expect(beyond.headers['content-range']).toBe(`bytes */${size}`)
  })

  it('gives the pmtiles reader each tile through range requests', async () => {
    const source: Source = {
      getKey: () => 'served',
      async getBytes(offset: number, length: number): Promise<RangeResponse> {
        const response = await supertest(app.server)
          .get('/basemap/archive.pmtiles')
          .set('Range', `bytes=${offset}-${offset + length - 1}`)
          .buffer(true)
          .parse((res, done) => {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', () => done(null, Buffer.concat(chunks)))
          })
        const body = response.body as Buffer
        return { data: body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer }
      },
    }
    const archive = new PMTiles(source)
    for (const [z, x, y] of [
      [0, 0, 0],
      [1, 1, 0],
      [1, 0, 1],
    ] as const) {
      const tile = await archive.getZxy(z, x, y)
      expect(Buffer.from(tile?.data ?? new ArrayBuffer(0)), `${z}/${x}/${y}`).toEqual(fixtureTile(z, x, y))
    }
    expect(await archive.getZxy(2, 0, 0)).toBeUndefined()
  })
})
