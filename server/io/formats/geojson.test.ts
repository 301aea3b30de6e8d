import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { FeatureCollection } from 'geojson'
import iconv from 'iconv-lite'
import { afterAll, describe, expect, it } from 'vitest'
import { readDataset } from '../read.js'
import { writeDataset } from '../write.js'
import { suggestFieldMap } from '../../import/field-map.js'
import { boxPolygon } from '../../testing/shapes.js'
import { expectIoError, FIXTURES, gdalGeoJson, makeTempDir, maxDistanceMetres, ogr2ogr, ogrinfo, uploadOf } from '../testing/gdal.js'

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

describe('GeoJSON field types', () => {
  const rows = [
    { 网格名称: '城关一网格', 户数: 120, 面积: 3, 统计日期: '2024-06-30', 混合: 7, 备注: null },
    { 网格名称: '城关二网格', 户数: 95, 面积: 2.75, 统计日期: '2024-07-01', 混合: '七', 备注: null },
    { 网格名称: '城关三网格', 户数: null, 面积: 1.5, 统计日期: null, 混合: 8, 备注: null },
  ]
  const collection = {
    type: 'FeatureCollection',
    features: rows.map((properties, i) => ({
      type: 'Feature',
      properties,
      geometry: boxPolygon(117 + i / 100, 31, 117.01 + i / 100, 31.01),
    })),
  }

  it('are typed as GDAL types them and as the shapefile GDAL makes of the same file: integer, real, date, mixed → string', async () => {
    const dir = path.join(temp.dir, 'typed')
    mkdirSync(dir)
    const file = path.join(dir, '网格.geojson')
    writeFileSync(file, JSON.stringify(collection))
    const dataset = await readDataset(uploadOf(dir))
    const types = Object.fromEntries(dataset.layer.fields.map((field) => [field.name, field.type]))
    expect(types).toEqual({ 网格名称: 'string', 户数: 'integer', 面积: 'number', 统计日期: 'date', 混合: 'string', 备注: 'string' })
    const gdalTypes = Object.fromEntries(
      [...ogrinfo('-so', '-al', file).matchAll(/^(\S+): (\w+)[ (]/gm)].map(([, name, type]) => [name, type]),
    )
    expect(gdalTypes).toMatchObject({ 网格名称: 'String', 户数: 'Integer', 面积: 'Real', 统计日期: 'Date', 混合: 'String' })
    const shpDir = path.join(temp.dir, 'typed-shp')
    mkdirSync(shpDir)
    ogr2ogr('-lco', 'ENCODING=GBK', path.join(shpDir, '网格.shp'), file)
    const shapefile = await readDataset(uploadOf(shpDir))
    const shapefileTypes = Object.fromEntries(shapefile.layer.fields.map((field) => [field.name, field.type]))
    expect(types).toMatchObject(shapefileTypes)
    expect(suggestFieldMap('grids', dataset.layer.fields, null)).toEqual(suggestFieldMap('grids', shapefile.layer.fields, null))
  })

  it('the field map suggests 户数 as households from a GeoJSON as from a shapefile', async () => {
    const dataset = await readDataset([{ name: '网格.geojson', bytes: new TextEncoder().encode(JSON.stringify(collection)) }])
    expect(suggestFieldMap('grids', dataset.layer.fields, null)).toMatchObject({
      name: '网格名称',
      households: '户数',
      count_date: '统计日期',
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
