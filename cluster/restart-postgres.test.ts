import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../server/db/connect.js'
import { findInconsistencies } from '../server/testing/consistency.js'
import { call, gridsOf, lookupPath, TOWNSHIPS } from './harness/api.js'
import { type Cluster, startCluster } from './harness/cluster.js'
import { recordFigures } from './harness/figures.js'
import { type RunningLoad, startLoad, window } from './harness/load.js'
import { query, restartPrimary } from './harness/postgres.js'
import { lookupStream } from './harness/streams.js'
import { renameLoop, WriteLog } from './harness/writes.js'

// PostgreSQL's primary restarted (pg_ctl restart -m fast) while two writers carry renames through
// the chain and lookups run: writes in flight end with 503 + Retry-After (never a 500), every
// proposal is applied wholly or not at all (server/testing/consistency.ts), and within 5 s of the
// database being back a lookup through HAProxy and a write succeed.

const RECOVERY_BOUND_MS = 5_000
let cluster: Cluster
let load: RunningLoad
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  cluster = await startCluster({ nodes: 2 })
})

afterAll(async () => {
  await load?.stop()
  await cluster?.stop()
})

describe('PostgreSQL restarted during writes', () => {
  it('writes in flight get 503 + Retry-After, nothing is half-written, service is back within 5 s', async () => {
    const { haproxy, nodes, adminToken: token, postgres, today } = cluster
    load = startLoad(haproxy.url, [lookupStream(cluster, 100, { auth: 'token' })], 120_000)
    const log = new WriteLog()
    const writers = TOWNSHIPS.restart.map((township, i) =>
      renameLoop(log, haproxy.url, token, gridsOf(cluster.grids, [township]), { effectiveDate: () => today, label: `重启${i + 1}-` }),
    )
    await sleep(4_000)

    const restartStart = Date.now()
    await restartPrimary(postgres.dir)
    const restartEnd = Date.now()

    // Recovered: a lookup through HAProxy and a write (a draft) both answered 200.
    const probeGrid = gridsOf(cluster.grids, TOWNSHIPS.restart)[0] as (typeof cluster.grids)[number]
    let recoveredAt = 0
    while (Date.now() - restartEnd < 30_000) {
      const [lookup, draft] = await Promise.all([
        call(haproxy.url, 'GET', lookupPath(probeGrid), { token, timeoutMs: 5_000 }).catch(() => null),
        call(haproxy.url, 'POST', '/api/v1/proposals', {
          token,
          timeoutMs: 5_000,
          body: {
            region: probeGrid.region_code,
            changes: [{ op: 'update', grid: probeGrid.code, properties: { name: '探针' }, reason: 'probe' }],
          },
        }).catch(() => null),
      ])
      if (draft?.status === 200) log.proposals.add(draft.body.id as number)
      if (lookup?.status === 200 && draft?.status === 200) {
        recoveredAt = Date.now()
        break
      }
      await sleep(100)
    }
    await sleep(3_000)
    await Promise.all(writers.map((writer) => writer.stop()))
    const { results } = await load.stop()
    const lookups = window(results[0] as Parameters<typeof window>[0])

    // Whole or nothing, in the database …
    const database = await openDatabase({ databaseUrl: postgres.primaryUrl })
    let problems: string[]
    try {
      // The grid checks cover everything; the proposal checks only this test's proposals (the
      // database is shared with the other files, whose drafts may be edited: an edit's event moves
      // no state, which the check, written for the kill loop's chains, does not expect).
      const ours = (problem: string) => {
        const id = problem.match(/^proposal (\d+) /)?.[1]
        return id === undefined || log.proposals.has(Number(id))
      }
      problems = (await findInconsistencies(database.kysely, { applied: log.applied, filed: log.filed, imports: [] })).filter(ours)
    } finally {
      await database.close()
    }
    // … and in every node's index: each grid answers the name the database has in force.
    const renamed = await query<{ code: string; name: string }>(
      postgres.primaryUrl,
      `SELECT code, name FROM grids WHERE proposal_id = ANY($1::int[]) AND valid_to IS NULL`,
      [[...log.applied]],
    )
    const stale: string[] = []
    for (const node of nodes) {
      for (const row of renamed) {
        const grid = cluster.grids.find((g) => g.code === row.code)
        if (!grid) continue
        // The LISTEN client reconnects within 5 s of the restart and the index rebuilds.
        const until = Date.now() + 15_000
        let answered = ''
        while (Date.now() < until) {
          const answer = await call(node.url, 'GET', lookupPath(grid), { token })
          answered = (answer.body.grid as { name?: string } | null)?.name ?? `${answer.status}`
          if (answered === row.name) break
          await sleep(200)
        }
        if (answered !== row.name) stale.push(`${node.name} ${row.code}: ${answered}, database ${row.name}`)
      }
    }

    const inFlight = log.records.filter((r) => r.start < restartEnd && r.end > restartStart)
    const unavailable = log.count((r) => r.status === 503)
    recordFigures('3-restart-postgres', [
      {
        name: 'cluster.pg_restart.recovery_ms',
        value: recoveredAt ? recoveredAt - restartEnd : -1,
        unit: 'ms',
        definition: 'pg_ctl restart -m fast returned → a lookup through HAProxy and a draft both answered 200',
        restart_ms: restartEnd - restartStart,
        writes: log.records.length,
        writes_in_flight_during_restart: inFlight.length,
        writes_503: unavailable,
        writes_improper: log.improper().length,
        applied: log.applied.size,
        lookups: lookups.requests,
        lookups_failed: lookups.failed,
      },
    ])
    expect(log.improper(), 'writes answered other than 200/4xx/503 + Retry-After').toEqual([])
    expect(inFlight.length, 'a write was in flight while PostgreSQL restarted').toBeGreaterThan(0)
    expect(problems).toEqual([])
    expect(stale).toEqual([])
    expect(recoveredAt, 'service recovered').toBeGreaterThan(0)
    expect(recoveredAt - restartEnd).toBeLessThanOrEqual(RECOVERY_BOUND_MS)
    expect(lookups.failed, 'lookups answered from memory throughout').toBe(0)
  })
})
