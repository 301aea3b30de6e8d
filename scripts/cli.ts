import { parseArgs } from 'node:util'
import { type DatabaseHandle, openDatabase } from '../server/db/connect.js'
import { migrateToLatest } from '../server/db/migrate.js'
import { loadConfig } from '../server/config.js'

// Shared by the command-line scripts: open the configured engine (DATABASE_URL, or PGlite in
// DATA_DIR / ./data), bring the schema up to date, run, close, and fail loudly with exit code 1.

export async function withDatabase<T>(work: (database: DatabaseHandle, applied: string[]) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    const applied = await migrateToLatest(database.kysely)
    return await work(database, applied)
  } finally {
    await database.close()
  }
}

export function runScript(main: () => Promise<number | undefined>): void {
  main()
    .then((code) => process.exit(code ?? 0))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error)
      process.exit(1)
    })
}

export { parseArgs }
