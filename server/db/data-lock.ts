import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

// One process per embedded (PGlite) data folder. PGlite has no multi-process safety: two
// processes on one folder corrupt it. The first process to open a folder writes
// <folder>/gridwork.lock naming itself; any other process is refused with a message naming the
// owner, until the owner releases the lock (on close or exit) or is known to be gone.
//
// - The lock file is created complete or not at all: written to a private file, then hard-linked
//   to its name (link(2) fails if the name exists, like O_EXCL), so a reader never sees it half
//   written.
// - A lock is stale when its owner is gone: same host, and the pid is not running, or runs a
//   different process (its start time differs: pid reuse), or the host has rebooted since, or the
//   lock file was copied along with the folder. A lock from another host is never taken over.
// - Removing a stale lock is guarded so that two takers never both win: only the holder of
//   `<lock>.takeover-<hash of the stale text>` (created exclusively) may delete the lock, and only
//   while its text is still that stale text. A guard left by a taker that died is itself stale
//   and removed the same way, one level up.

export const LOCK_FILE_NAME = 'gridwork.lock'
/** Exit code of a process refused because the folder is locked (EX_TEMPFAIL: try again later). */
export const DATA_FOLDER_LOCKED_EXIT_CODE = 75

export interface LockOwner {
  app: 'gridwork'
  pid: number
  hostname: string
  /** Linux: /proc/sys/kernel/random/boot_id, to tell a reboot. */
  bootId: string | null
  /** Linux: field 22 of /proc/<pid>/stat (clock ticks after boot), to tell pid reuse. */
  startTime: string | null
  /** What the owner is doing, e.g. "gridwork server (npm start) on port 8080". */
  command: string
  /** Where a running server answers, so that others can use it instead. */
  url: string | null
  /** The locked folder as the owner saw it: a copy of the folder carries a copy of the lock. */
  folder: { path: string; dev: number; ino: number } | null
  /** When the lock was taken (ISO 8601). */
  since: string
  /** Unique per lock, so that release never removes another owner's lock. */
  token: string
}

export type LockRefusal = 'running' | 'other_host' | 'unreadable' | 'being_taken_over'

export class DataFolderLockedError extends Error {
  constructor(
    readonly reason: LockRefusal,
    readonly dataDir: string,
    readonly lockFile: string,
    readonly owner: LockOwner | null,
    detail = '',
  ) {
    super(refusalMessage(reason, dataDir, lockFile, owner, detail))
    this.name = 'DataFolderLockedError'
  }
}

export interface DataLock {
  readonly file: string
  readonly owner: LockOwner
  /** Rewrites what the lock says this process is doing (e.g. the server's port once it listens). */
  describe(command: string, url?: string | null): void
  /** Removes the lock file if it is still this lock's; idempotent. */
  release(): void
}

export interface AcquireOptions {
  /** What this process is doing; default: the script and its arguments. */
  command?: string | undefined
  /** Where the takeover of a stale lock is reported; default: stderr. */
  log?: ((message: string) => void) | undefined
}

const ATTEMPTS = 60
const RETRY_MS = 50

/** Takes the folder's lock or throws DataFolderLockedError naming the process that holds it. */
export async function acquireDataLock(dataDir: string, options: AcquireOptions = {}): Promise<DataLock> {
  const folder = path.resolve(dataDir)
  mkdirSync(folder, { recursive: true })
  const file = path.join(folder, LOCK_FILE_NAME)
  const log = options.log ?? ((message: string) => console.error(message))
  let owner = newOwner(options.command ?? commandOfThisProcess(), null, folderIdentity(folder))
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (createExclusive(file, serialise(owner))) return hold(file, owner)
    const seen = readLockFile(file)
    if (seen === null) continue // released meanwhile
    if (!seen.owner) throw new DataFolderLockedError('unreadable', folder, file, null, seen.problem)
    const verdict = judgeOwner(seen.owner, folder)
    if (verdict.state === 'alive') throw new DataFolderLockedError('running', folder, file, seen.owner)
    if (verdict.state === 'other_host') throw new DataFolderLockedError('other_host', folder, file, seen.owner)
    const claim = claimStaleFile(file, seen.text)
    // Logged by the one process that removes it (which then creates its own, unless another
    // process that found no lock at all was quicker).
    if (claim === 'removed') log(takeoverMessage(folder, seen.owner, verdict.why))
    if (claim === 'busy') await sleep(RETRY_MS)
    owner = { ...owner, since: new Date().toISOString() }
  }
  throw new DataFolderLockedError('being_taken_over', folder, file, null)
}

/**
 * Deletes `target` if its text is still `expectedText` (judged stale by the caller), guarded so
 * that of several processes doing this at once exactly one deletes it. 'changed': the file is no
 * longer that text (another taker was first); 'busy': a live process is taking it over now.
 */
export function claimStaleFile(target: string, expectedText: string, depth = 0): 'removed' | 'changed' | 'busy' {
  if (depth > 4) return 'busy'
  const guard = `${target}.takeover-${createHash('sha256').update(expectedText).digest('hex').slice(0, 16)}`
  const me = serialise(newOwner(`taking over ${path.basename(target)}`, null, null))
  let holding = false
  for (let attempt = 0; attempt < 5 && !holding; attempt++) {
    holding = createExclusive(guard, me)
    if (holding) break
    const taker = readLockFile(guard)
    if (taker === null) continue
    if (taker.owner && judgeOwner(taker.owner, null).state !== 'dead') return 'busy'
    // The taker died mid-takeover (or its guard is unreadable): remove its guard, then retry.
    if (claimStaleFile(guard, taker.text, depth + 1) === 'busy') return 'busy'
  }
  if (!holding) return 'busy'
  try {
    // Only a holder of this guard deletes `target` while it has this text, so the check and the
    // unlink below cannot be split by another taker.
    if (readText(target) !== expectedText) return 'changed'
    unlinkSync(target)
    return 'removed'
  } finally {
    rmSync(guard, { force: true })
  }
}

type Verdict = { state: 'alive' } | { state: 'other_host' } | { state: 'dead'; why: string }

/** Whether the owner of a lock still holds it. `folder`: the folder being opened (null: any). */
export function judgeOwner(owner: LockOwner, folder: string | null): Verdict {
  if (owner.hostname !== os.hostname()) return { state: 'other_host' }
  const bootId = readBootId()
  if (owner.bootId && bootId && owner.bootId !== bootId) return { state: 'dead', why: 'the host has restarted since' }
  if (folder && owner.folder) {
    const here = folderIdentity(folder)
    if (here && (here.dev !== owner.folder.dev || here.ino !== owner.folder.ino)) {
      return { state: 'dead', why: `the lock file was copied along with the folder from ${owner.folder.path}` }
    }
  }
  const running = processInfo(owner.pid)
  if (running === 'gone') return { state: 'dead', why: 'that process is no longer running' }
  if (running && owner.startTime && running.startTime !== owner.startTime) {
    return { state: 'dead', why: `that process is no longer running (pid ${owner.pid} now belongs to another process)` }
  }
  return { state: 'alive' }
}

function hold(file: string, initial: LockOwner): DataLock {
  let owner = initial
  let released = false
  const lock: DataLock = {
    file,
    get owner() {
      return owner
    },
    describe(command, url = null) {
      if (released) return
      owner = { ...owner, command, url }
      // rename(2) replaces the file in one step: readers see the old text or the new.
      const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
      writeDurably(temporary, serialise(owner))
      renameSync(temporary, file)
    },
    release() {
      if (released) return
      released = true
      held.delete(lock)
      try {
        if (readLockFile(file)?.owner?.token === owner.token) unlinkSync(file)
      } catch {
        // Already gone: nothing to release.
      }
    },
  }
  held.add(lock)
  return lock
}

// Locks still held when the process exits (process.exit, end of the event loop) are released.
const held = new Set<DataLock>()
process.on('exit', () => {
  for (const lock of held) lock.release()
})

function newOwner(command: string, url: string | null, folder: LockOwner['folder']): LockOwner {
  return {
    app: 'gridwork',
    pid: process.pid,
    hostname: os.hostname(),
    bootId: readBootId(),
    startTime: (() => {
      const self = processInfo(process.pid)
      return self && self !== 'gone' ? self.startTime : null
    })(),
    command,
    url,
    folder,
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  }
}

function commandOfThisProcess(): string {
  const script = process.argv[1] ? path.relative(process.cwd(), process.argv[1]) : 'node'
  return [script, ...process.argv.slice(2)].join(' ')
}

const serialise = (owner: LockOwner) => `${JSON.stringify(owner, null, 2)}\n`

/** Creates `file` with `text`, complete, unless it exists. */
function createExclusive(file: string, text: string): boolean {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  writeDurably(temporary, text)
  try {
    linkSync(temporary, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    unlinkSync(temporary)
  }
}

function writeDurably(file: string, text: string): void {
  const fd = openSync(file, 'wx')
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/** The lock file's text and owner; null when there is no file. */
function readLockFile(file: string): { text: string; owner: LockOwner | null; problem: string } | null {
  const text = readText(file)
  if (text === null) return null
  try {
    const owner = JSON.parse(text) as LockOwner
    if (owner?.app === 'gridwork' && Number.isInteger(owner.pid) && typeof owner.hostname === 'string') return { text, owner, problem: '' }
    return { text, owner: null, problem: 'not a gridwork lock' }
  } catch (error) {
    return { text, owner: null, problem: (error as Error).message }
  }
}

function folderIdentity(folder: string): LockOwner['folder'] {
  try {
    const stat = statSync(folder)
    return { path: folder, dev: stat.dev, ino: stat.ino }
  } catch {
    return null
  }
}

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return null
  }
}

/** 'gone' when no such process runs (zombies count as gone); null when it runs but /proc is unavailable. */
function processInfo(pid: number): { startTime: string } | 'gone' | null {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return 'gone'
  }
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  if (fields[0] === 'Z' || fields[0] === 'X') return 'gone'
  return { startTime: fields[19] ?? '' }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function describeOwner(owner: LockOwner): string {
  return `${owner.command} — pid ${owner.pid} on host ${owner.hostname}, since ${owner.since}`
}

function takeoverMessage(folder: string, owner: LockOwner, why: string): string {
  return `data folder ${folder}: taking over the lock left by pid ${owner.pid} on this host (${owner.command}, since ${owner.since}): ${why}`
}

function refusalMessage(reason: LockRefusal, folder: string, file: string, owner: LockOwner | null, detail: string): string {
  const one = 'PGlite allows one process per data folder'
  const elsewhere = '  - or set DATA_DIR to another folder for this command.'
  if (reason === 'unreadable' || !owner) {
    const why = reason === 'unreadable' ? `its lock file cannot be read (${detail})` : 'another process is taking its lock over right now'
    return [
      `The data folder ${folder} cannot be opened: ${why}.`,
      'What to do:',
      `  - if no gridwork process uses this folder, delete ${file} and run this again;`,
      elsewhere,
    ].join('\n')
  }
  if (reason === 'other_host') {
    return [
      `The data folder ${folder} is locked by a gridwork process on another host (${one}):`,
      `  ${describeOwner(owner)}`,
      `gridwork cannot tell from host ${os.hostname()} whether that process still runs, so it never takes this lock over by itself.`,
      'What to do:',
      `  - if it runs, stop it on ${owner.hostname}${owner.url ? `, or use that server (${owner.url}) instead` : ''};`,
      `  - if it no longer runs (that host stopped, or the folder was copied from it), delete ${file} and run this again;`,
      elsewhere,
    ].join('\n')
  }
  return [
    `The data folder ${folder} is in use by another gridwork process (${one}):`,
    `  ${describeOwner(owner)}`,
    'What to do:',
    `  - stop that process (Ctrl-C in its terminal, or kill ${owner.pid}), then run this again;`,
    owner.url
      ? `  - or use the running server instead — web editor ${owner.url}, API ${owner.url}api/v1 — it is the folder's only writer while it runs (an import needs it stopped);`
      : '  - or wait until it has finished, then run this again;',
    elsewhere,
    `(lock file: ${file})`,
  ].join('\n')
}
