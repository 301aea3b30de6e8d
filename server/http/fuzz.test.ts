import type { AddressInfo } from 'node:net'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Random } from '../demo/random.js'
import { bearer, createMiniCountyApp } from '../testing/app.js'
import { pollHealth } from '../testing/health-poller.js'
import { type FuzzCase, type Operation, bodyCases, operationsOf, parameterCases, urlOf } from './fuzz-inputs.js'

// Every operation of the OpenAPI document gets hostile input (fuzz-inputs.ts) over real HTTP as a
// county, a township and a department user; no answer may be a 5xx, and /health, polled all the
// while, must answer within 1 s each time. Deterministic (seeded) and bounded (~3,800 requests).
// A failure lists each route and input that got a 5xx.

/** Hostile fragments drawn per body member by the seeded PRNG (of 24), besides the 5 every member gets. */
const FRAGMENTS_PER_MEMBER = 3
const HEALTH_BOUND_MS = Number(process.env.FUZZ_HEALTH_BOUND_MS ?? 1000)

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let base: string
const users: Record<string, string> = {}
const pathIds: Record<string, string> = {}

async function post(path: string, token: string, body: object): Promise<Record<string, unknown>> {
  const response = await t.http().post(path).set(bearer(token)).send(body)
  if (response.status >= 300) throw new Error(`setup ${path}: ${response.status} ${response.text}`)
  return response.body
}

beforeAll(async () => {
  t = await createMiniCountyApp()
  users.county = t.tokens.county
  users.township = t.tokens.township
  users.dept = await t.token('dept')
  // A draft of its own for each proposal operation, so one operation's acts do not end another's draft.
  const draft = {
    region: '990101001000',
    title: '网格调整',
    reason: '户数',
    changes: [{ op: 'update', grid: '990101001001001', properties: { households: 310 } }],
  }
  for (const operation of ['get', 'put', 'rebase', 'submit', 'approve', 'file', 'reject', 'comments', 'diff']) {
    pathIds[operation] = String((await post('/api/v1/proposals', users.township, draft)).id)
  }
  pathIds.apiKey = String(
    (await post('/api/v1/api-keys', users.county, { name: '接警', department: '县公安局', region_prefix: '990101' })).id,
  )
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
}, 240_000)
afterAll(async () => t?.close())

/** Valid path parameters for an operation. */
function pathValuesFor(operation: Operation): Record<string, string> {
  const code = operation.path.startsWith('/api/v1/regions') ? '990101001000' : '990101001001001'
  const act = operation.path.match(/\/proposals\/\{id\}\/?(\w*)/)?.[1] ?? ''
  const id = operation.path.startsWith('/api/v1/api-keys')
    ? pathIds.apiKey
    : (pathIds[act || (operation.method === 'PUT' ? 'put' : 'get')] ?? '1')
  return { code, id: id as string }
}

/** Valid query parameters, so a varied one is not refused for another's absence first. */
const BASE_QUERIES: Record<string, Record<string, string>> = {
  '/api/v1/lookup': { lng: '113.005', lat: '28.005' },
  '/api/v1/codes/{code}/lineage': { direction: 'ancestors' },
  '/api/v1/grids': { region: '990101' },
}

/** Who sends a case: the county always; the township for proposals (it drafts them); the department for reads and lookups. */
function usersFor(operation: Operation): string[] {
  const who = ['county']
  if (operation.path.startsWith('/api/v1/proposals')) who.push('township')
  if (operation.method === 'GET' || operation.path.startsWith('/api/v1/lookup')) who.push('dept')
  return who
}

function casesFor(operation: Operation, random: Random): FuzzCase[] {
  const pathValues = pathValuesFor(operation)
  const url = urlOf(operation, pathValues)
  if (operation.path === '/api/v1/lookup/batch') {
    const csv = (label: string, body: string | Buffer, query = '') => ({
      method: operation.method,
      url: `${url}${query}`,
      body,
      contentType: 'text/csv',
      label,
    })
    return [
      csv('valid CSV', 'lng,lat,id\n113.005,28.005,a\n'),
      csv('GBK CSV', iconv.encode('address,id\n白沙镇1号,a\n', 'gbk')),
      csv('NUL in a row', 'address,id\n白沙\u0000镇,a\n'),
      csv('huge numbers', 'lng,lat\n1e308,-1e308\nNaN,Infinity\n9223372036854775808,0\n'),
      csv('broken quote', 'lng,lat\n"113.005,28.005\n'),
      csv('bad as_of', 'lng,lat\n113.005,28.005\n', '?as_of=0000-01-01'),
      csv('NUL as_of', 'lng,lat\n113.005,28.005\n', '?as_of=%00'),
      { method: operation.method, url, body: '{"lng":113}', contentType: 'application/json', label: 'JSON body' },
      ...parameterCases(operation, pathValues, {}).map((c) => ({ ...c, body: 'lng,lat\n113.005,28.005\n', contentType: 'text/csv' })),
    ]
  }
  const cases = parameterCases(operation, pathValues, BASE_QUERIES[operation.path] ?? {}, operation.body ? '{}' : undefined)
  if (operation.body) cases.push(...bodyCases(operation, url, random, FRAGMENTS_PER_MEMBER))
  return cases
}

interface Failure {
  user: string
  method: string
  url: string
  label: string
  status: number | string
  answer: string
}

async function send(fuzz: FuzzCase, token: string, language: string): Promise<{ status: number | string; answer: string }> {
  try {
    const response = await fetch(`${base}${fuzz.url}`, {
      method: fuzz.method,
      headers: { ...bearer(token), 'Accept-Language': language, ...(fuzz.contentType ? { 'Content-Type': fuzz.contentType } : {}) },
      body: Buffer.isBuffer(fuzz.body) ? new Uint8Array(fuzz.body) : fuzz.body,
      signal: AbortSignal.timeout(30_000),
    })
    return { status: response.status, answer: (await response.text()).slice(0, 300) }
  } catch (error) {
    return { status: `no answer (${(error as Error).message})`, answer: '' }
  }
}

describe('fuzzing every operation of the OpenAPI document', () => {
  it('answers no hostile input with a 5xx, and /health stays within 1 s meanwhile', async () => {
    const openapi = await (await fetch(`${base}/openapi.json`)).json()
    const random = new Random('gridwork-fuzz')
    const operations = operationsOf(openapi).filter(
      (op) => op.parameters.length > 0 || op.body || op.consumes.length > 0 || op.method !== 'GET',
    )
    const plan = operations.flatMap((operation) =>
      casesFor(operation, random.fork(`${operation.method} ${operation.path}`)).flatMap((fuzz) =>
        usersFor(operation).map((user) => ({ fuzz, user })),
      ),
    )

    const poller = pollHealth(`${base}/health`, { intervalMs: 100, boundMs: HEALTH_BOUND_MS })
    const inFlight: { label: string; from: number; to: number }[] = []
    let done = 0
    const failures: Failure[] = []
    const statuses = new Map<string, number>()
    for (const { fuzz, user } of plan) {
      const language = done % 2 === 0 ? 'zh-CN' : 'en'
      const from = Date.now()
      const { status, answer } = await send(fuzz, users[user] as string, language)
      inFlight.push({ label: `${fuzz.method} ${fuzz.url.slice(0, 80)} as ${user} — ${fuzz.label}`, from, to: Date.now() })
      done++
      const kind = typeof status === 'number' ? `${Math.floor(status / 100)}xx` : 'none'
      statuses.set(kind, (statuses.get(kind) ?? 0) + 1)
      if (process.env.FUZZ_LOG && typeof status === 'number' && status < 300)
        console.log(status, fuzz.method, fuzz.url.slice(0, 100), user, fuzz.label)
      if (typeof status !== 'number' || status >= 500)
        failures.push({ user, method: fuzz.method, url: fuzz.url.slice(0, 160), label: fuzz.label, status, answer })
    }
    const health = await poller.stop()
    const slowHealth = health.slow.map((poll) => {
      const during = inFlight
        .filter((request) => request.from <= poll.at + poll.ms && request.to >= poll.at)
        .map((request) => request.label)
      return `${poll.status} after ${poll.ms} ms, during: ${during.join('; ') || '(between requests)'}`
    })

    console.info(
      `fuzz: ${plan.length} requests over ${operations.length} operations`,
      Object.fromEntries(statuses),
      `/health polled ${health.polls}×, slowest ${health.slowestMs} ms`,
    )
    const report = failures.map((f) => `${f.status} ${f.method} ${f.url} as ${f.user} — ${f.label}\n    ${f.answer}`).join('\n')
    expect(failures, `requests answered with a 5xx or not at all:\n${report}`).toEqual([])
    expect(slowHealth, '/health slower than 1 s or failing while fuzzing').toEqual([])
    expect(health.polls).toBeGreaterThan(10)
    // No fuzz request was answered 2xx with an error body, and the app still serves a normal read.
    const grid = await t
      .http()
      .get('/api/v1/grids/990101001001001')
      .set(bearer(users.county as string))
    expect(grid.status).toBe(200)
  }, 300_000)
})
