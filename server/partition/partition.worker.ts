import { parentPort } from 'node:worker_threads'
import { partition } from './partition.js'
import { type PartitionInput, PartitionInputError } from './types.js'

// The worker side of partition-thread.ts: runs partition() on what it is sent and posts the answer,
// the input's problems (a PartitionInputError), or any other failure as its stack.

parentPort?.on('message', ({ id, input }: { id: number; input: PartitionInput }) => {
  try {
    parentPort?.postMessage({ id, result: partition(input) })
  } catch (error) {
    if (error instanceof PartitionInputError) parentPort?.postMessage({ id, problems: error.problems })
    else parentPort?.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  }
})
