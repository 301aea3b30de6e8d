import { Worker } from 'node:worker_threads'

// Load through HAProxy from a worker thread (cluster/harness/load-worker.mjs), so the test's own
// thread — which kills nodes, restarts PostgreSQL and writes — never delays a measured request.
// Each stream is `loops` keep-alive request loops paced to `ratePerSecond` in all; a request
// taking longer than the pace delays only its own loop.

export interface LoadStream {
  kind: string
  ratePerSecond: number
  loops: number
  method?: 'GET' | 'POST'
  /** Paths (with query) taken in turn. */
  paths: string[]
  headers?: Record<string, string>
  body?: string
  /** A request not answered within this many ms is counted as status -1 and abandoned. */
  timeoutMs?: number
}

export interface StreamResult {
  kind: string
  /** Per request: when it started (epoch ms), how long it took (ms), its status (0 = connection error, -1 = timeout). */
  starts: Float64Array
  ms: Float32Array
  status: Int16Array
}

export interface Failure {
  kind: string
  path: string
  start: number
  end: number
  status: number
  detail: string
}

export interface LoadResult {
  results: StreamResult[]
  /** Every request not answered 2xx (the first 2,000). */
  failures: Failure[]
  failureCount: number
}

export interface RunningLoad {
  /** Ends the loops (each finishes its request in flight) and resolves with what they saw. */
  stop(): Promise<LoadResult>
  /** Resolves when the run's duration is over. */
  done: Promise<LoadResult>
}

export function startLoad(baseUrl: string, streams: LoadStream[], durationMs: number): RunningLoad {
  const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), {
    workerData: {
      baseUrl,
      durationMs,
      streams: streams.map((stream) => ({ method: 'GET', headers: {}, timeoutMs: 30_000, ...stream })),
    },
  })
  const done = new Promise<LoadResult>((resolve, reject) => {
    worker.once('message', (message: LoadResult) => {
      resolve(message)
      void worker.terminate()
    })
    worker.once('error', reject)
  })
  return {
    done,
    stop() {
      worker.postMessage('stop')
      return done
    },
  }
}

/** The p-th percentile (0–100) of the values, nearest rank. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

/** Requests of a stream that started in [from, to), their latencies and statuses. */
export function window(result: StreamResult, from = 0, to = Number.POSITIVE_INFINITY) {
  const ms: number[] = []
  const statuses = new Map<number, number>()
  for (let i = 0; i < result.starts.length; i++) {
    const start = result.starts[i] as number
    if (start < from || start >= to) continue
    ms.push(result.ms[i] as number)
    const status = result.status[i] as number
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
  }
  const count = (test: (status: number) => boolean) => [...statuses].filter(([status]) => test(status)).reduce((sum, [, n]) => sum + n, 0)
  return {
    requests: ms.length,
    ms,
    statuses: Object.fromEntries(statuses),
    ok: count((status) => status >= 200 && status < 300),
    /** 5xx, connection errors and timeouts. */
    failed: count((status) => status >= 500 || status <= 0),
  }
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits
