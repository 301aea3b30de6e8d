import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createMiniCountyApp, postUpload } from '../testing/app.js'
import { type GdalDir, gdalDir } from '../testing/gdal.js'
import { boxPolygon } from '../testing/shapes.js'

// A region code list (codes, names, 城乡分类代码; no polygons) through the import wizard's API,
// the readers around regions that have no boundary yet, and the boundaries imported later.

const uploadRoot = mkdtempSync(path.join(os.tmpdir(), 'gridwork-code-list-test-'))
let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let gdal: GdalDir

beforeAll(async () => {
  t = await createMiniCountyApp({ uploads: { root: uploadRoot, limitBytes: 1024 * 1024 } })
  gdal = gdalDir()
})
afterAll(async () => {
  await t?.close()
  gdal?.remove()
  rmSync(uploadRoot, { recursive: true, force: true })
})

const HEADER = '统计用区划代码,名称,城乡分类代码,级别'
const csv = (...rows: string[]) => `${[HEADER, ...rows].join('\r\n')}\r\n`

const uploadId = async (name: string, bytes: Buffer) => {
  const response = await postUpload(t, t.tokens.county, name, bytes)
  expect(response.status, response.text).toBe(201)
  return response.body.id as string
}
const post = (url: string, body: object, language = 'zh-CN') =>
  t.http().post(`/api/v1/${url}`).set(bearer(t.tokens.county)).set('Accept-Language', language).send(body)
const get = (url: string, language = 'zh-CN') =>
  t.http().get(`/api/v1/${url}`).set(bearer(t.tokens.county)).set('Accept-Language', language)
const regionCount = async () => (await t.db.selectFrom('regions').select('code').execute()).length

describe('a code list of regions', () => {
  it('names every bad row and its column, in zh-CN and en, and writes nothing', async () => {
    const file = csv(
      '99010100100,短代码社区,111,5',
      '990101009001,无上级村,220,5',
      '990101001003,级别不符社区,111,4',
      '990101001004,分类错社区,130,5',
      '990101001005,甲社区,111,5',
      '990101001005,乙社区,111,5',
      '990101001001,桂花社区,111,5',
      '990101008001,先于上级村,220,5',
      '990101008000,后列镇,210,4',
    )
    const id = await uploadId('代码表.csv', Buffer.from(file))
    const shown = await post(`uploads/${id}/preview`, { type: 'regions', region: '990101' })
    expect(shown.status, shown.text).toBe(200)
    expect(shown.body.map).toEqual({ code: '统计用区划代码', name: '名称', urban_rural: '城乡分类代码', level: '级别' })
    expect(
      shown.body.problems.map(({ feature, field, code }: { feature: number; field: string; code: string }) => [feature, field, code]),
    ).toEqual([
      [1, '统计用区划代码', 'code_invalid'],
      [2, '统计用区划代码', 'parent_missing'],
      [3, '级别', 'level_mismatch'],
      [4, '城乡分类代码', 'urban_rural_invalid'],
      [6, '统计用区划代码', 'code_duplicate'],
      [7, '统计用区划代码', 'code_exists'],
      [8, '统计用区划代码', 'parent_missing'],
    ])
    expect(shown.body.problems.map((problem: { message: string }) => problem.message)).toEqual([
      '代码表.csv：第 2 行，“统计用区划代码”列：“99010100100”不是 12 位数字的统计用区划代码',
      '代码表.csv：第 3 行，“统计用区划代码”列：区划 990101009001 的上级区划 990101009000 不存在（数据库中没有，文件中此行之前也没有）',
      '代码表.csv：第 4 行，“级别”列：级别“4”与代码 990101001003 的级别 5 不符（1 省、2 市、3 县、4 乡镇街道、5 村社区）',
      '代码表.csv：第 5 行，“城乡分类代码”列：城乡分类代码“130”无效，应为 111–122、210 或 220',
      '代码表.csv：第 7 行，“统计用区划代码”列：代码 990101001005 在文件中重复（第 6 行已有）',
      '代码表.csv：第 8 行，“统计用区划代码”列：区划 990101001001 已存在，代码不重复导入',
      '代码表.csv：第 9 行，“统计用区划代码”列：区划 990101008001 的上级区划 990101008000 不存在（数据库中没有，文件中此行之前也没有）',
    ])
    const english = await post(`uploads/${id}/preview`, { type: 'regions', region: '990101' }, 'en')
    expect(english.body.problems.map((problem: { message: string }) => problem.message)).toEqual([
      '代码表.csv: row 2, column "统计用区划代码": "99010100100" is not a 12-digit statistical division code',
      '代码表.csv: row 3, column "统计用区划代码": the parent region 990101009000 of 990101009001 does not exist (not in the database, nor earlier in the file)',
      '代码表.csv: row 4, column "级别": level "4" does not match level 5 of code 990101001003 (1 province, 2 city, 3 county, 4 township, 5 village/community)',
      '代码表.csv: row 5, column "城乡分类代码": urban/rural class "130" is invalid; expected 111–122, 210 or 220',
      '代码表.csv: row 7, column "统计用区划代码": code 990101001005 is repeated in the file (first at row 6)',
      '代码表.csv: row 8, column "统计用区划代码": region 990101001001 already exists; codes are not imported twice',
      '代码表.csv: row 9, column "统计用区划代码": the parent region 990101008000 of 990101008001 does not exist (not in the database, nor earlier in the file)',
    ])
    const before = await regionCount()
    const refused = await post(`uploads/${id}/commit`, { type: 'regions', region: '990101' })
    expect(refused.status).toBe(422)
    expect(refused.body.error.code).toBe('import_has_problems')
    expect(await regionCount()).toBe(before)
  })

  it("refuses a boundary whose level is not its code's, in zh-CN and en, and writes nothing", async () => {
    const polygons = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { code: '990101001008', name: '错级社区', level: 4 },
          geometry: boxPolygon(113.0, 28.0, 113.01, 28.01),
        },
      ],
    })
    const id = await uploadId('错级.geojson', Buffer.from(polygons))
    const messages = async (language: string) =>
      (await post(`uploads/${id}/preview`, { type: 'regions', region: '990101' }, language)).body.problems.map(
        (problem: { field: string; message: string }) => [problem.field, problem.message],
      )
    expect(await messages('zh-CN')).toEqual([
      [
        'level',
        '错级.geojson：要素 #1（990101001008） 的层级为 4，但代码 990101001008 是第 5 级的代码（1 省、2 市、3 县、4 乡镇街道、5 村社区）',
      ],
    ])
    expect(await messages('en')).toEqual([
      [
        'level',
        '错级.geojson: Feature #1（990101001008） has level 4, but code 990101001008 is a level 5 code (1 province, 2 city, 3 county, 4 township, 5 village/community)',
      ],
    ])
    const before = await regionCount()
    expect((await post(`uploads/${id}/commit`, { type: 'regions', region: '990101' })).status).toBe(422)
    expect(await regionCount()).toBe(before)
  })

  it('refuses a code outside the import region and a missing name', async () => {
    const id = await uploadId('codes.csv', Buffer.from(csv('990102001000,邻县镇,210,4', '990101001006,,111,5')))
    const shown = await post(`uploads/${id}/preview`, { type: 'regions', region: '990101' }, 'en')
    expect(shown.body.problems.map((problem: { message: string }) => problem.message)).toEqual([
      'codes.csv: row 2, column "统计用区划代码": region 990102001000 is not under the import region 990101',
      'codes.csv: row 3, column "名称": the name is missing',
    ])
  })

  it('needs no coordinate system: the preview says none, whatever was chosen, and the list still imports', async () => {
    const id = await uploadId('codes.csv', Buffer.from(csv('990101001007,荷花社区,111,5')))
    const shown = await post(`uploads/${id}/preview`, { type: 'regions', region: '990101' })
    expect(shown.status, shown.text).toBe(200)
    expect(shown.body).toMatchObject({ format: 'csv', geometry_types: [], crs: { status: 'none' }, problems: [] })
    const chosen = await post(`uploads/${id}/preview`, { type: 'regions', region: '990101', crs: 'EPSG:4527' })
    expect(chosen.body).toMatchObject({ crs: { status: 'none' }, problems: [] })
    // A file with coordinates still names its system.
    const polygons = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { code: '990101001007', name: '荷花社区' }, geometry: boxPolygon(113.0, 28.0, 113.01, 28.01) },
      ],
    })
    const bounded = await post(`uploads/${await uploadId('荷花社区.geojson', Buffer.from(polygons))}/preview`, {
      type: 'regions',
      region: '990101',
    })
    expect(bounded.body.crs).toEqual({ status: 'known', code: 'EPSG:4490', name: expect.any(String) })
  })

  it('imports new communities under 城关镇 and a new township from an XLSX written by GDAL, without boundaries', async () => {
    writeFileSync(
      gdal.path('codes.csv'),
      csv('990101001003,新城社区,111,5', '990101003000,新河镇,121,4', '990101003001,新河社区,111,5', '990101003002,新河村,220,村级'),
    )
    gdal.ogr2ogr('-f', 'XLSX', gdal.path('代码表.xlsx'), gdal.path('codes.csv'), '-nln', '代码表')
    const id = await uploadId('代码表.xlsx', Buffer.from(gdal.input('代码表.xlsx').bytes))
    const shown = await post(`uploads/${id}/preview`, { type: 'regions', region: '990101' })
    expect(shown.status, shown.text).toBe(200)
    expect(shown.body).toMatchObject({ format: 'xlsx', feature_count: 4, geometry_types: [], problems: [], crs: { status: 'none' } })
    const done = await post(`uploads/${id}/commit`, { type: 'regions', region: '990101' })
    expect(done.status, done.text).toBe(200)
    expect(done.body).toMatchObject({ type: 'regions', imported: 4, message: '已导入 4 个区划' })
    const rows = await t.db
      .selectFrom('regions')
      .select(['code', 'name', 'level', 'parent_code', 'urban_rural', (eb) => eb('boundary', 'is', null).as('no_boundary')])
      .where('code', 'in', ['990101001003', '990101003000', '990101003001', '990101003002'])
      .orderBy('code')
      .execute()
    expect(rows).toEqual([
      { code: '990101001003', name: '新城社区', level: 5, parent_code: '990101001000', urban_rural: '111', no_boundary: true },
      { code: '990101003000', name: '新河镇', level: 4, parent_code: '990101000000', urban_rural: '121', no_boundary: true },
      { code: '990101003001', name: '新河社区', level: 5, parent_code: '990101003000', urban_rural: '111', no_boundary: true },
      { code: '990101003002', name: '新河村', level: 5, parent_code: '990101003000', urban_rural: '220', no_boundary: true },
    ])
  })

  it('lists, shows, validates, looks up and exports around regions without a boundary: no 500', async () => {
    const township = await get('regions/990101003000')
    expect(township.status).toBe(200)
    expect(township.body).toMatchObject({ name: '新河镇', bbox: null, grid_count: 0 })
    expect(township.body.ancestors.map((region: { code: string }) => region.code)).toEqual(['990000000000', '990100000000', '990101000000'])
    expect((await get('regions/990101003001')).body).toMatchObject({ name: '新河社区', bbox: null })
    const children = await get('regions/990101001000/children')
    expect(children.status).toBe(200)
    const geometries = Object.fromEntries(
      children.body.features.map((feature: { id: string; geometry: { type: string } | null }) => [
        feature.id,
        feature.geometry?.type ?? null,
      ]),
    )
    expect(geometries).toEqual({ '990101001001': 'MultiPolygon', '990101001002': 'MultiPolygon', '990101001003': null })
    expect((await get('regions/990101000000/children?descendants=true')).body.features).toHaveLength(9)

    // Coverage of a township without a boundary cannot be checked: said in plain words.
    const grids = await get('grids?region=990101001')
    const refused = await post('validate', { features: grids.body, parent: '990101003000' })
    expect(refused.status).toBe(400)
    expect(refused.body.error.message).toBe('行政区划“990101003000”还没有边界数据（例如由代码表导入），无法检查网格覆盖；请先导入它的边界')
    // A township with a boundary but a community without one validates as before.
    const checked = await post('validate', { features: grids.body, parent: '990101001000' })
    expect(checked.status, checked.text).toBe(200)

    expect((await get('lookup?lng=113.015&lat=28.01')).status).toBe(200)
    const exported = await get('export?region=990101003&layer=grids&format=geojson')
    expect(exported.status).toBe(200)
    expect(exported.headers['x-feature-count']).toBe('0')
    // A region without grids has no issues to export, boundary or not (as before).
    expect((await get('export?region=990101003&layer=issues&format=geojson')).body.error.code).toBe('validation_empty')

    // Grids for the township without a boundary: the preview says why it cannot check them.
    const gridFile = JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { name: '新河一网格' }, geometry: boxPolygon(113.04, 28.0, 113.05, 28.02) }],
    })
    const gridUpload = await uploadId('新河镇网格.geojson', Buffer.from(gridFile))
    const gridPreview = await post(`uploads/${gridUpload}/preview`, { type: 'grids', region: '990101003' })
    expect(gridPreview.status).toBe(400)
    expect(gridPreview.body.error.code).toBe('parent_without_boundary')
    expect((await get('export?region=990101001&layer=issues&format=geojson')).status).toBe(200)
  })

  it('sets the boundary when the polygons come later (audited), and refuses a code that has one', async () => {
    const polygons = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { code: '990101003000', name: '新河镇' }, geometry: boxPolygon(113.04, 28.0, 113.06, 28.02) },
        { type: 'Feature', properties: { code: '990101003001', name: '新河社区' }, geometry: boxPolygon(113.04, 28.0, 113.05, 28.02) },
        // A new region beside them: a 级别 column is the level, by name too.
        {
          type: 'Feature',
          properties: { code: '990101007000', name: '北岭镇', 级别: '乡级' },
          geometry: boxPolygon(113.06, 28.0, 113.08, 28.02),
        },
      ],
    })
    const id = await uploadId('新河镇.geojson', Buffer.from(polygons))
    const done = await post(`uploads/${id}/commit`, { type: 'regions', region: '990101' })
    expect(done.status, done.text).toBe(200)
    expect(done.body.imported).toBe(3)
    expect((await get('regions/990101007000')).body).toMatchObject({ level: 4, parent_code: '990101000000' })
    const bounded = await t.db
      .selectFrom('regions')
      .select(['code', (eb) => eb('boundary', 'is not', null).as('bounded')])
      .where('code', 'like', '990101003%')
      .orderBy('code')
      .execute()
    expect(bounded.map((row) => [row.code, row.bounded])).toEqual([
      ['990101003000', true],
      ['990101003001', true],
      ['990101003002', false],
    ])
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['entity_id', 'before'])
      .where('action', '=', 'set_region_boundary')
      .orderBy('id')
      .execute()
    expect(audit).toEqual([
      { entity_id: '990101003000', before: { boundary: null } },
      { entity_id: '990101003001', before: { boundary: null } },
    ])
    expect((await get('regions/990101003000')).body.bbox).toEqual([113.04, 28.0, 113.06, 28.02])

    const again = await uploadId('新河镇.geojson', Buffer.from(polygons))
    const refused = await post(`uploads/${again}/commit`, { type: 'regions', region: '990101' })
    expect(refused.status).toBe(422)
    expect(refused.body.error.details.map((problem: { code: string }) => problem.code)).toEqual([
      'code_exists',
      'code_exists',
      'code_exists',
    ])
  })
})
