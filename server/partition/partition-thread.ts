import { Worker } from 'node:worker_threads'
import { type PartitionInput, PartitionInputError, type PartitionInputProblem, type PartitionResult } from './types.js'

// partition() off the server's thread. It is pure JS and synchronous, up to ~2 s for 5,000 units
// (a time budget bounds the improvement rounds, not the seeds), and the server is one thread that
// must keep answering (server/http/limits.ts). One worker thread, started on first use and kept;
// jobs queue in it in order. Idle, it does not keep the process alive.

interface Job {
  resolve: (result: PartitionResult) => void
  reject: (error: Error) => void
}

type Reply = { id: number; result: PartitionResult } | { id: number; problems: PartitionInputProblem[] } | { id: number; error: string }

const WORKER_FILE = new URL(`./partition.worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href
// The server runs TypeScript through tsx, which a worker does not inherit: it registers it first.
const BOOTSTRAP = WORKER_FILE.endsWith('.ts')
  ? `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_FILE)}) })`
  : `import(${JSON.stringify(WORKER_FILE)})`

let worker: Worker | null = null
const jobs = new Map<number, Job>()
let nextId = 1

function started(): Worker {
  if (worker) return worker
  const thread = new Worker(BOOTSTRAP, { eval: true })
  const fail = (error: Error) => {
    if (worker === thread) worker = null
    for (const job of jobs.values()) job.reject(error)
    jobs.clear()
  }
  thread.on('message', (reply: Reply) => {
    const job = jobs.get(reply.id)
    if (!job) return
    jobs.delete(reply.id)
    if (jobs.size === 0) thread.unref()
    if ('result' in reply) job.resolve(reply.result)
    else if ('problems' in reply) job.reject(new PartitionInputError(reply.problems))
    else job.reject(new Error(`partition worker: ${reply.error}`))
  })
  thread.on('error', fail)
  thread.on('exit', (code) => fail(new Error(`partition worker exited with code ${code}`)))
  worker = thread
  return thread
}

/** partition(input) in the worker thread: the same answer, the same errors. */
export function partitionInThread(input: PartitionInput): Promise<PartitionResult> {
  const thread = started()
  const id = nextId++
  return new Promise((resolve, reject) => {
    jobs.set(id, { resolve, reject })
    // Held while a job is out, so a command line waiting on it does not exit.
    thread.ref()
    thread.postMessage({ id, input })
  })
}
