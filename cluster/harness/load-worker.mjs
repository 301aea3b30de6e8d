// The load generator's thread (cluster/harness/load.ts starts it): paced request loops over
// keep-alive connections, each request's start, duration and status kept in typed arrays, the
// first bytes of every answer that is not 2xx kept for the report. Plain JavaScript, so that a
// worker thread runs it without a TypeScript loader.
import http from 'node:http'
import { parentPort, workerData } from 'node:worker_threads'

const { baseUrl, durationMs, streams } = workerData
const origin = new URL(baseUrl)
let running = true
parentPort.on('message', (message) => {
  if (message === 'stop') running = false
})

const now = () => performance.timeOrigin + performance.now()
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

class Series {
  constructor() {
    this.n = 0
    this.starts = new Float64Array(4096)
    this.ms = new Float32Array(4096)
    this.status = new Int16Array(4096)
  }
  push(start, ms, status) {
    if (this.n === this.starts.length) {
      for (const key of ['starts', 'ms', 'status']) {
        const grown = new this[key].constructor(this.n * 2)
        grown.set(this[key])
        this[key] = grown
      }
    }
    this.starts[this.n] = start
    this.ms[this.n] = ms
    this.status[this.n] = status
    this.n++
  }
}

/** One request; resolves with [status, detail]: status 0 = connection error, -1 = no answer in time. */
function send(agent, stream, path) {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: origin.hostname,
        port: origin.port,
        path,
        method: stream.method,
        agent,
        headers: { ...stream.headers, ...(stream.body ? { 'content-length': Buffer.byteLength(stream.body) } : {}) },
        timeout: stream.timeoutMs,
      },
      (response) => {
        const ok = response.statusCode >= 200 && response.statusCode < 300
        let detail = ''
        response.on('data', (chunk) => {
          if (!ok && detail.length < 300) detail += chunk
        })
        response.on('end', () => {
          const retryAfter = response.headers['retry-after']
          resolve([response.statusCode, ok ? '' : `${retryAfter ? `retry-after ${retryAfter} ` : ''}${detail.slice(0, 300)}`])
        })
        response.on('error', (error) => resolve([0, error.message]))
      },
    )
    request.on('timeout', () => {
      request.destroy()
      resolve([-1, `no answer within ${stream.timeoutMs} ms`])
    })
    request.on('error', (error) => resolve([0, error.message]))
    request.end(stream.body)
  })
}

async function runStream(stream, series, failures) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: stream.loops })
  const intervalMs = (1000 * stream.loops) / stream.ratePerSecond
  const endAt = now() + durationMs
  let counter = 0
  const loop = async (offset) => {
    let next = now() + offset
    while (running && now() < endAt) {
      const wait = next - now()
      if (wait > 0) await sleep(wait)
      if (!running) break
      const path = stream.paths[counter++ % stream.paths.length]
      const start = now()
      const [status, detail] = await send(agent, stream, path)
      const end = now()
      series.push(start, end - start, status)
      if (status < 200 || status >= 300) failures.push({ kind: stream.kind, path, start, end, status, detail })
      next += intervalMs
      // After a stall, resume the pace instead of bursting to catch up.
      if (now() - next > 1000) next = now()
    }
  }
  await Promise.all(Array.from({ length: stream.loops }, (_, i) => loop((i * intervalMs) / stream.loops)))
  agent.destroy()
}

const series = streams.map(() => new Series())
const failures = []
await Promise.all(streams.map((stream, i) => runStream(stream, series[i], failures)))
const results = streams.map((stream, i) => {
  const s = series[i]
  return { kind: stream.kind, starts: s.starts.slice(0, s.n), ms: s.ms.slice(0, s.n), status: s.status.slice(0, s.n) }
})
parentPort.postMessage(
  { results, failures: failures.slice(0, 2000), failureCount: failures.length },
  results.flatMap((r) => [r.starts.buffer, r.ms.buffer, r.status.buffer]),
)
