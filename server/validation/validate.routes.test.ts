import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer as auth, createMiniCountyApp } from '../testing/app.js'

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let county: string
let township: string

beforeAll(async () => {
  t = await createMiniCountyApp()
  ;({ county, township } = t.tokens)
})
afterAll(async () => t?.close())

const square = (x: number, y: number, size = 0.002, properties: Record<string, unknown> = {}) => ({
  type: 'Feature',
  properties: { households: 300, ...properties },
  geometry: {
    type: 'Polygon',
    coordinates: [
      [
        [x, y],
        [x + size, y],
        [x + size, y + size],
        [x, y + size],
        [x, y],
      ],
    ],
  },
})
const collection = (...features: unknown[]) => ({ type: 'FeatureCollection', features })

describe('POST /api/v1/validate', () => {
  it('judges the mini county against its community boundary from the database', async () => {
    const grids = await t.http().get('/api/v1/grids?region=990101001001').set(auth(county)).expect(200)
    const response = await t
      .http()
      .post('/api/v1/validate')
      .set(auth(county))
      .send({ features: grids.body, parent: '990101001001' })
      .expect(200)
    // Two grids tile 桂花社区 exactly; the second has 150 households (below 200).
    expect(response.body.issues.map((i: { code: string }) => i.code)).toEqual(['households_below_min'])
    expect(response.body.valid).toBe(false)
    expect(response.body.summary).toMatchObject({ features: 2, errors: 1, gap_area_m2: 0, overlap_area_m2: 0, coverage_path: 'edge-match' })
    // The grids carry region_code; its community (桂花社区, class 111) says the grid is urban.
    expect(response.body.issues[0].details).toMatchObject({ basis: 'urban', basis_assumed: false, households: 150 })
  })

  it('assigns ids to features without one and echoes them', async () => {
    const response = await t
      .http()
      .post('/api/v1/validate')
      .set(auth(county))
      .send({ features: collection(square(113, 28), square(113.002, 28)) })
      .expect(200)
    expect(response.body.summary.assigned_ids).toEqual(['#1', '#2'])
    expect(response.body.valid).toBe(true)
  })

  it('names one structural problem per broken feature, however many its coordinates hold', async () => {
    // A list of 10,000 numbers as a polygon's rings once made 10,000 issues (and held the server a second).
    const numbers = Array.from({ length: 10_000 }, (_, i) => i)
    const broken = { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: numbers } }
    for (const [language, message] of [
      ['zh-CN', '网格 #1 的几何无效：坐标不是数字（位置 coordinates[0]）'],
      ['en', 'Grid #1 has invalid geometry: coordinates are not numbers (at coordinates[0])'],
    ] as const) {
      const response = await t
        .http()
        .post('/api/v1/validate')
        .set(auth(county))
        .set('Accept-Language', language)
        .send({ features: collection(broken, square(113, 28)) })
        .expect(200)
      const invalid = response.body.issues.filter((i: { code: string }) => i.code === 'invalid_geometry')
      expect(invalid).toHaveLength(1)
      expect(invalid[0].message).toContain(message)
    }
  })

  it('finds an overlap between two grids, with its geometry and area, by PostGIS overlay', async () => {
    const response = await t
      .http()
      .post('/api/v1/validate')
      .set(auth(county))
      .set('Accept-Language', 'en')
      .send({ features: collection(square(113, 28, 0.002, { id: 'A' }), square(113.001, 28, 0.002, { id: 'B' })) })
      .expect(200)
    const overlap = response.body.issues.find((i: { code: string }) => i.code === 'overlap')
    expect(overlap).toMatchObject({ severity: 'error', feature_ids: ['A', 'B'] })
    expect(overlap.geometry.type).toBe('Polygon')
    expect(overlap.area_m2).toBeGreaterThan(19_000)
    expect(overlap.area_m2).toBeLessThan(22_000)
    expect(overlap.message).toMatch(/^Grids A and B overlap by \d+ m² \(around 113\.00150, 28\.00100\)$/)
    expect(response.body.summary.coverage_path).toBe('overlay')
  })

  it.each([
    [{ features: { type: 'FeatureCollection', features: [] } }, 400, 'validation_empty'],
    [{ features: { type: 'Feature' } }, 400, 'validation_not_feature_collection'],
    [{ features: collection(square(113, 28)), parent: '990101009001' }, 404, 'region_not_found'],
    [{ features: collection(square(113, 28)), parent: '99010100100' }, 400, 'region_code_invalid'],
    [{ features: collection(square(113, 28)), profile: 'nowhere' }, 400, 'profile_unknown'],
    [{ features: collection(square(113, 28)), crs: 'epsg3857' }, 400, 'invalid_request'],
    [{ features: { ...collection(square(113, 28)), crs: { type: 'name', properties: { name: 'EPSG:3857' } } } }, 400, 'crs_unsupported'],
    [
      { features: { ...collection(square(113, 28)), crs: { type: 'name', properties: { name: 'EPSG:4490' } } }, crs: 'gcj02' },
      400,
      'crs_conflict',
    ],
    [{ features: collection(square(113, 28)), parent: { type: 'Point', coordinates: [113, 28] } }, 400, 'parent_invalid'],
  ])('refuses a bad request with a clear 4xx (%#: %s → %s %s)', async (body, status, code) => {
    const response = await t.http().post('/api/v1/validate').set(auth(county)).send(body).expect(status)
    expect(response.body.error.code).toBe(code)
    expect(response.body.error.message.length).toBeGreaterThan(8)
  })

  it('names the missing parent region in the 404', async () => {
    const response = await t
      .http()
      .post('/api/v1/validate')
      .set(auth(county))
      .send({ features: collection(square(113, 28)), parent: '990101009001' })
      .expect(404)
    expect(response.body.error.message).toBe('未找到行政区划“990101009001”')
  })

  it('states the limit for a body over it (413)', async () => {
    const huge = collection(
      ...Array.from({ length: 9000 }, (_, i) =>
        square(113 + (i % 100) * 0.002, 28 + Math.floor(i / 100) * 0.002, 0.002, { name: 'x'.repeat(100) }),
      ),
    )
    const response = await t.http().post('/api/v1/validate').set(auth(county)).send({ features: huge }).expect(413)
    expect(response.body.error.message).toBe('请求内容过大，上限为 1 MB')
  })

  it('keeps a township to its own parent regions', async () => {
    await t
      .http()
      .post('/api/v1/validate')
      .set(auth(township))
      .send({ features: collection(square(113, 28)), parent: '990101002001' })
      .expect(403)
  })
})

describe('POST /api/v1/repair', () => {
  it('suggests ST_MakeValid for a bow-tie and says what changes, without storing anything', async () => {
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [113, 28],
          [113.002, 28.002],
          [113.002, 28],
          [113, 28.002],
          [113, 28],
        ],
      ],
    }
    const response = await t.http().post('/api/v1/repair').set(auth(county)).send({ geometry: bowtie }).expect(200)
    expect(response.body).toMatchObject({ valid_before: false, reason: 'self_intersection', changes: { parts_before: 1, parts_after: 2 } })
    expect(response.body.geometry.type).toBe('MultiPolygon')
    expect(response.body.message).toMatch(/^原几何无效（边界自相交）；建议的修复结果有 2 个部分/)
  })

  it('says when nothing needs repair, and refuses unreadable input', async () => {
    const ok = await t
      .http()
      .post('/api/v1/repair')
      .set(auth(county))
      .send({ geometry: square(113, 28).geometry })
      .expect(200)
    expect(ok.body).toMatchObject({ valid_before: true, reason: null, message: '几何有效，无需修复' })
    const bad = await t
      .http()
      .post('/api/v1/repair')
      .set(auth(county))
      .send({
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [113, 28],
              [113, 91],
            ],
          ],
        },
      })
      .expect(400)
    expect(bad.body.error.code).toBe('repair_unreadable')
  })
})

describe('limits', () => {
  it('states the feature limit for a collection over 20,000 features (413), before any work', async () => {
    const { validate, MAX_FEATURES } = await import('./validate.service.js')
    const feature = square(113, 28)
    const features = { type: 'FeatureCollection', features: Array.from({ length: MAX_FEATURES + 1 }, () => feature) }
    await expect(validate(t.database, { features }, 'zh-CN')).rejects.toMatchObject({
      statusCode: 413,
      code: 'validation_too_many_features',
      params: { count: 20_001, limit: 20_000 },
    })
  })
})
