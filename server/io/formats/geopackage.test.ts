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
import { readDataset } from '../read.js'
import { readGeoPackage, writeGeoPackage } from './geopackage.js'

// GeoPackage read and write, with GDAL writing the inputs and reading back the outputs.

const fixture = gridsFixture()
const source = GRIDS_SOURCE

const gdal = gdalFiles((gdal) => {
  gdal.ogr2ogr('-f', 'GPKG', gdal.path('two.gpkg'), source, '-a_srs', 'EPSG:4490', '-nln', '网格')
  gdal.ogr2ogr('-update', gdal.path('two.gpkg'), source, '-s_srs', 'EPSG:4490', '-t_srs', 'EPSG:4527', '-nln', '网格_4527')
  gdal.ogr2ogr('-f', 'GeoJSON', gdal.path('grids-4527.geojson'), gdal.path('two.gpkg'), '网格_4527')
  gdal.ogr2ogr('-f', 'GPKG', gdal.path('z.gpkg'), source, '-a_srs', 'EPSG:4490', '-dim', 'XYZ', '-nln', 'z')
  gdal.ogr2ogr('-f', 'GPKG', gdal.path('utm.gpkg'), source, '-s_srs', 'EPSG:4490', '-t_srs', 'EPSG:32650', '-nln', '网格')
  gdal.ogr2ogr('-f', 'GPKG', gdal.path('empty.gpkg'), source, '-a_srs', 'EPSG:4490', '-nln', 'empty', '-where', '1 = 0')
})

describe('reading a GeoPackage written by GDAL', () => {
  it('lists both feature tables and reads the first: names, codes as text, geometry, EPSG:4490', async () => {
    const dataset = await readGeoPackage([gdal.input('two.gpkg')], {})
    expect(dataset.layerNames).toEqual(['网格', '网格_4527'])
    expect(dataset.layer.name).toBe('网格')
    expect(dataset.layer.crs).toEqual({ kind: 'epsg', code: 4490 })
    expect(dataset.layer.fields).toEqual(GRID_FIELDS)
    expectSameFeatures(dataset.layer.features, fixture.features, 1e-9)
  })

  it('reads the projected layer in its own coordinates (within 1 cm of GDAL) with EPSG:4527 as evidence', async () => {
    const dataset = await readGeoPackage([gdal.input('two.gpkg')], { layer: '网格_4527' })
    const expected = gdal.asGeoJson(gdal.path('grids-4527.geojson'))
    expect(dataset.layer.crs).toEqual({ kind: 'epsg', code: 4527 })
    expect(dataset.layer.features).toHaveLength(4)
    dataset.layer.features.forEach((feature, index) => {
      expect(maxPositionGap(feature.geometry, expected.features[index]?.geometry ?? null)).toBeLessThan(0.01)
    })
    const withHole = dataset.layer.features[0]?.geometry
    expect(withHole?.type === 'Polygon' && withHole.coordinates.length).toBe(2)
  })

  it('a layer in WGS 84 / UTM zone 50N (EPSG:32650) imports within 1 cm', async () => {
    const dataset = await readDataset([gdal.input('utm.gpkg')])
    expect(dataset.layer.crs).toEqual({ kind: 'epsg', code: 32650 })
    expect(dataset.crs?.name).toBe('WGS 84 / UTM zone 50N')
    // 1e-7° is 1.1 cm north–south and under 1 cm east–west at the fixture's latitude.
    expectSameFeatures(dataset.layer.features, fixture.features, 0.9e-7)
  })

  it('drops Z values and says so', async () => {
    const dataset = await readGeoPackage([gdal.input('z.gpkg')], {})
    expectSameFeatures(dataset.layer.features, fixture.features, 1e-9)
    expect(dataset.layer.notes).toEqual([{ code: 'zm_dropped', params: { file: 'z.gpkg (z)' } }])
  })
})

describe('writing a GeoPackage', () => {
  it('writes EPSG:4527 coordinates with their CRS row', async () => {
    const projected = gdal.asGeoJson(gdal.path('grids-4527.geojson'))
    const layer = { ...gridsLayer(), features: projected.features.map((feature) => ({ geometry: feature.geometry, properties: {} })) }
    const path = gdal.save(await writeGeoPackage(layer, { crs: 4527 }))
    expect(gdal.ogrinfo('-al', '-so', path)).toMatch(/ID\["EPSG",4527\]/)
    expect(gdal.area(path, '网格', 'geom')).toBeCloseTo(gdal.area(gdal.path('two.gpkg'), '网格_4527', 'geom'), 3)
  })

  it('is read back by GDAL: Chinese names, EPSG:4490, the same count and area', async () => {
    const layer = gridsLayer()
    const path = gdal.save(await writeGeoPackage(layer, { crs: 4490 }))
    const summary = gdal.ogrinfo('-al', '-so', path)
    expect(summary).toContain('Feature Count: 4')
    expect(summary).toMatch(/ID\["EPSG",4490\]/)
    expect(summary).toContain('网格编码: String')
    expect(summary).toContain('户数: Integer')
    const back = gdal.asGeoJson(path)
    expect(back.features.map((feature) => feature.properties)).toEqual(fixture.features.map((feature) => feature.properties))
    expect(gdal.area(path, '网格', 'geom')).toBeCloseTo(gdal.area(`${GRIDS_SOURCE}`, 'grids-cn'), 12)
    // GDAL's own validation script is not installed; these are the header fields it checks first.
    const header = Buffer.from((await writeGeoPackage(layer, { crs: 4490 })).bytes.subarray(60, 72))
    expect(header.readUInt32BE(0)).toBe(10300)
    expect(header.readUInt32BE(8)).toBe(0x47504b47)
  })
})

describe('GeoPackage input that cannot be read', () => {
  it('refuses a file that is not SQLite, naming it', async () => {
    const messages = await ioErrorMessages(
      readGeoPackage([{ name: '村界.gpkg', bytes: new TextEncoder().encode('not a database at all, just text'.repeat(10)) }], {}),
      'io_gpkg_not_sqlite',
    )
    expect(messages.zh).toContain('村界.gpkg')
    expect(messages.zh).toContain('SQLite')
    expect(messages.en).toContain('村界.gpkg is not a GeoPackage')
  })

  it('refuses a GeoPackage without feature tables', async () => {
    const bytes = new Uint8Array(gdal.input('two.gpkg').bytes)
    const { default: initSqlJs } = await import('sql.js')
    const SQL = await initSqlJs()
    const database = new SQL.Database(bytes)
    database.run("UPDATE gpkg_contents SET data_type = 'attributes'")
    const messages = await ioErrorMessages(
      readGeoPackage([{ name: 'tables.gpkg', bytes: database.export() }], {}),
      'io_gpkg_no_feature_layers',
    )
    database.close()
    expect(messages.zh).toBe('GeoPackage 文件 tables.gpkg 中没有要素图层（只有属性表或栅格）。')
    expect(messages.en).toBe('The GeoPackage tables.gpkg has no feature layers (only attribute tables or rasters).')
  })

  it('refuses a broken geometry blob, naming the layer and feature', async () => {
    const { default: initSqlJs } = await import('sql.js')
    const database = new (await initSqlJs()).Database(new Uint8Array(gdal.input('two.gpkg').bytes))
    // GDAL's R-tree triggers call SpatiaLite functions sql.js does not have.
    for (const [trigger] of database.exec("SELECT name FROM sqlite_master WHERE type = 'trigger'")[0]?.values ?? []) {
      database.run(`DROP TRIGGER "${String(trigger)}"`)
    }
    database.run('UPDATE "网格" SET geom = X\'4750000100000000010300000001000000\' WHERE fid = 2')
    const messages = await ioErrorMessages(readGeoPackage([{ name: 'broken.gpkg', bytes: database.export() }], {}), 'io_gpkg_bad_geometry')
    database.close()
    expect(messages.zh).toMatch(/^GeoPackage 文件 broken\.gpkg 的图层“网格”中第 2 个要素（按表中顺序）的几何无法读取：/)
    expect(messages.en).toMatch(
      /^The GeoPackage broken\.gpkg has a geometry that cannot be read in layer "网格", feature 2 \(in table order\): /,
    )
  })

  it('refuses an unknown layer name, listing the layers', async () => {
    const messages = await ioErrorMessages(readGeoPackage([gdal.input('two.gpkg')], { layer: '道路' }), 'io_layer_not_found')
    expect(messages.zh).toBe('文件 two.gpkg 中没有图层“道路”。可选图层：网格, 网格_4527。')
    expect(messages.en).toBe('The file two.gpkg has no layer "道路". Layers: 网格, 网格_4527.')
  })

  it('refuses an empty layer', async () => {
    const messages = await ioErrorMessages(readGeoPackage([gdal.input('empty.gpkg')], {}), 'io_layer_empty')
    expect(messages.zh).toBe('文件 empty.gpkg 的图层“empty”中没有记录。')
    expect(messages.en).toBe('The layer "empty" of empty.gpkg has no records.')
  })
})
