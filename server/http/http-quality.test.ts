import { sql } from 'kysely'
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

describe('health and API description', () => {
  it('reports the engine and the PostGIS version', async () => {
    const response = await t.http().get('/health').expect(200)
    expect(response.body.status).toBe('ok')
    expect(response.body.engine).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite')
    expect(response.body.postgis).toMatch(/^3\.\d+\.\d+/)
    expect(response.body.capabilities).toHaveProperty('st_coverageinvalidedges')
  })

  it('serves OpenAPI at /openapi.json and docs at /docs', async () => {
    const spec = await t.http().get('/openapi.json').expect(200)
    expect(spec.body.openapi).toMatch(/^3\./)
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/grids',
        '/api/v1/grids/{code}',
        '/api/v1/grids/{code}/history',
        '/api/v1/regions/{code}',
        '/api/v1/regions/{code}/children',
      ]),
    )
    const docs = await t.http().get('/docs/').redirects(1)
    expect(docs.status).toBe(200)
    expect(docs.text).toContain('swagger')
  })
})

describe('login', () => {
  it('gives a token and the account with its home region', async () => {
    const response = await t.http().post('/api/v1/auth/login').send({ username: 'township', password: 'demo' }).expect(200)
    expect(response.body.token.split('.')).toHaveLength(3)
    expect(response.body.user).toMatchObject({ role: 'township', region_prefix: '990101001', home_region: '990101001000' })
    const me = await t.http().get('/api/v1/me').set(auth(response.body.token)).expect(200)
    expect(me.body.username).toBe('township')
  })

  it('refuses a wrong password in plain words and audits the attempt', async () => {
    const response = await t.http().post('/api/v1/auth/login').send({ username: 'county', password: 'nope' }).expect(401)
    expect(response.body.error).toEqual({ code: 'login_failed', message: '用户名或密码错误' })
    const english = await t
      .http()
      .post('/api/v1/auth/login')
      .set('Accept-Language', 'en-US,en;q=0.9')
      .send({ username: 'county', password: 'nope' })
      .expect(401)
    expect(english.body.error.message).toBe('Wrong username or password')
    // One row per burst of failures (the second try is counted in the burst's closing row).
    const audited = await t.db.selectFrom('audit_log').select(['action', 'username']).where('action', '=', 'login_failed').execute()
    expect(audited).toEqual([{ action: 'login_failed', username: 'county' }])
  })

  it('stores passwords hashed with scrypt, never in clear', async () => {
    const user = await t.db.selectFrom('users').select('password_hash').where('username', '=', 'admin').executeTakeFirstOrThrow()
    expect(user.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/)
    expect(user.password_hash).not.toContain('demo')
  })
})

describe('bad input gets a clear 4xx, never a 500', () => {
  it('non-JSON body → 400 invalid_json', async () => {
    const response = await t
      .http()
      .post('/api/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"username": "county", ')
      .expect(400)
    expect(response.body.error.code).toBe('invalid_json')
    expect(response.body.error.message).toMatch(/^请求内容不是有效的 JSON/)
  })

  it('wrong types → 400 naming the field', async () => {
    const response = await t.http().post('/api/v1/auth/login').send({ username: 42, password: 'demo' }).expect(400)
    expect(response.body.error.code).toBe('invalid_request')
    expect(response.body.error.message).toContain('body.username')
    const missing = await t.http().post('/api/v1/auth/login').set('Accept-Language', 'en').send({ username: 'x' }).expect(400)
    expect(missing.body.error.message).toBe('Invalid request: missing required field "body.password"')
  })

  it('oversized body → 413', async () => {
    const response = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ username: 'x', password: 'y'.repeat(2 * 1024 * 1024) })
      .expect(413)
    expect(response.body.error.code).toBe('body_too_large')
  })

  it('wrong content type → 415', async () => {
    const response = await t.http().post('/api/v1/auth/login').set('Content-Type', 'application/xml').send('<x/>').expect(415)
    expect(response.body.error.code).toBe('unsupported_media_type')
  })

  it('unknown route → 404 in the same error shape', async () => {
    const response = await t.http().get('/api/v1/nothing-here').expect(404)
    expect(response.body.error).toEqual({ code: 'route_not_found', message: '没有这个接口：GET /api/v1/nothing-here' })
  })
})

describe('regions', () => {
  it('returns a region with its bbox and ancestors', async () => {
    const response = await t.http().get('/api/v1/regions/990101001001').set(auth(county)).expect(200)
    expect(response.body).toMatchObject({
      code: '990101001001',
      name: '桂花社区',
      level: 5,
      parent_code: '990101001000',
      urban_rural: '111',
    })
    expect(response.body.bbox).toEqual([113, 28, 113.01, 28.02])
    expect(response.body.ancestors.map((a: { name: string }) => a.name)).toEqual(['示范省', '示范市', '示范县', '城关镇'])
  })

  it('lists children and descendants with boundaries', async () => {
    const children = await t.http().get('/api/v1/regions/990101000000/children').set(auth(county)).expect(200)
    expect(children.body.features.map((f: { id: string }) => f.id)).toEqual(['990101001000', '990101002000'])
    expect(children.body.features[0].geometry.type).toBe('MultiPolygon')
    const all = await t.http().get('/api/v1/regions/990101000000/children?descendants=true').set(auth(county)).expect(200)
    expect(all.body.features).toHaveLength(5)
  })

  it('rejects an 11-digit region code with a 400 that says what a code looks like', async () => {
    const response = await t.http().get('/api/v1/regions/99010100100').set(auth(county)).expect(400)
    expect(response.body.error.code).toBe('region_code_invalid')
    expect(response.body.error.message).toContain('12 位数字')
  })

  it('404s an unknown region', async () => {
    const response = await t.http().get('/api/v1/regions/990101009000').set(auth(county)).expect(404)
    expect(response.body.error.code).toBe('region_not_found')
  })

  it('lets a township read its ancestors but not another township', async () => {
    await t.http().get('/api/v1/regions/990101000000').set(auth(township)).expect(200)
    await t.http().get('/api/v1/regions/990101001001').set(auth(township)).expect(200)
    const other = await t.http().get('/api/v1/regions/990101002000').set(auth(township)).expect(403)
    expect(other.body.error.code).toBe('forbidden_region')
    await t.http().get('/api/v1/regions/990101000000/children').set(auth(township)).expect(403)
  })
})

describe('audit log', () => {
  it('records writes and refuses UPDATE and DELETE on both engines', async () => {
    const imports = await t.db.selectFrom('audit_log').select(['action', 'username', 'after']).where('action', 'like', 'import_%').execute()
    expect(imports.map((row) => row.action).sort()).toEqual(['import_grids', 'import_regions'])
    await expect(sql`UPDATE audit_log SET action = 'tampered'`.execute(t.db)).rejects.toThrow(/append-only/)
    await expect(sql`DELETE FROM audit_log`.execute(t.db)).rejects.toThrow(/append-only/)
  })
})
