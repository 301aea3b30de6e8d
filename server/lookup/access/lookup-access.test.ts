import { Writable } from 'node:stream'
import pino from 'pino'
import supertest from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../app.js'
import type { DatabaseHandle } from '../../db/connect.js'
import { importAddressFile } from '../../addresses/address-import.js'
import { bearer, loadMiniCounty, TEST_PASSWORD } from '../../testing/app.js'
import { openTestDatabase } from '../../testing/database.js'
import { seedDemoUsers } from '../../auth/demo-users.js'
import { maskUrl } from './access-log.js'

// Department access to GET /api/v1/lookup on the real app: X-API-Key or JWT, the key's region
// (403 outside it), revocation (401), rate limit (429), the masked access log, and request logs
// without raw addresses. The mini county: 城关镇 grids west of 113.02, 青石村 east of it.

let database: DatabaseHandle
let app: Awaited<ReturnType<typeof buildApp>>
const logLines: string[] = []
const http = () => supertest(app.server)
let admin: string
let county: string

async function login(username: string) {
  const response = await http().post('/api/v1/auth/login').send({ username, password: TEST_PASSWORD })
  return response.body.token as string
}

async function issue(body: Record<string, unknown>, token = admin) {
  return http().post('/api/v1/api-keys').set(bearer(token)).send(body)
}

beforeAll(async () => {
  database = await openTestDatabase()
  await seedDemoUsers(database.kysely, TEST_PASSWORD)
  await loadMiniCounty(database)
  await importAddressFile(database.kysely, 'fixtures/addresses/mini-county.csv', { region: '990101' })
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk))
      done()
    },
  })
  app = await buildApp({ database, signingSecret: 'test-signing-secret-of-at-least-32-chars', logger: pino({ level: 'info' }, stream) })
  await app.ready()
  admin = await login('admin')
  county = await login('county')
}, 120_000)
afterAll(async () => {
  await app?.close()
  await database?.close()
})

const QINGSHI = { lng: '113.03', lat: '28.01' } // 青石村网格 990101002001001
const CHENGGUAN = { lng: '113.005', lat: '28.015' } // 桂花社区第一网格 990101001001001

describe('lookup access by API key', () => {
  let key: string
  let keyId: number

  it('needs a key or a login, with a message in Chinese or English', async () => {
    const none = await http().get('/api/v1/lookup').query(QINGSHI)
    expect(none.status).toBe(401)
    expect(none.body.error).toEqual({
      code: 'lookup_unauthorized',
      message: '查询需要 API 密钥（请求头 X-API-Key）或登录（Authorization: Bearer <令牌>）',
    })
    const bad = await http().get('/api/v1/lookup').query(QINGSHI).set('X-API-Key', 'gwk_notakey').set('Accept-Language', 'en')
    expect(bad.status).toBe(401)
    expect(bad.body.error.message).toBe('The API key is not valid or has been revoked; ask your administrator for a new key')
  })

  it('answers within the key’s region and refuses (403) a point whose grid is outside it', async () => {
    const issued = await issue({ name: '110 接警', department: '县公安局', region_prefix: '990101002' })
    expect(issued.status).toBe(201)
    key = issued.body.key
    keyId = issued.body.id
    const inside = await http().get('/api/v1/lookup').query(QINGSHI).set('X-API-Key', key)
    expect(inside.status).toBe(200)
    expect(inside.body.grid.code).toBe('990101002001001')
    const outside = await http().get('/api/v1/lookup').query(CHENGGUAN).set('X-API-Key', key).set('Accept-Language', 'en')
    expect(outside.status).toBe(403)
    expect(outside.body.error.code).toBe('forbidden_region')
  })

  it('still works with a login (JWT) on the same route', async () => {
    const response = await http().get('/api/v1/lookup').query(CHENGGUAN).set(bearer(county))
    expect(response.status).toBe(200)
    expect(response.body.grid.code).toBe('990101001001001')
  })

  it('looks up an address for a key, and the access log keeps it masked', async () => {
    const response = await http().get('/api/v1/lookup').query({ address: '示范县城关镇桂花社区人民路2号' }).set(bearer(county))
    expect(response.status).toBe(200)
    expect(response.body.address.match.address).toBe('示范县城关镇桂花社区人民路2号')
  })

  it('rate-limits per key (429 with the limit in the message)', async () => {
    const issued = await issue({ name: 'tight', department: '县卫健局', region_prefix: '990101', rate_limit_per_minute: 3 })
    const tight = issued.body.key as string
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await http().get('/api/v1/lookup').query(QINGSHI).set('X-API-Key', tight)).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    const zh = await http().get('/api/v1/lookup').query(QINGSHI).set('X-API-Key', tight)
    expect(zh.status).toBe(429)
    expect(zh.body.error.message).toMatch(/^查询过于频繁：此API 密钥每分钟最多查询 3 次，请 \d+ 秒后再试$/)
    const en = await http().get('/api/v1/lookup').query(QINGSHI).set('X-API-Key', tight).set('Accept-Language', 'en')
    expect(en.body.error.message).toMatch(/^Too many lookups: at most 3 a minute for this API key; retry in \d+ s$/)
    expect(en.headers['retry-after']).toBeDefined()
    // Another key is not affected.
    expect((await http().get('/api/v1/lookup').query(QINGSHI).set('X-API-Key', key)).status).toBe(200)
  })

  it('refuses a revoked key at once (401)', async () => {
    const revoked = await http().delete(`/api/v1/api-keys/${keyId}`).set(bearer(admin))
    expect(revoked.status).toBe(200)
    expect(revoked.body.revoked_by).toBe('admin')
    const response = await http().get('/api/v1/lookup').query(QINGSHI).set('X-API-Key', key)
    expect(response.status).toBe(401)
    expect(response.body.error.code).toBe('api_key_invalid')
  })

  it('shows the log to county and admin users within their region (GET /lookup-log)', async () => {
    // The log is written in batches about every second; the key made 3 lookups (200, 403, 200).
    let entries: { api_key_id: number | null; query: string | null; status: number }[] = []
    for (let i = 0; i < 50 && entries.filter((e) => e.api_key_id === keyId).length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      entries = (await http().get('/api/v1/lookup-log').query({ limit: '1000' }).set(bearer(county))).body.entries
    }
    expect(entries.filter((e) => e.api_key_id === keyId).map((e) => e.status)).toContain(403)
    const mine = await http()
      .get('/api/v1/lookup-log')
      .query({ key_id: String(keyId), limit: '2' })
      .set(bearer(admin))
    expect(mine.body.entries).toHaveLength(2)
    expect(mine.body.next_before_id).toBe(mine.body.entries[1].id)
    const bad = await http().get('/api/v1/lookup-log').query({ limit: '0' }).set(bearer(admin)).set('Accept-Language', 'en')
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toBe('field "querystring.limit" is out of the allowed range')
  })

  it('writes the access log in batches with masked queries, and never logs raw addresses', async () => {
    await http().get('/api/v1/lookup').query({ address: '示范县城关镇桂花社区人民路1号', lng: '113.0012345' }).set(bearer(county))
    await app.close() // flushes the buffered log
    const rows = await database.kysely.selectFrom('lookup_log').selectAll().orderBy('id').execute()
    const view = rows.map((r) => [r.api_key_id === null ? r.username : 'key', r.kind, r.query, r.grid_code, r.status])
    expect(view).toContainEqual(['key', 'point', '113.030,28.010', '990101002001001', 200])
    expect(view).toContainEqual(['key', 'point', '113.005,28.015', null, 403])
    expect(view).toContainEqual(['county', 'address', '示范县城关镇桂花社区人民路*号', '990101001001002', 200])
    expect(view).toContainEqual(['anonymous', 'point', '113.030,28.010', null, 401])
    expect(view).toContainEqual(['invalid-key:gwk_nota', 'point', '113.030,28.010', null, 401])
    expect(rows.filter((r) => r.status === 429).length).toBe(3)
    expect(rows.every((r) => !String(r.query).includes('人民路1号') && !String(r.query).includes('人民路2号'))).toBe(true)
    // Key use is recorded (last_used_at) from the same batched flush.
    const used = await database.kysely.selectFrom('api_keys').select('last_used_at').where('id', '=', keyId).executeTakeFirstOrThrow()
    expect(used.last_used_at).not.toBeNull()
    // The request log (pino) has the lookups, with the address masked.
    const requestLines = logLines.filter((line) => line.includes('/api/v1/lookup?'))
    expect(requestLines.length).toBeGreaterThan(5)
    expect(logLines.join('\n')).not.toMatch(/%E4%BA%BA%E6%B0%91%E8%B7%AF1|人民路1号|人民路2号|113\.0012345/)
    expect(logLines.join('\n')).toContain('address=示范县城关镇桂花社区人民路*号')
    // The log is append-only on both engines.
    await expect(database.kysely.deleteFrom('lookup_log').execute()).rejects.toThrow(/append-only/)
  })
})

describe('maskUrl', () => {
  it('masks the address and rounds coordinates in a logged URL', () => {
    expect(
      maskUrl('/api/v1/lookup?address=%E7%A4%BA%E8%8C%83%E5%8E%BF%E5%9F%8E%E5%85%B3%E9%95%87%E4%BA%BA%E6%B0%91%E8%B7%AF12%E5%8F%B7'),
    ).toBe('/api/v1/lookup?address=示范县城关镇人民路**号')
    expect(maskUrl('/api/v1/lookup?lng=113.0123456&lat=28.987654&crs=gcj02')).toBe('/api/v1/lookup?lng=113.012&lat=28.988&crs=gcj02')
    expect(maskUrl('/api/v1/lookup')).toBe('/api/v1/lookup')
  })
})
