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
import { readXlsx, writeXlsx } from './xlsx.js'

// XLSX read and write, with GDAL writing the inputs and reading back the outputs. GDAL's XLSX
// driver keeps no geometry, so the inputs carry it as WKT or X/Y columns made by SQL.

const fixture = gridsFixture()
const source = GRIDS_SOURCE

const gdal = gdalFiles((gdal) => {
  const sheet = (name: string, sql: string, ...more: string[]) =>
    gdal.ogr2ogr('-f', 'XLSX', gdal.path('grids.xlsx'), source, '-dialect', 'sqlite', '-sql', sql, '-nln', name, ...more)
  sheet('网格', 'SELECT AsText(geometry) AS WKT, "网格编码", "网格名称", "户数" FROM "grids-cn"')
  sheet(
    '中心点',
    'SELECT ST_X(ST_Centroid(geometry)) AS "经度", ST_Y(ST_Centroid(geometry)) AS "纬度", "网格名称" FROM "grids-cn"',
    '-update',
  )
})

describe('reading XLSX written by GDAL', () => {
  it('lists the sheets as layers and reads the first from its WKT column', async () => {
    const dataset = await readXlsx([gdal.input('grids.xlsx')], {})
    expect(dataset.layerNames).toEqual(['网格', '中心点'])
    expect(dataset.layer.name).toBe('网格')
    expect(dataset.layer.fields).toEqual(GRID_FIELDS)
    expectSameFeatures(dataset.layer.features, fixture.features, 1e-9)
  })

  it('reads another sheet by name, points from 经度/纬度', async () => {
    const dataset = await readXlsx([gdal.input('grids.xlsx')], { layer: '中心点' })
    expect(dataset.layer.crs).toEqual({ kind: 'lonlat' })
    expect(dataset.layer.geometryTypes).toEqual(['Point'])
    expect(dataset.layer.features[1]?.properties).toEqual({ 网格名称: '城关镇第二网格' })
    expect(dataset.layer.features[1]?.geometry).toEqual({ type: 'Point', coordinates: [117.215, 31.805] })
  })

  it('refuses an unknown sheet, listing the sheets', async () => {
    const messages = await ioErrorMessages(readXlsx([gdal.input('grids.xlsx')], { layer: 'Sheet1' }), 'io_layer_not_found')
    expect(messages.zh).toBe('文件 grids.xlsx 中没有图层“Sheet1”。可选图层：网格, 中心点。')
    expect(messages.en).toBe('The file grids.xlsx has no layer "Sheet1". Layers: 网格, 中心点.')
  })

  it('refuses a file that is not a workbook', async () => {
    const messages = await ioErrorMessages(
      readXlsx([{ name: '表.xlsx', bytes: new TextEncoder().encode('a,b\n1,2\n') }], {}),
      'io_xlsx_broken',
    )
    expect(messages.en).toContain('The file 表.xlsx is not a readable XLSX workbook')
  })
})

describe('writing XLSX', () => {
  const layer = gridsLayer()

  it('is read back by GDAL: header row, Chinese names, codes as text, WKT with the same area', async () => {
    const path = gdal.save(await writeXlsx(layer, { crs: 4490 }))
    const summary = gdal.ogrinfo('-al', '-so', path)
    expect(summary).toContain('Feature Count: 4')
    expect(summary).toContain('网格编码: String')
    expect(summary).toContain('户数: Integer')
    const back = gdal.asGeoJson(path)
    expect(back.features.map((feature) => feature.properties?.网格编码)).toEqual([
      '340102001001',
      '340102001002',
      '340102001003',
      '040102001004',
    ])
    expect(back.features.map((feature) => feature.properties?.网格名称)).toEqual(
      fixture.features.map((feature) => feature.properties?.网格名称),
    )
    const area = gdal.ogrinfo(path, '-dialect', 'sqlite', '-sql', 'SELECT sum(ST_Area(ST_GeomFromText(WKT))) AS area FROM "网格"')
    expect(Number(/area \(Real\) = (\S+)/.exec(area)?.[1])).toBeCloseTo(gdal.area(source, 'grids-cn'), 12)
  })

  it('reads back what it wrote', async () => {
    const dataset = await readXlsx([{ name: '网格.xlsx', bytes: (await writeXlsx(layer, { crs: 4490 })).bytes }], {})
    expect(dataset.layer.features.map((feature) => feature.properties)).toEqual(fixture.features.map((feature) => feature.properties))
    expect(maxPositionGap(dataset.layer.features[0]?.geometry ?? null, fixture.features[0]?.geometry ?? null)).toBe(0)
  })
})
