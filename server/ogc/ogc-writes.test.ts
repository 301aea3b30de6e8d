import type { MultiPolygon, Polygon, Position } from 'geojson'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../demo/seed.js'
import { seededRandom } from '../demo/random.js'
import { ringsOf } from '../../web/src/editor/shared-vertices.js'
import { applyChanges } from '../proposals/changes.js'
import { bearer, createTestApp, type TestApp } from '../testing/app.js'
import { cornerDrag, movableCorners } from '../testing/random-edits.js'

// OGC API – Features Part 4 on the grids, over the demo county: a township user's writes land in
// its draft proposal as the editor's edits would (a moved corner moves in both grids, a new grid
// inside one is cut out of it, a deleted grid is merged), with ETags; every refusal is an OGC
// exception in zh-CN and en, and nothing is written by a refused write.

const TOWNSHIP = '990101001'
const ITEMS = '/ogc/collections/grids/items'
const GEOJSON = 'application/geo+json'

let t: TestApp
let township: string
let dept: string
let admin: string
beforeAll(async () => {
  t = await createTestApp()
  await seedDemo(t.db)
  ;[township, dept, admin] = [await t.token('township'), await t.token('dept'), await t.token('admin')]
}, 240_000)
afterAll(async () => t?.close())

type Method = 'get' | 'put' | 'patch' | 'post' | 'delete' | 'options'
const call = (method: Method, url: string, token = township, language = 'zh-CN') =>
  t.http()[method](url).set(bearer(token)).set('Accept-Language', language)
const put = (id: string, feature: unknown, token = township, language = 'zh-CN') =>
  call('put', `${ITEMS}/${id}`, token, language).set('Content-Type', GEOJSON).send(JSON.stringify(feature))

/** The draft proposal of the township user, as the editor lists and opens it. */
async function draft() {
  const list = await call('get', '/api/v1/proposals')
  const mine = list.body.proposals.find((p: { created_by: string; state: string }) => p.created_by === 'township' && p.state === 'draft')
  return mine ? (await call('get', `/api/v1/proposals/${mine.id}`)).body : undefined
}

/** Sends a bad request in both languages: the status, the code, and each message. */
async function refused(
  send: (language: string) => PromiseLike<{ status: number; body: { code: string; description: string } }>,
  status: number,
  code: string,
  zh: RegExp,
  en: RegExp,
) {
  const before = (await draft())?.version
  for (const [language, message] of [
    ['zh-CN', zh],
    ['en', en],
  ] as const) {
    const response = await send(language)
    expect(response.status, JSON.stringify(response.body)).toBe(status)
    expect(response.body.code).toBe(code)
    expect(response.body.description).toMatch(message)
  }
  // Nothing written: the draft (if any) is as it was.
  expect((await draft())?.version).toBe(before)
}

/** The outer ring of a grid's (first) polygon; grids come as Polygon or MultiPolygon. */
/** An error of the geometry (a households count out of range stays in a draft, as in the editor). */
const geometryError = (issue: { severity: string; code: string }) => issue.severity === 'error' && !issue.code.startsWith('households_')

const ringOf = (geometry: Polygon | MultiPolygon) => ringsOf(geometry)[0] as Position[]
const mapGeometry = (geometry: Polygon | MultiPolygon, map: (p: Position) => Position): Polygon | MultiPolygon =>
  geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map((ring) => ring.map(map)) }
    : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((rings) => rings.map((ring) => ring.map(map))) }
const same = (a: Position, b: Position) =>
  Math.abs((a[0] as number) - (b[0] as number)) < 1e-8 && Math.abs((a[1] as number) - (b[1] as number)) < 1e-8

describe('OGC API – Features Part 4: who may write', () => {
  it('declares Part 4 and answers OPTIONS with the methods the caller may use', async () => {
    const conformance = await call('get', '/ogc/conformance')
    expect(conformance.body.conformsTo).toEqual(
      expect.arrayContaining([
        'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete',
        'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update',
        'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags',
      ]),
    )
    const [grid] = (await call('get', `${ITEMS}?limit=1`)).body.features
    const items = await call('options', ITEMS)
    expect(items.status).toBe(200)
    expect(items.headers.allow).toBe('GET, HEAD, POST')
    expect(items.headers['accept-post']).toContain(GEOJSON)
    const item = await call('options', `${ITEMS}/${grid.id}`)
    expect(item.headers.allow).toBe('GET, HEAD, PUT, PATCH, DELETE')
    expect(item.headers['accept-patch']).toContain('application/merge-patch+json')
    expect((await call('options', `${ITEMS}/${grid.id}`, dept)).headers.allow).toBe('GET, HEAD')
    expect((await call('options', '/ogc/collections/townships/items', township)).headers.allow).toBe('GET, HEAD')
    // The OpenAPI document lists the writes of the grids only.
    const api = JSON.parse((await call('get', '/ogc/api')).text)
    expect(Object.keys(api.paths['/collections/grids/items/{featureId}']).sort()).toEqual(['delete', 'get', 'patch', 'put'])
    expect(Object.keys(api.paths['/collections/grids/items'])).toEqual(['get', 'post'])
    expect(Object.keys(api.paths['/collections/townships/items'])).toEqual(['get'])
  })

  it('refuses department accounts and keys (403) and writes to other collections (405 with Allow)', async () => {
    const [grid] = (await call('get', `${ITEMS}?limit=1`)).body.features
    await refused((l) => put(grid.id, grid, dept, l), 403, 'proposal_role_read_only', /只能查看，不能起草/, /may read proposals, not draft/)
    const issued = await call('post', '/api/v1/api-keys', admin).send({ name: 'OGC 写入', department: '县公安局', region_prefix: '990101' })
    const key = (language: string) =>
      t.http().put(`${ITEMS}/${grid.id}`).set('X-API-Key', issued.body.key).set('Accept-Language', language).send(grid)
    await refused(key, 403, 'ogc_key_read_only', /只能读取 OGC API，不能写入/, /may read the OGC API, not write to it/)
    const region = (await call('get', '/ogc/collections/townships/items?limit=1')).body.features[0]
    const other = await call('put', `/ogc/collections/townships/items/${region.id}`).send(region)
    expect(other.headers.allow).toBe('GET, HEAD')
    await refused(
      (l) => call('delete', `/ogc/collections/townships/items/${region.id}`, township, l),
      405,
      'ogc_method_not_allowed',
      /此处不允许 DELETE：此资源只允许 GET, HEAD/,
      /DELETE is not allowed here: this resource allows GET, HEAD/,
    )
  })
})

describe('OGC API – Features Part 4: writes into the draft proposal', () => {
  it('moves a shared corner in both grids (PUT), keeps ETags per version, and refuses a stale If-Match', async () => {
    const before = await applyChanges(t.db, TOWNSHIP, [])
    const rng = seededRandom(20261207)
    const edges = movableCorners(before)
    let drag = null
    for (let i = 0; !drag && i < 50; i++)
      drag = cornerDrag(rng, before, edges[Math.floor(rng() * edges.length)] as [Position, Position, string, string])
    if (!drag) throw new Error('no corner to drag')
    const [first, second] = drag.moved.map((grid) => grid.id) as [string, string]
    const read = await call('get', `${ITEMS}/${first}`)
    const tag = String(read.headers.etag)
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{27}"$/)
    // The tag names the version, not the bytes: the same in another system, and 304 with it.
    expect((await call('get', `${ITEMS}/${first}?crs=http://www.opengis.net/def/crs/EPSG/0/4490`)).headers.etag).toBe(tag)
    expect((await call('get', `${ITEMS}/${first}`).set('If-None-Match', tag)).status).toBe(304)

    // The client sends the grid with the corner moved (as read: 15 decimals, its own orientation).
    const geometry = mapGeometry(read.body.geometry, (p) => (same(p, drag.from) ? drag.to : p))
    const written = await put(first, { ...read.body, geometry }).set('If-Match', tag)
    expect(written.status, written.text).toBe(200)
    const proposal = Number(written.headers['x-proposal-id'])
    expect(written.headers.link).toBe(`<${written.request.url.replace(/\/ogc\/.*/, '')}/api/v1/proposals/${proposal}>; rel="related"`)
    expect(written.headers.etag).not.toBe(tag)
    expect(ringsOf(written.body.geometry).flat()).toContainEqual(drag.to)

    // The neighbour has the same corner, exactly: its shared edge moved with it.
    const neighbour = await call('get', `${ITEMS}/${second}`)
    expect(neighbour.headers['x-proposal-id']).toBe(String(proposal))
    expect(ringsOf(neighbour.body.geometry).flat()).toContainEqual(drag.to)
    const opened = await draft()
    expect(opened.id).toBe(proposal)
    expect(opened.changes.map((c: { op: string; grid: string }) => `${c.op} ${c.grid}`).sort()).toEqual(
      drag.moved.map((grid) => `reshape ${grid.id}`).sort(),
    )
    expect(opened.validation.issues.filter(geometryError)).toEqual([])

    // The tag read before the write is stale now: 412, nothing written.
    await refused(
      (l) => put(first, { ...read.body, geometry }, township, l).set('If-Match', tag),
      412,
      'ogc_precondition_failed',
      new RegExp(`要素“${first}”在读取之后已有变化`),
      new RegExp(`Feature "${first}" has changed since it was read`),
    )
    // The same PUT again with the new tag changes nothing: the same tag, no new change.
    const again = await put(first, { ...read.body, geometry }).set('If-Match', String(written.headers.etag))
    expect(again.status).toBe(200)
    expect(again.headers.etag).toBe(written.headers.etag)
    expect((await draft()).version).toBe(opened.version)
  })

  it('refuses a corner moved in one grid only into its neighbour: an overlap (409), zh-CN and en', async () => {
    const after = await applyChanges(t.db, TOWNSHIP, (await draft())?.changes ?? [])
    const [a, b, grid] = movableCorners(after)[0] as [Position, Position, string, string]
    const read = await call('get', `${ITEMS}/${grid}`)
    // A new vertex in the middle of the shared edge a→b, pushed well into the neighbour.
    const ring = ringOf(read.body.geometry)
    const at = ring.findIndex((p) => same(p, a))
    const mid = [((a[0] as number) + (b[0] as number)) / 2, ((a[1] as number) + (b[1] as number)) / 2]
    const push = [
      (mid[0] as number) + ((b[1] as number) - (a[1] as number)) * 0.3,
      (mid[1] as number) - ((b[0] as number) - (a[0] as number)) * 0.3,
    ]
    const next = ring[at + 1] && same(ring[at + 1] as Position, b) ? at + 1 : at
    const bumped = [...ring.slice(0, next), ...(next === at + 1 ? [push] : []), ...ring.slice(next)]
    const geometry = { type: 'Polygon', coordinates: [bumped] }
    await refused(
      (l) => put(grid, { ...read.body, geometry }, township, l),
      409,
      'ogc_write_refused',
      /未写入：此修改会使本乡镇（街道）的网格新增 \d+ 处几何错误，例如：.*重叠/,
      /Not written: the change would give the township \d+ new error\(s\) of its geometry, e\.g\. .*overlap/i,
    )
  })

  it('updates a property by a merge patch, and reads it back with a new ETag', async () => {
    const [grid] = (await call('get', `${ITEMS}?limit=3`)).body.features.slice(2)
    const tag = (await call('get', `${ITEMS}/${grid.id}`)).headers.etag
    const patched = await call('patch', `${ITEMS}/${grid.id}`)
      .set('Content-Type', 'application/merge-patch+json')
      .set('If-Match', String(tag))
      .send(JSON.stringify({ properties: { households: 321, grid_head: '李四' } }))
    expect(patched.status, patched.text).toBe(200)
    const read = await call('get', `${ITEMS}/${grid.id}`)
    expect(read.body.properties).toMatchObject({ households: 321, grid_head: '李四', code: grid.id })
    expect(read.headers.etag).toBe(patched.headers.etag)
    expect(read.headers.etag).not.toBe(tag)
    expect((await draft()).changes.at(-1)).toEqual({ op: 'update', grid: grid.id, properties: { households: 321, grid_head: '李四' } })
  })

  it('creates a grid cut out of the one it lies in (POST: 201, Location), then merges a grid away (DELETE: 204)', async () => {
    const after = await applyChanges(t.db, TOWNSHIP, (await draft())?.changes ?? [])
    const grid = [...after.grids.values()].find((g) => g.code !== null && !after.changed.has(g.id)) as { id: string }
    // One side of a split of the grid, as PostGIS cuts it (the editor's 拆分 line across it).
    const { rows } = await sql<{ piece: Polygon }>`
      WITH g AS (SELECT geom FROM grids WHERE code = ${grid.id} AND valid_to IS NULL),
      line AS (SELECT ST_MakeLine(ST_MakePoint(ST_X(c) - 1, ST_Y(c) - 0.3), ST_MakePoint(ST_X(c) + 1, ST_Y(c) + 0.3)) AS l
               FROM (SELECT ST_PointOnSurface(geom) AS c FROM g) AS p)
      SELECT ST_AsGeoJSON((ST_Dump(ST_Split(g.geom, ST_SetSRID(line.l, 4490)))).geom, 15)::json AS piece FROM g, line LIMIT 1`.execute(t.db)
    const created = await call('post', ITEMS)
      .set('Content-Type', GEOJSON)
      .send(JSON.stringify({ type: 'Feature', geometry: rows[0]?.piece, properties: { name: '新网格', households: 10 } }))
    expect(created.status, created.text).toBe(201)
    const location = String(created.headers.location)
    expect(location).toMatch(/\/ogc\/collections\/grids\/items\/new-1%40p[0-9]+$/)
    const read = await call('get', location.replace(/^http:\/\/[^/]+/, ''))
    expect(read.status).toBe(200)
    expect(read.body.properties).toMatchObject({ name: '新网格', households: 10, code: null })
    expect(read.headers.etag).toBe(created.headers.etag)
    const opened = await draft()
    expect(opened.changes.slice(-2).map((c: { op: string; grid?: string }) => `${c.op} ${c.grid ?? ''}`)).toEqual([
      'create ',
      `reshape ${grid.id}`,
    ])
    expect(opened.validation.issues.filter(geometryError)).toEqual([])

    const victim = [...after.grids.values()].find((g) => g.code !== null && g.id !== grid.id && !after.changed.has(g.id)) as { id: string }
    const deleted = await call('delete', `${ITEMS}/${victim.id}`)
    expect(deleted.status, deleted.text).toBe(204)
    expect((await call('get', `${ITEMS}/${victim.id}`)).status).toBe(404)
    const merged = (await draft()).changes.at(-1)
    expect(merged).toMatchObject({ op: 'merge', grids: [expect.any(String), victim.id] })
    // The diff the editor draws: the merged pair removed, a new grid added, the moved corners changed.
    const diff = (await call('get', `/api/v1/proposals/${opened.id}/diff`)).body
    const removed = diff.features
      .filter((f: { properties: { change: string } }) => f.properties.change === 'removed')
      .map((f: { properties: { code: string } }) => f.properties.code)
    expect(removed.sort()).toEqual([...merged.grids].sort())
    expect((await draft()).validation.issues.filter(geometryError), 'after the merge').toEqual([])
  })

  it('takes coordinates in the Content-Crs system (a Gauss-Krüger zone, northing,easting): the same grid sent back changes nothing', async () => {
    // One the draft has changed: the item is served as the draft leaves it (the list: as in force).
    const [code] = (await draft()).changes.filter((c: { op: string }) => c.op === 'reshape').map((c: { grid: string }) => c.grid)
    const grid = (await call('get', `${ITEMS}/${code}?crs=http://www.opengis.net/def/crs/EPSG/0/4549`)).body
    const version = (await draft()).version
    const sent = await put(grid.id, grid).set('Content-Crs', '<http://www.opengis.net/def/crs/EPSG/0/4549>')
    expect(sent.status, sent.text).toBe(200)
    expect((await draft()).version).toBe(version)
  })
})

describe('OGC API – Features Part 4: bad writes, in zh-CN and en', () => {
  /** A grid the draft leaves as it is (the round trip above changed some, and merged one away). */
  const feature = async () => {
    for (const { id } of (await call('get', `${ITEMS}?limit=20`)).body.features) {
      const read = await call('get', `${ITEMS}/${id}`)
      if (read.status === 200 && read.headers['x-proposal-id'] === undefined) return read.body
    }
  }

  it('refuses what is not a feature, an unreadable geometry and a self-intersecting one', async () => {
    const grid = await feature()
    await refused(
      (l) => put(grid.id, { type: 'FeatureCollection' }, township, l),
      400,
      'ogc_body_not_feature',
      /请求体应为 GeoJSON 要素/,
      /should be a GeoJSON Feature/,
    )
    const open = { ...grid, geometry: { type: 'Polygon', coordinates: [ringOf(grid.geometry).slice(0, -1)] } }
    await refused(
      (l) => put(grid.id, open, township, l),
      400,
      'ogc_geometry_unreadable',
      /要素的几何无法读取：.*闭合/,
      /cannot be read: a ring is not closed/,
    )
    const ring = ringOf(grid.geometry)
    const [p, q, r, s] = [ring[0], ring[1], ring[2], ring[3]] as Position[]
    const bowtie = { ...grid, geometry: { type: 'Polygon', coordinates: [[p, r, q, s, p]] } }
    await refused(
      (l) => put(grid.id, bowtie, township, l),
      409,
      'ogc_write_refused',
      /未写入：.*自相交/,
      /Not written: .*self-intersection/,
    )
  })

  it('refuses read-only, unknown and bad properties', async () => {
    const grid = await feature()
    const props = (properties: object) => ({ ...grid, properties: { ...grid.properties, ...properties } })
    await refused(
      (l) => put(grid.id, props({ code: '990101001001999' }), township, l),
      400,
      'ogc_property_read_only',
      /属性“code”不能写入/,
      /Property "code" cannot be written/,
    )
    await refused(
      (l) => put(grid.id, props({ colour: 'red' }), township, l),
      400,
      'ogc_property_unknown',
      /网格没有属性“colour”/,
      /Grids have no property "colour"/,
    )
    await refused(
      (l) => put(grid.id, props({ name: ' ' }), township, l),
      400,
      'proposal_change_name',
      /应为不超过 100 个字符的非空名称/,
      /must be a non-empty name/,
    )
    await refused(
      (l) => put(grid.id, props({ households: -3 }), township, l),
      400,
      'proposal_change_count',
      /“properties.households”为 -3，应为 0 至 100000 之间的整数/,
      /"properties.households" is -3; expected a whole number from 0 to 100000/,
    )
  })

  it('refuses a grid outside the caller’s township, an overlap, an unknown feature and an unknown Content-Crs', async () => {
    const grid = await feature()
    const elsewhere = { type: 'Feature', geometry: grid.geometry, properties: { name: '外乡', region_code: '990101004001' } }
    await refused(
      (l) => call('post', ITEMS, township, l).send(elsewhere),
      403,
      'proposal_out_of_scope',
      /无权在该区域提出/,
      /You may not propose/,
    )
    // The grid's shape moved 0.001° (≈ 100 m) east as a new grid: it lies across the grid and its neighbour.
    const overlap = {
      type: 'Feature',
      geometry: mapGeometry(grid.geometry, (p) => [(p[0] as number) + 0.001, p[1] as number]),
      properties: { name: '重叠' },
    }
    await refused(
      (l) => call('post', ITEMS, township, l).send(overlap),
      409,
      'ogc_write_refused',
      /未写入：.*重叠/,
      /Not written: .*overlap/i,
    )
    await refused(
      (l) => put('990101001009999', grid, township, l),
      404,
      'ogc_feature_not_found',
      /图层“grids”中没有要素“990101001009999”/,
      /has no feature "990101001009999"/,
    )
    await refused(
      (l) => put(grid.id, grid, township, l).set('Content-Crs', '<http://www.opengis.net/def/crs/EPSG/0/4214>'),
      400,
      'ogc_crs_invalid',
      /参数 Content-Crs 无效/,
      /Parameter Content-Crs is invalid/,
    )
  })

  it('refuses a bad merge patch, a grid head that is not text, a gap, and reshaping a new grid', async () => {
    const grid = await feature()
    const patch = (body: object, l: string) => call('patch', `${ITEMS}/${grid.id}`, township, l).send(body)
    await refused((l) => patch([1, 2], l), 400, 'ogc_patch_not_object', /合并补丁应为 JSON 对象/, /A merge patch should be a JSON object/)
    await refused(
      (l) => patch({ properties: { grid_head: 7 } }, l),
      400,
      'ogc_property_invalid',
      /属性“grid_head”应为文本或 null/,
      /Property "grid_head" should be a text or null/,
    )
    // A vertex added in the middle of an edge and pulled into the grid: its neighbour keeps the
    // straight edge, so a gap opens between them (plain application/json works as a merge patch).
    const ring = ringOf(grid.geometry)
    const [p, q] = [ring[0], ring[1]] as [Position, Position]
    const mid = [((p[0] as number) + (q[0] as number)) / 2, ((p[1] as number) + (q[1] as number)) / 2]
    const inward = [
      (mid[0] as number) - ((q[1] as number) - (p[1] as number)) * 0.2,
      (mid[1] as number) + ((q[0] as number) - (p[0] as number)) * 0.2,
    ]
    const sign = Math.sign(
      ring
        .slice(0, -1)
        .reduce(
          (sum, a, i) =>
            sum + (a[0] as number) * ((ring[i + 1] as Position)[1] as number) - ((ring[i + 1] as Position)[0] as number) * (a[1] as number),
          0,
        ),
    )
    // Inward is to the left of p→q on a counter-clockwise ring, to the right on a clockwise one.
    const dent = sign > 0 ? inward : [2 * (mid[0] as number) - (inward[0] as number), 2 * (mid[1] as number) - (inward[1] as number)]
    const geometry = { type: 'Polygon', coordinates: [[p, dent, ...ring.slice(1)]] }
    await refused(
      (l) => patch({ geometry }, l),
      409,
      'ogc_write_refused',
      /未写入：.*平方米未被任何网格覆盖/,
      /Not written: .* is covered by no grid/,
    )
    // The draft's new grid (the POST above) may change its attributes, not its shape, until approval.
    const opened = await draft()
    const created = `new-1@p${opened.id}`
    const read = await call('get', `${ITEMS}/${encodeURIComponent(created)}`)
    expect(read.status).toBe(200)
    const moved = mapGeometry(read.body.geometry, (a) => [(a[0] as number) + 1e-5, a[1] as number])
    await refused(
      (l) => put(encodeURIComponent(created), { ...read.body, geometry: moved }, township, l),
      400,
      'proposal_new_grid_update_only',
      /新网格“new-1”在审批赋码前只能修改名称/,
      /new grid "new-1" gets its code at approval/,
    )
    const renamed = await put(encodeURIComponent(created), { ...read.body, properties: { ...read.body.properties, name: '新网格甲' } })
    expect(renamed.status, renamed.text).toBe(200)
    expect((await draft()).changes.at(-1)).toEqual({ op: 'update', grid: 'new-1', properties: { name: '新网格甲' } })
  })

  it('refuses a new grid of a county user that lies in none of its townships', async () => {
    const county = await t.token('county')
    const sea = {
      type: 'Feature',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [100, 10],
            [100.01, 10],
            [100.01, 10.01],
            [100, 10],
          ],
        ],
      },
      properties: { name: '海上' },
    }
    for (const [language, message] of [
      ['zh-CN', /该要素不在您可编辑的乡镇（街道）内/],
      ['en', /No township of yours holds this feature/],
    ] as const) {
      const response = await call('post', ITEMS, county, language).send(sea)
      expect(response.status).toBe(400)
      expect(response.body).toMatchObject({ code: 'ogc_township_unknown', description: expect.stringMatching(message) })
    }
  })
})
