import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { upsertUser } from '../auth/users.repository.js'
import type { Role } from '../db/database.js'
import { getProfile } from '../profiles/profiles.js'
import { ACT_FOR, applyingStep } from '../proposals/chain.js'
import { bearer, createMiniCountyApp, loadGeoJson, QINGSHI_SPLIT } from '../testing/app.js'
import { importAddressFile } from '../addresses/address-import.js'
import { toWgs84 } from './lookup.service.js'

// GET /lookup and POST /lookup/batch over HTTP on a real database with the mini county:
// 桂花社区 grids 001 (113.00–113.01 × 28.01–28.02) and 002 (× 28.00–28.01), 东湖社区 grid 001
// (113.01–113.02 × 28.00–28.02, head 李明), 青石村 grid (113.02–113.04 × 28.00–28.02); plus a
// dedicated grid (a school) inside 桂花社区 grid 001.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
const tokens = new Map<string, string>()
const DEDICATED = '990101001001901'

beforeAll(async () => {
  t = await createMiniCountyApp()
  await loadGeoJson(
    t.database,
    JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: {
            code: DEDICATED,
            name: '实验小学专属网格',
            kind: 'dedicated',
            region_code: '990101001001',
            parent_code: '990101001001001',
          },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [113.001, 28.011],
                [113.004, 28.011],
                [113.004, 28.014],
                [113.001, 28.014],
                [113.001, 28.011],
              ],
            ],
          },
        },
      ],
    }),
    'grids',
    '990101001001',
  )
  // Accounts for the approval chain of 青石乡 (profile cn-default).
  for (const [role, prefix] of [
    ['township', '990101002'],
    ['county', '990101'],
    ['city', '9901'],
  ] as [Role, string][]) {
    await upsertUser(t.db, { username: `${role}-qs`, display_name: role, password: 'demo', role, region_prefix: prefix })
    const response = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ username: `${role}-qs`, password: 'demo' })
    tokens.set(role, response.body.token)
  }
  tokens.set('dept', await t.token('dept'))
  await importAddressFile(t.db, 'fixtures/addresses/mini-county.csv', { region: '990101' })
}, 240_000)
afterAll(async () => t?.close())

const get = (query: string, token = t.tokens.county, language = 'zh-CN') =>
  t.http().get(`/api/v1/lookup?${query}`).set(bearer(token)).set('Accept-Language', language)

describe('GET /lookup', () => {
  it('answers from the index: grid, grid head, households, region chain from community to province', async () => {
    const response = await get('lng=113.015&lat=28.01')
    expect(response.status, response.text).toBe(200)
    expect(response.body).toMatchObject({
      query: { lng: 113.015, lat: 28.01, crs: 'wgs84', wgs84: [113.015, 28.01] },
      grid: {
        code: '990101001002001',
        name: '东湖社区第一网格',
        kind: 'comprehensive',
        region_code: '990101001002',
        households: 410,
        grid_head: '李明',
      },
      dedicated: [],
      nearest: null,
      source: 'index',
    })
    expect(response.body.regions.map((r: { name: string; level: number }) => `${r.level}:${r.name}`)).toEqual([
      '5:东湖社区',
      '4:城关镇',
      '3:示范县',
      '2:示范市',
      '1:示范省',
    ])
  })

  it('a point on the edge shared by two grids goes to the smaller code — from the index and from PostGIS alike', async () => {
    const index = await get('lng=113.01&lat=28.005')
    expect(index.body.grid.code).toBe('990101001001002')
    expect(index.body.source).toBe('index')
    const postgis = await get('lng=113.01&lat=28.005&as_of=2026-06-01')
    expect(postgis.body.source).toBe('postgis')
    expect(postgis.body.grid.code).toBe('990101001001002')
    // the corner shared by three grids
    expect((await get('lng=113.01&lat=28.01')).body.grid.code).toBe('990101001001001')
  })

  it('lists the dedicated grid that also contains the point; the main grid stays the comprehensive one', async () => {
    const response = await get('lng=113.002&lat=28.012')
    expect(response.body.grid.code).toBe('990101001001001')
    expect(response.body.grid.grid_head).toBeNull()
    expect(response.body.dedicated).toEqual([{ code: DEDICATED, name: '实验小学专属网格', kind: 'dedicated' }])
  })

  it('outside every grid: grid null, the nearest grid and the distance in metres (index ≈ PostGIS geodesic)', async () => {
    const response = await get('lng=113.05&lat=28.01')
    expect(response.body.grid).toBeNull()
    expect(response.body.regions).toEqual([])
    expect(response.body.nearest.code).toBe('990101002001001')
    // 0.01° of longitude at 28.01° N ≈ 982.6 m
    expect(response.body.nearest.distance_m).toBeGreaterThan(975)
    expect(response.body.nearest.distance_m).toBeLessThan(990)
    const postgis = await get('lng=113.05&lat=28.01&as_of=2026-06-01')
    expect(postgis.body.nearest.code).toBe('990101002001001')
    expect(Math.abs(postgis.body.nearest.distance_m - response.body.nearest.distance_m)).toBeLessThan(10)
  })

  it('converts GCJ-02 and BD-09 input to WGS84 before looking up', async () => {
    const wgs: [number, number] = [113.015, 28.015]
    // the point's GCJ-02 and BD-09 coordinates (as AMap and Baidu would show it)
    const gcj = await get('lng=113.020683&lat=28.011712&crs=gcj02')
    expect(gcj.status, gcj.text).toBe(200)
    expect(gcj.body.query.crs).toBe('gcj02')
    expect(gcj.body.query.wgs84[0]).toBeCloseTo(wgs[0], 5)
    expect(gcj.body.query.wgs84[1]).toBeCloseTo(wgs[1], 5)
    expect(gcj.body.grid.code).toBe('990101001002001')
    const bd = await get('lng=113.027146&lat=28.017894&crs=bd09')
    expect(bd.body.query.wgs84[0]).toBeCloseTo(wgs[0], 4)
    expect(bd.body.query.wgs84[1]).toBeCloseTo(wgs[1], 4)
    expect(bd.body.grid.code).toBe('990101001002001')
  })

  it('refuses (403) a point whose grid lies outside the caller’s region', async () => {
    const response = await get('lng=113.03&lat=28.01', t.tokens.township)
    expect(response.status).toBe(403)
    expect(response.body.error.code).toBe('forbidden_region')
    // a department account scoped to the county may
    expect((await get('lng=113.03&lat=28.01', tokens.get('dept'))).status).toBe(200)
    expect((await t.http().get('/api/v1/lookup?lng=113.03&lat=28.01')).status).toBe(401)
  })

  it.each([
    ['lng=abc&lat=28', 'lookup_coordinate_invalid', 'lng 应为数字，实际为“abc”', 'lng must be a number, got "abc"'],
    ['lng=113&lat=', 'lookup_coordinate_invalid', 'lat 应为数字', 'lat must be a number'],
    ['lng=NaN&lat=28', 'lookup_coordinate_invalid', 'lng 应为数字', 'lng must be a number'],
    ['lng=200&lat=28', 'lookup_coordinate_out_of_range', '超出范围', 'out of range'],
    ['lng=28.01&lat=113.01', 'lookup_coordinates_swapped', '经纬度似乎写反了', 'latitude and longitude look swapped'],
    ['lng=40&lat=80', 'lookup_coordinates_swapped', '应为 lng=80&lat=40', 'send lng=80&lat=40'],
    ['lng=2.35&lat=48.85', 'lookup_outside_china', '不在中国境内', 'outside China'],
    ['lng=113&lat=28&crs=utm', 'lookup_crs_invalid', '未知的坐标系“utm”', 'Unknown coordinate system "utm"'],
    ['lng=113&lat=28&as_of=2026-02-30', 'date_invalid', '日期“2026-02-30”无效', 'Date "2026-02-30" is invalid'],
    ['', 'lookup_point_missing', '请用 lng 和 lat 给出坐标', 'Give a point as lng and lat'],
  ])('bad input %s → 400 %s, in Chinese and English', async (query, code, zh, en) => {
    const chinese = await get(query)
    expect(chinese.status, chinese.text).toBe(400)
    expect(chinese.body.error.code).toBe(code)
    expect(chinese.body.error.message).toContain(zh)
    const english = await get(query, t.tokens.county, 'en')
    expect(english.body.error.message).toContain(en)
  })
})

describe('GET /lookup?address=', () => {
  it('looks the matched address’s point up and returns the match with its score', async () => {
    const response = await get(`address=${encodeURIComponent('示范县城关镇桂花社区人民路１号')}`)
    expect(response.status, response.text).toBe(200)
    expect(response.body.address.match).toMatchObject({ address: '示范县城关镇桂花社区人民路1号', lng: 113.001, lat: 28.001, score: 1 })
    expect(response.body.query).toEqual({ lng: 113.001, lat: 28.001, crs: 'wgs84', wgs84: [113.001, 28.001] })
    expect(response.body.grid.code).toBe('990101001001002')
    expect(response.body.regions[0].name).toBe('桂花社区')
  })

  it('when unsure: no point, no grid, the candidates', async () => {
    const response = await get(`address=${encodeURIComponent('城关镇人民路1号')}`)
    expect(response.status, response.text).toBe(200)
    expect(response.body).toMatchObject({ query: null, grid: null, address: { match: null } })
    expect(response.body.address.candidates.length).toBeGreaterThanOrEqual(2)
  })

  it('address rows in a CSV batch: the match and its grid, or an inline error', async () => {
    const csv = ['id,address', '1,示范县城关镇桂花社区人民路1号', '2,城关镇人民路1号', '3,'].join('\n')
    const rows = parseCsv((await batch(csv, 'text/csv')).text)
    expect(rows.map((r) => r.row)).toEqual(['1', '2', '3'])
    expect(rows[0]).toMatchObject({ grid_code: '990101001001002', match_address: '示范县城关镇桂花社区人民路1号', match_score: '1' })
    expect(rows[1]?.error_code).toBe('lookup_address_no_match')
    expect(rows[1]?.error_message).toContain('城关镇人民路1号')
    expect(rows[2]?.error_code).toBe('lookup_row_empty')
  })
})

describe('GCJ-02 / BD-09 conversion (gcoord) on published points', () => {
  // eviltransform's test vectors (googollee/eviltransform): WGS84 → GCJ-02 in Beijing, BD-09 → WGS84 in Zhejiang.
  it('GCJ-02 → WGS84 inverts the published Beijing pair to within a metre', () => {
    const [lng, lat] = toWgs84('gcj02', 116.38404722455657, 39.91334545536069)
    expect(Math.abs(lng - 116.377817)).toBeLessThan(1e-5)
    expect(Math.abs(lat - 39.911954)).toBeLessThan(1e-5)
  })

  it('BD-09 → WGS84 matches the published pair to within ~15 m (BD-09 inverses differ by about 10 m)', () => {
    const [lng, lat] = toWgs84('bd09', 120.019809, 29.199786)
    expect(Math.abs(lng - 120.00877901149691)).toBeLessThan(1.5e-4)
    expect(Math.abs(lat - 29.196131605295484)).toBeLessThan(1.5e-4)
  })

  it('Tiananmen: GCJ-02 (116.397516, 39.907618) is WGS84 (116.391275, 39.906217)', () => {
    const [lng, lat] = toWgs84('gcj02', 116.397516, 39.907618)
    expect(lng).toBeCloseTo(116.391275, 5)
    expect(lat).toBeCloseTo(39.906217, 5)
    expect(toWgs84('cgcs2000', 116.391275, 39.906217)).toEqual([116.391275, 39.906217])
  })
})

describe('the index follows approvals', () => {
  it('after a split is applied the point answers with the new code; as_of the day before gives the old one from PostGIS', async () => {
    const point = 'lng=113.035&lat=28.01'
    expect((await get(point)).body.grid.code).toBe('990101002001001')
    const chain = getProfile('cn-default')?.approvalChain ?? []
    const as = (role: Role) => bearer(tokens.get(role) as string)
    const draft = await t
      .http()
      .post('/api/v1/proposals')
      .set(as(chain[0]?.role as Role))
      .send({
        region: '990101002001',
        title: '青石村网格调整',
        reason: '户数超标',
        changes: [{ ...QINGSHI_SPLIT, reason: '一分为二' }],
      })
    expect(draft.status, draft.text).toBe(200)
    const id = draft.body.id
    expect(
      (
        await t
          .http()
          .post(`/api/v1/proposals/${id}/submit`)
          .set(as(chain[0]?.role as Role))
          .send({})
      ).status,
    ).toBe(200)
    for (let step = 1; step < chain.length; step++) {
      const { role, action } = chain[step] as { role: Role; action: string }
      const body = step === applyingStep(chain) ? { document_no: '示范〔2026〕1号', effective_date: '2026-10-01' } : {}
      const response = await t
        .http()
        .post(`/api/v1/proposals/${id}/${ACT_FOR[action as 'file']}`)
        .set(as(role))
        .send(body)
      expect(response.status, response.text).toBe(200)
    }
    const after = await get(point)
    expect(after.body.source).toBe('index')
    expect(after.body.grid.code).toMatch(/^990101002001/)
    expect(after.body.grid.code).not.toBe('990101002001001')
    expect(after.body.grid.households).toBe(310)
    const before = await get(`${point}&as_of=2026-09-30`)
    expect(before.body.source).toBe('postgis')
    expect(before.body.grid.code).toBe('990101002001001')
    expect(before.body.regions[0].name).toBe('青石村')
  })
})

const batch = (body: string, type: string, token = t.tokens.county, language = 'zh-CN') =>
  t.http().post('/api/v1/lookup/batch').set(bearer(token)).set('Content-Type', type).set('Accept-Language', language).send(body)

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trimEnd().split('\n')
  const names = (head ?? '').split(',')
  return lines.map((line) => {
    const cells: string[] = []
    let cell = ''
    let quoted = false
    for (let i = 0; i < line.length; i++) {
      const ch = line[i] as string
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cell += '"'
          i++
        } else if (ch === '"') quoted = false
        else cell += ch
      } else if (ch === '"') quoted = true
      else if (ch === ',') {
        cells.push(cell)
        cell = ''
      } else cell += ch
    }
    cells.push(cell)
    return Object.fromEntries(names.map((name, i) => [name, cells[i] ?? '']))
  })
}

describe('POST /lookup/batch', () => {
  it('CSV in, CSV out in the same order; bad rows inline with row number, code and message', async () => {
    const csv = [
      'id,lng,lat,crs',
      'a,113.015,28.01,',
      'b,abc,28.01,',
      'c,113.05,28.01,',
      'd,113.002,28.012,wgs84',
      'e,28.01,113.01,',
      'f,113.0,28.0,utm',
      'g,113.005,28.005,cgcs2000',
    ].join('\n')
    const response = await batch(csv, 'text/csv')
    expect(response.status, response.text).toBe(200)
    expect(response.headers['content-type']).toContain('text/csv')
    const rows = parseCsv(response.text)
    expect(rows.map((r) => `${r.row}:${r.id}`)).toEqual(['1:a', '2:b', '3:c', '4:d', '5:e', '6:f', '7:g'])
    expect(rows[0]).toMatchObject({ grid_code: '990101001002001', grid_name: '东湖社区第一网格', grid_head: '李明', error_code: '' })
    expect(rows[1]).toMatchObject({ grid_code: '', error_code: 'lookup_coordinate_invalid', error_message: 'lng 应为数字，实际为“abc”' })
    // 青石村 may have been split by the approval test above: the nearest is its (eastern) grid
    expect(rows[2]).toMatchObject({ grid_code: '', error_code: '' })
    expect(rows[2]?.nearest_code).toMatch(/^990101002001/)
    expect(Number(rows[2]?.nearest_distance_m)).toBeGreaterThan(975)
    expect(rows[3]).toMatchObject({ grid_code: '990101001001001', dedicated: DEDICATED })
    expect(rows[4]?.error_code).toBe('lookup_coordinates_swapped')
    expect(rows[5]?.error_code).toBe('lookup_crs_invalid')
    expect(rows[6]?.grid_code).toBe('990101001001002')
  })

  it('NDJSON in, NDJSON out; a broken line and a grid outside the caller’s region are inline errors (English)', async () => {
    const ndjson = [
      '{"id":1,"lng":113.015,"lat":28.01}',
      '{not json',
      '{"lng":113.03,"lat":28.01}',
      '',
      '{"lng":"113.005","lat":"28.015","crs":"wgs84"}',
    ].join('\n')
    const response = await batch(ndjson, 'application/x-ndjson', t.tokens.township, 'en')
    expect(response.status, response.text).toBe(200)
    const rows = response.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(rows).toHaveLength(4)
    expect(rows[0]).toMatchObject({ row: 1, id: '1', grid: { code: '990101001002001', grid_head: '李明' }, dedicated: [] })
    expect(rows[1]).toMatchObject({ row: 2, error: { code: 'lookup_row_json' } })
    expect(rows[1].error.message).toContain('not a JSON object')
    expect(rows[2]).toMatchObject({ row: 3, grid: null, error: { code: 'forbidden_region' } })
    expect(rows[2].error.message).not.toContain('990101002')
    expect(rows[3]).toMatchObject({ row: 4, grid: { code: '990101001001001' } })
  })

  it('streams 20,000 rows and answers each in order', async () => {
    const n = 20_000
    const lines = ['id,lng,lat']
    const expected: string[] = []
    for (let i = 0; i < n; i++) {
      // alternate between two grids and a point outside
      const k = i % 3
      lines.push(`p${i},${[113.005, 113.035, 113.06][k]},${28.002 + (i % 50) * 0.0001}`)
      expected.push(['990101001001002', '990101002001', ''][k] as string)
    }
    const response = await batch(lines.join('\n'), 'text/csv')
    expect(response.status).toBe(200)
    const rows = parseCsv(response.text)
    expect(rows).toHaveLength(n)
    rows.forEach((row, i) => {
      expect(row.id).toBe(`p${i}`)
      if (expected[i] === '') expect(row.grid_code).toBe('')
      else expect(row.grid_code?.startsWith(expected[i] as string)).toBe(true)
    })
  })

  it('plain point rows (fast path) answer exactly as rows that go the general way (a crs column)', async () => {
    const rows: string[] = []
    for (let i = 0; i < 2000; i++) {
      const lng = i % 97 === 0 ? 'x' : (112.995 + ((i * 7919) % 1000) * 0.00006).toFixed(6)
      rows.push(`r${i},${lng},${(27.995 + ((i * 104729) % 1000) * 0.00003).toFixed(6)}`)
    }
    const fast = await batch(['id,lng,lat', ...rows].join('\n'), 'text/csv', t.tokens.township)
    const general = await batch(['id,lng,lat,crs', ...rows.map((r) => `${r},`)].join('\n'), 'text/csv', t.tokens.township)
    expect(fast.status).toBe(200)
    expect(fast.text).toBe(general.text)
    const answered = parseCsv(fast.text)
    // all kinds occur: in a grid, outside with a nearest grid, refused (青石乡 is not the township's), bad
    expect(answered.some((r) => r.grid_code !== '')).toBe(true)
    expect(answered.some((r) => r.nearest_code !== '')).toBe(true)
    expect(answered.some((r) => r.error_code === 'forbidden_region')).toBe(true)
    expect(answered.some((r) => r.error_code === 'lookup_coordinate_invalid')).toBe(true)
  })

  it('a CSV without a usable header, or another content type, is a 400 before any row', async () => {
    const noHeader = await batch('113.0,28.0\n113.1,28.1', 'text/csv', t.tokens.county, 'en')
    expect(noHeader.status).toBe(400)
    expect(noHeader.body.error.code).toBe('lookup_batch_header')
    expect(noHeader.body.error.message).toContain('header row')
    const json = await t.http().post('/api/v1/lookup/batch').set(bearer(t.tokens.county)).send({ lng: 1 })
    expect(json.status).toBe(400)
    expect(json.body.error.code).toBe('lookup_batch_format')
    expect(json.body.error.message).toContain('CSV')
  })
})
