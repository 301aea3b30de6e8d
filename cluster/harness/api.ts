import { query } from './postgres.js'

// The cluster's API as a client sees it: sign in, issue an API key, look up, and carry a grid
// change through the whole chain (draft → submit → approve → file, docs/proposals.md) as the
// admin account, which may act at every step.

export interface Answer {
  status: number
  body: Record<string, unknown> & { error?: { code: string; message: string } }
  headers: Headers
  ms: number
}

/** One JSON request; a connection error or timeout is thrown. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; apiKey?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = performance.now()
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...(options.apiKey ? { 'X-API-Key': options.apiKey } : {}),
      ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      'Accept-Language': 'en',
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : null,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  })
  const text = await response.text()
  let body: Answer['body'] = {}
  try {
    body = text ? JSON.parse(text) : {}
  } catch {
    body = { text }
  }
  return { status: response.status, body, headers: response.headers, ms: performance.now() - started }
}

export async function login(baseUrl: string, username: string, password = 'demo'): Promise<string> {
  const answer = await call(baseUrl, 'POST', '/api/v1/auth/login', { body: { username, password } })
  if (answer.status !== 200) throw new Error(`login ${username}: ${answer.status} ${JSON.stringify(answer.body)}`)
  return answer.body.token as string
}

/** A department key for the demo county with the highest per-minute limit. */
export async function issueApiKey(baseUrl: string, token: string): Promise<string> {
  const answer = await call(baseUrl, 'POST', '/api/v1/api-keys', {
    token,
    body: { name: 'cluster load', department: '县公安局', region_prefix: '990101', rate_limit_per_minute: 100_000 },
  })
  if (answer.status !== 201) throw new Error(`api key: ${answer.status} ${JSON.stringify(answer.body)}`)
  return answer.body.key as string
}

export interface SampleGrid {
  code: string
  name: string
  region_code: string
  township: string
  lng: number
  lat: number
}

/** Every comprehensive grid in force today with a point inside it, outside 白沙镇 (whose deliberate faults block its proposals). */
export function sampleGrids(primaryUrl: string): Promise<SampleGrid[]> {
  return query<SampleGrid>(
    primaryUrl,
    `SELECT code, name, region_code, left(region_code, 9) AS township, ST_X(p) AS lng, ST_Y(p) AS lat
       FROM grids, ST_PointOnSurface(geom) AS p
      WHERE kind = 'comprehensive' AND valid_from <= current_date AND (valid_to IS NULL OR valid_to > current_date)
        AND region_code NOT LIKE '990101004%'
      ORDER BY code`,
  )
}

/** The database's today (the day lookups answer for). */
export async function databaseToday(primaryUrl: string): Promise<string> {
  const [row] = await query<{ today: string }>(primaryUrl, `SELECT to_char(current_date, 'YYYY-MM-DD') AS today`)
  return (row as { today: string }).today
}

export const lookupPath = (grid: Pick<SampleGrid, 'lng' | 'lat'>) => `/api/v1/lookup?lng=${grid.lng}&lat=${grid.lat}&crs=cgcs2000`

export interface ChainTimes {
  id: number
  /** When the applying act (approve) was sent and answered, epoch ms. */
  applySent: number
  applyAnswered: number
}

/** Throws with the answer unless its status is one of `expected`. */
export function expectStatus(answer: Answer, what: string, ...expected: number[]): Answer {
  if (!expected.includes(answer.status)) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`)
  return answer
}

/** Drafts an update of one grid's name (and nothing else). */
export async function draftRename(baseUrl: string, token: string, grid: SampleGrid, name: string): Promise<number> {
  const draft = await call(baseUrl, 'POST', '/api/v1/proposals', {
    token,
    body: { region: grid.region_code, changes: [{ op: 'update', grid: grid.code, properties: { name }, reason: 'cluster test' }] },
  })
  return expectStatus(draft, `draft ${grid.code}`, 200).body.id as number
}

/** Renames a grid through the whole chain; the new name is in force from `effectiveDate`. */
export async function renameThroughChain(
  baseUrl: string,
  token: string,
  grid: SampleGrid,
  name: string,
  effectiveDate: string,
  documentNo = `集群〔2026〕${grid.code.slice(-6)}号`,
): Promise<ChainTimes> {
  const id = await draftRename(baseUrl, token, grid, name)
  expectStatus(await call(baseUrl, 'POST', `/api/v1/proposals/${id}/submit`, { token, body: {} }), `submit ${id}`, 200)
  const applySent = Date.now()
  const approve = await call(baseUrl, 'POST', `/api/v1/proposals/${id}/approve`, {
    token,
    body: { document_no: documentNo, effective_date: effectiveDate },
  })
  const applyAnswered = Date.now()
  expectStatus(approve, `approve ${id}`, 200)
  expectStatus(await call(baseUrl, 'POST', `/api/v1/proposals/${id}/file`, { token, body: {} }), `file ${id}`, 200)
  return { id, applySent, applyAnswered }
}

/**
 * Which townships' grids each test changes. A grid renamed today cannot be renamed again today
 * (an effective date must follow the version it replaces), and an approval makes every other
 * open proposal of its township stale, so the tests — which share one database in any order —
 * never change grids of the same township.
 */
export const TOWNSHIPS = {
  visibility: ['990101001', '990101002'],
  restart: ['990101003', '990101005'],
  loadApprovals: ['990101006', '990101007'],
  loadDrafts: ['990101008'],
} as const

export const gridsOf = (grids: SampleGrid[], townships: readonly string[]) => grids.filter((grid) => townships.includes(grid.township))

/** `day` (YYYY-MM-DD) plus `days`. */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() + days)
  return date.toISOString().slice(0, 10)
}
