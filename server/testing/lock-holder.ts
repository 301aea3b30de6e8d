import { DataFolderLockedError, acquireDataLock } from '../db/data-lock.js'

// A process that takes a data folder's lock, for the lock tests:
//   node --import tsx server/testing/lock-holder.ts <dataDir> [<start at, epoch ms>]
// Waits until the start time (so that several holders try at the same instant), tries once,
// prints one JSON line {"pid", "outcome": "won" | "refused", "reason"?} and keeps the lock until
// its stdin closes (or it is killed).

const [dataDir, startAt] = process.argv.slice(2)
if (!dataDir) {
  console.error('usage: lock-holder.ts <dataDir> [startAtEpochMs]')
  process.exit(2)
}
const at = Number(startAt ?? 0)
while (Date.now() < at - 20) await new Promise((resolve) => setTimeout(resolve, 10))
while (Date.now() < at) {
  // Spin the last milliseconds: the holders should collide, not take turns.
}

try {
  const lock = await acquireDataLock(dataDir, { command: 'lock-holder (test)', log: (message) => console.error(message) })
  console.log(JSON.stringify({ pid: process.pid, outcome: 'won' }))
  process.stdin.resume()
  process.stdin.on('end', () => {
    lock.release()
    process.exit(0)
  })
} catch (error) {
  if (!(error instanceof DataFolderLockedError)) throw error
  console.log(JSON.stringify({ pid: process.pid, outcome: 'refused', reason: error.reason }))
  process.exit(0)
}
