import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openTestDatabase } from '../testing/database.js'
import { runTsx } from '../testing/processes.js'
import { openDatabase } from './connect.js'
import { DataFolderLockedError, LOCK_FILE_NAME, type LockOwner, acquireDataLock, claimStaleFile } from './data-lock.js'
import { openPglite } from './engines.js'

// The data folder lock on real files and real processes: taken, refused, released; stale locks
// (a killed owner, a reused pid, a copied folder, a dead taker's guard) taken over; live owners
// and other hosts' locks never; several takers of one stale lock at once, one winner.

const roots: string[] = []
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

function newFolder(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gridwork-lock-'))
  roots.push(root)
  return path.join(root, 'data')
}

async function folderWithLock(): Promise<{ dir: string; file: string }> {
  const dir = newFolder()
  const lock = await acquireDataLock(dir, { command: 'setup' })
  lock.release()
  return { dir, file: path.join(dir, LOCK_FILE_NAME) }
}

const readOwner = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as LockOwner

/** The pid of a process that has exited (and been reaped). */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid as number

/** Writes a lock file as another process would have left it. */
function writeLock(file: string, changes: Partial<LockOwner>): string {
  const owner: LockOwner = {
    app: 'gridwork',
    pid: deadPid(),
    hostname: os.hostname(),
    bootId: null,
    startTime: null,
    command: 'scripts/import.ts grids.geojson --region 990101',
    url: null,
    folder: null,
    since: '2026-12-01T08:00:00.000Z',
    token: 'c0ffee',
    ...changes,
  }
  const text = `${JSON.stringify(owner, null, 2)}\n`
  writeFileSync(file, text)
  return text
}

async function refusal(dir: string): Promise<DataFolderLockedError> {
  const error = await acquireDataLock(dir, { command: 'second (test)' }).then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DataFolderLockedError)
  return error as DataFolderLockedError
}

const holder = (dir: string, startAt = 0) => runTsx('server/testing/lock-holder.ts', [dir, String(startAt)])
const outcomeOf = async (process: ReturnType<typeof holder>) =>
  JSON.parse((await process.waitForOutput(/\{"pid".*\}\n/, 'the outcome'))[0]) as { pid: number; outcome: string; reason?: string }

describe('data folder lock', () => {
  it('is taken with who, where and since when; a second taker is refused with what to do; release frees it', async () => {
    const dir = newFolder()
    const lock = await acquireDataLock(dir, { command: 'first (test)' })
    const file = path.join(dir, LOCK_FILE_NAME)
    const owner = readOwner(file)
    expect(owner).toMatchObject({ app: 'gridwork', pid: process.pid, hostname: os.hostname(), command: 'first (test)', url: null })
    expect(Date.parse(owner.since)).toBeGreaterThan(Date.now() - 60_000)
    if (process.platform === 'linux') expect(owner.startTime).toMatch(/^\d+$/)

    const refused = await refusal(dir)
    expect(refused.reason).toBe('running')
    expect(refused.message).toContain(
      `The data folder ${dir} is in use by another gridwork process (PGlite allows one process per data folder):`,
    )
    expect(refused.message).toContain(`  first (test) — pid ${process.pid} on host ${os.hostname()}, since ${owner.since}`)
    expect(refused.message).toContain(`  - stop that process (Ctrl-C in its terminal, or kill ${process.pid}), then run this again;`)
    expect(refused.message).toContain('  - or wait until it has finished, then run this again;')
    expect(refused.message).toContain('  - or set DATA_DIR to another folder for this command.')

    // A server names where it answers, so that others can use it instead.
    lock.describe('gridwork server (npm start) on port 8123', 'http://localhost:8123/')
    expect((await refusal(dir)).message).toContain(
      "  - or use the running server instead — web editor http://localhost:8123/, API http://localhost:8123/api/v1 — it is the folder's only writer while it runs (an import needs it stopped);",
    )
    expect(readOwner(file)).toMatchObject({ command: 'gridwork server (npm start) on port 8123', token: owner.token })

    lock.release()
    expect(existsSync(file)).toBe(false)
    const again = await acquireDataLock(dir)
    again.release()
  })

  it('takes over the lock of an owner killed with -9, and logs whom it took it from', { timeout: 60_000 }, async () => {
    const dir = newFolder()
    const killed = holder(dir)
    expect(await outcomeOf(killed)).toMatchObject({ outcome: 'won' })
    await killed.kill9()
    const file = path.join(dir, LOCK_FILE_NAME)
    const left = readOwner(file)
    expect(left.pid).toBe(killed.pid)

    const logged: string[] = []
    const lock = await acquireDataLock(dir, { command: 'after the crash', log: (message) => logged.push(message) })
    expect(logged).toEqual([
      `data folder ${dir}: taking over the lock left by pid ${killed.pid} on this host (lock-holder (test), since ${left.since}): that process is no longer running`,
    ])
    expect(readOwner(file)).toMatchObject({ pid: process.pid, command: 'after the crash' })
    lock.release()
  })

  it('never takes over the lock of a live owner; its own release frees the folder', { timeout: 60_000 }, async () => {
    const dir = newFolder()
    const live = holder(dir)
    expect(await outcomeOf(live)).toMatchObject({ outcome: 'won' })
    const file = path.join(dir, LOCK_FILE_NAME)
    const before = readFileSync(file, 'utf8')
    const refused = await refusal(dir)
    expect(refused.reason).toBe('running')
    expect(refused.message).toContain(`lock-holder (test) — pid ${live.pid} on host ${os.hostname()}`)
    expect(readFileSync(file, 'utf8')).toBe(before)
    live.child.stdin?.end()
    expect(await live.exited).toBe(0)
    expect(existsSync(file)).toBe(false)
  })

  it.skipIf(process.platform !== 'linux')('does not mistake a reused pid for the owner: the start time differs', async () => {
    const { dir, file } = await folderWithLock()
    // This pid is alive, but the process that took the lock started at another time.
    writeLock(file, { pid: process.pid, startTime: '1', command: 'old server' })
    const logged: string[] = []
    const lock = await acquireDataLock(dir, { log: (message) => logged.push(message) })
    expect(logged[0]).toContain(
      `taking over the lock left by pid ${process.pid} on this host (old server, since 2026-12-01T08:00:00.000Z): that process is no longer running (pid ${process.pid} now belongs to another process)`,
    )
    lock.release()
  })

  it('never takes over a lock from another host, and says so', async () => {
    const { dir, file } = await folderWithLock()
    const text = writeLock(file, { hostname: 'gis-02.example', pid: 4242, url: 'http://localhost:8080/' })
    const refused = await refusal(dir)
    expect(refused.reason).toBe('other_host')
    expect(refused.message).toBe(
      [
        `The data folder ${dir} is locked by a gridwork process on another host (PGlite allows one process per data folder):`,
        '  scripts/import.ts grids.geojson --region 990101 — pid 4242 on host gis-02.example, since 2026-12-01T08:00:00.000Z',
        `gridwork cannot tell from host ${os.hostname()} whether that process still runs, so it never takes this lock over by itself.`,
        'What to do:',
        '  - if it runs, stop it on gis-02.example, or use that server (http://localhost:8080/) instead;',
        `  - if it no longer runs (that host stopped, or the folder was copied from it), delete ${file} and run this again;`,
        '  - or set DATA_DIR to another folder for this command.',
      ].join('\n'),
    )
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  it('does not take a copied folder for the original: the copy opens, the original stays locked', async () => {
    const original = newFolder()
    const lock = await acquireDataLock(original, { command: 'server' })
    const copy = newFolder()
    cpSync(original, copy, { recursive: true })
    const logged: string[] = []
    const copyLock = await acquireDataLock(copy, { log: (message) => logged.push(message) })
    expect(logged[0]).toContain(`the lock file was copied along with the folder from ${original}`)
    expect((await refusal(original)).reason).toBe('running')
    copyLock.release()
    lock.release()
  })

  it('refuses an unreadable lock file and says what to do', async () => {
    const { dir, file } = await folderWithLock()
    writeFileSync(file, 'not json')
    const refused = await refusal(dir)
    expect(refused.reason).toBe('unreadable')
    expect(refused.message).toMatch(
      new RegExp(
        `^The data folder ${dir} cannot be opened: its lock file cannot be read \\(.*\\)\\.\nWhat to do:\n  - if no gridwork process uses this folder, delete ${file} and run this again;`,
      ),
    )
  })
})

describe('two takers of one stale lock', () => {
  it('the slower taker does not remove the lock the faster one took', async () => {
    const { dir, file } = await folderWithLock()
    const stale = writeLock(file, {})
    // Both saw the same stale text; the first takes the folder over…
    const first = await acquireDataLock(dir, { log: () => undefined })
    // …then the second, acting on what it saw, must find the lock changed and leave it alone.
    expect(claimStaleFile(file, stale)).toBe('changed')
    expect(readOwner(file).token).toBe(first.owner.token)
    expect((await refusal(dir)).reason).toBe('running')
    first.release()
  })

  it('a taker that died mid-takeover does not block the folder', async () => {
    const { dir, file } = await folderWithLock()
    const stale = writeLock(file, {})
    const guard = `${file}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`
    writeLock(guard, { command: 'taking over gridwork.lock', token: 'dead-taker' })
    const lock = await acquireDataLock(dir, { log: () => undefined })
    expect(existsSync(guard)).toBe(false)
    expect(readOwner(file).token).toBe(lock.owner.token)
    lock.release()
  })

  it('a taker that is alive is waited for, then the folder is refused as being taken over', async () => {
    const { dir, file } = await folderWithLock()
    const stale = writeLock(file, {})
    const guard = `${file}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`
    writeLock(guard, { pid: process.pid, command: 'taking over gridwork.lock' })
    const refused = await refusal(dir)
    expect(refused.reason).toBe('being_taken_over')
    expect(refused.message).toContain('cannot be opened: another process is taking its lock over right now.')
    expect(readFileSync(file, 'utf8')).toBe(stale)
  })

  it('of several processes taking over one stale lock at the same instant, exactly one wins', { timeout: 120_000 }, async () => {
    for (let round = 0; round < 2; round++) {
      const { dir, file } = await folderWithLock()
      writeLock(file, {})
      // Node + tsx start in ~0.5–2 s each on a busy 2-core machine; all try at one instant after that.
      const startAt = Date.now() + 5_000
      const takers = Array.from({ length: 4 }, () => holder(dir, startAt))
      const outcomes = await Promise.all(takers.map(outcomeOf))
      const winners = outcomes.filter((o) => o.outcome === 'won')
      expect(winners, JSON.stringify(outcomes)).toHaveLength(1)
      expect(outcomes.filter((o) => o.outcome === 'refused').map((o) => o.reason)).toEqual(['running', 'running', 'running'])
      expect(readOwner(file).pid).toBe(winners[0]?.pid)
      for (const taker of takers) taker.child.stdin?.end()
      await Promise.all(takers.map((taker) => taker.exited))
      // The stale lock was removed once, by one of them, who logged it.
      expect(takers.filter((taker) => taker.output().includes('taking over the lock left by pid'))).toHaveLength(1)
      expect(existsSync(file)).toBe(false)
    }
  })
})

describe('the engines', () => {
  it('PGlite in a data folder holds its lock while open, a second open is refused, close releases it; PostgreSQL takes none', async () => {
    const database = await openTestDatabase()
    try {
      if (process.env.DATABASE_URL) {
        expect(database.dataLock).toBeUndefined()
        return
      }
      const file = database.dataLock?.file as string
      expect(readOwner(file)).toMatchObject({ pid: process.pid })
      const second = await openDatabase({ dataDir: path.dirname(file) }).catch((error: unknown) => error)
      expect(second).toBeInstanceOf(DataFolderLockedError)
      expect(
        await database.kysely
          .selectFrom('grids')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .execute(),
      ).toEqual([{ n: 0 }])
      await database.close()
      expect(existsSync(file)).toBe(false)
    } finally {
      await database.close().catch(() => undefined)
    }
  })

  it.skipIf(Boolean(process.env.DATABASE_URL))('in-memory PGlite takes no lock', async () => {
    const { lock, pool } = await openPglite(undefined)
    expect(lock).toBeNull()
    await pool.end()
  })
})
