import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../config.js'
import type { DatabaseHandle } from '../db/connect.js'
import { newDumpPath, writeDump } from './dump.js'

// The server's scheduled backups: a dump every `intervalMs` into `dir` (dump.ts writes it under a
// temporary name, syncs and renames it, so a crash never leaves a half file that looks whole),
// then only the newest `keep` dumps are kept. The schedule continues from the newest dump already
// in the folder, so restarting the server does not postpone the next backup; an overdue one is
// written ten minutes after start (not at once: start-up and first use come first). One backup
// at a time; a failed one is logged and tried again at the next turn. On PGlite the server does
// not answer while a dump runs (the dump's transaction holds its one connection).

export interface BackupSchedule {
  dir: string
  intervalMs: number
  keep: number
  /** Delay of an overdue first backup after start (default 10 min, at most the interval). */
  firstDelayMs?: number
}

export interface BackupLog {
  info(details: object, message: string): void
  error(details: object, message: string): void
}

export interface ScheduledBackups {
  /** Stops the schedule and waits for a backup in progress. */
  stop(): Promise<void>
}

/** Names of the dumps a schedule keeps and prunes (also those `npm run backup` writes there). */
export const DUMP_NAME = /^gridwork-\d{8}-\d{6}(-\d+)?\.gwdump$/
const PARTIAL_NAME = /^\.gridwork-.*\.partial$/
/** A temporary file this old is left over from a process that died while writing it. */
const STALE_PARTIAL_MS = 24 * 3600_000
/** setTimeout's longest delay; longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** The server's wiring: starts the schedule the configuration asks for, or says that there is none. */
export function scheduleBackups(
  database: DatabaseHandle,
  config: Pick<Config, 'backupDir' | 'backupIntervalMs' | 'backupKeep'>,
  log: BackupLog,
): ScheduledBackups | null {
  const { backupDir: dir, backupIntervalMs: intervalMs, backupKeep: keep } = config
  if (!dir || intervalMs === 0) {
    log.info(
      {},
      dir ? 'scheduled backups off (BACKUP_INTERVAL_HOURS=0)' : 'scheduled backups off (set BACKUP_DIR to have them on PostgreSQL)',
    )
    return null
  }
  log.info({ dir, everyHours: intervalMs / 3600_000, keep }, 'scheduled backups on')
  return startScheduledBackups(database, { dir, intervalMs, keep }, log)
}

export function startScheduledBackups(database: DatabaseHandle, schedule: BackupSchedule, log: BackupLog): ScheduledBackups {
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> | null = null
  let stopped = false

  const wait = (dueAt: number) => {
    if (stopped) return
    const delay = Math.max(0, dueAt - Date.now())
    timer = setTimeout(() => (delay > MAX_TIMER_MS ? wait(dueAt) : void runOnce()), Math.min(delay, MAX_TIMER_MS))
    timer.unref()
  }
  const runOnce = async () => {
    running = backUp(database, schedule, log)
    await running
    running = null
    wait(Date.now() + schedule.intervalMs)
  }

  void (async () => {
    try {
      await mkdir(schedule.dir, { recursive: true })
      const newest = await newestDumpTime(schedule.dir)
      const firstDelay = Math.min(schedule.firstDelayMs ?? 600_000, schedule.intervalMs)
      wait(Math.max(newest === null ? 0 : newest + schedule.intervalMs, Date.now() + firstDelay))
    } catch (error) {
      log.error({ dir: schedule.dir, error: (error as Error).message }, 'scheduled backups cannot use their folder; none will be written')
    }
  })()

  return {
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await running
    },
  }
}

async function backUp(database: DatabaseHandle, schedule: BackupSchedule, log: BackupLog): Promise<void> {
  try {
    const { file, bytes, ms, manifest } = await writeDump(database, newDumpPath(schedule.dir))
    const rows = manifest.tables.reduce((sum, table) => sum + table.rows, 0)
    log.info({ file, bytes, ms, tables: manifest.tables.length, rows, schema: manifest.schemaVersion }, 'backup written')
    const removed = await pruneDumps(schedule.dir, schedule.keep)
    if (removed.length > 0) log.info({ removed, keep: schedule.keep }, 'older backups removed')
  } catch (error) {
    log.error({ dir: schedule.dir, error: (error as Error).message }, 'scheduled backup failed; trying again at the next turn')
  }
}

/** Keeps the newest `keep` dumps of `dir` (by their names, which sort by time) and removes stale temporary files; returns what it removed. */
export async function pruneDumps(dir: string, keep: number): Promise<string[]> {
  const names = await readdir(dir)
  const dumps = names
    .filter((name) => DUMP_NAME.test(name))
    .sort(byTimeThenNumber)
    .reverse()
  const removed: string[] = []
  for (const name of dumps.slice(keep)) {
    await rm(path.join(dir, name), { force: true })
    removed.push(name)
  }
  for (const name of names.filter((name) => PARTIAL_NAME.test(name))) {
    const file = path.join(dir, name)
    const info = await stat(file).catch(() => null)
    if (info && Date.now() - info.mtimeMs > STALE_PARTIAL_MS) {
      await rm(file, { force: true })
      removed.push(name)
    }
  }
  return removed
}

/** gridwork-20261210-031500.gwdump < …-031500-2.gwdump < …-031501.gwdump */
function byTimeThenNumber(a: string, b: string): number {
  const key = (name: string) => {
    const match = /^gridwork-(\d{8}-\d{6})(?:-(\d+))?/.exec(name)
    return [match?.[1] ?? '', Number(match?.[2] ?? 1)] as const
  }
  const [ta, na] = key(a)
  const [tb, nb] = key(b)
  return ta === tb ? na - nb : ta < tb ? -1 : 1
}

/** When the newest dump in `dir` was written (from its name, UTC), or null when there is none. */
async function newestDumpTime(dir: string): Promise<number | null> {
  const dumps = (await readdir(dir)).filter((name) => DUMP_NAME.test(name)).sort(byTimeThenNumber)
  const newest = dumps[dumps.length - 1]
  const match = newest && /^gridwork-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(newest)
  if (!match) return null
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[]
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s)
}
