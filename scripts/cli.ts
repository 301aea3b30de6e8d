import { parseArgs } from 'node:util'
import { type DatabaseHandle, openDatabase } from '../server/db/connect.js'
import { DATA_FOLDER_LOCKED_EXIT_CODE, DataFolderLockedError } from '../server/db/data-lock.js'
import { migrateToLatest } from '../server/db/migrate.js'
import { loadConfig } from '../server/config.js'

// Shared by the command-line scripts: open the configured engine (DATABASE_URL, or PGlite in
// DATA_DIR / ./data), bring the schema up to date, run, close, and fail loudly with exit code 1.
// A PGlite data folder is opened only while no other process has it (server/db/data-lock.ts);
// otherwise the script stops with exit code 75 and a message naming that process.

export async function withDatabase<T>(work: (database: DatabaseHandle, applied: string[]) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  // Ctrl-C or kill: exit through process.exit, which releases the folder's lock on the way
  // (an unfinished transaction is rolled back when the folder is next opened).
  const interrupted = (signal: NodeJS.Signals) => {
    console.error(`stopped by ${signal}`)
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.on('SIGINT', interrupted)
  process.on('SIGTERM', interrupted)
  try {
    const applied = await migrateToLatest(database.kysely)
    return await work(database, applied)
  } finally {
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
    await database.close()
  }
}

export function runScript(main: () => Promise<number | undefined>): void {
  main()
    .then((code) => process.exit(code ?? 0))
    .catch((error: unknown) => {
      if (exitIfDataFolderLocked(error)) return
      console.error(error instanceof Error ? (error.stack ?? error.message) : error)
      process.exit(1)
    })
}

/** Prints the refusal of a locked data folder (no stack trace) and exits with its code. */
export function exitIfDataFolderLocked(error: unknown): boolean {
  if (!(error instanceof DataFolderLockedError)) return false
  console.error(error.message)
  process.exit(DATA_FOLDER_LOCKED_EXIT_CODE)
}

export { parseArgs }
