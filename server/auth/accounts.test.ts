import { createHmac } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMiniCountyApp, TEST_PASSWORD } from '../testing/app.js'
import { AccountStatusCache } from './account-status.js'
import { prepareDummyHash, scryptDerivations } from './passwords.js'
import { upsertUser } from './users.repository.js'

// Accounts over HTTP on a real database: logins are throttled per account and per address (the
// right password is refused during a lock-out), unknown accounts cost the same scrypt run as
// wrong passwords, tokens hold only while their account does, and broken tokens are plain 401s.
// Requests go through app.inject with a remote address of their own, so each case has its own
// address counter.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
const SECRET = 'test-signing-secret-of-at-least-32-chars' // createTestApp's signing secret

beforeAll(async () => {
  t = await createMiniCountyApp()
  for (const username of ['locked', 'reset', 'racer', 'gone', 'off', 'moved', 'hundreds']) {
    await upsertUser(t.db, { username, display_name: username, password: TEST_PASSWORD, role: 'county', region_prefix: '990101' })
  }
  await prepareDummyHash()
}, 120_000)
afterAll(async () => t?.close())

let lastAddress = 0
/** A fresh client address. */
const newAddress = () => `10.0.0.${++lastAddress}`

function login(username: string, password: string, address: string, language = 'zh-CN') {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password },
    remoteAddress: address,
    headers: { 'accept-language': language },
  })
}

function get(url: string, token: string, language = 'zh-CN') {
  return t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, 'accept-language': language } })
}

async function statuses(attempts: Promise<{ statusCode: number }>[]): Promise<number[]> {
  return (await Promise.all(attempts)).map((r) => r.statusCode)
}

describe('login throttling', () => {
  it('after 200 wrong passwords the right one is refused too: 429 with Retry-After (zh-CN, en)', async () => {
    const address = newAddress()
    const codes: number[] = []
    for (let i = 0; i < 200; i++) codes.push((await login('locked', `guess-${i}`, address)).statusCode)
    // Five wrong passwords are checked; from then on the account is locked and nothing is checked.
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(codes.slice(5).every((code) => code === 429)).toBe(true)
    const zh = await login('locked', TEST_PASSWORD, address)
    expect(zh.statusCode).toBe(429)
    const wait = Number(zh.headers['retry-after'])
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(15)
    expect(zh.json().error).toEqual({ code: 'login_throttled', message: `登录失败次数过多，请 ${wait} 秒后再试` })
    // Another address does not help: the account itself is locked.
    const en = await login('locked', TEST_PASSWORD, newAddress(), 'en')
    expect(en.statusCode).toBe(429)
    expect(en.json().error.message).toMatch(/^Too many failed logins; try again in \d+ s$/)
    expect(Number(en.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('a successful login resets the account’s count', async () => {
    const address = newAddress()
    expect(await statuses([0, 1, 2, 3].map((i) => login('reset', `wrong-${i}`, address)))).toEqual([401, 401, 401, 401])
    expect((await login('reset', TEST_PASSWORD, address)).statusCode).toBe(200)
    for (let i = 0; i < 4; i++) expect((await login('reset', `again-${i}`, address)).statusCode).toBe(401)
    expect((await login('reset', TEST_PASSWORD, address)).statusCode).toBe(200)
  })

  it('guesses sent all at once are not all checked: at most 5 scrypt runs for 30 guesses', async () => {
    const before = scryptDerivations()
    const codes = await statuses(Array.from({ length: 30 }, (_, i) => login('racer', `parallel-${i}`, newAddress())))
    expect(codes.filter((code) => code === 401)).toHaveLength(5)
    expect(codes.filter((code) => code === 429)).toHaveLength(25)
    expect(scryptDerivations() - before).toBe(5)
  })

  it('an address guessing at many accounts is locked after 20 failures, for every account', async () => {
    const address = newAddress()
    for (let i = 0; i < 20; i++) expect((await login(`nobody-${i}`, 'x', address)).statusCode).toBe(401)
    expect((await login('admin', TEST_PASSWORD, address)).statusCode).toBe(429)
    expect((await login('admin', TEST_PASSWORD, newAddress())).statusCode).toBe(200)
  })
})

describe('unknown usernames', () => {
  it('cost one scrypt run, as a wrong password and a disabled account do', async () => {
    await upsertUser(t.db, { username: 'off', display_name: 'off', password: TEST_PASSWORD, role: 'county', region_prefix: '990101' })
    await t.db.updateTable('users').set({ disabled: true }).where('username', '=', 'off').execute()
    const cases: [string, string][] = [
      ['no-such-user', 'whatever'],
      ['county', 'wrong'],
      ['off', TEST_PASSWORD],
    ]
    for (const [username, password] of cases) {
      const before = scryptDerivations()
      const response = await login(username, password, newAddress())
      expect(response.statusCode, username).toBe(401)
      expect(response.json().error).toEqual({ code: 'login_failed', message: '用户名或密码错误' })
      expect(scryptDerivations() - before, username).toBe(1)
    }
  })
})

describe('a token whose account changed', () => {
  async function tokenOf(username: string): Promise<string> {
    const response = await login(username, TEST_PASSWORD, newAddress())
    expect(response.statusCode, response.body).toBe(200)
    return response.json().token
  }

  const expectRefused = async (token: string) => {
    for (const url of ['/api/v1/me', '/api/v1/grids?region=990101', '/api/v1/lookup?lng=113.015&lat=28.01']) {
      const zh = await get(url, token)
      expect(zh.statusCode, url).toBe(401)
      expect(zh.json().error).toEqual({ code: 'token_invalid', message: '登录已失效或令牌无效，请重新登录' })
    }
    const en = await get('/api/v1/grids?region=990101', token, 'en')
    expect(en.json().error.message).toBe('Your login has expired or the token is invalid; please log in again')
  }

  it('is refused once the account is deleted', async () => {
    const token = await tokenOf('gone')
    expect((await get('/api/v1/grids?region=990101', token)).statusCode).toBe(200)
    await t.db.deleteFrom('users').where('username', '=', 'gone').execute()
    t.app.accountStatus.forget('gone')
    await expectRefused(token)
  })

  it('is refused once the account is disabled', async () => {
    await t.db.updateTable('users').set({ disabled: false }).where('username', '=', 'off').execute()
    t.app.accountStatus.forget('off')
    const token = await tokenOf('off')
    expect((await get('/api/v1/lookup?lng=113.015&lat=28.01', token)).statusCode).toBe(200)
    await t.db.updateTable('users').set({ disabled: true }).where('username', '=', 'off').execute()
    t.app.accountStatus.forget('off')
    await expectRefused(token)
  })

  it('is refused once the account’s role or scope changed; a new login works', async () => {
    const token = await tokenOf('moved')
    await upsertUser(t.db, {
      username: 'moved',
      display_name: 'moved',
      password: TEST_PASSWORD,
      role: 'township',
      region_prefix: '990101001',
    })
    t.app.accountStatus.forget('moved')
    await expectRefused(token)
    const fresh = await tokenOf('moved')
    expect((await get('/api/v1/grids', fresh)).statusCode).toBe(200)
  })
})

describe('the account status cache', () => {
  it('answers from memory for 5 s, then asks the database again; one query for concurrent misses', async () => {
    const clock = { now: 0 }
    const cache = new AccountStatusCache(t.db, 5_000, () => clock.now)
    const first = cache.get('reset')
    expect(cache.get('reset')).toBe(first) // the same query, not a second one
    expect(await first).toEqual({ role: 'county', region_prefix: '990101', disabled: false })
    await t.db.updateTable('users').set({ region_prefix: '990101001' }).where('username', '=', 'reset').execute()
    clock.now = 4_999
    expect(cache.get('reset')).toEqual({ role: 'county', region_prefix: '990101', disabled: false })
    clock.now = 5_000
    expect(await cache.get('reset')).toEqual({ role: 'county', region_prefix: '990101001', disabled: false })
    expect(await cache.get('nobody-at-all')).toBeNull()
    await t.db.updateTable('users').set({ region_prefix: '990101' }).where('username', '=', 'reset').execute()
  })
})

describe('broken tokens', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const claims = { sub: 'county', role: 'county', region_prefix: '990101', scope_name: '示范县', iat: now, exp: now + 3600 }
  const hs = (alg: 'sha256' | 'sha512', header: object, payload: object, secret = SECRET) => {
    const body = `${b64(header)}.${b64(payload)}`
    return `${body}.${createHmac(alg, secret).update(body).digest('base64url')}`
  }
  const cases: [string, string][] = [
    ['garbage', 'not-a-token'],
    ['three garbage parts', 'a.b.c'],
    ['RS256 header', `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.${Buffer.from('sig').toString('base64url')}`],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`],
    ['HS512 with our secret', hs('sha512', { alg: 'HS512', typ: 'JWT' }, claims)],
    ['another secret', hs('sha256', { alg: 'HS256', typ: 'JWT' }, claims, 'some-other-secret-of-at-least-32-chars')],
    ['nbf in the future', hs('sha256', { alg: 'HS256', typ: 'JWT' }, { ...claims, nbf: now + 3600 })],
    ['expired', hs('sha256', { alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7200, exp: now - 3600 })],
    ['claims that are not ours', hs('sha256', { alg: 'HS256', typ: 'JWT' }, { sub: 'county', iat: now, exp: now + 3600 })],
  ]

  it('our own HS256 token of the same claims works (the cases below differ in one thing each)', async () => {
    expect((await get('/api/v1/grids?region=990101', hs('sha256', { alg: 'HS256', typ: 'JWT' }, claims))).statusCode).toBe(200)
  })

  it.each(cases)('%s: 401 token_invalid in the error shape, on API and lookup routes (zh-CN, en)', async (_what, token) => {
    for (const url of ['/api/v1/grids?region=990101', '/api/v1/lookup?lng=113.015&lat=28.01']) {
      const zh = await get(url, token)
      expect(zh.statusCode, url).toBe(401)
      expect(zh.json()).toEqual({ error: { code: 'token_invalid', message: '登录已失效或令牌无效，请重新登录' } })
      const en = await get(url, token, 'en')
      expect(en.json()).toEqual({
        error: { code: 'token_invalid', message: 'Your login has expired or the token is invalid; please log in again' },
      })
    }
  })

  it('a non-Bearer header is a 401 too; no header asks to log in', async () => {
    const basic = await t.app.inject({ method: 'GET', url: '/api/v1/grids', headers: { authorization: 'Basic Y291bnR5OmRlbW8=' } })
    expect(basic.statusCode).toBe(401)
    expect(basic.json().error.code).toBe('token_invalid')
    const none = await t.app.inject({ method: 'GET', url: '/api/v1/grids', headers: { 'accept-language': 'en' } })
    expect(none.json()).toEqual({ error: { code: 'unauthorized', message: 'Please log in first' } })
  })
})

describe('failed logins in the audit log', () => {
  it('write one row at the first failure and one summary when the burst is over, not a row per try', async () => {
    const address = newAddress()
    const rows = () =>
      sql<{ after: { count: number; refused: number; address: string } }>`
        SELECT after FROM audit_log WHERE action = 'login_failed' AND entity_id = 'hundreds' ORDER BY id`
        .execute(t.db)
        .then((result) => result.rows.map((row) => row.after))
    for (let i = 0; i < 100; i++) await login('hundreds', `guess-${i}`, address)
    expect(await rows()).toEqual([expect.objectContaining({ address, count: 1, refused: 0 })])
    // The burst is written out when its window passes, or when the app closes.
    await t.app.close()
    expect(await rows()).toEqual([
      expect.objectContaining({ address, count: 1, refused: 0 }),
      expect.objectContaining({ address, count: 4, refused: 95 }),
    ])
  })
})
