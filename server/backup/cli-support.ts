import { existsSync } from 'node:fs'
import path from 'node:path'
import type { Config } from '../config.js'
import { type DatabaseHandle, openDatabase } from '../db/connect.js'
import { DATA_FOLDER_LOCKED_EXIT_CODE, DataFolderLockedError } from '../db/data-lock.js'
import { UncarriableTableError } from './catalog.js'
import { NothingToDumpError } from './dump.js'
import { RestoreRefusal } from './dump-format.js'
import type { TableVerdict } from './restore.js'

// What `npm run backup`, `restore` and `move-to-postgres` share: opening the embedded data folder
// with a sentence fit for each when the running server holds it, and turning refusals into plain
// sentences and exit codes (no stack traces for a person's mistake).

/** A refusal of the command line: its sentence and exit code. */
export class CliRefusal extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

export type Purpose = 'backup' | 'restore' | 'move-to-postgres'

/** Whether `dataDir` holds an embedded database (PGlite writes PG_VERSION when it creates one). */
export const holdsEmbeddedDatabase = (dataDir: string) => existsSync(path.join(dataDir, 'PG_VERSION'))

/** Opens the embedded data folder for `purpose`, or refuses in a sentence when another process holds it. */
export async function openDataFolder(dataDir: string, purpose: Purpose, config: Config): Promise<DatabaseHandle> {
  try {
    return await openDatabase({ dataDir, lock: { command: `gridwork ${purpose} (npm run ${purpose})` } })
  } catch (error) {
    if (!(error instanceof DataFolderLockedError) || error.reason !== 'running' || !error.owner) throw error
    const owner = `${error.owner.command}, pid ${error.owner.pid}${error.owner.url ? `, ${error.owner.url}` : ''}, since ${error.owner.since}`
    const what = {
      backup: [
        `The data folder ${error.dataDir} is held by the running gridwork server (${owner}); a backup cannot open it while the server runs.`,
        config.backupDir && config.backupIntervalMs > 0
          ? `The server writes its own backups: every ${config.backupIntervalMs / 3600_000} hours into ${config.backupDir}, keeping the newest ${config.backupKeep} (BACKUP_DIR, BACKUP_INTERVAL_HOURS, BACKUP_KEEP) — use the newest of those, or stop the server and run npm run backup again.`
          : 'The server writes backups on a schedule when BACKUP_INTERVAL_HOURS is above 0 (now off): turn that on, or stop the server and run npm run backup again.',
      ],
      restore: [
        `The data folder ${error.dataDir} is held by the running gridwork server (${owner}); a restore needs the folder to itself.`,
        'Stop the server, then run npm run restore again.',
      ],
      'move-to-postgres': [
        `The data folder ${error.dataDir} is held by the running gridwork server (${owner}); the move copies the folder while nothing changes it.`,
        'Stop the server, then run npm run move-to-postgres again.',
      ],
    }[purpose]
    throw new CliRefusal(what.join('\n'), DATA_FOLDER_LOCKED_EXIT_CODE)
  }
}

/** Runs a command's main; refusals print their sentence (no stack) and exit with their code. */
export function runCli(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof CliRefusal) {
        console.error(error.message)
        process.exit(error.exitCode)
      }
      if (error instanceof DataFolderLockedError) {
        console.error(error.message)
        process.exit(DATA_FOLDER_LOCKED_EXIT_CODE)
      }
      if (error instanceof RestoreRefusal || error instanceof NothingToDumpError || error instanceof UncarriableTableError) {
        console.error(error.message)
        process.exit(1)
      }
      console.error(`${name} failed:`, error instanceof Error ? (error.stack ?? error.message) : error)
      process.exit(1)
    },
  )
}

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** One line per table: rows, and whether count and checksum agree. */
export function verdictLines(verdicts: TableVerdict[]): string[] {
  const width = Math.max(...verdicts.map((verdict) => verdict.table.length))
  return verdicts.map(
    (verdict) =>
      `  ${verdict.table.padEnd(width)}  ${String(verdict.rows).padStart(9)} rows  ${verdict.ok ? 'count and checksum match' : `MISMATCH (expected ${verdict.expectedRows} rows, checksum ${verdict.expectedChecksum})`}`,
  )
}
