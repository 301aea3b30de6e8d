import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../demo/seed.js'
import { bearer, createTestApp, type TestApp } from '../testing/app.js'

// OGC API – Features Part 3 filters (CQL2 text and JSON) over the demo county: each filter of the
// fixture table returns what the same condition in plain SQL selects, S_INTERSECTS what PostGIS's
// ST_Intersects does (in CRS84, 4490 and a Gauss-Krüger zone), filters combine with bbox,
// datetime and paging, and every kind of bad filter is a 400 in zh-CN and en, never a 500.

const FIXTURE = new URL('../../fixtures/ogc/cql2-filters.json', import.meta.url)
const { cases } = JSON.parse(readFileSync(FIXTURE, 'utf-8')) as {
  cases: { collection: string; filter: unknown; where: string; as?: string }[]
}
const EPSG = 'http://www.opengis.net/def/crs/EPSG/0/'
const LEVELS: Record<string, number> = { provinces: 1, cities: 2, counties: 3, townships: 4, communities: 5 }
const IN_FORCE = 'valid_from <= current_date AND (valid_to IS NULL OR valid_to > current_date)'

let t: TestApp
let admin: string
let township: string
beforeAll(async () => {
  t = await createTestApp()
  await seedDemo(t.db)
  admin = await t.token('admin')
  township = await t.token('township')
}, 240_000)
afterAll(async () => t?.close())

const get = (url: string, token = admin, language = 'zh-CN') => t.http().get(url).set(bearer(token)).set('Accept-Language', language)
const query = (params: Record<string, string>) => new URLSearchParams(params).toString()
/** The ids of every feature a filter selects (one page of up to 10,000). */
const filtered = async (collection: string, params: Record<string, string>, token = admin) => {
  const response = await get(`/ogc/collections/${collection}/items?${query({ limit: '10000', ...params })}`, token)
  expect(response.status, response.text).toBe(200)
  expect(response.body.numberMatched).toBe(response.body.features.length)
  return response.body.features.map((f: { id: string }) => f.id) as string[]
}
/** The ids the plain SQL condition selects from a collection's table, in the API's order. */
const selected = async (collection: string, where: string) => {
  const table =
    collection === 'grids'
      ? sql`SELECT code AS id FROM grids WHERE ${sql.raw(IN_FORCE)} AND (${sql.raw(where)}) ORDER BY code`
      : sql`SELECT code AS id FROM regions WHERE level = ${LEVELS[collection]} AND (${sql.raw(where)}) ORDER BY code`
  return (await table.execute(t.db)).rows.map((row) => (row as { id: string }).id)
}
const paramsOf = (filter: unknown): Record<string, string> =>
  typeof filter === 'string' ? { filter } : { filter: JSON.stringify(filter), 'filter-lang': 'cql2-json' }

describe('CQL2 filters (Part 3): the fixture table against plain SQL', () => {
  const title = (c: (typeof cases)[number]) =>
    `${c.as ? `(as ${c.as} writes it) ` : ''}${typeof c.filter === 'string' ? c.filter : JSON.stringify(c.filter)}`
  it.each(cases.map((c) => [title(c), c] as const))('%s', async (_, c) => {
    const expected = await selected(c.collection, c.where)
    expect(await filtered(c.collection, paramsOf(c.filter))).toEqual(expected)
  })

  it('is no empty test: most filters of the table select some features and not all', async () => {
    let some = 0
    for (const c of cases) {
      const n = (await selected(c.collection, c.where)).length
      const all = (await selected(c.collection, 'TRUE')).length
      if (n > 0 && n < all) some++
    }
    expect(some).toBeGreaterThanOrEqual(cases.length - 3)
  })
})

describe('CQL2 S_INTERSECTS against PostGIS ST_Intersects', () => {
  const extent = async () => {
    const { rows } = await sql<{ box: number[] }>`
      SELECT json_build_array(ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) AS box
      FROM (SELECT ST_Extent(geom) AS e FROM grids WHERE ${sql.raw(IN_FORCE)}) AS x`.execute(t.db)
    return rows[0]?.box as [number, number, number, number]
  }
  const intersecting = (geometrySql: string) => selected('grids', `ST_Intersects(geom, ${geometrySql})`)

  it('takes a box, a polygon, a line and points, in text and JSON, as PostGIS does', async () => {
    const [x0, y0, x1, y1] = await extent()
    const [xm, ym] = [(x0 + x1) / 2, (y0 + y1) / 2]
    const box = await intersecting(`ST_MakeEnvelope(${x0}, ${y0}, ${xm}, ${ym}, 4490)`)
    expect(box.length).toBeGreaterThan(0)
    expect(await filtered('grids', { filter: `S_INTERSECTS(geometry, BBOX(${x0}, ${y0}, ${xm}, ${ym}))` })).toEqual(box)
    // As QGIS writes it, and in 4490's lat,lon order as QGIS writes it for a layer shown in 4490.
    expect(await filtered('grids', { filter: `S_INTERSECTS(geometry,BBOX(${x0},${y0},${xm},${ym}))` })).toEqual(box)
    expect(
      await filtered('grids', { filter: `S_INTERSECTS(geometry,BBOX(${y0},${x0},${ym},${xm}))`, 'filter-crs': `${EPSG}4490` }),
    ).toEqual(box)
    const json = { op: 's_intersects', args: [{ property: 'geometry' }, { bbox: [x0, y0, xm, ym] }] }
    expect(await filtered('grids', paramsOf(json))).toEqual(box)

    const triangle = `POLYGON((${x0} ${y0}, ${x1} ${y0}, ${xm} ${y1}, ${x0} ${y0}))`
    const inTriangle = await intersecting(`ST_GeomFromText('${triangle}', 4490)`)
    expect(await filtered('grids', { filter: `S_INTERSECTS(geometry, ${triangle})` })).toEqual(inTriangle)
    const polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [x0, y0],
          [x1, y0],
          [xm, y1],
          [x0, y0],
        ],
      ],
    }
    expect(await filtered('grids', paramsOf({ op: 's_intersects', args: [polygon, { property: 'geometry' }] }))).toEqual(inTriangle)
    // In EPSG:4490 the same triangle is written lat,lon (EPSG's axis order).
    const latLon = `POLYGON((${y0} ${x0}, ${y0} ${x1}, ${y1} ${xm}, ${y0} ${x0}))`
    expect(await filtered('grids', { filter: `S_INTERSECTS(geometry, ${latLon})`, 'filter-crs': `${EPSG}4490` })).toEqual(inTriangle)

    const line = `LINESTRING(${x0} ${y0}, ${x1} ${y1})`
    expect(await filtered('grids', { filter: `s_intersects("geometry", ${line})` })).toEqual(
      await intersecting(`ST_GeomFromText('${line}', 4490)`),
    )
    const points = `MULTIPOINT((${xm} ${ym}), (${(x0 + xm) / 2} ${(y0 + ym) / 2}))`
    const atPoints = await intersecting(`ST_GeomFromText('${points}', 4490)`)
    expect(atPoints.length).toBeGreaterThan(0)
    expect(await filtered('grids', { filter: `S_INTERSECTS(geometry, ${points}) AND households >= 0` })).toEqual(
      await selected('grids', `ST_Intersects(geom, ST_GeomFromText('${points}', 4490)) AND households >= 0`),
    )
  })

  it('takes a point and a box in a Gauss-Krüger zone (northing, easting), transformed by PostGIS', async () => {
    const { rows } = await sql<{ code: string; e: number; n: number }>`
      SELECT code, ST_X(p) AS e, ST_Y(p) AS n
      FROM (SELECT code, ST_Transform(ST_PointOnSurface(geom), 4547) AS p FROM grids WHERE ${sql.raw(IN_FORCE)} ORDER BY code LIMIT 1) AS x`.execute(
      t.db,
    )
    const { code, e, n } = rows[0] as { code: string; e: number; n: number }
    const inZone = { 'filter-crs': `${EPSG}4547` }
    const atPoint = await filtered('grids', { filter: `S_INTERSECTS(geometry, POINT(${n} ${e}))`, ...inZone })
    expect(atPoint).toContain(code)
    expect(atPoint).toEqual(await intersecting(`ST_Transform(ST_SetSRID(ST_MakePoint(${e}, ${n}), 4547), 4490)`))
    const around = await filtered('grids', {
      filter: `S_INTERSECTS(geometry, BBOX(${n - 500}, ${e - 500}, ${n + 500}, ${e + 500}))`,
      ...inZone,
    })
    expect(around).toEqual(await intersecting(`ST_Transform(ST_MakeEnvelope(${e - 500}, ${n - 500}, ${e + 500}, ${n + 500}, 4547), 4490)`))
    expect(around.length).toBeGreaterThan(atPoint.length)
  })
})

describe('CQL2 filters with the other parameters', () => {
  it('pages a filtered bbox by next links that keep the filter, numberMatched counting every match', async () => {
    const { rows } = await sql<{ box: number[] }>`
      SELECT json_build_array(ST_XMin(e), ST_YMin(e), (ST_XMin(e) + ST_XMax(e)) / 2, ST_YMax(e)) AS box
      FROM (SELECT ST_Extent(geom) AS e FROM grids) AS x`.execute(t.db)
    const [x0, y0, x1, y1] = (rows[0] as { box: number[] }).box
    const expected = await selected('grids', `households > 150 AND geom && ST_MakeEnvelope(${x0}, ${y0}, ${x1}, ${y1}, 4490)`)
    expect(expected.length).toBeGreaterThan(14)
    const codes: string[] = []
    let url: string | undefined =
      `/ogc/collections/grids/items?${query({ filter: 'households > 150', bbox: `${x0},${y0},${x1},${y1}`, limit: '7' })}`
    while (url) {
      const response = await get(url)
      expect(response.body.numberMatched).toBe(expected.length)
      codes.push(...response.body.features.map((f: { id: string }) => f.id))
      const next = response.body.links.find((link: { rel: string }) => link.rel === 'next')
      if (next) expect(new URL(next.href).searchParams.get('filter')).toBe('households > 150')
      url = next ? next.href.replace(/^http:\/\/[^/]+/, '') : undefined
    }
    expect(codes).toEqual(expected)
  })

  it('filters every version of an interval (datetime), and the caller’s region only', async () => {
    const response = await get(
      `/ogc/collections/grids/items?${query({ datetime: '../..', filter: 'version > 1 OR valid_to IS NOT NULL', limit: '10000' })}`,
    )
    const { rows } = await sql<{ id: string }>`
      SELECT code || '.' || version AS id FROM grids WHERE version > 1 OR valid_to IS NOT NULL ORDER BY code, version`.execute(t.db)
    expect(response.body.features.map((f: { id: string }) => f.id)).toEqual(rows.map((row) => row.id))
    // An OR cannot reach past the caller's region: the filter is one parenthesised condition.
    const own = await filtered('grids', { filter: 'households > 0 OR TRUE' }, township)
    expect(own).toEqual(await selected('grids', `region_code LIKE '990101001%'`))
  })

  it('takes every queryable but the geometry as an equality query parameter, typed', async () => {
    const { rows } = await sql<{ households: number; valid_from: string }>`
      SELECT households, valid_from::text FROM grids WHERE ${sql.raw(IN_FORCE)} AND households IS NOT NULL ORDER BY code LIMIT 1`.execute(
      t.db,
    )
    const { households, valid_from } = rows[0] as { households: number; valid_from: string }
    expect(await filtered('grids', { households: String(households), valid_from })).toEqual(
      await selected('grids', `households = ${households} AND valid_from = '${valid_from}'`),
    )
    // Together with a filter: both hold.
    expect(await filtered('grids', { kind: 'micro', filter: 'households > 100' })).toEqual(
      await selected('grids', `kind = 'micro' AND households > 100`),
    )
  })

  it('filters a reference layer by name and class', async () => {
    const collections = (await get('/ogc/collections')).body.collections as { id: string; title: string }[]
    const roads = (collections.find((c) => c.title === '道路') as { id: string }).id
    const layer = Number(roads.slice('reference-'.length))
    const { rows } = await sql<{ id: string }>`
      SELECT id::text FROM reference_features WHERE layer_id = ${layer} AND (class LIKE '%路' OR name IS NULL) ORDER BY id`.execute(t.db)
    expect(await filtered(roads, { filter: "class LIKE '%路' OR name IS NULL" })).toEqual(rows.map((row) => row.id))
  })
})

describe('CQL2 bad filters: a 400 naming the parameter, in zh-CN and en', () => {
  const deep = `${'('.repeat(40)}households > 1${')'.repeat(40)}`
  const cases: [string, Record<string, string>, string, string, string][] = [
    [
      'syntax',
      { filter: 'households >' },
      'ogc_filter_syntax',
      '参数 filter 无效：第 13 个字符处应为',
      'Parameter filter is invalid: at character 13 expected',
    ],
    [
      'syntax (where)',
      { filter: "kind = 'micro' households" },
      'ogc_filter_syntax',
      '应为 AND, OR, end，实际为 households',
      'expected AND, OR, end, found households',
    ],
    [
      'JSON syntax',
      { filter: '{"op":', 'filter-lang': 'cql2-json' },
      'ogc_filter_syntax',
      '第 7 个字符处应为 JSON',
      'at character 7 expected JSON',
    ],
    [
      'JSON shape',
      { filter: '{"op":"=","args":[1]}', 'filter-lang': 'cql2-json' },
      'ogc_filter_json_invalid',
      '$.args 处应为 2 arguments',
      'at $.args expected 2 arguments',
    ],
    [
      'unknown property',
      { filter: "colour = 'red'" },
      'ogc_filter_property_unknown',
      '没有可查询属性“colour”；此图层的可查询属性为 code, name, kind',
      'no queryable "colour"; this collection\'s queryables are code, name, kind',
    ],
    [
      'wrong type',
      { filter: "households = 'many'" },
      'ogc_filter_type',
      "= 不能比较 households (number) 与 'many' (string)",
      "= cannot compare households (number) with 'many' (string)",
    ],
    [
      'geometry compared',
      { filter: 'geometry = 1' },
      'ogc_filter_type',
      '不能比较 geometry (geometry)',
      'cannot compare geometry (geometry)',
    ],
    [
      'unsupported function',
      { filter: 'S_WITHIN(geometry, POINT(1 2))' },
      'ogc_filter_function_unsupported',
      '不支持函数或运算符 S_WITHIN',
      'function or operator S_WITHIN is not supported',
    ],
    [
      'bad date',
      { filter: "valid_from > DATE('2026-13-01')" },
      'ogc_filter_date_invalid',
      '“2026-13-01”不是日期',
      '"2026-13-01" is not a date',
    ],
    [
      'bad geometry',
      { filter: 'S_INTERSECTS(geometry, POLYGON((1 2, 3 4, 1 2)))' },
      'ogc_filter_geometry_invalid',
      '在 filter-crs 中无效',
      'is not valid in filter-crs',
    ],
    ['lon/lat out of range', { filter: 'S_INTERSECTS(geometry, POINT(200 95))' }, 'ogc_filter_geometry_invalid', '几何', 'geometry'],
    [
      'bad filter-lang',
      { filter: 'TRUE', 'filter-lang': 'ecql' },
      'ogc_filter_lang_invalid',
      '参数 filter-lang 无效：“ecql”',
      'Parameter filter-lang is invalid: "ecql"',
    ],
    [
      'bad filter-crs',
      { filter: 'TRUE', 'filter-crs': 'EPSG:4326' },
      'ogc_crs_invalid',
      '参数 filter-crs 无效',
      'Parameter filter-crs is invalid',
    ],
    [
      'too long',
      { filter: `name = '${'x'.repeat(4_000)}'` },
      'ogc_filter_too_long',
      '参数 filter 过长：4009 个字符，最多 4000 个',
      'Parameter filter is too long: 4009 characters, at most 4000',
    ],
    [
      'outside the zone',
      { filter: 'S_INTERSECTS(geometry, POINT(3000000 20000000))', 'filter-crs': `${EPSG}4547` },
      'ogc_filter_geometry_invalid',
      '在 filter-crs 中无效',
      'is not valid in filter-crs',
    ],
    ['too deep', { filter: deep }, 'ogc_filter_too_deep', '最多 32 层', 'at most 32 levels'],
    [
      'bad query parameter',
      { households: 'many' },
      'ogc_parameter_invalid',
      '参数 households 无效：“many”不是 integer 类型的值',
      'Parameter households is invalid: "many" is not a value of type integer',
    ],
  ]
  it.each(cases)('%s', async (_, params, code, zh, en) => {
    const url = `/ogc/collections/grids/items?${query(params)}`
    const chinese = await get(url)
    expect(chinese.status, chinese.text).toBe(400)
    expect(chinese.body.code).toBe(code)
    expect(chinese.body.description).toContain(zh)
    expect((await get(url, admin, 'en')).body.description).toContain(en)
  })

  it('answers odd but readable filters without a server error', async () => {
    const odd = [
      "name LIKE 'a\\'",
      "name LIKE '%\\%%'",
      'households > 1e308 OR households < -1e308',
      'households > 1e400',
      'S_INTERSECTS(geometry, POLYGON((0 0, 10 10, 10 0, 0 10, 0 0)))',
      'S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(114 30), LINESTRING(114 30, 115 31)))',
      'S_INTERSECTS(BBOX(-180, -90, 180, 90), geometry)',
      'S_INTERSECTS(geometry, BBOX(99999999, 99999999, 99999999.5, 99999999.5))',
      "valid_from = TIMESTAMP('2026-01-01T00:00:00+08:00') OR count_date < '2026-01-01T10:00:00Z'",
      "'a' = 'a' AND 1 < 2 AND TRUE = TRUE",
      "name = 'x\u0000'",
      '"" = 1',
      'NOT NOT NOT households > 1',
      'households IN (1, 2.5, -3)',
      "kind BETWEEN 'a' AND 'z'",
    ]
    for (const filter of odd) {
      for (const crs of [undefined, `${EPSG}4547`]) {
        const response = await get(`/ogc/collections/grids/items?${query({ filter, limit: '1', ...(crs ? { 'filter-crs': crs } : {}) })}`)
        expect([200, 400], `${filter} ${crs} ${response.text}`).toContain(response.status)
      }
    }
    const json = [
      '{"op":"=","args":[{"property":"name"},"x\\u0000"]}',
      '{"op":">","args":[{"property":"households"},1e400]}',
      '[]',
      'null',
      '{"op":"and","args":[true]}',
    ]
    for (const filter of json) {
      const response = await get(`/ogc/collections/grids/items?${query({ filter, 'filter-lang': 'cql2-json' })}`)
      expect(response.status, `${filter} ${response.text}`).toBe(400)
    }
  })
})
