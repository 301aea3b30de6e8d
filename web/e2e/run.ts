// `npm run test:e2e`: the browser smoke test with its own vitest config.
import { spawnSync } from 'node:child_process'

const result = spawnSync('npx', ['vitest', 'run', '--config', 'web/e2e/vitest.config.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
})
process.exit(result.status ?? 1)
