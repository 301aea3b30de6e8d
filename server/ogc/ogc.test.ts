import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../demo/seed.js'
import { notifyGridsChanged } from '../grids/grid-events.js'
import { bearer } from '../testing/app.js'
import { createTestApp, type TestApp } from '../testing/app.js'

// OGC API – Features Part 1 at /ogc over the demo county: the documents, paging, filters, the
// caller's scope, and every kind of bad parameter as an OGC exception in zh-CN and en.

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
const gridsInForce = async (prefix = '') =>
  Number(
    (
      await t.db
        .selectFrom('grids')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('valid_to', 'is', null)
        .where('region_code', 'like', `${prefix}%`)
        .executeTakeFirstOrThrow()
    ).n,
  )

describe('OGC API – Features documents', () => {
  it('has a landing page linking the API description, conformance and data', async () => {
    const response = await get('/ogc')
    expect(response.status).toBe(200)
    expect(response.body.title).toBe('网格化服务管理 OGC API – Features')
    const rels = Object.fromEntries(response.body.links.map((link: { rel: string; href: string }) => [link.rel, link.href]))
    expect(Object.keys(rels).sort()).toEqual(['conformance', 'data', 'self', 'service-desc', 'service-doc'])
    expect(rels.data).toMatch(/\/ogc\/collections$/)
    // The OGC API's own OpenAPI document: one path per collection, the limit's default and maximum.
    const api = await get(rels['service-desc'].replace(/^http:\/\/[^/]+/, ''))
    expect(api.headers['content-type']).toBe('application/vnd.oai.openapi+json;version=3.0;charset=utf-8')
    const document = JSON.parse(api.text)
    expect(document.servers[0].url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+\/ogc$/)
    expect(document.paths['/collections/grids/items'].get.parameters).toContainEqual(
      expect.objectContaining({ name: 'region_code', in: 'query' }),
    )
    expect(document.components.parameters.limit.schema).toEqual({ type: 'integer', minimum: 1, maximum: 10000, default: 100 })
    // Part 3: filter, filter-lang (with `cql-text`, which GDAL looks for) and filter-crs on every collection's items.
    for (const id of ['grids', 'townships']) {
      expect(document.paths[`/collections/${id}/items`].get.parameters).toEqual(
        expect.arrayContaining([{ $ref: '#/components/parameters/filter' }, { $ref: '#/components/parameters/filter-lang' }]),
      )
    }
    expect(document.components.parameters['filter-lang'].schema.enum).toEqual(['cql2-text', 'cql2-json', 'cql-text'])
    expect(document.paths['/collections/grids/items'].get.parameters).toContainEqual(
      expect.objectContaining({ name: 'valid_from', schema: { type: 'string', format: 'date' } }),
    )
  })

  it('declares core, GeoJSON, OpenAPI 3.0, CRS, queryables CQL2 filter and Part 4 conformance', async () => {
    const response = await get('/ogc/conformance')
    expect(response.body.conformsTo).toEqual(
      expect.arrayContaining([
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
        'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
        'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
        'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
        'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
        'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
        'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
        'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
        'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
        'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
        'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
        'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
        'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-operators',
        'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete',
        'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update',
        'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags',
      ]),
    )
  })

  it('lists the grids, the regions of each level, buildings, addresses and issues, titled in the caller’s language', async () => {
    const zh = await get('/ogc/collections')
    const ids = zh.body.collections.map((c: { id: string }) => c.id)
    expect(ids.slice(0, 9)).toEqual([
      'grids',
      'provinces',
      'cities',
      'counties',
      'townships',
      'communities',
      'buildings',
      'addresses',
      'validation-issues',
    ])
    // Then the reference layers the caller's region uses, titled with their names.
    expect(ids.slice(9)).toEqual([expect.stringMatching(/^reference-[0-9]+$/), expect.stringMatching(/^reference-[0-9]+$/)])
    expect(zh.body.collections.slice(9).map((c: { title: string }) => c.title)).toEqual(['水系', '道路'])
    expect(zh.body.collections[6].title).toBe('楼栋点位（户数、地址）')
    expect(zh.body.collections[4].title).toBe('乡镇（街道）')
    const en = await get('/ogc/collections/townships', admin, 'en')
    expect(en.body).toMatchObject({ id: 'townships', title: 'Townships and subdistricts', itemType: 'feature' })
    expect(en.body.links).toContainEqual(expect.objectContaining({ rel: 'items', type: 'application/geo+json' }))
  })
})

describe('OGC API – Features reference layers', () => {
  it('serves the demo roads with their class, filtered by it in SQL', async () => {
    const collections = (await get('/ogc/collections')).body.collections as { id: string; title: string }[]
    const roads = collections.find((c) => c.title === '道路') as { id: string }
    const { rows } = await sql<{ n: number; classes: string[] }>`
      SELECT count(*)::int AS n, array_agg(DISTINCT class) AS classes FROM reference_features f
      JOIN reference_layers l ON l.id = f.layer_id WHERE l.name = '道路'`.execute(t.db)
    const all = await get(`/ogc/collections/${roads.id}/items?limit=1000`)
    expect(all.body.numberMatched).toBe(rows[0]?.n)
    expect(all.body.features[0].geometry.type).toMatch(/LineString/)
    const someClass = rows[0]?.classes[0] as string
    const ofClass = await get(`/ogc/collections/${roads.id}/items?limit=1000&class=${encodeURIComponent(someClass)}`)
    expect(ofClass.body.numberMatched).toBeGreaterThan(0)
    expect(ofClass.body.features.every((f: { properties: { class: string } }) => f.properties.class === someClass)).toBe(true)
    const one = await get(`/ogc/collections/${roads.id}/items/${all.body.features[0].id}`)
    expect(one.body.geometry).toEqual(all.body.features[0].geometry)
  })

  it('is a 404 for a layer the caller’s region does not use, as for any unknown collection', async () => {
    const response = await get('/ogc/collections/reference-999999')
    expect(response.status).toBe(404)
    expect(response.body.code).toBe('ogc_collection_not_found')
  })
})

describe('OGC API – Features queryables (Part 3)', () => {
  it('lists what each collection’s items can be filtered on, as a JSON Schema linked from the collection', async () => {
    const collection = (await get('/ogc/collections/grids')).body
    const link = collection.links.find((l: { rel: string }) => l.rel === 'http://www.opengis.net/def/rel/ogc/1.0/queryables')
    expect(link.type).toBe('application/schema+json')
    const response = await get(link.href.replace(/^http:\/\/[^/]+/, ''))
    expect(response.headers['content-type']).toMatch(/^application\/schema\+json/)
    expect(response.body).toMatchObject({
      type: 'object',
      additionalProperties: false,
      title: '网格（现行；datetime 查看某日或某段时间的网格）',
    })
    expect(Object.keys(response.body.properties)).toEqual([
      'code',
      'name',
      'kind',
      'region_code',
      'parent_code',
      'households',
      'population',
      'count_date',
      'grid_head',
      'valid_from',
      'valid_to',
      'version',
      'geometry',
    ])
    expect(response.body.properties.region_code).toEqual({ type: 'string', title: '所属村（社区）代码' })
    expect(response.body.properties.valid_from).toEqual({ type: 'string', format: 'date', title: '生效日期' })
    // The geometry as a spatial queryable (Part 3): any GeoJSON geometry, named `geometry` in filters.
    expect(response.body.properties.geometry).toEqual({ format: 'geometry-any', title: '几何' })
    // Each queryable is a query parameter the items take.
    const kind = await get('/ogc/collections/grids/items?kind=dedicated&limit=1000')
    expect(kind.body.features.every((f: { properties: { kind: string } }) => f.properties.kind === 'dedicated')).toBe(true)
    const english = await get('/ogc/collections/townships/queryables', admin, 'en')
    expect(Object.keys(english.body.properties)).toEqual(['code', 'name', 'level', 'parent_code', 'urban_rural', 'geometry'])
    expect(english.body.properties.urban_rural.title).toBe('urban/rural class')
  })
})

describe('OGC API – Features extents', () => {
  it('gives each collection the box of what the caller may see, for a client to zoom to', async () => {
    const box = async (prefix: string) => {
      const { rows } = await sql<{ box: number[] }>`
        SELECT json_build_array(ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) AS box
        FROM (SELECT ST_Extent(geom) AS e FROM grids WHERE valid_to IS NULL AND region_code LIKE ${`${prefix}%`}) AS x`.execute(t.db)
      return rows[0]?.box
    }
    expect((await get('/ogc/collections/grids')).body.extent.spatial.bbox).toEqual([await box('')])
    const own = (await get('/ogc/collections/grids', township)).body.extent.spatial.bbox[0]
    expect(own).toEqual(await box('990101001'))
    // Nothing to see: the whole world, as the standard's default.
    expect((await get('/ogc/collections/provinces', township)).body.extent.spatial.bbox).toEqual([[-180, -90, 180, 90]])
  })
})

describe('OGC API – Features items', () => {
  it('pages through every grid in force by next links, each once, in code order', async () => {
    const codes: string[] = []
    let url: string | undefined = '/ogc/collections/grids/items?limit=50'
    let matched = 0
    while (url) {
      const response = await get(url)
      expect(response.status, response.text).toBe(200)
      expect(response.headers['content-type']).toMatch(/^application\/geo\+json/)
      matched = response.body.numberMatched
      expect(response.body.numberReturned).toBe(response.body.features.length)
      codes.push(...response.body.features.map((f: { id: string }) => f.id))
      const next = response.body.links.find((link: { rel: string }) => link.rel === 'next')
      url = next ? next.href.replace(/^http:\/\/[^/]+/, '') : undefined
    }
    expect(codes.length).toBe(await gridsInForce())
    expect(matched).toBe(codes.length)
    expect(new Set(codes).size).toBe(codes.length)
    expect([...codes].sort()).toEqual(codes)
  })

  it('writes today’s grids from the lookup index exactly as PostGIS writes them', async () => {
    // Without datetime or a filter the page comes from the in-memory index; with today's date
    // from PostGIS: the features' text must be the same, byte for byte (coordinates written from
    // the index's doubles, properties, key order).
    await t.app.gridIndex.settled()
    const { rows } = await sql<{ day: string }>`SELECT current_date::text AS day`.execute(t.db)
    const featuresText = (text: string) => text.slice(text.indexOf(',"features":['))
    for (const query of ['limit=10000', 'limit=10000&bbox=112.9,28.1,113.0,28.2', 'limit=7&offset=11']) {
      const fromIndex = await get(`/ogc/collections/grids/items?${query}`)
      const fromPostgis = await get(`/ogc/collections/grids/items?${query}&datetime=${rows[0]?.day}`)
      expect(fromIndex.body.numberReturned, query).toBeGreaterThan(0)
      expect(fromIndex.body.numberMatched, query).toBe(fromPostgis.body.numberMatched)
      expect(featuresText(fromIndex.text), query).toBe(featuresText(fromPostgis.text))
      expect(fromIndex.headers['content-type']).toBe(fromPostgis.headers['content-type'])
    }
  })

  it('links back with prev, and gives each grid its properties and full-precision geometry', async () => {
    const second = await get('/ogc/collections/grids/items?limit=5&offset=5')
    expect(second.body.links.find((link: { rel: string }) => link.rel === 'prev').href).toMatch(/limit=5&offset=0$/)
    const feature = second.body.features[0]
    expect(feature.properties).toMatchObject({ code: feature.id, kind: expect.any(String), version: expect.any(Number) })
    expect(feature.geometry.type).toMatch(/Polygon/)
  })

  it('filters by bbox, by property and by day, in SQL', async () => {
    const inTownship = await get('/ogc/collections/grids/items?region_code=990101001001&limit=1000')
    expect(inTownship.body.numberMatched).toBeGreaterThan(0)
    expect(
      inTownship.body.features.every((f: { properties: { region_code: string } }) => f.properties.region_code === '990101001001'),
    ).toBe(true)
    const nowhere = await get('/ogc/collections/grids/items?bbox=100,20,100.001,20.001')
    expect(nowhere.body).toMatchObject({ numberMatched: 0, numberReturned: 0, features: [] })
    const before = await get('/ogc/collections/grids/items?datetime=1999-01-01')
    expect(before.body.numberMatched).toBe(0)
    const ever = await get('/ogc/collections/grids/items?datetime=../..&limit=1')
    expect(ever.body.numberMatched).toBeGreaterThanOrEqual(await gridsInForce())
    expect(ever.body.features[0].id).toMatch(/^[0-9]+\.[0-9]+$/)
  })

  it('serves only the caller’s region: a township account sees its own grids', async () => {
    const response = await get('/ogc/collections/grids/items?limit=1', township)
    expect(response.body.numberMatched).toBe(await gridsInForce('990101001'))
  })

  it('tags each answer (ETag) and answers 304 with no body when the client has it', async () => {
    // One Host, as a client has (the links name it; each supertest request has a port of its own).
    const at = (url: string) => get(url).set('Host', 'gridwork.test')
    for (const url of ['/ogc/collections', '/ogc/collections/grids/items?limit=5']) {
      const first = await at(url)
      const tag = String(first.headers.etag)
      expect(tag, url).toMatch(/^"[A-Za-z0-9+/=]+"$/)
      const again = await at(url).set('If-None-Match', tag)
      expect(again.status, url).toBe(304)
      expect(again.text, url).toBe('')
    }
    // Another page has another tag.
    const first = await at('/ogc/collections/grids/items?limit=5')
    const next = await at('/ogc/collections/grids/items?limit=5&offset=5').set('If-None-Match', String(first.headers.etag))
    expect(next.status).toBe(200)
  })

  it('tags a page from the index by the index’s build and the query: a grid change, another scope or host gives another tag', async () => {
    // Pages of today's grids are not hashed (~10 MB each): their tag names the index build and
    // the page's head. It must still change with what the body holds.
    await t.app.gridIndex.settled()
    const url = '/ogc/collections/grids/items?limit=3'
    const at = (token = admin, host = 'gridwork.test') => get(url, token).set('Host', host)
    const before = await at()
    const tag = String(before.headers.etag)
    expect(tag).toMatch(/^"[A-Za-z0-9+/=]+"$/)
    expect((await at()).headers.etag).toBe(tag)
    expect((await at().set('If-None-Match', tag)).status).toBe(304)
    expect((await at(township)).headers.etag).not.toBe(tag)
    expect((await at(admin, 'other.test')).headers.etag).not.toBe(tag)
    // A grid of the page changes (as an approval would write it): the index is rebuilt, the old tag no longer matches.
    const { id: code, properties } = before.body.features[0] as { id: string; properties: { households: number | null } }
    const households = async (value: number | null) => {
      await sql`UPDATE grids SET households = ${value} WHERE code = ${code} AND valid_to IS NULL`.execute(t.db)
      await notifyGridsChanged(t.db)
      await t.app.gridIndex.settled()
    }
    await households((properties.households ?? 0) + 1)
    try {
      const after = await at().set('If-None-Match', tag)
      expect(after.status).toBe(200)
      expect(after.body.features[0].properties.households).toBe((properties.households ?? 0) + 1)
      expect(after.headers.etag).not.toBe(tag)
    } finally {
      await households(properties.households)
    }
  })

  it('takes a department system’s key (X-API-Key) instead of a token, scoped to the key’s region', async () => {
    const issued = await t
      .http()
      .post('/api/v1/api-keys')
      .set(bearer(admin))
      .send({ name: 'OGC 测试', department: '县自然资源局', region_prefix: '990101001000' })
    expect(issued.status, issued.text).toBe(201)
    const response = await t.http().get('/ogc/collections/grids/items?limit=1').set('X-API-Key', issued.body.key)
    expect(response.status, response.text).toBe(200)
    expect(response.body.numberMatched).toBe(await gridsInForce('990101001'))
    const wrong = await t
      .http()
      .get('/ogc/collections')
      .set('X-API-Key', 'gwk_00000000000000000000000000000000')
      .set('Accept-Language', 'en')
    expect(wrong.status).toBe(401)
    expect(wrong.body).toMatchObject({ code: 'api_key_invalid', description: expect.any(String) })
  })

  it('returns one feature by id, and a past version as code.version', async () => {
    const [first] = (await get('/ogc/collections/grids/items?limit=1')).body.features
    const one = await get(`/ogc/collections/grids/items/${first.id}`)
    expect(one.status).toBe(200)
    expect(one.body).toMatchObject({ type: 'Feature', id: first.id, geometry: first.geometry })
    const versioned = await get(`/ogc/collections/grids/items/${first.id}.${first.properties.version}`)
    expect(versioned.body.id).toBe(`${first.id}.${first.properties.version}`)
    const region = await get('/ogc/collections/townships/items/990101001000')
    expect(region.body.properties).toMatchObject({ code: '990101001000', level: 4 })
  })
})

describe('OGC API – Features Part 2: coordinate systems by reference', () => {
  const EPSG = 'http://www.opengis.net/def/crs/EPSG/0/'
  const first = async (query = '') => (await get(`/ogc/collections/grids/items?limit=1${query}`)).body.features[0]
  const positions = (geometry: { coordinates: unknown }) => (geometry.coordinates as number[][][][]).flat(2)

  it('lists CRS84, CGCS2000 and its 3° Gauss-Krüger zones, stored in 4490', async () => {
    const collection = (await get('/ogc/collections/grids')).body
    expect(collection.storageCrs).toBe(`${EPSG}4490`)
    expect(collection.crs.slice(0, 3)).toEqual(['http://www.opengis.net/def/crs/OGC/1.3/CRS84', `${EPSG}4490`, `${EPSG}4513`])
    expect(collection.crs).toContain(`${EPSG}4554`)
  })

  it('answers in EPSG:4490 as lat,lon and says so in Content-Crs', async () => {
    const plain = await get('/ogc/collections/grids/items?limit=1')
    expect(plain.headers['content-crs']).toBe('<http://www.opengis.net/def/crs/OGC/1.3/CRS84>')
    const cgcs = await get(`/ogc/collections/grids/items?limit=1&crs=${EPSG}4490`)
    expect(cgcs.headers['content-crs']).toBe(`<${EPSG}4490>`)
    expect(positions(cgcs.body.features[0].geometry)).toEqual(positions(plain.body.features[0].geometry).map(([x, y]) => [y, x]))
  })

  it('answers in a Gauss-Krüger zone as northing,easting, within 1 mm of PostGIS ST_Transform', async () => {
    const feature = await first(`&crs=${EPSG}4547`)
    const { rows } = await sql<{ geometry: { coordinates: unknown } }>`
      SELECT ST_AsGeoJSON(ST_Transform(ST_ForcePolygonCCW(geom), 4547), 6)::json AS geometry FROM grids
      WHERE code = ${feature.id} AND valid_to IS NULL`.execute(t.db)
    const expected = positions(rows[0]?.geometry as { coordinates: unknown })
    const ours = positions(feature.geometry)
    expect(ours.length).toBe(expected.length)
    ours.forEach(([northing, easting], i) => {
      const [x, y] = expected[i] as number[]
      expect(Math.abs((easting as number) - (x as number))).toBeLessThan(0.001)
      expect(Math.abs((northing as number) - (y as number))).toBeLessThan(0.001)
    })
  })

  it('takes a bbox in another system, in its axis order', async () => {
    const feature = await first()
    const [lon, lat] = positions(feature.geometry)[0] as number[]
    const near = `${(lat as number) - 1e-4},${(lon as number) - 1e-4},${(lat as number) + 1e-4},${(lon as number) + 1e-4}`
    const cgcs = await get(`/ogc/collections/grids/items?bbox=${near}&bbox-crs=${EPSG}4490`)
    expect(cgcs.body.features.map((f: { id: string }) => f.id)).toContain(feature.id)
    const projected = positions((await first(`&crs=${EPSG}4547`)).geometry)[0] as number[]
    const [n, e] = projected as [number, number]
    const box = `${n - 10},${e - 10},${n + 10},${e + 10}`
    const inZone = await get(`/ogc/collections/grids/items?bbox=${box}&bbox-crs=${EPSG}4547`)
    expect(inZone.body.features.map((f: { id: string }) => f.id)).toContain(feature.id)
  })

  it('gives one feature in the asked system too', async () => {
    const feature = await first(`&crs=${EPSG}4490`)
    const one = await get(`/ogc/collections/grids/items/${feature.id}?crs=${EPSG}4490`)
    expect(one.headers['content-crs']).toBe(`<${EPSG}4490>`)
    expect(one.body.geometry).toEqual(feature.geometry)
  })
})

describe('OGC API – Features bad input: an OGC exception naming the parameter', () => {
  const cases: [string, number, string, string, string][] = [
    ['/ogc/collections/roads', 404, 'ogc_collection_not_found', '没有图层“roads”', 'No collection "roads"'],
    [
      '/ogc/collections/grids/items/123',
      404,
      'ogc_feature_not_found',
      '图层“grids”中没有要素“123”',
      'Collection "grids" has no feature "123"',
    ],
    ['/ogc/collections/grids/items?limit=0', 400, 'ogc_limit_invalid', '参数 limit 无效：“0”', 'Parameter limit is invalid: "0"'],
    ['/ogc/collections/grids/items?offset=-1', 400, 'ogc_offset_invalid', '参数 offset 无效：“-1”', 'Parameter offset is invalid: "-1"'],
    ['/ogc/collections/grids/items?bbox=1,2,3', 400, 'bbox_invalid', '范围参数 bbox 无效', 'bbox is invalid'],
    [
      '/ogc/collections/grids/items?datetime=2026-13-01',
      400,
      'ogc_datetime_invalid',
      '参数 datetime 无效：“2026-13-01”',
      'Parameter datetime is invalid: "2026-13-01"',
    ],
    [
      '/ogc/collections/grids/items?datetime=2026-06-30/2026-01-01',
      400,
      'ogc_datetime_invalid',
      '参数 datetime 无效',
      'Parameter datetime is invalid',
    ],
    [
      '/ogc/collections/grids/items?limit=5&limit=6',
      400,
      'ogc_parameter_repeated',
      '参数 limit 给了不同的值（5 | 6）',
      'Parameter limit has different values (5 | 6)',
    ],
    ['/ogc/collections/grids/items?colour=red', 400, 'ogc_parameter_unknown', '不支持参数 colour', 'Parameter colour is not supported'],
    [
      '/ogc/collections/grids/items?crs=EPSG:4214',
      400,
      'ogc_crs_invalid',
      '参数 crs 无效：不支持坐标系“EPSG:4214”',
      'Parameter crs is invalid: coordinate system "EPSG:4214" is not offered',
    ],
    [
      '/ogc/collections/grids/items?bbox=1,2,3,4&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/2000',
      400,
      'ogc_crs_invalid',
      '参数 bbox-crs 无效',
      'Parameter bbox-crs is invalid',
    ],
    [
      '/ogc/collections/grids/items?bbox=3000000,500000,2000000,600000&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4547',
      400,
      'ogc_bbox_crs_invalid',
      '参数 bbox 无效：“3000000,500000,2000000,600000”应为坐标系 http://www.opengis.net/def/crs/EPSG/0/4547 中',
      'Parameter bbox is invalid: "3000000,500000,2000000,600000" should be 4 numbers in http://www.opengis.net/def/crs/EPSG/0/4547',
    ],
  ]
  it.each(cases)('%s → %i %s', async (url, status, code, zh, en) => {
    const chinese = await get(url)
    expect(chinese.status).toBe(status)
    expect(chinese.body.code).toBe(code)
    expect(chinese.body.description).toContain(zh)
    expect((await get(url, admin, 'en')).body.description).toContain(en)
  })

  it('takes a limit over the maximum as the maximum, and says so', async () => {
    const response = await get('/ogc/collections/communities/items?limit=20000', admin, 'en')
    expect(response.status).toBe(200)
    expect(response.body.notes).toEqual(['At most 10000 features a page: limit=20000 was taken as 10000'])
    expect(response.body.links.find((link: { rel: string }) => link.rel === 'self').href).toContain('limit=10000')
  })

  it('asks for a token like the rest of the API, as an OGC exception', async () => {
    const response = await t.http().get('/ogc/collections')
    expect(response.status).toBe(401)
    expect(response.body).toMatchObject({ code: 'unauthorized', description: expect.any(String) })
  })
})
