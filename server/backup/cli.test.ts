import { copyFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/connect.js'
import { DATA_FOLDER_LOCKED_EXIT_CODE } from '../db/data-lock.js'
import { seedDemoUsers } from '../auth/demo-users.js'
import { loadMiniCounty } from '../testing/app.js'
import { copyOfTemplate, runTsx, type ServerProcess, startServer, stubWebDir } from '../testing/processes.js'
import { DUMP_NAME } from './scheduler.js'

// npm run backup / restore as real processes on PGlite data folders, next to a real server that
// holds its folder and writes scheduled backups (BACKUP_INTERVAL_HOURS of about a second).
// Embedded engine only (the folder lock is PGlite's); PostgreSQL targets: move-to-postgres.test.ts.

const folders: string[] = []
let dataDir = ''
let webDir = ''
let server: ServerProcess
const env = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: '',
  DATA_DIR: dataDir,
  NODE_ENV: 'production',
  JWT_SECRET: 'k'.repeat(40),
  WEB_DIR: webDir,
  BACKUP_INTERVAL_HOURS: '0.0003',
  BACKUP_KEEP: '2',
  ...extra,
})
const backupsOf = (folder: string) => readdirSync(path.join(folder, 'backups')).filter((name) => DUMP_NAME.test(name))
const count = (text: string, what: string) => text.split(what).length - 1

async function newDataFolder(): Promise<string> {
  const folder = await copyOfTemplate('gridwork-backup-cli-')
  folders.push(path.dirname(folder))
  return folder
}

describe.skipIf(Boolean(process.env.DATABASE_URL))('npm run backup and npm run restore', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    dataDir = await newDataFolder()
    webDir = stubWebDir()
    folders.push(webDir)
    const database = await openDatabase({ dataDir })
    await seedDemoUsers(database.kysely, 'demo')
    await loadMiniCounty(database)
    await database.close()
    server = await startServer(dataDir, env())
  }, 240_000)
  afterAll(async () => {
    await server?.kill9()
    for (const folder of folders) rmSync(folder, { recursive: true, force: true })
  })

  it('the running server writes scheduled backups; the CLIs refuse its folder (exit 75) and point at those backups', async () => {
    for (let i = 0; i < 600 && count(server.output(), '"msg":"backup written"') < 3; i++) await new Promise((r) => setTimeout(r, 100))
    expect(count(server.output(), '"msg":"backup written"')).toBeGreaterThanOrEqual(3)
    expect(server.output()).toContain('"msg":"scheduled backups on"')

    const port = new URL(server.baseUrl).port
    const held = `The data folder ${dataDir} is held by the running gridwork server (gridwork server (npm start) on port ${port}, pid ${server.pid}, http://localhost:${port}/, since `
    const backup = runTsx('scripts/backup.ts', [], env())
    expect(await backup.exited, backup.output()).toBe(DATA_FOLDER_LOCKED_EXIT_CODE)
    expect(backup.output()).toContain(`${held}`)
    expect(backup.output()).toContain(
      `); a backup cannot open it while the server runs.\nThe server writes its own backups: every 0.0003 hours into ${dataDir}/backups, keeping the newest 2 (BACKUP_DIR, BACKUP_INTERVAL_HOURS, BACKUP_KEEP) — use the newest of those, or stop the server and run npm run backup again.\n`,
    )
    // A copy of the newest: the server prunes its own every second or so.
    const copy = path.join(path.dirname(dataDir), 'copy.gwdump')
    for (let copied = false; !copied; ) {
      try {
        copyFileSync(path.join(dataDir, 'backups', backupsOf(dataDir).sort().pop() as string), copy)
        copied = true
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
    const restore = runTsx('scripts/restore.ts', [copy], env())
    expect(await restore.exited, restore.output()).toBe(DATA_FOLDER_LOCKED_EXIT_CODE)
    expect(restore.output()).toContain('); a restore needs the folder to itself.\nStop the server, then run npm run restore again.\n')
    for (const run of [backup, restore]) expect(run.output()).not.toMatch(/\n\s+at /)
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200)

    // Stopping waits for a backup in progress; the newest two are kept.
    expect(await server.stop()).toBe(0)
    expect(backupsOf(dataDir)).toHaveLength(2)
    expect(readdirSync(path.join(dataDir, 'backups')).filter((name) => name.endsWith('.partial'))).toEqual([])
  })

  it('once the server has stopped: backup writes a dump, restore restores it and refuses a folder that holds data', async () => {
    const out = path.join(path.dirname(dataDir), 'out')
    const backup = runTsx('scripts/backup.ts', ['--out', `${out}/`], env())
    expect(await backup.exited, backup.output()).toBe(0)
    const file = backup.output().match(/backup written: (\S+)/)?.[1] as string
    expect(path.dirname(file)).toBe(out)
    expect(path.basename(file)).toMatch(DUMP_NAME)
    expect(backup.output()).toMatch(/grids +4 rows +md5 [0-9a-f]{32}/)

    const target = await newDataFolder()
    const restore = runTsx('scripts/restore.ts', [file], env({ DATA_DIR: target }))
    expect(await restore.exited, restore.output()).toBe(0)
    expect(restore.output()).toMatch(/restored \d+ tables, \d+ rows in [\d.]+ s; every count and checksum matches the dump:/)
    expect(restore.output()).toMatch(/ grids +4 rows +count and checksum match/)

    const again = runTsx('scripts/restore.ts', [file], env({ DATA_DIR: target }))
    expect(await again.exited).toBe(1)
    expect(again.output()).toMatch(
      /The target database already holds data \(.*grids: 4 rows.*\)\. A restore writes only into an empty database: use an empty one, or run again with --replace to replace everything in it \(in one transaction: all or nothing\)\. Nothing was written\.\n$/,
    )
    const replace = runTsx('scripts/restore.ts', [file, '--replace'], env({ DATA_DIR: target }))
    expect(await replace.exited, replace.output()).toBe(0)

    const notADump = path.join(out, 'notes.txt')
    writeFileSync(notADump, 'hello\n')
    const refused = runTsx('scripts/restore.ts', [notADump], env({ DATA_DIR: target }))
    expect(await refused.exited).toBe(1)
    expect(refused.output()).toBe(`${notADump} is not a gridwork dump (it is not a gzip file). Nothing was restored.\n`)

    const nothing = path.join(path.dirname(dataDir), 'no-such-folder')
    const empty = runTsx('scripts/backup.ts', [], env({ DATA_DIR: nothing }))
    expect(await empty.exited).toBe(1)
    expect(empty.output()).toBe(
      `There is no gridwork database in ${nothing} (set DATA_DIR to the data folder, or DATABASE_URL for PostgreSQL).\n`,
    )
    for (const run of [again, refused, empty]) expect(run.output()).not.toMatch(/\n\s+at /)
  })
})
