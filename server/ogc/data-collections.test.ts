import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { maskAddress } from '../addresses/address-normalise.js'
import { seedDemo } from '../demo/seed.js'
import { AppError } from '../http/errors.js'
import { translate } from '../i18n/index.js'
import { bearer, createTestApp, type TestApp } from '../testing/app.js'
import { issuesCollection } from './issues-collection.js'

// The collections that depend on who asks, over the demo county: buildings and addresses (paged,
// counted and filtered in SQL, scoped, addresses masked for departments) and the validation
// issues (computed per township: the demo's 白沙镇 has a gap, an overlap and an oversized grid).

let t: TestApp
const tokens: Record<string, string> = {}
let townshipKey = ''
beforeAll(async () => {
  t = await createTestApp()
  await seedDemo(t.db)
  for (const name of ['admin', 'county', 'township', 'baisha', 'dept']) tokens[name] = await t.token(name)
  const issued = await t
    .http()
    .post('/api/v1/api-keys')
    .set(bearer(tokens.admin as string))
    .send({ name: 'OGC 数据测试', department: '东湖派出所', region_prefix: '990101001000' })
  townshipKey = issued.body.key
}, 240_000)
afterAll(async () => t?.close())

type Caller = 'admin' | 'county' | 'township' | 'baisha' | 'dept' | 'key'
const get = (url: string, caller: Caller = 'admin', language = 'zh-CN') => {
  const request = t.http().get(url).set('Accept-Language', language)
  return caller === 'key' ? request.set('X-API-Key', townshipKey) : request.set(bearer(tokens[caller] as string))
}
const local = (href: string) => href.replace(/^http:\/\/[^/]+/, '')

interface Row {
  id: string
  region_code: string
  address: string | null
  geometry: string
}
/** The table's rows under a prefix, as the database has them, in id order. */
const rowsOf = async (table: 'buildings' | 'addresses', prefix = '') =>
  (
    await sql<Row>`SELECT id::text AS id, region_code, address, ST_AsGeoJSON(geom, 15, 0) AS geometry
      FROM ${sql.table(table)} WHERE region_code LIKE ${`${prefix}%`} ORDER BY id`.execute(t.db)
  ).rows

/** Every feature of a collection by next links, `limit` a page. */
async function pageAll(url: string, caller: Caller) {
  const features: { id: string; geometry: unknown; properties: Record<string, unknown> }[] = []
  let next: string | undefined = url
  let matched = -1
  while (next) {
    const response = await get(next, caller)
    expect(response.status, response.text).toBe(200)
    matched = response.body.numberMatched
    features.push(...response.body.features)
    const link = response.body.links.find((l: { rel: string }) => l.rel === 'next')
    next = link ? local(link.href) : undefined
  }
  return { features, matched }
}

describe.each(['buildings', 'addresses'] as const)('OGC collection %s', (table) => {
  it('pages through every row under the caller’s region in id order; numberMatched is the SQL count', async () => {
    const rows = await rowsOf(table, '990101001')
    const { features, matched } = await pageAll(`/ogc/collections/${table}/items?limit=2000`, 'township')
    expect(matched).toBe(rows.length)
    expect(features.map((f) => f.id)).toEqual(rows.map((row) => row.id))
    expect(features[0]?.geometry).toEqual(JSON.parse(rows[0]?.geometry as string))
    expect(features[0]?.properties).toMatchObject({ region_code: rows[0]?.region_code, address: rows[0]?.address })
  })

  it('counts the whole county for the admin, and filters by region_code and bbox in SQL', async () => {
    const all = await get(`/ogc/collections/${table}/items?limit=1`)
    expect(all.body.numberMatched).toBe((await rowsOf(table)).length)
    const community = (await rowsOf(table, '990101002'))[0] as Row
    const inCommunity = await get(`/ogc/collections/${table}/items?limit=10000&region_code=${community.region_code}`)
    expect(inCommunity.body.numberMatched).toBe((await rowsOf(table, community.region_code)).length)
    const [x, y] = JSON.parse(community.geometry).coordinates as [number, number]
    const box = [x - 0.002, y - 0.002, x + 0.002, y + 0.002]
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}
      WHERE geom && ST_MakeEnvelope(${box[0]}::float8, ${box[1]}::float8, ${box[2]}::float8, ${box[3]}::float8, 4490)`.execute(t.db)
    const near = await get(`/ogc/collections/${table}/items?limit=10000&bbox=${box.join(',')}`)
    expect(near.body.numberMatched).toBe(rows[0]?.n)
    expect(near.body.features.map((f: { id: string }) => f.id)).toContain(community.id)
  })

  it('runs a CQL2 filter (text and JSON, S_INTERSECTS included) in SQL: as many features as a plain SQL count', async () => {
    const community = (await rowsOf(table, '990101002'))[0] as Row
    const [x, y] = JSON.parse(community.geometry).coordinates as [number, number]
    const [x0, y0, x1, y1] = [x - 0.01, y - 0.01, x + 0.01, y + 0.01]
    // A property of each table: buildings by households (over the median), addresses by source and address.
    const { rows: median } = await sql<{ m: number }>`
      SELECT coalesce(percentile_disc(0.5) WITHIN GROUP (ORDER BY households), 0)::int AS m FROM buildings`.execute(t.db)
    const m = median[0]?.m ?? 0
    const [cqlProperty, sqlProperty] =
      table === 'buildings'
        ? [`households > ${m}`, sql`households > ${m}`]
        : [`source = 'demo' AND address LIKE '%号%'`, sql`source = 'demo' AND address LIKE '%号%'`]
    const count = async (scope: string, condition: ReturnType<typeof sql>) =>
      (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}
          WHERE region_code LIKE ${`${scope}%`} AND ${condition}`.execute(t.db)
      ).rows[0]?.n
    const polygon = `POLYGON((${x0} ${y0},${x1} ${y0},${x1} ${y1},${x0} ${y1},${x0} ${y0}))`
    const filter = `${cqlProperty} AND S_INTERSECTS(geometry,${polygon})`
    const expected = await count(
      '',
      sql`${sqlProperty} AND ST_Intersects(geom, ST_MakeEnvelope(${x0}::float8, ${y0}::float8, ${x1}::float8, ${y1}::float8, 4490))`,
    )
    expect(expected).toBeGreaterThan(0)
    const text = await pageAll(`/ogc/collections/${table}/items?limit=1000&filter=${encodeURIComponent(filter)}`, 'admin')
    expect(text.matched).toBe(expected)
    expect(text.features.length).toBe(expected)
    // The same by BBOX, in cql2-json, and with an equality parameter beside it.
    const json = JSON.stringify({
      op: 'and',
      args: [
        { op: 's_intersects', args: [{ property: 'geometry' }, { bbox: [x0, y0, x1, y1] }] },
        { op: '=', args: [{ property: 'region_code' }, community.region_code] },
      ],
    })
    const inCommunity = await get(
      `/ogc/collections/${table}/items?limit=1&filter-lang=cql2-json&filter=${encodeURIComponent(json)}&region_code=${community.region_code}`,
    )
    expect(inCommunity.status, inCommunity.text).toBe(200)
    expect(inCommunity.body.numberMatched).toBe(
      await count(
        community.region_code,
        sql`region_code = ${community.region_code} AND geom && ST_MakeEnvelope(${x0}::float8, ${y0}::float8, ${x1}::float8, ${y1}::float8, 4490)`,
      ),
    )
    // An OR stays inside the caller's region: a township's account finds only its own rows.
    const or = encodeURIComponent(`${cqlProperty} OR region_code LIKE '99%'`)
    const either = await get(`/ogc/collections/${table}/items?limit=1&filter=${or}`, 'township')
    expect(either.body.numberMatched).toBe(await count('990101001', sql`TRUE`))
    // A department cannot filter on the addresses it sees masked.
    const dept = await get(`/ogc/collections/${table}/items?filter=${encodeURIComponent("address LIKE '%1%'")}`, 'dept', 'en')
    expect(dept.status).toBe(400)
    expect(dept.body).toMatchObject({ code: 'ogc_filter_property_unknown', description: expect.stringContaining('no queryable "address"') })
  })

  it('gives one feature by id within the caller’s region only', async () => {
    const [own] = await rowsOf(table, '990101001')
    const [other] = await rowsOf(table, '990101002')
    expect((await get(`/ogc/collections/${table}/items/${own?.id}`, 'township')).body).toMatchObject({ id: own?.id, type: 'Feature' })
    expect((await get(`/ogc/collections/${table}/items/${other?.id}`, 'township')).status).toBe(404)
    expect((await get(`/ogc/collections/${table}/items/abc`, 'township')).status).toBe(404)
  })

  it('gives a department (account or key) each address masked as the lookup’s access log keeps it, never in full', async () => {
    for (const caller of ['dept', 'key'] as const) {
      const rows = await rowsOf(table, caller === 'key' ? '990101001' : '990101')
      const response = await get(`/ogc/collections/${table}/items?limit=200`, caller)
      expect(response.body.numberMatched, caller).toBe(rows.length)
      const raw = new Map(rows.map((row) => [row.id, row.address as string]))
      for (const feature of response.body.features as { id: string; properties: { address: string } }[]) {
        const address = raw.get(feature.id) as string
        expect(feature.properties.address).toBe(maskAddress(address))
        // Demo addresses carry house numbers: the full text appears nowhere in the answer.
        expect(response.text).not.toContain(address)
      }
      const one = await get(`/ogc/collections/${table}/items/${rows[0]?.id}`, caller)
      expect(one.body.properties.address).toBe(maskAddress(rows[0]?.address as string))
    }
    // Grid staff see the records they keep in full.
    const county = await get(`/ogc/collections/${table}/items?limit=1`, 'county')
    expect(county.body.features[0].properties.address).toBe((await rowsOf(table, '990101'))[0]?.address)
  })

  it('lists its queryables (no address for a department), and refuses an unknown filter as an OGC exception in zh-CN and en', async () => {
    const third = table === 'buildings' ? 'households' : 'source'
    const queryables = await get(`/ogc/collections/${table}/queryables`, 'admin', 'en')
    expect(Object.keys(queryables.body.properties)).toEqual(['region_code', 'address', third, 'geometry'])
    expect(queryables.body.properties.geometry).toMatchObject({ format: 'geometry-any' })
    if (table === 'buildings') expect(queryables.body.properties.households).toMatchObject({ type: 'integer' })
    const masked = await get(`/ogc/collections/${table}/queryables`, 'dept', 'en')
    expect(Object.keys(masked.body.properties)).toEqual(['region_code', third, 'geometry'])
    const zh = await get(`/ogc/collections/${table}/items?address=x`, 'dept')
    expect(zh.status).toBe(400)
    expect(zh.body).toMatchObject({ code: 'ogc_parameter_unknown', description: expect.stringContaining('不支持参数 address') })
    const en = await get(`/ogc/collections/${table}/items?nothing=x`, 'admin', 'en')
    expect(en.body.description).toContain('Parameter nothing is not supported')
    // Text the database cannot take is no 500: it matches nothing.
    for (const value of ['%00', 'x'.repeat(5000), '%E4%B8']) {
      const odd = await get(`/ogc/collections/${table}/items?region_code=${value}`)
      expect(odd.status, value).toBeLessThan(500)
    }
  })
})

describe('OGC API document of the new collections', () => {
  it('lists each one’s items with its filters as query parameters, for GDAL to send them', async () => {
    const document = JSON.parse((await get('/ogc/api')).text)
    const parameters = (id: string) => document.paths[`/collections/${id}/items`].get.parameters as { name?: string; $ref?: string }[]
    const names = (id: string) => parameters(id).flatMap((p) => (p.name ? [p.name] : []))
    expect(names('buildings')).toEqual(['region_code', 'address', 'households'])
    expect(names('addresses')).toEqual(['region_code', 'address', 'source'])
    expect(names('validation-issues')).toEqual(['region_code', 'code', 'severity'])
    // CQL2 where it runs (SQL); not offered on the computed issues, so GDAL does not send it there.
    const refs = (id: string) => parameters(id).flatMap((p) => (p.$ref ? [p.$ref.split('/').pop()] : []))
    expect(refs('buildings')).toEqual(expect.arrayContaining(['filter', 'filter-lang', 'filter-crs']))
    expect(refs('addresses')).toEqual(expect.arrayContaining(['filter', 'filter-lang', 'filter-crs']))
    expect(refs('validation-issues')).not.toContain('filter')
    const queryables = await get('/ogc/collections/validation-issues/queryables', 'admin', 'en')
    expect(queryables.body.properties.region_code.title).toBe('township code')
  })
})

describe('OGC collection buildings: properties', () => {
  it('carries each building’s households', async () => {
    const { rows } = await sql<{
      id: string
      households: number
    }>`SELECT id::text AS id, households FROM buildings ORDER BY id LIMIT 5`.execute(t.db)
    const page = await get('/ogc/collections/buildings/items?limit=5')
    expect(page.body.features.map((f: { properties: { households: number } }) => f.properties.households)).toEqual(
      rows.map((row) => row.households),
    )
  })
})

describe('OGC collection validation-issues', () => {
  const BAISHA = '990101004000'
  const issues = async (query = '', caller: Caller = 'admin', language = 'zh-CN') =>
    get(`/ogc/collections/validation-issues/items?limit=100${query}`, caller, language)

  it('lists the demo’s deliberate faults in 白沙镇, each where it is, worded in the caller’s language', async () => {
    const zh = await issues()
    expect(zh.status, zh.text).toBe(200)
    const features = zh.body.features as { id: string; geometry: { type: string }; properties: Record<string, string> }[]
    expect(features.map((f) => f.properties.code).sort()).toEqual(['gap', 'households_above_max', 'overlap'])
    expect(features.every((f) => f.properties.region_code === BAISHA && f.id.startsWith(`${BAISHA}.`))).toBe(true)
    const gap = features.find((f) => f.properties.code === 'gap')
    expect(gap?.geometry.type).toMatch(/Polygon/)
    expect(gap?.properties).toMatchObject({ severity: 'error', message: expect.stringContaining('未被任何网格覆盖') })
    expect(gap?.properties.grid_codes).toMatch(/^990101004[0-9]{6}(,990101004[0-9]{6})+$/)
    const oversized = features.find((f) => f.properties.code === 'households_above_max')
    // No place of its own: the grid it is about.
    expect(oversized?.properties.grid_codes).toBe('990101004007002')
    expect(oversized?.geometry.type).toMatch(/Polygon/)
    const en = await issues('', 'admin', 'en')
    expect(en.body.features.map((f: { id: string }) => f.id)).toEqual(features.map((f) => f.id))
    expect(en.body.features.find((f: { properties: { code: string } }) => f.properties.code === 'gap').properties.message).toMatch(
      /is covered by no grid/,
    )
  })

  it('serves a township its own issues only, pages them, and filters by region_code, code and bbox', async () => {
    expect((await issues('', 'township')).body.numberMatched).toBe(0)
    expect((await issues('', 'key')).body.numberMatched).toBe(0)
    // A department sees the issues of its region, as it sees the grids (no address is in them).
    expect((await issues('', 'dept')).body.numberMatched).toBe(3)
    const own = await issues('', 'baisha')
    expect(own.body.numberMatched).toBe(3)
    const { features, matched } = await pageAll('/ogc/collections/validation-issues/items?limit=1', 'baisha')
    expect(matched).toBe(3)
    expect(features.map((f) => f.id)).toEqual(own.body.features.map((f: { id: string }) => f.id))
    expect((await issues(`&region_code=${BAISHA}`, 'county')).body.numberMatched).toBe(3)
    expect((await issues('&region_code=990101001000', 'county')).body.numberMatched).toBe(0)
    expect((await issues('&code=overlap')).body.features.map((f: { properties: { code: string } }) => f.properties.code)).toEqual([
      'overlap',
    ])
    expect((await issues('&bbox=100,20,100.001,20.001')).body.numberMatched).toBe(0)
    const overlap = own.body.features.find((f: { properties: { code: string } }) => f.properties.code === 'overlap')
    const [x, y] = (overlap.geometry.coordinates as number[][][]).flat(3).slice(0, 2) as [number, number]
    const near = await issues(`&bbox=${x - 1e-4},${y - 1e-4},${x + 1e-4},${y + 1e-4}`)
    expect(near.body.features.map((f: { id: string }) => f.id)).toContain(overlap.id)
  })

  it('takes no CQL2 filter (computed, not stored): a 400 naming the parameter, in zh-CN and en; equality parameters still work', async () => {
    const filter = encodeURIComponent("code = 'gap'")
    const zh = await issues(`&filter=${filter}`)
    expect(zh.status).toBe(400)
    expect(zh.body).toMatchObject({
      code: 'ogc_filter_not_supported',
      description:
        '图层 validation-issues 不支持参数 filter：其要素在请求时计算得出，并非读自数据表；请用查询参数 region_code, code, severity 筛选',
    })
    const en = await issues(`&filter=${filter}&filter-lang=cql2-text&code=gap`, 'admin', 'en')
    expect(en.status).toBe(400)
    expect(en.body.description).toBe(
      'Parameter filter is not supported on collection validation-issues: its features are computed when asked for, not read from a table; filter them with the query parameters region_code, code, severity',
    )
    const gaps = await issues('&code=gap&severity=error')
    expect(gaps.body.features.map((f: { properties: { code: string } }) => f.properties.code)).toEqual(['gap'])
    expect((await issues('&severity=nothing')).body.numberMatched).toBe(0)
    const queryables = await get('/ogc/collections/validation-issues/queryables', 'admin', 'en')
    expect(Object.keys(queryables.body.properties)).toEqual(['region_code', 'code', 'severity'])
  })

  it('gives one issue by id, within the caller’s region only', async () => {
    const [first] = (await issues('', 'baisha')).body.features
    expect((await get(`/ogc/collections/validation-issues/items/${first.id}`, 'baisha')).body).toMatchObject({ id: first.id })
    expect((await get(`/ogc/collections/validation-issues/items/${first.id}`, 'township')).status).toBe(404)
    expect((await get('/ogc/collections/validation-issues/items/nonsense', 'baisha')).status).toBe(404)
  })

  it('refuses a region_code that is not one of the caller’s townships: 400 naming the parameter, zh-CN and en', async () => {
    for (const [value, caller] of [
      ['abc', 'admin'],
      ['990101001000', 'baisha'],
      ['990101004001', 'admin'],
    ] as const) {
      const zh = await issues(`&region_code=${value}`, caller)
      expect(zh.status).toBe(400)
      expect(zh.body).toMatchObject({
        code: 'ogc_issues_region_invalid',
        description: expect.stringContaining(`参数 region_code 无效：“${value}”`),
      })
      const en = await issues(`&region_code=${value}`, caller, 'en')
      expect(en.body.description).toContain(`Parameter region_code is invalid: "${value}"`)
    }
  })

  it('asks for region_code when the caller’s region holds more grids than one request validates', async () => {
    const fewer = issuesCollection(t.database, 'en', 100)
    const query = { scope: '990101', bbox: undefined, time: undefined, where: undefined, equals: {}, limit: 10, offset: 0 }
    const refused = await fewer.page(t.db, query).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(AppError)
    expect(refused).toMatchObject({ statusCode: 400, code: 'ogc_issues_region_required' })
    const { params } = refused as AppError
    expect(translate('zh-CN', 'error.ogc_issues_region_required', params)).toMatch(
      /^您辖区内有 [0-9]+ 个现行网格，超过一次检查的上限 100 个：请用参数 region_code/,
    )
    expect(translate('en', 'error.ogc_issues_region_required', params)).toContain('name one township with the parameter region_code')
    expect((await fewer.page(t.db, { ...query, equals: { region_code: BAISHA } })).matched).toBe(3)
  })

  it('validates again once the grids in force change', async () => {
    expect((await issues('&code=households_above_max', 'baisha')).body.numberMatched).toBe(1)
    // A fixture change, as an approval would make it: the oversized grid is no longer in force.
    await sql`UPDATE grids SET valid_to = current_date WHERE code = '990101004007002' AND valid_to IS NULL`.execute(t.db)
    expect((await issues('&code=households_above_max', 'baisha')).body.numberMatched).toBe(0)
  })
})
