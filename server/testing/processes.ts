import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { LOCK_FILE_NAME } from '../db/data-lock.js'
import { ensurePgliteTemplate } from './database.js'

// Real processes for tests: a TypeScript script run as `node --import tsx`, its output collected,
// waited for and killed (kill -9 included); the real server on a data folder of its own.

export interface RunningProcess {
  child: ChildProcess
  pid: number
  /** stdout and stderr so far, interleaved. */
  output(): string
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>
  /** Waits until the output matches, failing early if the process exits first. */
  waitForOutput(pattern: RegExp, what: string, ms?: number): Promise<RegExpMatchArray>
  /** SIGKILL, then waits until the process is gone (and reaped). */
  kill9(): Promise<void>
}

/** Runs `node --import tsx <script> …args` from the repository root, env added to this one's. */
export function runTsx(script: string, args: string[] = [], env: Record<string, string> = {}): RunningProcess {
  let output = ''
  // node itself (not npx or the tsx binary) so that a signal reaches the process under test.
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  let code: number | null | undefined
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (exitCode) => {
      code = exitCode
      resolve(exitCode)
    }),
  )
  return {
    child,
    pid: child.pid as number,
    output: () => output,
    exited,
    async waitForOutput(pattern, what, ms = 120_000) {
      const until = Date.now() + ms
      for (;;) {
        const match = output.match(pattern)
        if (match) return match
        if (code !== undefined) throw new Error(`${script} exited (${code}) before ${what}:\n${output.slice(-4000)}`)
        if (Date.now() > until) throw new Error(`timed out waiting for ${what} from ${script}:\n${output.slice(-4000)}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    async kill9() {
      if (code === undefined) child.kill('SIGKILL')
      await exited
    },
  }
}

/** A new temporary folder holding a copy of the migrated PGlite template (no demo data). */
export async function copyOfTemplate(prefix = 'gridwork-proc-'): Promise<string> {
  const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), prefix)), 'data')
  cpSync(await ensurePgliteTemplate(), dataDir, { recursive: true })
  return dataDir
}

/** A folder with a stand-in web bundle, so that a server under test never builds the real one. */
export function stubWebDir(): string {
  const webDir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-web-'))
  writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>gridwork</title>')
  return webDir
}

export interface ServerProcess extends RunningProcess {
  baseUrl: string
  /** SIGTERM and the exit code of the graceful shutdown. */
  stop(): Promise<number | null>
}

/** Starts `server/server.ts` on `dataDir` (PORT=0, JSON log at info level) and waits until it serves. */
export function spawnServer(dataDir: string, env: Record<string, string> = {}): RunningProcess {
  return runTsx('server/server.ts', [], {
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    ...env,
  })
}

/** Waits for "gridwork is running" from a spawned server and returns it with its base URL. */
export async function serverReady(server: RunningProcess, ms = 120_000): Promise<ServerProcess> {
  const match = await server.waitForOutput(/gridwork is running: web editor http:\/\/localhost:(\d+)\//, 'the start-up line', ms)
  return {
    ...server,
    baseUrl: `http://127.0.0.1:${match[1]}`,
    async stop() {
      server.child.kill('SIGTERM')
      return server.exited
    },
  }
}

/** Starts the server and waits until it serves. */
export async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  return serverReady(spawnServer(dataDir, env))
}

/** The pid the data folder's lock file names, or null (no lock, or being written). */
export function lockOwnerPid(dataDir: string): number | null {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE_NAME), 'utf8')).pid
  } catch {
    return null
  }
}

/** Resolves once the data folder's lock file names `running` as its owner, or once it has exited. */
export async function lockHeldBy(dataDir: string, running: RunningProcess): Promise<void> {
  let exited = false
  void running.exited.then(() => {
    exited = true
  })
  while (!exited && lockOwnerPid(dataDir) !== running.pid) await new Promise((resolve) => setTimeout(resolve, 10))
}
