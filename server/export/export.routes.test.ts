import { sql } from 'kysely'
import type { Response } from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemActor } from '../audit/audit.repository.js'
import { replaceReferenceLayer } from '../reference/reference.repository.js'
import { bearer, bytesOf, createMiniCountyApp } from '../testing/app.js'

// GET /api/v1/export over the mini county (城关镇: 3 grids, 青石乡: 1 oversized grid): the file,
// its name, the grids as of a date, the validation issues, and every refusal in both languages.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>

const RENAMED = '990101001001002'

beforeAll(async () => {
  t = await createMiniCountyApp()
  // 桂花社区第二网格 renamed from 2026-11-01: the version in force before stays readable by date.
  await sql`UPDATE grids SET valid_to = '2026-11-01' WHERE code = ${RENAMED} AND valid_to IS NULL`.execute(t.db)
  await sql`
    INSERT INTO grids (code, version, name, kind, region_code, geom, households, population, count_date, valid_from, attributes, created_by)
    SELECT code, 2, '桂花社区北网格', kind, region_code, geom, households, population, count_date, '2026-11-01', attributes, 'test'
    FROM grids WHERE code = ${RENAMED} AND version = 1`.execute(t.db)
  await replaceReferenceLayer(t.db, {
    region: '990101',
    name: '道路',
    kind: 'road',
    actor: systemActor('test'),
    features: [
      {
        geometry: {
          type: 'LineString',
          coordinates: [
            [113.0, 28.01],
            [113.04, 28.01],
          ],
        },
        name: '青石路',
        class: '县道',
        properties: { 路面: '沥青' },
      },
    ],
  })
})

afterAll(async () => {
  await t?.close()
})

type Query = Record<string, string>

function download(query: Query, token = t.tokens.county, language = 'zh-CN') {
  return t.http().get('/api/v1/export').query(query).set(bearer(token)).set('Accept-Language', language).buffer(true).parse(bytesOf)
}

function collection(response: Response) {
  return JSON.parse((response.body as Buffer).toString('utf8')) as {
    features: { geometry: { type: string }; properties: Record<string, string | number | null> }[]
  }
}

describe('GET /api/v1/export: grids as GeoJSON', () => {
  it('answers the grids in force today with Chinese columns and a Chinese file name', async () => {
    const response = await download({ region: '990101001', layer: 'grids', format: 'geojson' })
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toContain('application/geo+json')
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10) // the date in China (UTC+8)
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="990101001-grids-${today}.geojson"; filename*=UTF-8''${encodeURIComponent(`城关镇-网格-${today}.geojson`)}`,
    )
    const { features } = collection(response)
    expect(features.map((f) => f.properties.网格编码)).toEqual(['990101001001001', RENAMED, '990101001002001'])
    expect(features.map((f) => f.properties.网格名称)).toEqual(['桂花社区第一网格', '桂花社区北网格', '东湖社区第一网格'])
    expect(features[2]?.properties).toEqual({
      网格编码: '990101001002001',
      网格名称: '东湖社区第一网格',
      网格类型: '综合网格',
      户数: 410,
      人口: 1100,
      网格长: '李明',
      社区代码: '990101001002',
      所属社区: '东湖社区',
      生效日期: '2026-01-01',
    })
    expect(features.every((f) => f.geometry.type === 'MultiPolygon' || f.geometry.type === 'Polygon')).toBe(true)
  })

  it('answers the version in force on as_of: the old name before the change', async () => {
    const before = collection(await download({ region: '990101001', layer: 'grids', format: 'geojson', as_of: '2026-06-01' }))
    expect(before.features.find((f) => f.properties.网格编码 === RENAMED)?.properties.网格名称).toBe('桂花社区第二网格')
    const after = collection(await download({ region: '990101001', layer: 'grids', format: 'geojson', as_of: '2026-11-01' }))
    expect(after.features.find((f) => f.properties.网格编码 === RENAMED)?.properties).toMatchObject({
      网格名称: '桂花社区北网格',
      生效日期: '2026-11-01',
    })
  })

  it('lets a department export its county (read access is enough); English kind labels for an English reader', async () => {
    const response = await download({ region: '990101', layer: 'grids', format: 'geojson' }, await t.token('dept'), 'en')
    expect(response.status).toBe(200)
    const { features } = collection(response)
    expect(features).toHaveLength(4)
    expect(features[0]?.properties.网格类型).toBe('comprehensive grid')
    expect(response.headers['content-disposition']).toContain(encodeURIComponent('示范县-grids-'))
  })
})

describe('GET /api/v1/export: validation issues', () => {
  it('answers the issues the validation tab shows, each where it lies, in the reader’s language', async () => {
    const response = await download({ region: '990101', layer: 'issues', format: 'geojson' })
    expect(response.status).toBe(200)
    const { features } = collection(response)
    const oversized = features.find((f) => f.properties.问题代码 === 'households_above_max')
    expect(oversized?.properties).toMatchObject({ 严重程度: expect.any(String), 涉及网格: '990101002001001' })
    expect(String(oversized?.properties.问题说明)).toContain('990101002001001')
    expect(oversized?.geometry).not.toBeNull()
    const english = collection(await download({ region: '990101', layer: 'issues', format: 'geojson' }, t.tokens.county, 'en'))
    const message = english.features.find((f) => f.properties.问题代码 === 'households_above_max')?.properties.问题说明
    expect(String(message)).toMatch(/households/i)
  })
})

describe('GET /api/v1/export in OpenAPI', () => {
  it('documents the query and a binary answer', async () => {
    const spec = (await t.http().get('/openapi.json')).body as {
      paths: Record<
        string,
        { get: { parameters: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, unknown> }> } }
      >
    }
    const operation = spec.paths['/api/v1/export']?.get
    expect(operation?.parameters.filter((p) => p.in === 'query').map((p) => p.name)).toEqual([
      'region',
      'layer',
      'format',
      'crs',
      'as_of',
      'encoding',
    ])
    expect(operation?.responses['200']?.content).toEqual({
      'application/octet-stream': { schema: expect.objectContaining({ type: 'string', format: 'binary' }) },
    })
  })
})

describe('GET /api/v1/export: reference layers', () => {
  it('answers the county’s layer for the county and for a township inside it, with the features’ own columns', async () => {
    for (const [region, token] of [
      ['990101', t.tokens.county],
      ['990101001', t.tokens.township],
    ] as const) {
      const response = await download({ region, layer: 'reference:道路', format: 'geojson' }, token)
      expect(response.status).toBe(200)
      const { features } = collection(response)
      expect(features.map((f) => f.properties)).toEqual([{ 名称: '青石路', 类别: '县道', 路面: '沥青' }])
      expect(features[0]?.geometry.type).toBe('LineString')
      expect(response.headers['content-disposition']).toContain(encodeURIComponent('-道路-'))
    }
  })
})

describe('GET /api/v1/export: refusals name the problem in Chinese and English', () => {
  const cases: { name: string; query: Query; token?: 'township'; status: number; code: string; zh: RegExp; en: RegExp }[] = [
    {
      name: 'an unknown region',
      query: { region: '990101009', layer: 'grids', format: 'geojson' },
      status: 404,
      code: 'region_not_found',
      zh: /990101009/,
      en: /Region "990101009" was not found/,
    },
    {
      name: 'a region outside the caller’s scope',
      query: { region: '990101002', layer: 'grids', format: 'geojson' },
      token: 'township',
      status: 403,
      code: 'forbidden_region',
      zh: /990101001/,
      en: /990101001/,
    },
    {
      name: 'an unknown layer',
      query: { region: '990101', layer: 'roads', format: 'geojson' },
      status: 400,
      code: 'export_layer_unknown',
      zh: /无法导出图层“roads”/,
      en: /Layer "roads" cannot be exported/,
    },
    {
      name: 'an unknown reference layer',
      query: { region: '990101', layer: 'reference:水系', format: 'geojson' },
      status: 404,
      code: 'export_reference_unknown',
      zh: /没有名为“水系”的参考图层/,
      en: /no reference layer named "水系"/,
    },
    {
      name: 'an unknown format',
      query: { region: '990101', layer: 'grids', format: 'dwg' },
      status: 400,
      code: 'invalid_request',
      zh: /字段“querystring.format”只能是以下之一：geojson, shp, gpkg, kml, fgb, csv, xlsx/,
      en: /"querystring.format" must be one of: geojson, shp, gpkg, kml, fgb, csv, xlsx/,
    },
    {
      name: 'Beijing 1954 (not CGCS2000)',
      query: { region: '990101', layer: 'grids', format: 'geojson', crs: 'EPSG:2435' },
      status: 400,
      code: 'export_crs_old_datum',
      zh: /EPSG:2435 属于北京 1954坐标系，不是 CGCS2000/,
      en: /EPSG:2435 is Beijing 1954, not CGCS2000/,
    },
    {
      name: 'WGS84 (not a CGCS2000 zone)',
      query: { region: '990101', layer: 'grids', format: 'geojson', crs: 'EPSG:4326' },
      status: 400,
      code: 'export_crs_not_cgcs2000',
      zh: /无法按坐标系 EPSG:4326 导出/,
      en: /Coordinate system EPSG:4326 cannot be exported/,
    },
    {
      name: 'a date that does not exist',
      query: { region: '990101', layer: 'grids', format: 'geojson', as_of: '2026-02-30' },
      status: 400,
      code: 'date_invalid',
      zh: /2026-02-30/,
      en: /Date "2026-02-30" is invalid/,
    },
    {
      name: 'a malformed region code',
      query: { region: '99010', layer: 'grids', format: 'geojson' },
      status: 400,
      code: 'region_prefix_invalid',
      zh: /99010/,
      en: /Region "99010" is invalid/,
    },
  ]
  for (const c of cases) {
    it(`refuses ${c.name} (${c.status} ${c.code})`, async () => {
      const token = c.token === 'township' ? t.tokens.township : t.tokens.county
      for (const [language, pattern] of [
        ['zh-CN', c.zh],
        ['en', c.en],
      ] as const) {
        const response = await download(c.query, token, language)
        expect(response.status).toBe(c.status)
        const body = JSON.parse((response.body as Buffer).toString('utf8')) as { error: { code: string; message: string } }
        expect(body.error.code).toBe(c.code)
        expect(body.error.message).toMatch(pattern)
      }
    })
  }

  it('refuses an anonymous caller (401)', async () => {
    const response = await t.http().get('/api/v1/export').query({ region: '990101', layer: 'grids', format: 'geojson' })
    expect(response.status).toBe(401)
  })
})
