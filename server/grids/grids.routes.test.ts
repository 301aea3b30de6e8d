import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { bearer as auth, createMiniCountyApp } from '../testing/app.js'

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let county: string
let township: string

beforeAll(async () => {
  t = await createMiniCountyApp()
  ;({ county, township } = t.tokens)
})
afterAll(async () => t?.close())

/** Signed area of a ring (shoelace); > 0 means counter-clockwise. */
function signedArea(ring: number[][]): number {
  let sum = 0
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1, y1] = ring[i] as [number, number]
    const [x2, y2] = ring[i + 1] as [number, number]
    sum += x1 * y2 - x2 * y1
  }
  return sum / 2
}

describe('GET /api/v1/grids', () => {
  it('returns the county grids as an RFC 7946 FeatureCollection with household fit', async () => {
    const response = await t.http().get('/api/v1/grids?region=990101').set(auth(county)).expect(200)
    expect(response.body.type).toBe('FeatureCollection')
    expect(response.body).not.toHaveProperty('crs')
    const byCode = Object.fromEntries(response.body.features.map((f: { id: string }) => [f.id, f]))
    expect(Object.keys(byCode).sort()).toEqual(['990101001001001', '990101001001002', '990101001002001', '990101002001001'])
    const first = byCode['990101001001001']
    expect(first.geometry.type).toBe('MultiPolygon')
    expect(first.geometry).not.toHaveProperty('crs')
    expect(signedArea(first.geometry.coordinates[0][0])).toBeGreaterThan(0)
    expect(first.properties).toMatchObject({ name: '桂花社区第一网格', households: 320, fit: 'within', kind: 'comprehensive' })
    expect(first.properties.attributes).toEqual({})
    expect(byCode['990101001002001'].properties.attributes).toEqual({ grid_head: '李明' })
    expect(byCode['990101001001002'].properties.fit).toBe('below')
    expect(byCode['990101002001001'].properties.fit).toBe('above')
  })

  it('outputs CCW outer rings even when the stored ring is clockwise', async () => {
    await sql`UPDATE grids SET geom = ST_ForcePolygonCW(geom) WHERE code = '990101001001001'`.execute(t.db)
    const response = await t.http().get('/api/v1/grids/990101001001001').set(auth(county)).expect(200)
    expect(signedArea(response.body.geometry.coordinates[0][0])).toBeGreaterThan(0)
  })

  it('filters by bbox', async () => {
    const response = await t.http().get('/api/v1/grids?region=990101&bbox=113.025,28.005,113.035,28.015').set(auth(county)).expect(200)
    expect(response.body.features.map((f: { id: string }) => f.id)).toEqual(['990101002001001'])
  })

  it('defaults to the caller’s own scope and keeps a township inside it', async () => {
    const response = await t.http().get('/api/v1/grids').set(auth(township)).expect(200)
    expect(response.body.features.map((f: { id: string }) => f.id)).toEqual(['990101001001001', '990101001001002', '990101001002001'])
  })

  it('refuses a township user reading another township with a 403 that names the scope', async () => {
    const response = await t.http().get('/api/v1/grids?region=990101002').set(auth(township)).expect(403)
    expect(response.body.error.code).toBe('forbidden_region')
    expect(response.body.error.message).toContain('城关镇')
    const single = await t.http().get('/api/v1/grids/990101002001001').set(auth(township)).set('Accept-Language', 'en').expect(403)
    expect(single.body.error.message).toMatch(/township user/)
  })

  it('answers as_of: nothing before the grids existed', async () => {
    const before = await t.http().get('/api/v1/grids?region=990101&as_of=2025-12-31').set(auth(county)).expect(200)
    expect(before.body.features).toHaveLength(0)
    const after = await t.http().get('/api/v1/grids?region=990101&as_of=2026-01-01').set(auth(county)).expect(200)
    expect(after.body.features).toHaveLength(4)
  })

  it.each([
    ['region=99010', 'region_prefix_invalid'],
    ['region=9901010010011', 'region_prefix_invalid'],
    ['bbox=113,28,112,29', 'bbox_invalid'],
    ['bbox=113,28,114,95', 'bbox_invalid'],
    ['bbox=a,b,c,d', 'bbox_invalid'],
    ['as_of=2026-02-30', 'date_invalid'],
    ['as_of=yesterday', 'invalid_request'],
  ])('rejects %s with a clear 400 (%s)', async (query, code) => {
    const response = await t.http().get(`/api/v1/grids?${query}`).set(auth(county)).expect(400)
    expect(response.body.error.code).toBe(code)
    expect(response.body.error.message.length).toBeGreaterThan(5)
  })

  it('needs a login', async () => {
    const response = await t.http().get('/api/v1/grids').expect(401)
    expect(response.body.error).toEqual({ code: 'unauthorized', message: '请先登录' })
    const bad = await t.http().get('/api/v1/grids').set(auth('not.a.token')).expect(401)
    expect(bad.body.error.code).toBe('token_invalid')
  })

  it('remembers a verified token, but never a tampered one or one past its expiry', async () => {
    await t.http().get('/api/v1/grids?region=990101').set(auth(county)).expect(200)
    const tampered = `${county.slice(0, -2)}${county.endsWith('AA') ? 'BB' : 'AA'}`
    const refused = await t.http().get('/api/v1/grids?region=990101').set(auth(tampered)).expect(401)
    expect(refused.body.error.code).toBe('token_invalid')
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(Date.now() + 13 * 3600_000) // tokens live 12 h
      const expired = await t.http().get('/api/v1/grids?region=990101').set(auth(county)).expect(401)
      expect(expired.body.error.code).toBe('token_invalid')
    } finally {
      vi.useRealTimers()
    }
    await t.http().get('/api/v1/grids?region=990101').set(auth(county)).expect(200)
  })
})

describe('GET /api/v1/grids/{code} and history', () => {
  it('returns one grid, 404 for an unknown code, 400 for a malformed one', async () => {
    const ok = await t.http().get('/api/v1/grids/990101001002001').set(auth(county)).expect(200)
    expect(ok.body.properties.name).toBe('东湖社区第一网格')
    const missing = await t.http().get('/api/v1/grids/990101001002999').set(auth(county)).expect(404)
    expect(missing.body.error).toEqual({ code: 'grid_not_found', message: '未找到网格“990101001002999”' })
    const malformed = await t.http().get('/api/v1/grids/99-01').set(auth(county)).expect(400)
    expect(malformed.body.error.code).toBe('grid_code_invalid')
  })

  it('keeps every version: a change closes valid_to and opens version 2', async () => {
    await t.db.transaction().execute(async (trx) => {
      await sql`UPDATE grids SET valid_to = '2026-09-01' WHERE code = '990101001002001' AND valid_to IS NULL`.execute(trx)
      await sql`INSERT INTO grids (code, version, name, kind, region_code, geom, households, valid_from)
        SELECT code, 2, '东湖社区第一网格（调整）', kind, region_code, geom, 430, '2026-09-01'
        FROM grids WHERE code = '990101001002001' AND version = 1`.execute(trx)
    })
    const history = await t.http().get('/api/v1/grids/990101001002001/history').set(auth(county)).expect(200)
    expect(
      history.body.features.map((f: { properties: { version: number; valid_to: string | null } }) => [
        f.properties.version,
        f.properties.valid_to,
      ]),
    ).toEqual([
      [1, '2026-09-01'],
      [2, null],
    ])
    const past = await t.http().get('/api/v1/grids/990101001002001?as_of=2026-06-30').set(auth(county)).expect(200)
    expect(past.body.properties.households).toBe(410)
    const now = await t.http().get('/api/v1/grids/990101001002001').set(auth(county)).expect(200)
    expect(now.body.properties.households).toBe(430)
  })

  it('refuses a second open row for the same code (database constraint)', async () => {
    await expect(
      sql`INSERT INTO grids (code, version, name, kind, region_code, geom, valid_from)
        SELECT code, 9, name, kind, region_code, geom, '2026-10-01' FROM grids WHERE code = '990101001001001' AND version = 1`.execute(
        t.db,
      ),
    ).rejects.toThrow(/grids_one_open_row_idx/)
  })
})
