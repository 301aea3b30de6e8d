import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'scripts/**/*.test.ts', 'migrations/**/*.test.ts', 'web/src/**/*.test.ts'],
    globalSetup: ['server/testing/global-setup.ts'],
    // Each file opens its own database; PGlite start-up is CPU-bound, so two at a time on 2 cores.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
})
