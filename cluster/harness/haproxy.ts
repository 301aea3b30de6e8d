import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { LIVE_PATH, READY_PATH, waitForStatus } from './nodes.js'

// HAProxy in front of the API nodes: its configuration written into a temporary folder, the
// process run in the foreground (-db) so the harness owns it, and its runtime API (the stats
// socket) read for each server's state — which is how a test knows when a node was marked DOWN.

export interface Backend {
  name: string
  port: number
}

export interface HaproxyOptions {
  port: number
  servers: Backend[]
  /** Health check interval in ms (fall 2, rise 2: a dead node is DOWN within ~2 intervals). */
  interMs?: number
}

/**
 * The configuration: round robin over the nodes that are ready (GET /health/ready); a failed
 * connection is retried on another node (option redispatch 1: every retry redispatches); an
 * idempotent request whose node died before answering (empty response, or no answer in time) is
 * retried too, a POST never after it was sent (it may have been applied). When no node is ready —
 * the database is down or paused for all of them — requests go to the nodes that are alive
 * (GET /health/live): lookups answer from memory, database work answers 503 with Retry-After.
 */
export function haproxyConfig({ port, servers, interMs = 500 }: HaproxyOptions, socket: string): string {
  const backend = (name: string, check: string) => `backend ${name}
  balance roundrobin
  http-request disable-l7-retry unless METH_GET
  option httpchk GET ${check}
  http-check expect status 200
  default-server inter ${interMs}ms fastinter ${Math.round(interMs / 2)}ms downinter ${interMs}ms fall 2 rise 2
${servers.map((server) => `  server ${server.name} 127.0.0.1:${server.port} check`).join('\n')}
`
  return `global
  stats socket ${socket} mode 600 level admin
  log stdout format raw local0 notice
  maxconn 4096

defaults
  mode http
  log global
  option httplog
  option dontlog-normal
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 10s
  timeout check 1s
  retries 2
  option redispatch 1
  retry-on conn-failure empty-response response-timeout

frontend api
  bind 127.0.0.1:${port}
  use_backend nodes if { nbsrv(nodes) gt 0 }
  default_backend live

${backend('nodes', READY_PATH)}
${backend('live', LIVE_PATH)}`
}

export interface ServerState {
  name: string
  /** UP, DOWN, "UP 1/2" (going down), "DOWN 1/2" (coming up), MAINT, … */
  status: string
  /** Requests sent to it so far (stot). */
  sessions: number
}

export class Haproxy {
  private child: ChildProcess | null = null
  private log = ''
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-haproxy-'))
  readonly socket = path.join(this.dir, 'admin.sock')

  constructor(readonly options: HaproxyOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`
  }

  async start(): Promise<void> {
    const file = path.join(this.dir, 'haproxy.cfg')
    writeFileSync(file, haproxyConfig(this.options, this.socket))
    const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    child.stdout?.on('data', (chunk) => {
      this.log += chunk
    })
    child.stderr?.on('data', (chunk) => {
      this.log += chunk
    })
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`haproxy exited (${code}):\n${this.log}`))),
    )
    await Promise.race([this.waitAllUp(), exited])
  }

  /** Waits until every server is UP and the frontend answers. */
  async waitAllUp(ms = 60_000): Promise<void> {
    const until = Date.now() + ms
    for (;;) {
      const states = await this.states().catch(() => [])
      if (states.length === this.options.servers.length && states.every((state) => state.status === 'UP')) break
      if (Date.now() > until) throw new Error(`HAProxy servers not all UP: ${JSON.stringify(states)}\n${this.log}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await waitForStatus(`${this.url}${LIVE_PATH}`, 200, ms)
  }

  /** Waits until server `name` has `status` (e.g. UP after a restart). */
  async waitFor(name: string, status: string, ms = 30_000): Promise<number> {
    const until = Date.now() + ms
    for (;;) {
      if ((await this.states()).find((state) => state.name === name)?.status === status) return Date.now()
      if (Date.now() > until) throw new Error(`HAProxy server ${name} not ${status} within ${ms} ms:\n${this.log}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** The state of each server of a backend (`nodes`: ready, `live`: alive), from `show stat` on the runtime API. */
  async states(backend = 'nodes'): Promise<ServerState[]> {
    const csv = await this.command('show stat')
    const [header, ...rows] = csv.trim().split('\n')
    const columns = (header ?? '').replace(/^# /, '').split(',')
    const at = (name: string) => columns.indexOf(name)
    return rows
      .map((row) => row.split(','))
      .filter((cells) => cells[at('pxname')] === backend && !['BACKEND', 'FRONTEND'].includes(cells[at('svname')] ?? ''))
      .map((cells) => ({ name: cells[at('svname')] as string, status: cells[at('status')] as string, sessions: Number(cells[at('stot')]) }))
  }

  /** One command on the runtime API (the stats socket); resolves with its whole answer. */
  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let answer = ''
      const socket = net.connect(this.socket, () => socket.end(`${line}\n`))
      socket.setTimeout(2_000, () => socket.destroy(new Error(`haproxy runtime API: no answer to "${line}"`)))
      socket.on('data', (chunk) => {
        answer += chunk
      })
      socket.on('end', () => resolve(answer))
      socket.on('error', reject)
    })
  }

  /** What HAProxy logged: server state changes and abnormal requests (option dontlog-normal). */
  output(): string {
    return this.log
  }

  async stop(): Promise<void> {
    const child = this.child
    this.child = null
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
}

/** Records every change of a server's state seen by polling the runtime API every `everyMs`. */
export function watchStates(haproxy: Haproxy, everyMs = 25) {
  const changes: { at: number; name: string; status: string }[] = []
  const last = new Map<string, string>()
  let running = true
  const loop = (async () => {
    while (running) {
      const states = await haproxy.states().catch(() => [])
      // Taken after the answer: a change it shows happened before this moment.
      const at = Date.now()
      for (const state of states) {
        if (last.get(state.name) !== state.status) changes.push({ at, name: state.name, status: state.status })
        last.set(state.name, state.status)
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  })()
  return {
    changes,
    /** When `name` was first seen with `status` (after `since`), or undefined. */
    firstAt(name: string, status: string, since = 0): number | undefined {
      return changes.find((change) => change.name === name && change.status === status && change.at >= since)?.at
    },
    async stop() {
      running = false
      await loop
    },
  }
}
