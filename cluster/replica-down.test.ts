import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, startCluster } from './harness/cluster.js'
import { recordFigures } from './harness/figures.js'
import { type RunningLoad, type StreamResult, startLoad, window } from './harness/load.js'
import { query, startReplica, stopReplica } from './harness/postgres.js'
import { lookupStream, replicaReadStream } from './harness/streams.js'

// The read replica stopped under load: the nodes (DATABASE_REPLICA_URL) read tiles and OGC items
// from it until then, from the primary while it is down — every read still 200 — and from it again
// once it is back.

let cluster: Cluster
let load: RunningLoad
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  cluster = await startCluster({ nodes: 2, replica: true })
})

afterAll(async () => {
  await load?.stop()
  await startReplica(cluster.postgres.dir).catch(() => undefined)
  await cluster?.stop()
})

/** Connections of the API nodes open on the replica (client backends other than this one). */
async function replicaConnections(replicaUrl: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    replicaUrl,
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database() AND pid <> pg_backend_pid()`,
  )
  return row?.n ?? 0
}

describe('the read replica down', () => {
  it('tiles and OGC items answer 200 from the primary while it is down; it is used again when back', async () => {
    const { haproxy, postgres } = cluster
    load = startLoad(haproxy.url, [lookupStream(cluster, 100, { auth: 'token' }), replicaReadStream(cluster, 20)], 120_000)
    await sleep(4_000)
    const before = await replicaConnections(postgres.replicaUrl)

    const downAt = Date.now()
    await stopReplica(postgres.dir)
    await sleep(8_000)
    const upAt = Date.now()
    await startReplica(postgres.dir)

    // Back in use: the nodes skip a failed replica for 5 s (REPLICA_SKIP_MS), then connect again.
    let after = 0
    for (const until = Date.now() + 30_000; Date.now() < until && after === 0; await sleep(500)) {
      // The standby may refuse connections for a moment after pg_ctl start returns.
      after = await replicaConnections(postgres.replicaUrl).catch(() => 0)
    }
    await sleep(2_000)
    const { results, failures } = await load.stop()
    const of = (kind: string) => results.find((r) => r.kind === kind) as StreamResult
    const readsDown = window(of('replica-reads'), downAt, upAt)
    const reads = window(of('replica-reads'))
    const lookups = window(of('lookup'))
    recordFigures('4-replica-down', [
      {
        name: 'cluster.replica_down.failed_reads',
        value: reads.failed,
        unit: 'requests',
        reads: reads.requests,
        reads_while_down: readsDown.requests,
        statuses_while_down: readsDown.statuses,
        replica_connections_before: before,
        replica_connections_after: after,
        lookups: lookups.requests,
        lookups_failed: lookups.failed,
      },
    ])
    expect(before, 'the nodes read from the replica before it stopped').toBeGreaterThan(0)
    expect(readsDown.requests).toBeGreaterThan(50)
    expect(reads.failed, JSON.stringify(failures.slice(0, 5))).toBe(0)
    expect(readsDown.ok).toBe(readsDown.requests)
    expect(after, 'the nodes read from the replica again').toBeGreaterThan(0)
    expect(lookups.failed).toBe(0)
  })
})
