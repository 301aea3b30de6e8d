import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { unzipSync } from 'fflate'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Dataset, readDataset } from '../read.js'
import { FIXTURES, gdalGeoJson, makeTempDir, ogr2ogr, ogrinfo, uploadOf } from '../testing/gdal.js'
import type { OutputLayer } from '../types.js'
import { writeDataset } from '../write.js'

// writeDataset('shp') read back by GDAL: Chinese names intact (GDAL honours the .cpg), the CRS
// GDAL identifies, the same count and areas as GDAL's own conversion of the fixture.

const FIXTURE = path.join(FIXTURES, 'grids-cn.geojson')
const temp = makeTempDir()
afterAll(temp.remove)

let layer: OutputLayer
let fixture: Dataset
beforeAll(async () => {
  fixture = await readDataset([{ name: '城关镇网格.geojson', bytes: new Uint8Array(readFileSync(FIXTURE)) }])
  layer = { name: '城关镇网格', fields: fixture.layer.fields, features: fixture.layer.features }
})

let counter = 0
/** Writes the layer, saves the zip; returns its path. */
async function written(crs: number, encoding?: 'gbk' | 'utf-8'): Promise<{ zip: string; members: Record<string, Uint8Array> }> {
  const output = await writeDataset('shp', layer, { crs, encoding })
  expect(output).toMatchObject({ name: '城关镇网格.zip', contentType: 'application/zip' })
  const dir = path.join(temp.dir, `case${++counter}`)
  mkdirSync(dir)
  const zip = path.join(dir, output.name)
  writeFileSync(zip, output.bytes)
  return { zip, members: unzipSync(output.bytes) }
}

/** Sum of areas as GDAL computes them (SQLite dialect), in the file's units. */
function gdalArea(source: string, layerName: string): number {
  const out = ogrinfo('-dialect', 'sqlite', '-sql', `select sum(ST_Area(geometry)) as area, count(*) as n from "${layerName}"`, source)
  const area = Number(/area \(Real\) = ([\d.e+-]+)/.exec(out)?.[1])
  expect(Number(/n \(Integer\) = (\d+)/.exec(out)?.[1])).toBe(4)
  return area
}

const NAMES = ['城关镇东街网格', '城关镇西街网格（含学校）', '南湖村网格', '喆祥社区网格']

describe('writing shapefiles, read back by GDAL', () => {
  for (const [crs, encoding] of [
    [4490, 'gbk'],
    [4527, 'gbk'],
    [4490, 'utf-8'],
    [4527, 'utf-8'],
  ] as const) {
    it(`EPSG:${crs}, ${encoding}: names, CRS, count and areas`, async () => {
      const { zip, members } = await written(crs, encoding)
      expect(new TextDecoder().decode(members['城关镇网格.cpg'])).toBe(encoding === 'gbk' ? 'GBK' : 'UTF-8')
      const source = `/vsizip/${zip}/城关镇网格.shp`
      const collection = gdalGeoJson(source)
      expect(collection.crs?.properties.name).toBe(`urn:ogc:def:crs:EPSG::${crs}`)
      // Field names are ≤ 10 bytes: 5 Chinese characters in GBK, 3 in UTF-8.
      const nameField = encoding === 'gbk' ? '网格名称' : '网格名'
      expect(collection.features.map((feature) => feature.properties?.[nameField])).toEqual(NAMES)
      expect(collection.features.map((feature) => feature.properties?.户数)).toEqual([312, 158, 87, 0])
      expect(collection.features[3]?.properties?.[encoding === 'gbk' ? '网格长联_1' : '网格_1']).toBe(
        '甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥',
      )
      // GDAL's own conversion of the fixture to the same CRS is the reference for the areas.
      const reference = path.join(path.dirname(zip), 'reference.shp')
      ogr2ogr('-t_srs', `EPSG:${crs}`, '-lco', 'ENCODING=UTF-8', reference, FIXTURE)
      const expectedArea = gdalArea(reference, 'reference')
      expect(Math.abs(gdalArea(source, '城关镇网格') - expectedArea) / expectedArea).toBeLessThan(1e-9)
      const info = ogrinfo('-so', '-al', source)
      expect(info).toContain(`ID["EPSG",${crs}]`)
      expect(info).toContain('Geometry: Polygon')
    })
  }

  it('names the projected CRS as GDAL does (ogrinfo shows the zone) and the zip holds the readme', async () => {
    const { zip, members } = await written(4549)
    const info = ogrinfo('-so', '-al', `/vsizip/${zip}/城关镇网格.shp`)
    expect(info).toContain('CGCS2000 / 3-degree Gauss-Kruger CM 120E')
    expect(Object.keys(members).sort()).toEqual(
      [
        '城关镇网格.cpg',
        '城关镇网格.dbf',
        '城关镇网格.prj',
        '城关镇网格.shp',
        '城关镇网格.shx',
        '字段说明.txt',
        '字段说明_UTF-8.txt',
      ].sort(),
    )
    const readme = iconv.decode(Buffer.from(members['字段说明.txt'] as Uint8Array), 'gbk')
    expect(readme).toContain('网格长联系电话\t网格长联系\tC(11)')
    expect(readme).toContain('网格长联系地址\t网格长联_1\tC(')
    expect(readme).toContain('面积公顷\t面积公顷\tN(6,3)')
    expect(new TextDecoder().decode(members['字段说明_UTF-8.txt'])).toBe(readme)
  })

  it('UTF-8 field names are cut at a character boundary (3 characters), unique', async () => {
    const { zip, members } = await written(4490, 'utf-8')
    expect(members['字段说明_UTF-8.txt']).toBeUndefined()
    const info = ogrinfo('-so', '-al', `/vsizip/${zip}/城关镇网格.shp`)
    for (const name of ['网格编', '网格名', '户数', '网格长', '网格_1', '面积公']) expect(info).toContain(`${name}: `)
  })

  it('outer rings are written clockwise and holes counter-clockwise; our reader gives back the same geometry', async () => {
    const { zip } = await written(4527)
    const valid = ogrinfo(
      '-dialect',
      'sqlite',
      '-sql',
      'select sum(ST_IsValid(geometry)) as valid from "城关镇网格"',
      `/vsizip/${zip}/城关镇网格.shp`,
    )
    expect(valid).toContain('valid (Integer) = 4')
    const back = await readDataset([{ name: 'x.zip', bytes: new Uint8Array(readFileSync(zip)) }])
    expect(back.crs?.code).toBe('EPSG:4527')
    expect(back.layer.features.map((feature) => feature.geometry?.type)).toEqual(['Polygon', 'Polygon', 'MultiPolygon', 'Polygon'])
    expect(back.layer.features[1]?.geometry?.type === 'Polygon' && back.layer.features[1].geometry.coordinates).toHaveLength(2)
    expect(back.layer.features.map((feature) => feature.properties.网格名称)).toEqual(NAMES)
  })

  it('a layer mixing points and polygons becomes one shapefile per family in the zip', async () => {
    const point = {
      geometry: { type: 'Point' as const, coordinates: [117.255, 31.855] },
      properties: { 网格编码: 'P1', 网格名称: '问题点', 户数: null },
    }
    const unlocated = { geometry: null, properties: { 网格编码: 'P2', 网格名称: '无位置', 户数: null } }
    const output = await writeDataset('shp', { ...layer, name: '问题', features: [...layer.features, point, unlocated] }, { crs: 4490 })
    const dir = path.join(temp.dir, 'mixed')
    mkdirSync(dir)
    writeFileSync(path.join(dir, output.name), output.bytes)
    expect(Object.keys(unzipSync(output.bytes)).filter((name) => name.endsWith('.shp'))).toEqual(['问题_polygon.shp', '问题_point.shp'])
    expect(gdalGeoJson(`/vsizip/${dir}/问题.zip/问题_point.shp`).features).toHaveLength(1)
    // The feature without geometry rides with the first family as a null shape.
    const polygons = gdalGeoJson(`/vsizip/${dir}/问题.zip/问题_polygon.shp`).features
    expect(polygons.map((feature) => feature.geometry?.type ?? null)).toEqual(['Polygon', 'Polygon', 'MultiPolygon', 'Polygon', null])
    expect(uploadOf(dir)).toHaveLength(1)
  })
})
