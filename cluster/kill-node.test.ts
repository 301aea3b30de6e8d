import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, startCluster } from './harness/cluster.js'
import { recordFigures } from './harness/figures.js'
import { watchStates } from './harness/haproxy.js'
import { type RunningLoad, round, startLoad, window } from './harness/load.js'
import type { ApiNode } from './harness/nodes.js'
import { lookupStream } from './harness/streams.js'

// One API node killed with SIGKILL under lookup load: HAProxy's check marks it DOWN and no request
// fails from then on (those in flight on the dead node, and new connections to it before the
// check fails, are retried on the other node: retry-on + option redispatch). Restarted, it rejoins
// and takes requests again.

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

describe('an API node killed under load', () => {
  it('is routed around: 0 failed requests once HAProxy marks it DOWN; restarted, it rejoins', async () => {
    const { haproxy, nodes } = cluster
    const victim = nodes[0] as ApiNode
    const states = watchStates(haproxy)
    load = startLoad(haproxy.url, [lookupStream(cluster, 200, { loops: 4 })], 120_000)
    await sleep(3_000)

    const killedAt = Date.now()
    await victim.kill9()
    const downAt = await haproxy
      .waitFor(victim.name, 'DOWN', 10_000)
      .then(() => states.firstAt(victim.name, 'DOWN', killedAt) ?? Date.now())
    await sleep(3_000)

    const restartedAt = Date.now()
    await victim.start()
    const upAt = await haproxy.waitFor(victim.name, 'UP', 30_000)
    const sessionsAtUp = (await haproxy.states()).find((state) => state.name === victim.name)?.sessions ?? 0
    await sleep(3_000)
    const sessionsAfter = (await haproxy.states()).find((state) => state.name === victim.name)?.sessions ?? 0

    const { results, failures } = await load.stop()
    await states.stop()
    const lookups = results[0] as Parameters<typeof window>[0]
    const before = window(lookups, 0, downAt)
    const after = window(lookups, downAt)
    recordFigures('2-kill-node', [
      {
        name: 'cluster.failover.failed_after_down',
        value: after.failed,
        unit: 'requests',
        requests_after_down: after.requests,
        failed_before_down: before.failed,
        requests_before_down: before.requests,
        down_after_kill_ms: downAt - killedAt,
        check: 'inter 500ms fall 2 rise 2',
        rate_per_s: 200,
      },
      { name: 'cluster.failover.down_ms', value: downAt - killedAt, unit: 'ms', definition: 'SIGKILL → HAProxy shows the node DOWN' },
      {
        name: 'cluster.failover.rejoin_ms',
        value: upAt - restartedAt,
        unit: 'ms',
        definition: 'restart of the killed node → HAProxy shows it UP (includes the node start)',
      },
    ])
    expect(after.requests).toBeGreaterThan(1000)
    expect(after.failed, JSON.stringify(failures.slice(0, 5))).toBe(0)
    expect(sessionsAfter, 'the restarted node takes requests again').toBeGreaterThan(sessionsAtUp)
    expect(round(before.failed / Math.max(1, before.requests), 3)).toBeLessThan(0.01)
  })
})
