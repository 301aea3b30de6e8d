import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { zipSync } from 'fflate'
import type { FeatureCollection, Geometry } from 'geojson'
import { afterAll, describe, expect, it } from 'vitest'
import { readDataset } from '../read.js'
import { expectIoError, FIXTURES, makeTempDir, maxDistanceMetres, ogr2ogr, uploadOf } from '../testing/gdal.js'

// Shapefiles written by GDAL (ogr2ogr) in the encodings and projections Chinese county data comes
// in, read back by readDataset: the same names, the same geometry within 1 cm.

const FIXTURE = path.join(FIXTURES, 'grids-cn-shapes.geojson')
const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as FeatureCollection
const temp = makeTempDir()
afterAll(temp.remove)

let counter = 0
/** ogr2ogr the fixture into a fresh folder as NAME.shp; returns the folder. */
function shapefile(args: string[], name = 'grids', source = FIXTURE): string {
  const dir = path.join(temp.dir, `case${++counter}`)
  mkdirSync(dir)
  ogr2ogr('-f', 'ESRI Shapefile', ...args, path.join(dir, `${name}.shp`), source)
  return dir
}

// GDAL launders the two long field names to 10 bytes of GBK exactly as the writer does.
const FIELD_NAMES = ['网格编码', '网格名称', '户数', '网格长联系', '网格长联_1', '面积公顷']

function expectSameAsFixture(features: { geometry: Geometry | null; properties: Record<string, unknown> }[]) {
  expect(features).toHaveLength(expected.features.length)
  for (const [i, feature] of features.entries()) {
    const wanted = expected.features[i]
    const values = Object.values(wanted?.properties ?? {}).map((value) => value ?? null)
    expect(Object.keys(feature.properties)).toEqual(FIELD_NAMES)
    expect(Object.values(feature.properties).map((value, j) => (value === '' && values[j] === null ? null : value))).toEqual(values)
    expect(maxDistanceMetres(feature.geometry, wanted?.geometry ?? null)).toBeLessThan(0.01)
  }
}

function setLanguageDriver(dir: string, ldid: number) {
  const file = path.join(dir, 'grids.dbf')
  const bytes = readFileSync(file)
  bytes[29] = ldid
  writeFileSync(file, bytes)
}

/** A GBK shapefile that says so only by its DBF language driver (the .cpg removed); read, with the encoding expected. */
async function readByLanguageDriver(ldid: number, encoding: { name: string; source: string }, args: string[] = []) {
  const dir = shapefile([...args, '-lco', 'ENCODING=GBK'])
  rmSync(path.join(dir, 'grids.cpg'))
  setLanguageDriver(dir, ldid)
  const dataset = await readDataset(uploadOf(dir))
  expect(dataset.layer.encoding).toEqual(encoding)
  expectSameAsFixture(dataset.layer.features)
}

describe('reading shapefiles written by GDAL', () => {
  for (const epsg of [4527, 4549]) {
    it(`GBK (.cpg "GBK"), EPSG:${epsg}: names and geometry survive`, async () => {
      const dataset = await readDataset(uploadOf(shapefile(['-t_srs', `EPSG:${epsg}`, '-lco', 'ENCODING=GBK'])))
      expect(dataset.format).toBe('shp')
      expect(dataset.crs?.code).toBe(`EPSG:${epsg}`)
      expect(dataset.layer.encoding).toEqual({ name: 'gbk', source: 'cpg' })
      expect(dataset.layer.fields.map((field) => field.type)).toEqual(['string', 'string', 'integer', 'string', 'string', 'number'])
      expectSameAsFixture(dataset.layer.features)
    })

    it(`CP936 (.cpg "CP936"), EPSG:${epsg}`, async () => {
      const dataset = await readDataset(uploadOf(shapefile(['-t_srs', `EPSG:${epsg}`, '-lco', 'ENCODING=CP936'])))
      expect(dataset.layer.encoding).toEqual({ name: 'gbk', source: 'cpg' })
      expectSameAsFixture(dataset.layer.features)
    })

    it(`UTF-8 (.cpg "UTF-8"), EPSG:${epsg}`, async () => {
      const dataset = await readDataset(uploadOf(shapefile(['-t_srs', `EPSG:${epsg}`, '-lco', 'ENCODING=UTF-8'])))
      expect(dataset.layer.encoding).toEqual({ name: 'utf-8', source: 'cpg' })
      expect(dataset.crs?.code).toBe(`EPSG:${epsg}`)
      // GDAL 3.6 cuts UTF-8 field names at 10 bytes mid-character (网格名称 → 网格名 + a broken byte):
      // the names are compared by their start, the values by position.
      const names = dataset.layer.fields.map((field) => field.name)
      expect(names.map((name) => name.slice(0, 2))).toEqual(['网格', '网格', '户数', '网格', '网格', '面积'])
      const nameField = names[1] as string
      expect(dataset.layer.features.map((feature) => feature.properties[nameField])).toEqual(
        expected.features.map((feature) => feature.properties?.网格名称),
      )
    })

    it(`GBK with the language driver only (0x4D, no .cpg), EPSG:${epsg}`, async () => {
      await readByLanguageDriver(0x4d, { name: 'gbk', source: 'ldid' }, ['-t_srs', `EPSG:${epsg}`])
    })
  }

  it('language driver 0x7A is code page 936 as well; 0x57 (ANSI) says nothing and the bytes decide', async () => {
    await readByLanguageDriver(0x7a, { name: 'gbk', source: 'ldid' })
    await readByLanguageDriver(0x57, { name: 'gb18030', source: 'detected' })
  })

  it('an explicit encoding overrides the .cpg; an unknown .cpg is skipped with a note', async () => {
    const dir = shapefile(['-lco', 'ENCODING=GBK'])
    const explicit = await readDataset(uploadOf(dir), { encoding: 'GB18030' })
    expect(explicit.layer.encoding).toEqual({ name: 'gb18030', source: 'explicit' })
    expectSameAsFixture(explicit.layer.features)
    writeFileSync(path.join(dir, 'grids.cpg'), 'KLINGON-1\n')
    const skipped = await readDataset(uploadOf(dir))
    expect(skipped.layer.encoding).toEqual({ name: 'gb18030', source: 'detected' })
    expect(skipped.layer.notes).toEqual([{ code: 'cpg_unknown', params: { file: 'grids.cpg', cpg: 'KLINGON-1', encoding: 'gb18030' } }])
  })

  it('.cpg spellings: 936, gb2312, " utf8 ", 65001', async () => {
    const dir = shapefile(['-lco', 'ENCODING=GBK'])
    for (const [cpg, name] of [
      ['936', 'gbk'],
      ['gb2312', 'gbk'],
      ['GB18030', 'gb18030'],
    ]) {
      writeFileSync(path.join(dir, 'grids.cpg'), cpg as string)
      expect((await readDataset(uploadOf(dir))).layer.encoding).toEqual({ name, source: 'cpg' })
    }
    const utf8 = shapefile(['-lco', 'ENCODING=UTF-8'])
    for (const cpg of [' utf8 \r\n', '65001']) {
      writeFileSync(path.join(utf8, 'grids.cpg'), cpg)
      expect((await readDataset(uploadOf(utf8))).layer.encoding).toEqual({ name: 'utf-8', source: 'cpg' })
    }
  })

  it('a zip with nested folders and two layers: layer names by base name, the choice picks one', async () => {
    const grids = shapefile(['-t_srs', 'EPSG:4527', '-lco', 'ENCODING=GBK'], '城关镇网格')
    const roads = shapefile(['-lco', 'ENCODING=GBK', '-where', '"户数" > 100'], '道路')
    const members: Record<string, Uint8Array> = {}
    for (const file of uploadOf(grids)) members[`数据/网格/${file.name}`] = file.bytes
    for (const file of uploadOf(roads)) members[`数据/其他/${file.name}`] = file.bytes
    const upload = [{ name: '县级数据.zip', bytes: zipSync(members) }]
    const first = await readDataset(upload)
    expect(first.layerNames.sort()).toEqual(['城关镇网格', '道路'].sort())
    const chosen = await readDataset(upload, { layer: '道路' })
    expect(chosen.layer.name).toBe('道路')
    expect(chosen.layer.features).toHaveLength(2)
    const other = await readDataset(upload, { layer: '城关镇网格' })
    expect(other.crs?.code).toBe('EPSG:4527')
    expectSameAsFixture(other.layer.features)
    await expectIoError(() => readDataset(upload, { layer: '水系' }), 'io_layer_not_found', {
      zh: '中没有图层“水系”',
      en: 'has no layer "水系"',
    })
  })

  it('two fields whose names decode alike keep both values (the second numbered)', async () => {
    const dir = shapefile(['-lco', 'ENCODING=GBK'])
    const file = path.join(dir, 'grids.dbf')
    const bytes = readFileSync(file)
    // The second field descriptor (网格名称) gets the first one's name (网格编码).
    bytes.copy(bytes, 64, 32, 43)
    writeFileSync(file, bytes)
    const dataset = await readDataset(uploadOf(dir))
    expect(dataset.layer.fields.slice(0, 2).map((field) => field.name)).toEqual(['网格编码', '网格编码_2'])
    expect(dataset.layer.features[0]?.properties.网格编码_2).toBe('城关镇东街网格')
  })

  it('Z values are dropped with a note', async () => {
    const dataset = await readDataset(uploadOf(shapefile(['-dim', 'XYZ', '-lco', 'ENCODING=GBK'])))
    expect(dataset.layer.notes.map((note) => note.code)).toEqual(['zm_dropped'])
    expectSameAsFixture(dataset.layer.features)
  })
})

describe('what a shapefile does not say, and what is refused', () => {
  it('no .prj: the CRS is null (the importer asks); a chosen CRS then reads it right', async () => {
    const dir = shapefile(['-t_srs', 'EPSG:4527', '-lco', 'ENCODING=GBK'])
    const files = uploadOf(dir, ['grids.shp', 'grids.shx', 'grids.dbf'])
    const dataset = await readDataset(files)
    expect(dataset.crs).toBeNull()
    expect(dataset.layer.crs).toEqual({ kind: 'none' })
    const chosen = await readDataset(files, { crs: 'EPSG:4527' })
    expectSameAsFixture(chosen.layer.features)
  })

  it('a .prj that names a system gridwork does not know: null, with the text kept for the preview', async () => {
    const dataset = await readDataset(uploadOf(shapefile(['-t_srs', 'EPSG:2154', '-lco', 'ENCODING=GBK'])))
    expect(dataset.crs).toBeNull()
    expect(dataset.layer.crs.kind).toBe('wkt')
    expect(dataset.layer.crs.kind === 'wkt' && dataset.layer.crs.wkt).toContain('RGF_1993_Lambert_93')
  })

  it('a .prj in WGS 84 / UTM (ESRI text, no authority) is recognised and read within 1 cm', async () => {
    for (const [epsg, name] of [
      [32650, 'WGS 84 / UTM zone 50N'],
      [32649, 'WGS 84 / UTM zone 49N'],
    ] as const) {
      const dataset = await readDataset(uploadOf(shapefile(['-t_srs', `EPSG:${epsg}`, '-lco', 'ENCODING=GBK'])))
      expect(dataset.layer.crs.kind === 'wkt' && dataset.layer.crs.wkt).toContain('UTM_Zone')
      expect(dataset.crs).toMatchObject({ code: `EPSG:${epsg}`, name })
      expectSameAsFixture(dataset.layer.features)
    }
  })

  for (const [epsg, system] of [
    [2435, 'Beijing 1954'],
    [21480, 'Beijing 1954'],
    [2362, 'Xian 1980'],
  ] as const) {
    it(`EPSG:${epsg} (${system}) is refused: no 7-parameter set ships`, async () => {
      const dir = shapefile(['-t_srs', `EPSG:${epsg}`, '-lco', 'ENCODING=GBK'])
      await expectIoError(() => readDataset(uploadOf(dir)), 'io_crs_refused', {
        zh: `${system} 转换到 CGCS2000 需要当地的七参数`,
        en: `converting ${system} to CGCS2000 needs a local 7-parameter`,
      })
    })
  }

  it('missing .dbf or .shx: names the shapefile and the part', async () => {
    const dir = shapefile(['-lco', 'ENCODING=GBK'])
    await expectIoError(() => readDataset(uploadOf(dir, ['grids.shp', 'grids.shx', 'grids.prj'])), 'io_shp_missing_part', {
      zh: 'Shapefile grids.shp 不完整：缺少 .dbf 文件',
      en: 'The shapefile grids.shp is incomplete: its .dbf file is missing',
    })
    await expectIoError(() => readDataset(uploadOf(dir, ['grids.shp', 'grids.dbf'])), 'io_shp_missing_part', {
      zh: '缺少 .shx 文件',
      en: 'its .shx file is missing',
    })
    await expectIoError(() => readDataset(uploadOf(dir, ['grids.dbf', 'grids.cpg'])), 'io_shp_missing_part', {
      zh: '缺少 .shp 文件',
      en: 'its .shp file is missing',
    })
  })

  it('a .dbf with fewer records than the .shp has shapes: both counts in the message', async () => {
    const dir = shapefile(['-lco', 'ENCODING=GBK'])
    const short = shapefile(['-lco', 'ENCODING=GBK', '-limit', '3'])
    writeFileSync(path.join(dir, 'grids.dbf'), readFileSync(path.join(short, 'grids.dbf')))
    await expectIoError(() => readDataset(uploadOf(dir)), 'io_shp_count_mismatch', {
      zh: '.shp/.shx 有 4 个图形，.dbf 有 3 条记录',
      en: 'the .shp/.shx hold 4 shapes but the .dbf holds 3 records',
    })
  })

  it('an unknown explicit encoding is refused with the choices', async () => {
    const dir = shapefile(['-lco', 'ENCODING=GBK'])
    await expectIoError(() => readDataset(uploadOf(dir), { encoding: 'klingon' }), 'io_encoding_unknown', {
      zh: '无法识别字符编码 klingon',
      en: 'The text encoding klingon is not recognised',
    })
  })
})
