import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config.js'
import type { DatabaseHandle } from '../db/connect.js'
import { loadMiniCounty } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import { dumpFileName } from './dump.js'
import { readDump } from './dump-format.js'
import { DUMP_NAME, pruneDumps, scheduleBackups, startScheduledBackups } from './scheduler.js'

// The server's scheduled backups on a real database (the engine of the run), with an interval of
// a fraction of a second: dumps appear whole under their names, only the newest BACKUP_KEEP stay,
// a temporary file left by a crash is removed once stale, and each step is logged.

let database: DatabaseHandle
const folders: string[] = []
const newFolder = () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'gridwork-scheduled-'))
  folders.push(folder)
  return folder
}

beforeAll(async () => {
  database = await openTestDatabase()
  await loadMiniCounty(database)
})
afterAll(async () => {
  await database?.close()
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

function recordingLog() {
  const lines: { level: 'info' | 'error'; message: string; details: Record<string, unknown> }[] = []
  return {
    lines,
    info: (details: object, message: string) => lines.push({ level: 'info', message, details: details as Record<string, unknown> }),
    error: (details: object, message: string) => lines.push({ level: 'error', message, details: details as Record<string, unknown> }),
    written: () => lines.filter((line) => line.message === 'backup written'),
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (condition()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('scheduled backups', () => {
  it('writes a dump every interval, keeps the newest BACKUP_KEEP, removes stale temporary files, logs each', async () => {
    const dir = newFolder()
    // Left from earlier: an old dump, a temporary file of a process that died a day ago, and one being written now.
    const old = dumpFileName(new Date('2020-01-01T00:00:00Z'))
    writeFileSync(path.join(dir, old), 'old')
    const stale = `.${old}.4242.partial`
    writeFileSync(path.join(dir, stale), 'half')
    const dayAgo = (Date.now() - 25 * 3600_000) / 1000
    utimesSync(path.join(dir, stale), dayAgo, dayAgo)
    const fresh = `.${dumpFileName()}.4343.partial`
    writeFileSync(path.join(dir, fresh), 'being written')

    const log = recordingLog()
    const schedule = startScheduledBackups(database, { dir, intervalMs: 200, keep: 2, firstDelayMs: 0 }, log)
    await until(() => log.written().length >= 4, 'four backups')
    await schedule.stop()

    const written = log.written().map((line) => path.basename(line.details.file as string))
    const left = readdirSync(dir).sort()
    const dumps = left.filter((name) => DUMP_NAME.test(name))
    expect(dumps).toEqual(written.slice(-2).sort())
    expect(left).toEqual([fresh, ...dumps].sort())
    const removed = log.lines.filter((line) => line.message === 'older backups removed').flatMap((line) => line.details.removed as string[])
    expect(removed).toEqual(expect.arrayContaining([old, stale, ...written.slice(0, -2)]))
    expect(log.lines.filter((line) => line.level === 'error')).toEqual([])
    for (const line of log.written()) {
      expect(line.details).toMatchObject({ tables: expect.any(Number), schema: expect.any(String) })
      expect(line.details.bytes).toBeGreaterThan(0)
    }
    for (const name of dumps) expect((await readDump(path.join(dir, name))).tables.find((t) => t.name === 'grids')?.rows).toBe(4)
  })

  it('continues from the newest dump in the folder: a restart does not write another one before the interval is over', async () => {
    const dir = newFolder()
    const recent = dumpFileName(new Date())
    writeFileSync(path.join(dir, recent), 'recent')
    const log = recordingLog()
    const schedule = startScheduledBackups(database, { dir, intervalMs: 3600_000, keep: 7, firstDelayMs: 0 }, log)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await schedule.stop()
    expect(log.written()).toEqual([])
    expect(readdirSync(dir)).toEqual([recent])
  })

  it('prunes by the time in the name: a second dump within the same second counts as the newer', async () => {
    const dir = newFolder()
    for (const name of [
      'gridwork-20261201-010000.gwdump',
      'gridwork-20261201-010000-2.gwdump',
      'gridwork-20261130-235959.gwdump',
      'notes.txt',
    ]) {
      writeFileSync(path.join(dir, name), '')
    }
    expect(await pruneDumps(dir, 1)).toEqual(['gridwork-20261201-010000.gwdump', 'gridwork-20261130-235959.gwdump'])
    expect(readdirSync(dir).sort()).toEqual(['gridwork-20261201-010000-2.gwdump', 'notes.txt'])
  })

  it('is on by default on the embedded engine (<DATA_DIR>/backups, every 24 h, keep 7), off on PostgreSQL without BACKUP_DIR', () => {
    const embedded = loadConfig({ DATA_DIR: '/srv/gridwork/data' })
    expect(embedded).toMatchObject({ backupDir: '/srv/gridwork/data/backups', backupIntervalMs: 24 * 3600_000, backupKeep: 7 })
    const postgres = loadConfig({ DATABASE_URL: 'postgres://u@h/db' })
    expect(postgres.backupDir).toBeNull()
    expect(
      loadConfig({ DATABASE_URL: 'postgres://u@h/db', BACKUP_DIR: '/backups', BACKUP_INTERVAL_HOURS: '6', BACKUP_KEEP: '30' }),
    ).toMatchObject({
      backupDir: '/backups',
      backupIntervalMs: 6 * 3600_000,
      backupKeep: 30,
    })
    expect(loadConfig({ BACKUP_INTERVAL_HOURS: '0' }).backupIntervalMs).toBe(0)
    expect(loadConfig({ BACKUP_INTERVAL_HOURS: '0.5' }).backupIntervalMs).toBe(1800_000)

    const log = recordingLog()
    expect(scheduleBackups(database, postgres, log)).toBeNull()
    expect(scheduleBackups(database, { ...embedded, backupIntervalMs: 0 }, log)).toBeNull()
    expect(log.lines.map((line) => line.message)).toEqual([
      'scheduled backups off (set BACKUP_DIR to have them on PostgreSQL)',
      'scheduled backups off (BACKUP_INTERVAL_HOURS=0)',
    ])
  })

  it('refuses bad settings at start, with the other configuration problems', () => {
    const file = path.join(newFolder(), 'a-file')
    writeFileSync(file, '')
    let message = ''
    try {
      loadConfig({ BACKUP_DIR: file, BACKUP_INTERVAL_HOURS: 'daily', BACKUP_KEEP: '0', PORT: '-1' })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message.split('\n')).toEqual([
      'Configuration problems:',
      '- PORT must be 0–65535, got "-1"',
      `- BACKUP_DIR must be a folder, got a file: ${file}`,
      '- BACKUP_INTERVAL_HOURS must be a number of hours from 0 (no scheduled backups) to 8760, got "daily"',
      '- BACKUP_KEEP must be a whole number of backups to keep, at least 1, got "0"',
    ])
    for (const bad of ['-1', '9000', 'Infinity']) {
      expect(() => loadConfig({ BACKUP_INTERVAL_HOURS: bad })).toThrow(
        `BACKUP_INTERVAL_HOURS must be a number of hours from 0 (no scheduled backups) to 8760, got "${bad}"`,
      )
    }
    for (const bad of ['2.5', 'all', '-3']) {
      expect(() => loadConfig({ BACKUP_KEEP: bad })).toThrow(
        `BACKUP_KEEP must be a whole number of backups to keep, at least 1, got "${bad}"`,
      )
    }
  })
})
