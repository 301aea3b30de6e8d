import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `npm run test:cluster`: the many-node cluster on loopback (docs/scaling.md, "Running a cluster").
// One file at a time — each starts its own API nodes and HAProxy on the same ports and the same
// PostgreSQL, and some of them restart or pause that PostgreSQL.
export default defineConfig({
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
  test: {
    include: ['cluster/**/*.test.ts'],
    globalSetup: ['cluster/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
})
