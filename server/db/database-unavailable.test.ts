import { sql } from 'kysely'
import pg from 'pg'
import supertest from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, buildApp } from '../app.js'
import { seedDemoUsers } from '../auth/demo-users.js'
import { bearer, loadMiniCounty, QINGSHI_SPLIT, qingshiToken, TEST_PASSWORD } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import { sendsStatement, TcpProxy } from '../testing/tcp-proxy.js'
import { type DatabaseHandle, openDatabase } from './connect.js'
import { DATABASE_RETRY_AFTER_S, isDatabaseUnavailable, QueryTimeoutError } from './unavailable.js'

// An API node whose PostgreSQL goes away: refused, cut mid-transaction, terminated by the
// administrator, or paused (no answer at all). The node answers 503 database_unavailable with
// Retry-After — never a 500, never a hang — saves nothing half-way, and serves again when the
// database is back. The faults are made by a TCP proxy between this app and the real server
// (server/testing/tcp-proxy.ts), so other test files on the same server are not disturbed.

const databaseUrl = process.env.DATABASE_URL
/** Short bounds so a paused database is noticed quickly; the defaults are 3 s and 30 s. */
const BOUNDS = { connectTimeoutMs: 500, queryTimeoutMs: 1500, keepAliveDelayMs: 1000 }
/** A request must be answered well within this (a hang would not be). */
const ANSWER_WITHIN_MS = 10_000

describe('classifying database errors', () => {
  it('takes connection loss, shutdown, connection exceptions, timeouts and a standby refusing a write as "unavailable"', () => {
    const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code })
    for (const error of [
      pgError('ECONNREFUSED'),
      pgError('ECONNRESET'),
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('57P02'),
      pgError('57P03', 'the database system is starting up'),
      pgError('08006'),
      pgError('08001'),
      pgError('25006', 'cannot execute INSERT in a read-only transaction'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') }),
      new Error('timeout exceeded when trying to connect'),
      new Error('Query read timeout'),
      new QueryTimeoutError(1000),
      new AggregateError([pgError('ECONNREFUSED')], 'connect failed'),
    ]) {
      expect(isDatabaseUnavailable(error), String(error)).toBe(true)
    }
    for (const error of [
      pgError('23505'),
      pgError('22P02'),
      pgError('57014', 'canceling statement due to statement timeout'),
      new Error('boom'),
    ]) {
      expect(isDatabaseUnavailable(error), String(error)).toBe(false)
    }
  })
})

describe.skipIf(!databaseUrl)('PostgreSQL going away under an API node', () => {
  let base: DatabaseHandle
  let proxied: DatabaseHandle
  let proxy: TcpProxy
  let app: App
  let county: string
  const http = () => supertest(app.server)

  beforeAll(async () => {
    base = await openTestDatabase()
    await loadMiniCounty(base)
    await seedDemoUsers(base.kysely, TEST_PASSWORD)
    const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(base.kysely)).rows[0]?.s as string
    proxy = await TcpProxy.forUrl(databaseUrl as string)
    proxied = await openDatabase({ databaseUrl: proxy.url(databaseUrl as string), searchPath: `${schema},public`, bounds: BOUNDS })
    app = await buildApp({ database: proxied, signingSecret: 'x'.repeat(40) })
    await app.ready()
    county = (await http().post('/api/v1/auth/login').send({ username: 'county', password: TEST_PASSWORD }).expect(200)).body.token
  }, 180_000)

  afterAll(async () => {
    await proxy?.close()
    await app?.close()
    await proxied?.close()
    await base?.close()
  })

  const grids = (language = 'zh-CN') =>
    http().get('/api/v1/grids?region=990101').set(bearer(county)).set('Accept-Language', language).timeout(ANSWER_WITHIN_MS)

  function expectUnavailable(response: supertest.Response, language: 'zh-CN' | 'en') {
    expect(response.status, response.text).toBe(503)
    expect(response.headers['retry-after']).toBe(String(DATABASE_RETRY_AFTER_S))
    expect(response.body.error.code).toBe('database_unavailable')
    expect(response.body.error.message).toBe(
      language === 'en'
        ? `The database is unavailable for a moment; please retry in ${DATABASE_RETRY_AFTER_S} s. Nothing was saved.`
        : `数据库暂时不可用，请稍后重试（${DATABASE_RETRY_AFTER_S} 秒后）。本次请求没有保存任何内容。`,
    )
  }

  it('a server that refuses connections: 503 with Retry-After in zh-CN and en, not ready but live; served again once it is back', async () => {
    await grids().expect(200)
    await proxy.refuse()
    try {
      expectUnavailable(await grids(), 'zh-CN')
      expectUnavailable(await grids('en'), 'en')
      // A write, and a login, too: 503, not 500 and not "wrong password".
      expectUnavailable(await http().post('/api/v1/auth/login').send({ username: 'city', password: TEST_PASSWORD }), 'zh-CN')
      const ready = await http().get('/health/ready').set('Accept-Language', 'en').expect(503)
      expect(ready.body.reasons.map((reason: { code: string }) => reason.code)).toEqual(['database_unavailable'])
      expect(ready.body.reasons[0].message).toBe('the database did not answer within 1000 ms')
      expect((await http().get('/health/live').expect(200)).body).toEqual({ status: 'live' })
    } finally {
      await proxy.accept()
    }
    await grids().expect(200)
    await http().get('/health/ready').expect(200)
  })

  it('a paused server (no answer at all): 503 within the bounds, not a hang; /health/ready says so within 1 s', async () => {
    await grids().expect(200) // a pooled connection is open: its next statement meets the pause
    proxy.pause()
    try {
      expectUnavailable(await grids(), 'zh-CN')
      // And again: now the pool opens a new connection, which does not come up.
      expectUnavailable(await grids('en'), 'en')
      const ready = await http().get('/health/ready').timeout(ANSWER_WITHIN_MS).expect(503)
      expect(ready.body.reasons.map((reason: { code: string }) => reason.code)).toEqual(['database_unavailable'])
      await http().get('/health/live').expect(200)
    } finally {
      proxy.resume()
    }
    await grids().expect(200)
  })

  it('a backend terminated by the administrator (57P01) mid-statement: 503, and the next request is served', async () => {
    await grids().expect(200)
    // Another session holds the grids table, so the request's statement waits on it; then its
    // backend is terminated as a fast shutdown would.
    const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(base.kysely)).rows[0]?.s as string
    const admin = new pg.Client({ connectionString: databaseUrl })
    await admin.connect()
    try {
      await admin.query(`BEGIN; LOCK TABLE ${schema}.grids IN ACCESS EXCLUSIVE MODE`)
      const pending = grids('en').then((response) => response)
      let terminated = 0
      for (let attempt = 0; attempt < 200 && terminated === 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 25))
        const result = await admin.query(
          `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE client_port = ANY($1) AND wait_event_type = 'Lock'`,
          [proxy.upstreamPorts()],
        )
        terminated = result.rowCount ?? 0
      }
      expect(terminated).toBe(1)
      expectUnavailable(await pending, 'en')
    } finally {
      await admin.query('ROLLBACK').catch(() => undefined)
      await admin.end()
    }
    await grids().expect(200)
  })

  it('an approval whose connection drops just before COMMIT: 503, and nothing of it is saved', async () => {
    const township = (await http().post('/api/v1/auth/login').send({ username: 'township', password: TEST_PASSWORD })).status
    expect(township).toBe(200)
    const qingshi = await qingshiToken({ db: base.kysely, token: async (username) => loginThroughApp(username) })
    const created = await http()
      .post('/api/v1/proposals')
      .set(bearer(qingshi))
      .send({
        region: '990101002001',
        title: '青石村网格调整',
        reason: '户数超标',
        changes: [{ ...QINGSHI_SPLIT, reason: '户数超过上限' }],
      })
    expect(created.status, created.text).toBe(200)
    const id = created.body.id as number
    await http().post(`/api/v1/proposals/${id}/submit`).set(bearer(qingshi)).send({}).expect(200)

    const snapshot = async () => ({
      grids: (await sql<{ n: number }>`SELECT count(*)::int AS n FROM grids`.execute(base.kysely)).rows[0]?.n,
      codes: (await sql<{ n: number }>`SELECT count(*)::int AS n FROM grid_codes`.execute(base.kysely)).rows[0]?.n,
      state: (await sql<{ state: string; version: number }>`SELECT state, version FROM proposals WHERE id = ${id}`.execute(base.kysely))
        .rows[0],
      audit: (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log`.execute(base.kysely)).rows[0]?.n,
    })
    const before = await snapshot()
    let dropped = 0
    proxy.intercept = (chunk) => {
      if (!sendsStatement(chunk, 'commit')) return 'forward'
      dropped++
      return 'drop'
    }
    const approve = () =>
      http()
        .post(`/api/v1/proposals/${id}/approve`)
        .set(bearer(county))
        .set('Accept-Language', 'en')
        .send({ document_no: '示范县〔2026〕9号', effective_date: '2026-10-01' })
        .timeout(ANSWER_WITHIN_MS)
    try {
      expectUnavailable(await approve(), 'en')
    } finally {
      proxy.intercept = null
    }
    expect(dropped).toBe(1)
    expect(await snapshot()).toEqual(before)
    // The same request once the database is back goes through whole.
    const approved = await approve()
    expect(approved.status, approved.text).toBe(200)
    expect(approved.body.state).toBe('approved')
    const after = await snapshot()
    expect(after.grids).toBe((before.grids as number) + 2)
    expect(after.codes).toBe((before.codes as number) + 2)
    // A client that retries an approval that did go through (its answer lost) is refused, not applied twice.
    const again = await approve()
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('proposal_wrong_act') // approved: the next step is the city's filing
    expect(await snapshot()).toMatchObject({ grids: after.grids, codes: after.codes })
  })

  async function loginThroughApp(username: string): Promise<string> {
    const response = await http().post('/api/v1/auth/login').send({ username, password: TEST_PASSWORD })
    if (response.status !== 200) throw new Error(`login ${username}: ${response.status} ${response.text}`)
    return response.body.token as string
  }
})
