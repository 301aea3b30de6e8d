import { Worker } from 'node:worker_threads'

// Polls /health from a worker thread, so what it measures is the server's responsiveness, not the
// test's own event loop (the test builds and sends hostile requests on the main thread, and a
// large body there would delay a poller running beside it). Times are epoch milliseconds so the
// test can name the requests that were in flight when a poll was slow.

export interface HealthPoll {
  at: number
  ms: number
  status: number | string
}

export interface HealthPollResult {
  polls: number
  slowestMs: number
  /** Polls slower than the bound or not answered 200. */
  slow: HealthPoll[]
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { url, intervalMs, boundMs } = workerData
let polling = true
parentPort.on('message', () => { polling = false })
;(async () => {
  let polls = 0, slowestMs = 0
  const slow = []
  while (polling) {
    const at = Date.now()
    const started = performance.now()
    const status = await fetch(url, { signal: AbortSignal.timeout(10000) }).then((r) => r.status, (e) => e.message)
    const ms = performance.now() - started
    polls++
    slowestMs = Math.max(slowestMs, ms)
    if (status !== 200 || ms > boundMs) slow.push({ at, ms: Math.round(ms), status })
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  parentPort.postMessage({ polls, slowestMs: Math.round(slowestMs), slow })
})()
`

/** Starts polling `url` every `intervalMs`; `stop()` ends it and gives what it saw. */
export function pollHealth(url: string, options: { intervalMs: number; boundMs: number }): { stop(): Promise<HealthPollResult> } {
  const worker = new Worker(WORKER, { eval: true, workerData: { url, ...options } })
  const result = new Promise<HealthPollResult>((resolve, reject) => {
    worker.once('message', (message: HealthPollResult) => {
      resolve(message)
      void worker.terminate()
    })
    worker.once('error', reject)
  })
  return {
    stop() {
      worker.postMessage('stop')
      return result
    },
  }
}
