import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type RunningProcess, runTsx, stubWebDir } from '../../server/testing/processes.js'

// API nodes: real `node --import tsx server/server.ts` processes on fixed loopback ports (HAProxy's
// configuration names them), all on one PostgreSQL. Each has its own data folder (uploads only)
// and a stand-in web bundle, so no node builds the real one.

export interface NodeOptions {
  name: string
  port: number
  databaseUrl: string
  /** DATABASE_REPLICA_URL: lag-tolerant reads go there (server side: see docs/scaling.md). */
  replicaUrl?: string
  env?: Record<string, string>
}

export class ApiNode {
  process: RunningProcess | null = null
  private readonly dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'gridwork-cluster-node-')), 'data')
  private readonly webDir = stubWebDir()

  constructor(readonly options: NodeOptions) {}

  get name(): string {
    return this.options.name
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`
  }

  get pid(): number {
    if (!this.process) throw new Error(`node ${this.name} is not running`)
    return this.process.pid
  }

  /** Spawns the server and waits until its readiness check answers 200. */
  async start(ms = 120_000): Promise<void> {
    if (this.process) throw new Error(`node ${this.name} is already running`)
    const { port, databaseUrl, replicaUrl, env } = this.options
    this.process = runTsx('server/server.ts', [], {
      DATABASE_URL: databaseUrl,
      DATABASE_REPLICA_URL: replicaUrl ?? '',
      DATA_DIR: this.dataDir,
      WEB_DIR: this.webDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      // Request lines at info level would cost the node more than the lookups under load.
      LOG_LEVEL: 'warn',
      ...env,
    })
    // At warn level the node does not log its start-up line: readiness is what tells.
    const running = this.process
    let starting = true
    const died = running.exited.then((code) => {
      if (starting) throw new Error(`node ${this.name} exited (${code}) while starting:\n${running.output().slice(-4000)}`)
    })
    try {
      await Promise.race([waitForStatus(`${this.url}${READY_PATH}`, 200, ms), died])
    } finally {
      starting = false
    }
  }

  /** SIGKILL: the node dies at once, in-flight requests and all. */
  async kill9(): Promise<void> {
    const running = this.process
    this.process = null
    await running?.kill9()
  }

  /** SIGTERM and the exit code of the graceful shutdown (a SIGKILL after `ms`). */
  async stop(ms = 15_000): Promise<number | null> {
    const running = this.process
    this.process = null
    if (!running) return null
    running.child.kill('SIGTERM')
    const timer = setTimeout(() => running.child.kill('SIGKILL'), ms)
    try {
      return await running.exited
    } finally {
      clearTimeout(timer)
    }
  }

  /** Resident memory in MB, from /proc (0 when not running). */
  rssMb(): number {
    if (!this.process) return 0
    try {
      const match = readFileSync(`/proc/${this.process.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)
      return match ? Number(match[1]) / 1024 : 0
    } catch {
      return 0
    }
  }

  /** The node's output so far (JSON log lines), for failure messages. */
  output(): string {
    return this.process?.output() ?? ''
  }
}

/** The readiness check HAProxy and the harness use: the node can serve everything now. */
export const READY_PATH = '/health/ready'
/** The liveness check: the process answers (HAProxy's fallback when no node is ready). */
export const LIVE_PATH = '/health/live'

/** Polls `url` until it answers `status`. */
export async function waitForStatus(url: string, status: number, ms = 30_000): Promise<void> {
  const until = Date.now() + ms
  let last: number | string = 'nothing'
  for (;;) {
    last = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status,
      (error: Error) => error.message,
    )
    if (last === status) return
    if (Date.now() > until) throw new Error(`${url} answered ${last}, not ${status}, for ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
