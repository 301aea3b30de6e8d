import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { clearFigures, RESULTS_DIR, writeBenchJson } from './harness/figures.js'
import { replicaCaughtUp, startPostgresCluster, stopPostgresCluster } from './harness/postgres.js'
import { runTsx } from '../server/testing/processes.js'

// Once per `npm run test:cluster`: a PostgreSQL primary + streaming replica (.ci/postgres-cluster.sh)
// seeded with the demo county — 279 grids, 41,166 addresses, so lookups run against a real index,
// and enough grids in eight townships for every approval of the run to rename a different grid
// today (an approval's effective date must be later than the version it replaces). Seeding takes
// ~15 s on PostgreSQL. At the end: both stopped, the figures joined and printed.

const PG_PORT = Number(process.env.GRIDWORK_CLUSTER_PG_PORT ?? 54350)
const SEED_TIMEOUT_MS = 300_000
const PG_DIR = process.env.GRIDWORK_PG_CLUSTER_DIR ?? path.join(os.tmpdir(), 'gridwork-ci-pg-cluster')

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  clearFigures()
  const postgres = await startPostgresCluster(PG_DIR, PG_PORT)
  try {
    const seed = runTsx('scripts/seed-demo.ts', [], { DATABASE_URL: postgres.primaryUrl })
    const timer = setTimeout(() => seed.child.kill('SIGKILL'), SEED_TIMEOUT_MS)
    const code = await seed.exited
    clearTimeout(timer)
    if (code !== 0) throw new Error(`seed:demo failed (${code}):\n${seed.output().slice(-4000)}`)
    await replicaCaughtUp(postgres.primaryUrl, postgres.replicaUrl)
  } catch (error) {
    await stopPostgresCluster(PG_DIR)
    throw error
  }
  project.provide('postgres', postgres)
  return async () => {
    await stopPostgresCluster(PG_DIR)
    const entries = writeBenchJson()
    if (entries.length > 0) {
      console.log(`\ncluster figures (${path.relative(process.cwd(), path.join(RESULTS_DIR, 'bench.json'))}):`)
      for (const entry of entries) {
        const { name, value, unit, ...extra } = entry
        console.log(`  ${name} = ${value} ${unit}${Object.keys(extra).length ? `  ${JSON.stringify(extra)}` : ''}`)
      }
    }
  }
}
