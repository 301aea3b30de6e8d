import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Browser smoke test: one file, one worker, long timeouts (server first start ~20–30 s,
// web build ~10 s, map rendering in software GL).
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['web/e2e/**/*.e2e.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
})
