import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'

// The PostgreSQL side of the cluster: a primary and a streaming replica started by
// .ci/postgres-cluster.sh (as the `postgres` system user when run as root), and the faults the
// tests inflict on them — each a call of that script, so a person can repeat them by hand.

const run = promisify(execFile)
const SCRIPT = path.resolve('.ci/postgres-cluster.sh')

export interface PostgresCluster {
  primaryUrl: string
  replicaUrl: string
  dir: string
}

function scriptEnv(dir: string) {
  return { ...process.env, GRIDWORK_PG_CLUSTER_DIR: dir }
}

async function script(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(SCRIPT, args, { env: scriptEnv(dir), timeout: 120_000 })
  return stdout
}

/** initdb, the gridwork database with PostGIS, pg_basebackup -R, both started. */
export async function startPostgresCluster(dir: string, primaryPort: number): Promise<PostgresCluster> {
  const [primaryUrl, replicaUrl] = (await script(dir, 'start', String(primaryPort), String(primaryPort + 1))).trim().split('\n')
  if (!primaryUrl || !replicaUrl) throw new Error('.ci/postgres-cluster.sh start printed no URLs')
  return { primaryUrl, replicaUrl, dir }
}

export const stopPostgresCluster = (dir: string) => script(dir, 'stop')
export const restartPrimary = (dir: string) => script(dir, 'restart-primary')
export const stopReplica = (dir: string) => script(dir, 'stop-replica')
export const startReplica = (dir: string) => script(dir, 'start-replica')

/** Runs one statement on a short-lived connection and returns its rows. */
export async function query<T extends object>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  await client.connect()
  try {
    return (await client.query(text, values)).rows as T[]
  } finally {
    await client.end()
  }
}

/** Waits until the replica has replayed everything the primary has written so far. */
export async function replicaCaughtUp(primaryUrl: string, replicaUrl: string, ms = 30_000): Promise<void> {
  const [{ lsn }] = (await query<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn')) as [{ lsn: string }]
  const until = Date.now() + ms
  for (;;) {
    const [row] = await query<{ behind: boolean }>(replicaUrl, 'SELECT pg_last_wal_replay_lsn() < $1::pg_lsn AS behind', [lsn])
    if (row && !row.behind) return
    if (Date.now() > until) throw new Error(`the replica did not replay up to ${lsn} within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
