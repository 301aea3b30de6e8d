import { Kysely, PostgresDialect, sql } from 'kysely'
import { type Capabilities, detectCapabilities } from './capabilities.js'
import type { AcquireOptions, DataLock } from './data-lock.js'
import type { Database, Db } from './database.js'
import { type EngineName, openPglite, openPostgres } from './engines.js'

export interface DatabaseHandle {
  kysely: Db
  engine: EngineName
  capabilities: Capabilities
  /** PGlite in a data folder: this process's lock on it (released by close). */
  dataLock?: DataLock | undefined
  close(): Promise<void>
}

export interface OpenDatabaseOptions {
  /** postgres://… — real PostgreSQL + PostGIS. Without it the embedded PGlite engine is used. */
  databaseUrl?: string | undefined
  /** PGlite data directory; undefined keeps the database in memory. */
  dataDir?: string | undefined
  /** PostgreSQL only: schema search path (tests give each file its own schema). */
  searchPath?: string | undefined
  /** PGlite in a data folder: what the folder's lock says this process is, and where a takeover is logged. */
  lock?: AcquireOptions | undefined
}

// The PostgreSQL URL each open handle was made from, for parts that need a connection of their
// own to the same database (the lookup index's LISTEN client).
const connectionUrls = new WeakMap<Db, string>()

/** The postgres:// URL `db` was opened with; undefined on PGlite. */
export function connectionUrlOf(db: Db): string | undefined {
  return connectionUrls.get(db)
}

/** One Kysely instance over either engine, with PostGIS present and its capabilities known. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const engine: EngineName = options.databaseUrl ? 'postgres' : 'pglite'
  // PostgreSQL needs no folder lock: it has its own locking.
  const pglite = options.databaseUrl ? null : await openPglite(options.dataDir, options.lock)
  const pool = pglite ? pglite.pool : openPostgres(options.databaseUrl as string, options.searchPath)
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  if (options.databaseUrl) connectionUrls.set(kysely, options.databaseUrl)
  try {
    // PostGIS must exist before the capability check; the first migration also asks for it.
    await sql`CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public`.execute(kysely)
    const capabilities = await detectCapabilities(kysely)
    return { kysely, engine, capabilities, ...(pglite?.lock ? { dataLock: pglite.lock } : {}), close: () => kysely.destroy() }
  } catch (error) {
    await kysely.destroy()
    throw error
  }
}
