import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { FeatureCollection } from 'geojson'
import iconv from 'iconv-lite'
import { afterAll, describe, expect, it } from 'vitest'
import { readDataset } from '../read.js'
import { writeDataset } from '../write.js'
import { expectIoError, FIXTURES, gdalGeoJson, makeTempDir, maxDistanceMetres, ogr2ogr, uploadOf } from '../testing/gdal.js'

// GeoJSON as old platforms export it: GBK text, a `crs` member naming a projected system.

const FIXTURE = path.join(FIXTURES, 'grids-cn-shapes.geojson')
const text = readFileSync(FIXTURE, 'utf8')
const expected = JSON.parse(text) as FeatureCollection
const temp = makeTempDir()
afterAll(temp.remove)

describe('reading GeoJSON', () => {
  it('UTF-8 lon/lat: CGCS2000 as is', async () => {
    const dataset = await readDataset([{ name: 'grids.geojson', bytes: new TextEncoder().encode(text) }])
    expect(dataset.crs?.code).toBe('EPSG:4490')
    expect(dataset.layer.encoding).toEqual({ name: 'utf-8', source: 'detected' })
    expect(dataset.layer.features.map((feature) => feature.properties.网格名称)).toEqual(
      expected.features.map((feature) => feature.properties?.网格名称),
    )
  })

  it('GBK text is detected (GB18030) and an explicit encoding is honoured', async () => {
    const bytes = new Uint8Array(iconv.encode(text, 'gbk'))
    const detected = await readDataset([{ name: 'grids.json', bytes }])
    expect(detected.layer.encoding).toEqual({ name: 'gb18030', source: 'detected' })
    expect(detected.layer.features[1]?.properties.网格名称).toBe('城关镇西街网格（含学校）')
    const explicit = await readDataset([{ name: 'grids.json', bytes }], { encoding: 'gbk' })
    expect(explicit.layer.encoding).toEqual({ name: 'gbk', source: 'explicit' })
  })

  it('a crs member (OGC URN, as GDAL writes it) is read and the geometry reprojected to lon/lat', async () => {
    const dir = path.join(temp.dir, 'projected')
    mkdirSync(dir)
    ogr2ogr('-f', 'GeoJSON', '-t_srs', 'EPSG:4527', path.join(dir, 'grids.geojson'), FIXTURE)
    const dataset = await readDataset(uploadOf(dir))
    expect(dataset.layer.crs).toEqual({ kind: 'epsg', code: 4527 })
    expect(dataset.crs?.code).toBe('EPSG:4527')
    for (const [i, feature] of dataset.layer.features.entries()) {
      expect(maxDistanceMetres(feature.geometry, expected.features[i]?.geometry ?? null)).toBeLessThan(0.01)
    }
  })

  it('CRS84 is lon/lat; an unknown crs name is kept for the preview and the CRS left to choose', async () => {
    const withCrs = (name: string) => new TextEncoder().encode(JSON.stringify({ ...expected, crs: { type: 'name', properties: { name } } }))
    expect((await readDataset([{ name: 'a.geojson', bytes: withCrs('urn:ogc:def:crs:OGC:1.3:CRS84') }])).crs?.code).toBe('EPSG:4490')
    const unknown = await readDataset([{ name: 'a.geojson', bytes: withCrs('urn:ogc:def:crs:EPSG::2154') }])
    expect(unknown.crs).toBeNull()
    const named = await readDataset([{ name: 'a.geojson', bytes: withCrs('Local grid 7') }])
    expect(named.layer.crs).toEqual({ kind: 'wkt', wkt: 'Local grid 7' })
  })

  it('a Feature or geometry alone is not a FeatureCollection: a plain 400', async () => {
    const feature = new TextEncoder().encode(JSON.stringify(expected.features[0]))
    await expectIoError(() => readDataset([{ name: '网格.geojson', bytes: feature }]), 'io_not_feature_collection', {
      zh: '文件 网格.geojson 不是 GeoJSON 要素集合',
      en: 'The file 网格.geojson is not a GeoJSON FeatureCollection',
    })
  })
})

describe('writing GeoJSON', () => {
  it('lon/lat without a crs member; a Gauss-Krüger export names its zone, and GDAL reads the same coordinates as its own conversion', async () => {
    const dataset = await readDataset([{ name: 'grids.geojson', bytes: new TextEncoder().encode(text) }])
    const layer = { name: '网格', fields: dataset.layer.fields, features: dataset.layer.features }
    const lonlat = JSON.parse(new TextDecoder().decode((await writeDataset('geojson', layer, { crs: 4490 })).bytes))
    expect(lonlat.crs).toBeUndefined()
    const dir = path.join(temp.dir, 'written')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'zone.geojson'), (await writeDataset('geojson', layer, { crs: 4549 })).bytes)
    ogr2ogr('-f', 'GeoJSON', '-t_srs', 'EPSG:4549', path.join(dir, 'reference.geojson'), FIXTURE)
    const ours = gdalGeoJson(path.join(dir, 'zone.geojson'))
    const reference = gdalGeoJson(path.join(dir, 'reference.geojson'))
    expect(ours.crs?.properties.name).toBe('urn:ogc:def:crs:EPSG::4549')
    for (const [i, feature] of ours.features.entries()) {
      const wanted = reference.features[i]?.geometry
      // Metres: the per-degree factors of maxDistanceMetres do not apply, so compare the positions directly.
      expect(JSON.stringify(feature.geometry, (_, value) => (typeof value === 'number' ? Math.round(value * 1000) : value))).toBe(
        JSON.stringify(wanted, (_, value) => (typeof value === 'number' ? Math.round(value * 1000) : value)),
      )
    }
  })

  it('only CGCS2000 and its Gauss-Krüger zones are export targets', async () => {
    const layer = { name: 'x', fields: [], features: [] }
    await expectIoError(() => writeDataset('geojson', layer, { crs: 3857 }), 'io_crs_unknown', { zh: 'EPSG:3857', en: 'EPSG:3857' })
  })
})
