import { Kysely, PostgresDialect, sql } from 'kysely'
import { type Capabilities, detectCapabilities } from './capabilities.js'
import type { Database, Db } from './database.js'
import { type EngineName, openPglite, openPostgres } from './engines.js'

export interface DatabaseHandle {
  kysely: Db
  engine: EngineName
  capabilities: Capabilities
  close(): Promise<void>
}

export interface OpenDatabaseOptions {
  /** postgres://… — real PostgreSQL + PostGIS. Without it the embedded PGlite engine is used. */
  databaseUrl?: string | undefined
  /** PGlite data directory; undefined keeps the database in memory. */
  dataDir?: string | undefined
  /** PostgreSQL only: schema search path (tests give each file its own schema). */
  searchPath?: string | undefined
}

/** One Kysely instance over either engine, with PostGIS present and its capabilities known. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const engine: EngineName = options.databaseUrl ? 'postgres' : 'pglite'
  const pool = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.searchPath)
    : (await openPglite(options.dataDir)).pool
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  try {
    // PostGIS must exist before the capability check; the first migration also asks for it.
    await sql`CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public`.execute(kysely)
    const capabilities = await detectCapabilities(kysely)
    return { kysely, engine, capabilities, close: () => kysely.destroy() }
  } catch (error) {
    await kysely.destroy()
    throw error
  }
}
