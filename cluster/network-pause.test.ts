import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TcpProxy } from '../server/testing/tcp-proxy.js'
import { call, gridsOf, lookupPath, TOWNSHIPS } from './harness/api.js'
import { type Cluster, startCluster } from './harness/cluster.js'
import { recordFigures } from './harness/figures.js'
import { type LoadStream, type RunningLoad, type StreamResult, startLoad, window } from './harness/load.js'
import { lookupStream } from './harness/streams.js'

// The network between the nodes and the primary paused (a TCP proxy that forwards nothing, new
// connections held: a silent network, no RST) for longer than the nodes' database bounds: every
// request that needs the database ends within connect + statement bound with 503 + Retry-After,
// never hangs; lookups keep answering from memory (HAProxy sends them to the live nodes while no
// node is ready); resumed, the service recovers within 5 s.

const PG_PORT = Number(process.env.GRIDWORK_CLUSTER_PG_PORT ?? 54350)
const CONNECT_TIMEOUT_MS = 1_000
const QUERY_TIMEOUT_MS = 3_000
/** The stated limit of a request that needs the database: a connection, then one statement, plus 2 s for the rest. */
const REQUEST_LIMIT_MS = CONNECT_TIMEOUT_MS + QUERY_TIMEOUT_MS + 2_000
const PAUSE_MS = 10_000
const RECOVERY_BOUND_MS = 5_000

let proxy: TcpProxy
let cluster: Cluster
let load: RunningLoad
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  const { inject } = await import('vitest')
  const { primaryUrl } = inject('postgres')
  proxy = await TcpProxy.forUrl(primaryUrl, { port: PG_PORT + 2 })
  cluster = await startCluster({
    nodes: 2,
    databaseUrl: proxy.url(primaryUrl),
    env: { DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS), DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS) },
  })
})

afterAll(async () => {
  proxy?.resume()
  await load?.stop()
  await cluster?.stop()
  await proxy?.close()
})

describe('the network to PostgreSQL paused', () => {
  it('database work ends with 503 within its limit, lookups keep answering, service recovers', async () => {
    const { haproxy, adminToken: token } = cluster
    const grids = gridsOf(cluster.grids, TOWNSHIPS.loadDrafts)
    const auth = { authorization: `Bearer ${token}` }
    // Longer than the limit, so a request that hangs shows as a timeout (-1), not as a failure of the client.
    const timeoutMs = REQUEST_LIMIT_MS + 10_000
    const databaseStreams: LoadStream[] = [
      { kind: 'grid-read', ratePerSecond: 4, loops: 2, paths: grids.map((grid) => `/api/v1/grids/${grid.code}`), headers: auth, timeoutMs },
      {
        kind: 'draft',
        ratePerSecond: 1,
        loops: 2,
        method: 'POST',
        paths: ['/api/v1/proposals'],
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          region: grids[0]?.region_code,
          changes: [{ op: 'update', grid: grids[0]?.code, properties: { name: '暂停期间草稿' }, reason: 'cluster test' }],
        }),
        timeoutMs,
      },
    ]
    load = startLoad(haproxy.url, [lookupStream(cluster, 100, { auth: 'token' }), ...databaseStreams], 120_000)
    await sleep(4_000)

    const pausedAt = Date.now()
    proxy.pause()
    await sleep(PAUSE_MS)
    proxy.resume()
    const resumedAt = Date.now()

    let recoveredAt = 0
    const probe = grids[0] as (typeof grids)[number]
    while (Date.now() - resumedAt < 30_000) {
      const [lookup, read] = await Promise.all([
        call(haproxy.url, 'GET', lookupPath(probe), { token, timeoutMs: 5_000 }).catch(() => null),
        call(haproxy.url, 'GET', `/api/v1/grids/${probe.code}`, { token, timeoutMs: 5_000 }).catch(() => null),
      ])
      if (lookup?.status === 200 && read?.status === 200) {
        recoveredAt = Date.now()
        break
      }
      await sleep(100)
    }
    await sleep(3_000)
    const { results, failures } = await load.stop()
    const of = (kind: string) => results.find((r) => r.kind === kind) as StreamResult
    const lookups = window(of('lookup'))
    const lookupsPaused = window(of('lookup'), pausedAt, resumedAt)
    // Requests that needed the database and started while it was paused (or up to a limit before,
    // so their statements were caught by the pause).
    const during = ['grid-read', 'draft'].map((kind) => window(of(kind), pausedAt - REQUEST_LIMIT_MS, resumedAt))
    const longest = Math.max(...during.flatMap((w) => w.ms))
    const improper = failures.filter(
      (f) => f.kind !== 'lookup' && !(f.status === 503 && f.detail.startsWith('retry-after') && f.detail.includes('database_unavailable')),
    )
    recordFigures('5-network-pause', [
      {
        name: 'cluster.db_pause.longest_request_ms',
        value: Math.round(longest),
        unit: 'ms',
        limit_ms: REQUEST_LIMIT_MS,
        pause_ms: PAUSE_MS,
        connect_timeout_ms: CONNECT_TIMEOUT_MS,
        query_timeout_ms: QUERY_TIMEOUT_MS,
        database_requests_during: during.reduce((sum, w) => sum + w.requests, 0),
        statuses_during: { 'grid-read': during[0]?.statuses, draft: during[1]?.statuses },
        improper: improper.length,
      },
      {
        name: 'cluster.db_pause.recovery_ms',
        value: recoveredAt ? recoveredAt - resumedAt : -1,
        unit: 'ms',
        definition: 'network resumed → a lookup and a grid read through HAProxy both answered 200',
      },
      {
        name: 'cluster.db_pause.lookups_failed',
        value: lookups.failed,
        unit: 'requests',
        lookups: lookups.requests,
        lookups_while_paused: lookupsPaused.requests,
        statuses_while_paused: lookupsPaused.statuses,
      },
    ])
    expect(longest).toBeLessThanOrEqual(REQUEST_LIMIT_MS)
    expect(improper.slice(0, 5)).toEqual([])
    expect(
      during.reduce((sum, w) => sum + w.failed, 0),
      'database work failed (503) while paused',
    ).toBeGreaterThan(0)
    expect(lookupsPaused.requests).toBeGreaterThan(PAUSE_MS / 20)
    expect(lookupsPaused.ok, 'lookups answered from memory while paused').toBe(lookupsPaused.requests)
    expect(lookups.failed).toBe(0)
    expect(recoveredAt, 'service recovered').toBeGreaterThan(0)
    expect(recoveredAt - resumedAt).toBeLessThanOrEqual(RECOVERY_BOUND_MS)
  })
})
