import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import {
  gridsFixture,
  ioErrorMessages,
  maxPositionGap,
  GRID_FIELDS,
  expectSameFeatures,
  gridsLayer,
  GRIDS_SOURCE,
  gdalFiles,
} from '../../testing/gdal.js'
import type { OutputLayer } from '../types.js'
import { readCsv, writeCsv } from './csv.js'

// CSV read and write, with GDAL writing the inputs and reading back the outputs.

const fixture = gridsFixture()
const source = GRIDS_SOURCE
const centroids = 'SELECT ST_Centroid(geometry) AS geometry, "网格编码", "网格名称", "户数" FROM "grids-cn"'
const grids = gridsLayer()
const csv = (name: string, text: string) => ({ name, bytes: new TextEncoder().encode(text) })

const gdal = gdalFiles((gdal) => {
  gdal.ogr2ogr('-f', 'CSV', gdal.path('wkt.csv'), source, '-lco', 'GEOMETRY=AS_WKT')
  gdal.ogr2ogr('-f', 'CSV', gdal.path('xy.csv'), source, '-dialect', 'sqlite', '-sql', centroids, '-lco', 'GEOMETRY=AS_XY')
  gdal.ogr2ogr('-f', 'GeoJSON', gdal.path('centroids.geojson'), source, '-dialect', 'sqlite', '-sql', centroids)
})

describe('reading CSV written by GDAL', () => {
  it('finds the WKT column: polygons with their hole, Chinese names, 12-digit codes as text', async () => {
    const dataset = await readCsv([gdal.input('wkt.csv')], {})
    expect(dataset.layer.crs).toEqual({ kind: 'lonlat' })
    expect(dataset.layer.geometryTypes).toEqual(['Polygon'])
    expect(dataset.layer.fields).toEqual(GRID_FIELDS)
    expectSameFeatures(dataset.layer.features, fixture.features, 1e-9)
  })

  it('finds X/Y columns as points', async () => {
    const dataset = await readCsv([gdal.input('xy.csv')], {})
    const expected = gdal.asGeoJson(gdal.path('centroids.geojson'))
    expect(dataset.layer.geometryTypes).toEqual(['Point'])
    expect(dataset.layer.features.map((feature) => feature.properties.网格名称)).toEqual(
      fixture.features.map((feature) => feature.properties?.网格名称),
    )
    dataset.layer.features.forEach((feature, index) => {
      expect(maxPositionGap(feature.geometry, expected.features[index]?.geometry ?? null)).toBeLessThan(1e-9)
    })
  })

  it('reads GBK text, 经度/纬度 columns, and reports projected coordinates as unknown', async () => {
    const text = '网格名称,经度,纬度\n城关镇第一网格,117.2,31.8\n'
    const gbk = await readCsv([{ name: '点位.csv', bytes: new Uint8Array(iconv.encode(text, 'gbk')) }], {})
    expect(gbk.layer.encoding?.name).toBe('gb18030')
    expect(gbk.layer.features[0]).toEqual({
      geometry: { type: 'Point', coordinates: [117.2, 31.8] },
      properties: { 网格名称: '城关镇第一网格' },
    })
    const projected = await readCsv([csv('xy.csv', 'name;x;y\na;39519020.5;3518773.25\n')], {})
    expect(projected.layer.crs).toEqual({ kind: 'none' })
    expect(projected.layer.features[0]?.geometry).toEqual({ type: 'Point', coordinates: [39519020.5, 3518773.25] })
  })

  it('types columns by the rule GeoJSON shares: integers, fractions as numbers, ISO dates, a mix as text', async () => {
    const text = '户数,面积,统计日期,混合\n120,3,2026-06-30,7\n95,2.75,2026-07-01,七\n'
    const dataset = await readCsv([csv('网格.csv', text)], {})
    expect(dataset.layer.fields.map((field) => field.type)).toEqual(['integer', 'number', 'date', 'string'])
    expect(dataset.layer.features[1]?.properties).toEqual({ 户数: 95, 面积: 2.75, 统计日期: '2026-07-01', 混合: '七' })
  })

  it('reads a code list without geometry: codes keep leading zeros and all 12 digits', async () => {
    const text = '统计用区划代码,名称,城乡分类代码,人口\n040102001004,东岗社区,111,1530\n340102001001,新河村,220,96\n'
    const dataset = await readCsv([csv('区划.csv', text)], {})
    expect(dataset.layer.geometryTypes).toEqual([])
    expect(dataset.layer.fields.map((field) => field.type)).toEqual(['string', 'string', 'string', 'integer'])
    expect(dataset.layer.features[0]).toEqual({
      geometry: null,
      properties: { 统计用区划代码: '040102001004', 名称: '东岗社区', 城乡分类代码: '111', 人口: 1530 },
    })
    expect(dataset.layer.notes).toEqual([])
  })

  it('uses the columns the user names', async () => {
    const dataset = await readCsv([csv('a.csv', 'E,N,名称\n117.2,31.8,甲\n')], { columns: { lon: 'E', lat: 'N' } })
    expect(dataset.layer.features[0]?.geometry).toEqual({ type: 'Point', coordinates: [117.2, 31.8] })
  })
})

describe('writing CSV', () => {
  it('is read back by GDAL from its WKT column: names, count and area', async () => {
    const path = gdal.save(await writeCsv(grids, { crs: 4490 }))
    const back = gdal.asGeoJson(path, '-oo', 'KEEP_GEOM_COLUMNS=NO')
    expect(back.features).toHaveLength(4)
    expect(back.features.map((feature) => feature.properties?.网格名称)).toEqual(
      fixture.features.map((feature) => feature.properties?.网格名称),
    )
    expect(back.features.map((feature) => feature.properties?.网格编码)).toEqual(
      fixture.features.map((feature) => feature.properties?.网格编码),
    )
    expect(gdal.area(path, '网格')).toBeCloseTo(gdal.area(source, 'grids-cn'), 12)
  })

  it('starts with a UTF-8 BOM, or writes GBK when asked; points as lon/lat columns', async () => {
    const points: OutputLayer = {
      name: 'p',
      fields: [{ name: '名称', type: 'string' }],
      features: [{ geometry: { type: 'Point', coordinates: [117.2, 31.8] }, properties: { 名称: '甲, "乙"' } }],
    }
    const utf8 = await writeCsv(points, { crs: 4490 })
    expect([...utf8.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(utf8.bytes)).toBe('\uFEFFlon,lat,名称\r\n117.2,31.8,"甲, ""乙"""\r\n')
    const gbk = await writeCsv(points, { crs: 4490, encoding: 'gbk' })
    expect(iconv.decode(Buffer.from(gbk.bytes), 'gbk')).toBe('lon,lat,名称\r\n117.2,31.8,"甲, ""乙"""\r\n')
    expect((await readCsv([{ name: 'p.csv', bytes: gbk.bytes }], {})).layer.features[0]?.properties).toEqual({ 名称: '甲, "乙"' })
  })
})

describe('CSV input that cannot be read', () => {
  it('refuses geometry columns that are named but missing', async () => {
    const messages = await ioErrorMessages(
      readCsv([csv('点位.csv', 'lng,lat,名称\n1,2,a\n')], { columns: { lon: '经度', lat: '纬度' } }),
      'io_csv_columns_missing',
    )
    expect(messages.zh).toBe('文件 点位.csv 中没有用于几何的列 经度, 纬度。现有列：lng, lat, 名称。')
    expect(messages.en).toBe('The file 点位.csv has no column 经度, 纬度 for the geometry. Columns: lng, lat, 名称.')
  })

  it('counts a longitude without a latitude as a missing column; names blank and repeated headers', async () => {
    const messages = await ioErrorMessages(readCsv([csv('点位.csv', 'E,N\n1,2\n')], { columns: { lon: 'E' } }), 'io_csv_columns_missing')
    expect(messages.en).toBe('The file 点位.csv has no column — for the geometry. Columns: E, N.')
    const dataset = await readCsv([csv('a.csv', '名称,,名称\n甲,1,乙\n')], {})
    expect(dataset.layer.features[0]?.properties).toEqual({ 名称: '甲', column_2: 1, 名称_2: '乙' })
  })

  it('refuses a row with bad WKT, naming the file, row and column', async () => {
    const text = 'WKT,名称\n"POINT (1 2)",a\n"POLYGON ((1 2, 3 4",b\n'
    const messages = await ioErrorMessages(readCsv([csv('网格.csv', text)], {}), 'io_csv_bad_geometry')
    expect(messages.zh).toBe('文件 网格.csv 第 3 行“WKT”列：“POLYGON ((1 2, 3 4”不是有效的坐标或 WKT 几何。')
    expect(messages.en).toBe('The file 网格.csv, row 3, column "WKT": "POLYGON ((1 2, 3 4" is not a coordinate or WKT geometry.')
  })

  it('refuses an unparsable coordinate', async () => {
    const messages = await ioErrorMessages(readCsv([csv('点位.csv', '经度,纬度\n117.2,31.8\n117°12′,31.8\n')], {}), 'io_csv_bad_geometry')
    expect(messages.en).toContain('row 3, column "经度"')
  })

  it('refuses a file with a header and no rows', async () => {
    const messages = await ioErrorMessages(readCsv([csv('空.csv', 'lon,lat\n')], {}), 'io_layer_empty')
    expect(messages.zh).toBe('文件 空.csv 的图层“空”中没有记录。')
  })
})
