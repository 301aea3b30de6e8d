import { describe, expect, it } from 'vitest'
import { gridsFixture, ioErrorMessages, maxPositionGap, gridsLayer, GRID_FIELDS, GRIDS_SOURCE, gdalFiles } from '../../testing/gdal.js'
import type { OutputLayer } from '../types.js'
import { readFlatGeobuf, writeFlatGeobuf } from './flatgeobuf.js'

// FlatGeobuf read and write, with GDAL writing the inputs and reading back the outputs.

const fixture = gridsFixture()
const source = GRIDS_SOURCE

const gdal = gdalFiles((gdal) => {
  gdal.ogr2ogr('-f', 'FlatGeobuf', gdal.path('grids-4549.fgb'), source, '-s_srs', 'EPSG:4490', '-t_srs', 'EPSG:4549', '-nln', '网格')
  gdal.ogr2ogr('-f', 'GeoJSON', gdal.path('grids-4549.geojson'), gdal.path('grids-4549.fgb'))
  gdal.ogr2ogr('-f', 'FlatGeobuf', gdal.path('empty.fgb'), source, '-where', '1 = 0')
})

describe('reading FlatGeobuf written by GDAL', () => {
  it('reads a projected file in its own coordinates (within 1 cm of GDAL), EPSG:4549 from the header, properties intact', async () => {
    const dataset = await readFlatGeobuf([gdal.input('grids-4549.fgb')], {})
    const expected = gdal.asGeoJson(gdal.path('grids-4549.geojson'))
    expect(dataset.layer.crs).toEqual({ kind: 'epsg', code: 4549 })
    expect(dataset.layer.fields).toEqual(GRID_FIELDS)
    // GDAL orders the features along its spatial index: compare by code.
    const byCode = (properties: unknown) => String((properties as Record<string, unknown>).网格编码)
    expect(dataset.layer.features.map((feature) => feature.properties).sort((a, b) => byCode(a).localeCompare(byCode(b)))).toEqual(
      fixture.features.map((feature) => feature.properties).sort((a, b) => byCode(a).localeCompare(byCode(b))),
    )
    dataset.layer.features.forEach((feature, index) => {
      expect(byCode(expected.features[index]?.properties)).toBe(byCode(feature.properties))
      expect(maxPositionGap(feature.geometry, expected.features[index]?.geometry ?? null)).toBeLessThan(0.01)
    })
  })

  it('refuses an empty file and one that is not FlatGeobuf', async () => {
    const empty = await ioErrorMessages(readFlatGeobuf([gdal.input('empty.fgb')], {}), 'io_layer_empty')
    expect(empty.en).toBe('The layer "empty" of empty.fgb has no records.')
    const broken = await ioErrorMessages(
      readFlatGeobuf([{ name: '网格.fgb', bytes: new TextEncoder().encode('{"type":"FeatureCollection"}') }], {}),
      'io_fgb_broken',
    )
    expect(broken.zh).toBe('文件 网格.fgb 不是可读取的 FlatGeobuf 文件：Not a FlatGeobuf file')
  })
})

describe('writing FlatGeobuf', () => {
  const grids = gridsLayer()
  // A null in the first feature: the column keeps its declared type.
  const layer: OutputLayer = {
    ...grids,
    features: grids.features.map((feature, index) =>
      index === 0 ? { ...feature, properties: { ...feature.properties, 户数: null } } : feature,
    ),
  }

  it('is read back by GDAL: EPSG:4490 in the header, Chinese names, count and area', async () => {
    const path = gdal.save(await writeFlatGeobuf(layer, { crs: 4490 }))
    const summary = gdal.ogrinfo('-al', '-so', path)
    expect(summary).toMatch(/ID\["EPSG",4490\]/)
    expect(summary).toContain('Feature Count: 4')
    expect(summary).toContain('网格编码: String')
    expect(summary).toContain('户数: Integer')
    const back = gdal.asGeoJson(path)
    const withoutNulls = (properties: object) => Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== null))
    expect(back.features.map((feature) => feature.properties)).toEqual(layer.features.map((feature) => withoutNulls(feature.properties)))
    expect(summary).toContain('Layer name: 网格')
    expect(gdal.area(path, '网格')).toBeCloseTo(gdal.area(source, 'grids-cn'), 12)
  })

  it('writes a projected CRS code in the header (EPSG:4549 coordinates from GDAL)', async () => {
    const projected = gdal.asGeoJson(gdal.path('grids-4549.geojson'))
    const layer = { ...gridsLayer(), features: projected.features.map((feature) => ({ geometry: feature.geometry, properties: {} })) }
    const path = gdal.save(await writeFlatGeobuf(layer, { crs: 4549 }))
    expect(gdal.ogrinfo('-al', '-so', path)).toMatch(/ID\["EPSG",4549\]/)
    expect(gdal.area(path, '网格')).toBeCloseTo(gdal.area(gdal.path('grids-4549.fgb'), '网格'), 3)
  })

  it('reads back what it wrote', async () => {
    const dataset = await readFlatGeobuf([{ name: 'x.fgb', bytes: (await writeFlatGeobuf(layer, { crs: 4490 })).bytes }], {})
    expect(dataset.layer.crs).toEqual({ kind: 'epsg', code: 4490 })
    expect(dataset.layer.features.map((feature) => feature.properties)).toEqual(layer.features.map((feature) => feature.properties))
    expect(maxPositionGap(dataset.layer.features[0]?.geometry ?? null, fixture.features[0]?.geometry ?? null)).toBe(0)
  })
})
