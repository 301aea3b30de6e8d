import { fileURLToPath } from 'node:url'
import { BaseSequencer, type TestSpecification } from 'vitest/node'
import { defineConfig } from 'vitest/config'

/**
 * The files share one server and its database, and the editor file runs the whole approval chain
 * (it fixes 白沙镇's faults and adds a grid), so the files run in this order, the editor last.
 */
const ORDER = ['smoke', 'validation', 'history', 'viewport', 'lookup', 'tools', 'editor']
const rank = (spec: TestSpecification) => {
  const i = ORDER.findIndex((name) => spec.moduleId.endsWith(`/${name}.e2e.ts`))
  return i < 0 ? ORDER.indexOf('editor') - 0.5 : i // unlisted files just before the editor's
}
class InOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a) - rank(b))
  }
}

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
    sequence: { sequencer: InOrder },
    testTimeout: 120_000,
    // Server round trips (a draft save re-validates the township) can take seconds on a busy CI
    // machine; vitest's 1 s default for expect.poll made such waits flaky.
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 300_000,
  },
})
