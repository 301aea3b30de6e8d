import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, draftRename, expectStatus, gridsOf, lookupPath, type SampleGrid, TOWNSHIPS } from './harness/api.js'
import { type Cluster, startCluster } from './harness/cluster.js'
import { recordFigures } from './harness/figures.js'
import { percentile, type RunningLoad, round, startLoad, window } from './harness/load.js'
import { lookupStream } from './harness/streams.js'

// An approval is visible to lookups on every node within 1 s: 20 grids renamed through the chain
// (each a different grid, effective today), and every node asked directly, every 10 ms, until it
// answers the new name. The applying node rebuilds its index before it answers; the others hear
// NOTIFY gridwork_grids_changed (server/grids/grid-events.ts, server/lookup/index/index-holder.ts).

const APPROVALS = 20

let cluster: Cluster
let load: RunningLoad

beforeAll(async () => {
  cluster = await startCluster({ nodes: 2 })
  load = startLoad(cluster.haproxy.url, [lookupStream(cluster, 100)], 600_000)
})

afterAll(async () => {
  await load?.stop()
  await cluster?.stop()
})

/** Asks `baseUrl` every 10 ms until the grid's lookup answers `name`; resolves with when it first did. */
async function seenAt(baseUrl: string, apiKey: string, grid: SampleGrid, name: string, until: number): Promise<number> {
  for (;;) {
    const answer = await call(baseUrl, 'GET', lookupPath(grid), { apiKey, timeoutMs: 5_000 })
    if (answer.status === 200 && (answer.body.grid as { name?: string } | null)?.name === name) return Date.now()
    if (Date.now() > until) throw new Error(`${baseUrl} still answers ${JSON.stringify(answer.body.grid)} for ${grid.code}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('visibility of an approval on every node', () => {
  it(`${APPROVALS} approvals: every node answers the new grid within 1 s of the approval's answer`, async () => {
    const { haproxy, nodes, adminToken: token, apiKey, today } = cluster
    const grids = gridsOf(cluster.grids, TOWNSHIPS.visibility)
    const fromAnswer: number[] = []
    const fromSent: number[] = []
    const step = Math.floor(grids.length / APPROVALS)
    for (let i = 0; i < APPROVALS; i++) {
      const grid = grids[i * step] as SampleGrid
      const name = `${grid.name}（可见${i + 1}）`
      const id = await draftRename(haproxy.url, token, grid, name)
      expectStatus(await call(haproxy.url, 'POST', `/api/v1/proposals/${id}/submit`, { token, body: {} }), `submit ${id}`, 200)
      const sent = Date.now()
      // Asked from before the approval is sent, so the moment each node first answers is exact.
      const seen = nodes.map((node) => seenAt(node.url, apiKey, grid, name, sent + 10_000))
      const approve = await call(haproxy.url, 'POST', `/api/v1/proposals/${id}/approve`, {
        token,
        body: { document_no: `可见〔2026〕${i + 1}号`, effective_date: today },
      })
      const answered = Date.now()
      expectStatus(approve, `approve ${id}`, 200)
      const last = Math.max(...(await Promise.all(seen)))
      fromAnswer.push(Math.max(0, last - answered))
      fromSent.push(last - sent)
      expectStatus(await call(haproxy.url, 'POST', `/api/v1/proposals/${id}/file`, { token, body: {} }), `file ${id}`, 200)
    }
    const lookups = window((await load.stop()).results[0] as never)
    const p95 = percentile(fromAnswer, 95)
    recordFigures('1-visibility', [
      {
        name: 'cluster.visible_ms',
        value: round(p95, 0),
        unit: 'ms',
        definition: 'p95 over approvals of: approve answered → every node (asked directly) answers the new grid',
        approvals: APPROVALS,
        nodes: nodes.length,
        max_ms: Math.max(...fromAnswer),
        from_sent_p95_ms: round(percentile(fromSent, 95), 0),
        from_sent_max_ms: Math.max(...fromSent),
        lookups_during: lookups.requests,
        lookups_failed: lookups.failed,
      },
    ])
    expect(p95).toBeLessThanOrEqual(1000)
    expect(lookups.failed).toBe(0)
  })
})
