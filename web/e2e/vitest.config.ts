import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Browser tests: one worker, files in turn, long timeouts (server first start ~20–30 s,
// web build ~10 s, map rendering in software GL).
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['web/e2e/**/*.e2e.ts'],
    // One server for all files (build + start + /health), torn down after the last file.
    globalSetup: ['web/e2e/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
})
