import { inject } from 'vitest'
import { databaseToday, issueApiKey, login, type SampleGrid, sampleGrids } from './api.js'
import { Haproxy } from './haproxy.js'
import { ApiNode } from './nodes.js'
import type { PostgresCluster } from './postgres.js'

// One cluster for one test file: API nodes on the seeded PostgreSQL of the run (started once by
// cluster/global-setup.ts), HAProxy in front, an admin token and a department API key. stop()
// kills every process it started; afterAll calls it, and so does process exit as a last resort.

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresCluster
  }
}

/** First HTTP port: HAProxy listens on it, node i on port + i. */
export const HTTP_PORT = Number(process.env.GRIDWORK_CLUSTER_HTTP_PORT ?? 54360)

export interface ClusterOptions {
  nodes?: number
  /** Give the nodes DATABASE_REPLICA_URL (lag-tolerant reads on the replica). */
  replica?: boolean
  /** Where the nodes find the primary (default: the primary itself; a tcp-proxy for the pause test). */
  databaseUrl?: string
  /** Environment added to every node's. */
  env?: Record<string, string>
}

export interface Cluster {
  postgres: PostgresCluster
  nodes: ApiNode[]
  haproxy: Haproxy
  adminToken: string
  apiKey: string
  /** Comprehensive grids in force with a point inside each (see sampleGrids). */
  grids: SampleGrid[]
  today: string
  stop(): Promise<void>
}

const everyNode = new Set<ApiNode>()
const everyHaproxy = new Set<Haproxy>()
process.once('exit', () => {
  for (const node of everyNode) node.process?.child.kill('SIGKILL')
  for (const haproxy of everyHaproxy) void haproxy.stop()
})

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const postgres = inject('postgres')
  const count = options.nodes ?? 2
  const nodes = Array.from(
    { length: count },
    (_, i) =>
      new ApiNode({
        name: `n${i + 1}`,
        port: HTTP_PORT + 1 + i,
        databaseUrl: options.databaseUrl ?? postgres.primaryUrl,
        ...(options.replica ? { replicaUrl: postgres.replicaUrl } : {}),
        ...(options.env ? { env: options.env } : {}),
      }),
  )
  const haproxy = new Haproxy({ port: HTTP_PORT, servers: nodes.map((node) => ({ name: node.name, port: node.options.port })) })
  for (const node of nodes) everyNode.add(node)
  everyHaproxy.add(haproxy)
  const stop = async () => {
    await haproxy.stop()
    await Promise.all(nodes.map((node) => node.stop()))
    for (const node of nodes) everyNode.delete(node)
    everyHaproxy.delete(haproxy)
  }
  try {
    // One at a time: two nodes migrating and seeding accounts at once on 2 cores only slow each other.
    for (const node of nodes) await node.start()
    await haproxy.start()
    const adminToken = await login(haproxy.url, 'admin')
    const apiKey = await issueApiKey(haproxy.url, adminToken)
    const [grids, today] = await Promise.all([sampleGrids(postgres.primaryUrl), databaseToday(postgres.primaryUrl)])
    return { postgres, nodes, haproxy, adminToken, apiKey, grids, today, stop }
  } catch (error) {
    const logs = nodes.map((node) => `--- ${node.name}\n${node.output().slice(-3000)}`).join('\n')
    await stop()
    throw new Error(`${(error as Error).message}\n${logs}`)
  }
}
