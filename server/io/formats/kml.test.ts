import { zipSync } from 'fflate'
import type { Geometry } from 'geojson'
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { gridsFixture, ioErrorMessages, GRID_FIELDS, expectSameFeatures, gridsLayer, GRIDS_SOURCE, gdalFiles } from '../../testing/gdal.js'
import { expandZip } from '../zip.js'
import { readKml, writeKml } from './kml.js'

// KML and KMZ read and write, with GDAL writing the inputs and reading back the outputs.

const fixture = gridsFixture()
const source = GRIDS_SOURCE
const expectGrids = (features: { geometry: Geometry | null; properties: unknown }[]) => {
  expectSameFeatures(features, fixture.features, 1e-9)
}

const gdal = gdalFiles((gdal) => {
  gdal.ogr2ogr('-f', 'KML', gdal.path('grids.kml'), source, '-nln', '网格')
  gdal.ogr2ogr('-f', 'GeoJSON', gdal.path('grids-4527.geojson'), source, '-s_srs', 'EPSG:4490', '-t_srs', 'EPSG:4527')
  gdal.ogr2ogr('-f', 'GPKG', gdal.path('two.gpkg'), source, '-nln', '网格')
  gdal.ogr2ogr('-update', gdal.path('two.gpkg'), source, '-nln', '村界')
  gdal.ogr2ogr('-f', 'LIBKML', gdal.path('two.kml'), gdal.path('two.gpkg'))
  // LIBKML names a KMZ's layer files after the layers, in CP437: Chinese names collapse to "??.kml",
  // and the UTF-8 name sits in an Info-ZIP Unicode Path extra field (read by server/io/zip-directory.ts).
  gdal.ogr2ogr('-f', 'LIBKML', gdal.path('two-cn.kmz'), gdal.path('two.gpkg'))
  gdal.ogr2ogr('-f', 'GPKG', gdal.path('ascii.gpkg'), source, '-nln', 'grids')
  gdal.ogr2ogr('-update', gdal.path('ascii.gpkg'), source, '-nln', 'villages')
  gdal.ogr2ogr('-f', 'LIBKML', gdal.path('two.kmz'), gdal.path('ascii.gpkg'))
})

describe('reading KML and KMZ written by GDAL', () => {
  it('reads placemarks with their SchemaData, without style keys, as lon/lat', async () => {
    const dataset = await readKml([gdal.input('grids.kml')], {})
    expect(dataset.layerNames).toEqual(['网格'])
    expect(dataset.layer.crs).toEqual({ kind: 'lonlat' })
    expect(dataset.layer.fields).toEqual(GRID_FIELDS)
    expectGrids(dataset.layer.features)
    expect(dataset.layer.notes).toEqual([{ code: 'kml_styles_dropped', params: {} }])
  })

  it('reads each LIBKML layer (a Document in the Document) as a layer', async () => {
    const dataset = await readKml([gdal.input('two.kml')], { layer: '村界' })
    expect(dataset.layerNames).toEqual(['网格', '村界'])
    expectGrids(dataset.layer.features)
  })

  it('reads a KMZ with one .kml per layer, and a KMZ that zips a single KML', async () => {
    const libkml = await readKml([gdal.input('two.kmz')], { layer: 'villages' })
    expect(libkml.layerNames).toEqual(['grids', 'villages'])
    expectGrids(libkml.layer.features)
    const zipped = zipSync({ 'doc.kml': gdal.input('two.kml').bytes })
    const single = await readKml([{ name: '网格.kmz', bytes: zipped }], {})
    expect(single.layerNames).toEqual(['网格', '村界'])
    expectGrids(single.layer.features)
  })

  it('reads a LIBKML KMZ whose layer files have Chinese names (Unicode Path extra field)', async () => {
    const kmz = gdal.input('two-cn.kmz')
    expect(expandZip(kmz).map((member) => member.name)).toEqual(['doc.kml', '网格.kml', '村界.kml'])
    const dataset = await readKml([kmz], { layer: '村界' })
    expect(dataset.layerNames).toEqual(['网格', '村界'])
    expectGrids(dataset.layer.features)
  })

  it('reads a KML saved in GBK', async () => {
    const text = new TextDecoder().decode(gdal.input('grids.kml').bytes).replace('encoding="utf-8"', 'encoding="GBK"')
    const dataset = await readKml([{ name: 'gbk.kml', bytes: new Uint8Array(iconv.encode(text, 'gbk')) }], {})
    expect(dataset.layer.encoding).toEqual({ name: 'gb18030', source: 'detected' })
    expectGrids(dataset.layer.features)
  })
})

describe('writing KML', () => {
  const layer = gridsLayer('网格 <A&B>')

  it('is read back by GDAL: Chinese names, count, placemark names, area, holes', async () => {
    const path = gdal.save(await writeKml(layer, { crs: 4490 }))
    const summary = gdal.ogrinfo('-al', '-so', path)
    expect(summary).toContain('Layer name: 网格 <A&B>')
    expect(summary).toContain('Feature Count: 4')
    expect(summary).toContain('网格编码: String')
    const back = gdal.asGeoJson(path)
    expect(back.features.map((feature) => [feature.properties?.Name, feature.properties?.网格编码, feature.properties?.户数])).toEqual(
      fixture.features.map((feature) => [feature.properties?.网格名称, feature.properties?.网格编码, feature.properties?.户数]),
    )
    expect(gdal.area(path, '网格 <A&B>')).toBeCloseTo(gdal.area(source, 'grids-cn'), 12)
  })

  it('reads back what it wrote', async () => {
    const bytes = (await writeKml(layer, { crs: 4490 })).bytes
    const dataset = await readKml([{ name: 'out.kml', bytes }], {})
    expect(dataset.layerNames).toEqual(['网格 <A&B>'])
    expectGrids(dataset.layer.features.map((feature) => ({ ...feature, properties: { ...feature.properties, name: undefined } })))
  })
})

// Taking EPSG:4527 back to lon/lat needs server/io/crs.ts to know the Gauss-Krüger zones (the
// shapefile/CRS work); until then crs.ts refuses the code and this case is skipped.
describe('writing KML from projected coordinates', () => {
  it('writes lon/lat whatever CRS the export asks for', async () => {
    const projected = gdal.asGeoJson(gdal.path('grids-4527.geojson'))
    const layer = {
      ...gridsLayer(),
      features: projected.features.map((feature) => ({ geometry: feature.geometry, properties: { ...feature.properties } })),
    }
    const dataset = await readKml([{ name: 'out.kml', bytes: (await writeKml(layer, { crs: 4527 })).bytes }], {})
    expectSameFeatures(
      dataset.layer.features.map((feature) => ({ ...feature, properties: { ...feature.properties, name: undefined } })),
      fixture.features,
      1e-7,
    )
  })
})

describe('KML input that cannot be read', () => {
  it('refuses a file that is not XML, naming it', async () => {
    const messages = await ioErrorMessages(
      readKml([{ name: '村界.kml', bytes: new TextEncoder().encode('<kml><Document><Placemark></Document></kml>') }], {}),
      'io_kml_not_xml',
    )
    expect(messages.zh).toMatch(/^文件 村界\.kml 不是有效的 KML（XML）：.*Placemark/)
    expect(messages.en).toMatch(/^The file 村界\.kml is not valid KML \(XML\): .*Placemark/)
  })

  it('refuses a KMZ without a .kml', async () => {
    const messages = await ioErrorMessages(
      readKml([{ name: '图.kmz', bytes: zipSync({ 'a.png': new Uint8Array([1, 2]) }) }], {}),
      'io_kmz_no_kml',
    )
    expect(messages.zh).toBe('KMZ 文件 图.kmz 中没有 .kml 文档。')
    expect(messages.en).toBe('The KMZ file 图.kmz contains no .kml document.')
  })
})
