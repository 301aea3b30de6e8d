/**
 * One server for every e2e file: builds web/dist, starts the real server (embedded PGlite, demo
 * county) on a free port, waits for /health and provides its URL as `inject('baseUrl')`. A file
 * that needs other settings starts a server of its own with `startServer` (basemap.e2e.ts).
 *
 * Env: E2E_BASE_URL=http://host:port/ uses a running server instead of starting one;
 * E2E_SKIP_BUILD=1 reuses web/dist. The server log goes to test-results/e2e/server.log.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
  }
}

const repo = fileURLToPath(new URL('../..', import.meta.url))
export const outDir = join(repo, 'test-results', 'e2e')
const serverLog = join(outDir, 'server.log')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port = typeof address === 'object' && address ? address.port : 0
      s.close(() => resolve(port))
    })
  })
}

async function waitForHealth(url: string, server: ChildProcess | undefined, timeoutMs: number, log: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (server && server.exitCode !== null) {
      throw new Error(`server exited with ${server.exitCode}:\n${readFileSync(log, 'utf8').slice(-3000)}`)
    }
    try {
      const res = await fetch(new URL('health', url))
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`no /health from ${url} within ${timeoutMs / 1000} s`)
}

function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return Promise.resolve()
  const pid = child.pid
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL')
      } catch {}
    }, 10_000)
    child.once('exit', () => {
      clearTimeout(force)
      resolve()
    })
    // The server runs in its own process group (detached), so this reaches tsx's node child too.
    try {
      process.kill(-pid, 'SIGTERM')
    } catch {
      resolve()
    }
  })
}

/**
 * Starts the real server (embedded PGlite in a fresh data folder, demo county) on a free port with
 * `env` added, waits for /health; `stop` ends it and removes the data folder. `log` names the
 * server log in test-results/e2e.
 */
export async function startServer(
  env: Record<string, string> = {},
  log = 'server.log',
): Promise<{ baseUrl: string; stop: () => Promise<void> }> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'gridwork-e2e-'))
  const logFile = join(outDir, log)
  const output = createWriteStream(logFile)
  const server = spawn(join(repo, 'node_modules/.bin/tsx'), ['server/server.ts'], {
    cwd: repo,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, NODE_ENV: 'test' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stdout?.pipe(output)
  server.stderr?.pipe(output)
  const baseUrl = `http://127.0.0.1:${port}/`
  const stop = async () => {
    await stopServer(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    await waitForHealth(baseUrl, server, 120_000, logFile)
  } catch (err) {
    await stop()
    throw err
  }
  return { baseUrl, stop }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  mkdirSync(outDir, { recursive: true })
  if (!process.env.E2E_SKIP_BUILD || !existsSync(join(repo, 'web/dist/index.html'))) {
    // Built before the server starts: the server serves web/dist only if it exists at start.
    const build = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
      cwd: repo,
      stdio: 'inherit',
    })
    if (build.status !== 0) throw new Error('web build failed')
  }

  if (process.env.E2E_BASE_URL) {
    await waitForHealth(process.env.E2E_BASE_URL, undefined, 120_000, serverLog)
    project.provide('baseUrl', process.env.E2E_BASE_URL)
    return async () => {}
  }
  const { baseUrl, stop } = await startServer()
  project.provide('baseUrl', baseUrl)
  return stop
}
