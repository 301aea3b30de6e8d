import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createMiniCountyApp } from '../../testing/app.js'
import { LookupBudget } from './lookup-budget.js'

// An API key's per-minute limit counts batch rows, not calls: the batch route charges the rows it
// is about to send, a chunk at a time, to the same window the rate limiter counts requests in, and
// when they no longer fit it ends the answer with one error row saying from which row on nothing
// was looked up. Logged-in accounts (trusted staff, and the benchmark) are not charged per row.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let admin: string

beforeAll(async () => {
  t = await createMiniCountyApp()
  admin = await t.token('admin')
}, 120_000)
afterAll(async () => t?.close())

async function keyWithLimit(limit: number): Promise<string> {
  const issued = await t
    .http()
    .post('/api/v1/api-keys')
    .set(bearer(admin))
    .send({ name: `limit ${limit}`, department: '县公安局', region_prefix: '990101', rate_limit_per_minute: limit })
  expect(issued.status, issued.text).toBe(201)
  return issued.body.key
}

/** n point rows inside 城关镇 (桂花社区第一网格). */
const csv = (n: number) => `id,lng,lat\n${Array.from({ length: n }, (_, i) => `p${i + 1},113.005,28.015`).join('\n')}\n`
const ndjson = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `p${i + 1}`, lng: 113.005, lat: 28.015 })).join('\n')

const batch = (body: string, type: string, headers: Record<string, string>) =>
  t.http().post('/api/v1/lookup/batch').set('Content-Type', type).set(headers).send(body)

describe('batch rows against an API key’s per-minute limit', () => {
  it('a batch that fits is answered whole and uses one unit per row (plus one for the call)', async () => {
    const key = await keyWithLimit(3000)
    const response = await batch(csv(2000), 'text/csv', { 'X-API-Key': key })
    expect(response.status).toBe(200)
    const lines = response.text.trimEnd().split('\n')
    expect(lines).toHaveLength(2001)
    expect(lines.at(-1)).toMatch(/^2000,p2000,990101001001001,/)
    const single = await t.http().get('/api/v1/lookup?lng=113.005&lat=28.015').set('X-API-Key', key).expect(200)
    expect(single.headers['x-ratelimit-remaining']).toBe(String(3000 - 1 - 2000 - 1))
  })

  it('a 100,000-row batch beyond the budget is answered up to it, then one error row names the first row not looked up (zh-CN)', async () => {
    const key = await keyWithLimit(1000)
    const response = await batch(csv(100_000), 'text/csv', { 'X-API-Key': key })
    expect(response.status).toBe(200)
    const lines = response.text.trimEnd().split('\n').slice(1)
    // 1,000 a minute: one for the call, 999 rows.
    const answered = lines.slice(0, -1)
    expect(answered).toHaveLength(999)
    expect(answered.every((line, i) => line.startsWith(`${i + 1},p${i + 1},990101001001001,`))).toBe(true)
    expect(lines.at(-1)).toMatch(
      /^1000,,,,,,,,,,,,lookup_batch_budget,已用完此 API 密钥每分钟 1000 次查询的额度：从第 1000 行起未查询，请 \d+ 秒后从该行起重新提交$/,
    )
    // The minute is used up: the next call is refused.
    const refused = await t.http().get('/api/v1/lookup?lng=113.005&lat=28.015').set('X-API-Key', key).expect(429)
    expect(refused.body.error.code).toBe('rate_limited')
  })

  it('a key with its minute used up gets a batch of just the error row (NDJSON, en), then 429 for calls', async () => {
    const key = await keyWithLimit(600)
    const first = await batch(ndjson(598), 'application/x-ndjson', { 'X-API-Key': key })
    expect(first.text.trimEnd().split('\n')).toHaveLength(598)
    const second = await batch(ndjson(10), 'application/x-ndjson', { 'X-API-Key': key, 'Accept-Language': 'en' })
    expect(second.status).toBe(200)
    const rows = second.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ row: 1, grid: null, error: { code: 'lookup_batch_budget' } })
    expect(rows[0].error.message).toMatch(
      /^This API key's limit of 600 lookups a minute is used up: rows from 1 on were not looked up; send them again in \d+ s$/,
    )
    const refused = await t
      .http()
      .get('/api/v1/lookup?lng=113.005&lat=28.015')
      .set('X-API-Key', key)
      .set('Accept-Language', 'en')
      .expect(429)
    expect(refused.body.error.code).toBe('rate_limited')
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('a logged-in account’s batch is not charged per row', async () => {
    const response = await batch(csv(3000), 'text/csv', bearer(t.tokens.county))
    expect(response.text.trimEnd().split('\n')).toHaveLength(3001)
    expect(response.text).not.toContain('lookup_batch_budget')
  })
})

describe('LookupBudget', () => {
  it('counts requests and rows in one window per caller, refuses rows that do not fit, starts afresh after the window', () => {
    const clock = { now: 0 }
    const budget = new LookupBudget(3, () => clock.now)
    const seen: number[] = []
    budget.incr('k', (_e, result) => seen.push(result?.current ?? -1), 60_000)
    expect(budget.charge('k', 90, 60_000, 100)).toEqual({ charged: 90, waitMs: 0 })
    budget.incr('k', (_e, result) => seen.push(result?.current ?? -1), 60_000)
    expect(seen).toEqual([1, 92])
    clock.now = 10_000
    // Only what fits is charged; the rest waits for the next window.
    expect(budget.charge('k', 20, 60_000, 100)).toEqual({ charged: 8, waitMs: 50_000 })
    expect(budget.charge('k', 1, 60_000, 100)).toEqual({ charged: 0, waitMs: 50_000 })
    clock.now = 60_000
    expect(budget.charge('k', 100, 60_000, 100)).toEqual({ charged: 100, waitMs: 0 })
  })

  it('keeps at most its size of callers, dropping the least recently used', () => {
    const budget = new LookupBudget(3, () => 0)
    for (const caller of ['a', 'b', 'c', 'a', 'd']) budget.charge(caller, 10, 60_000, 100)
    const current = (caller: string) => {
      let used = -1
      budget.read(
        caller,
        (_e, result) => {
          used = result?.current ?? -1
        },
        60_000,
      )
      return used
    }
    expect(['a', 'b', 'c', 'd'].map(current)).toEqual([20, 0, 10, 10])
  })
})
