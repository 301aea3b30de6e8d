import { Kysely, PostgresDialect, sql } from 'kysely'
import { boundedPool } from './bounded-pool.js'
import { type Capabilities, detectCapabilities } from './capabilities.js'
import type { AcquireOptions, DataLock } from './data-lock.js'
import type { Database, Db } from './database.js'
import { type EngineName, openPglite, openPostgres } from './engines.js'
import { type ReplicaLog, ReplicaReader } from './replica-reader.js'

export interface DatabaseHandle {
  /** The primary: every write, and every read that must see the writes before it. */
  kysely: Db
  /**
   * Reads that may lag a moment behind the primary (tiles, OGC items, PostGIS lookups, region
   * boundaries, grids of past days): the read replica when DATABASE_REPLICA_URL is set (falling
   * back to the primary while it fails), otherwise the same instance as `kysely`.
   */
  reader: Db
  engine: EngineName
  capabilities: Capabilities
  /** PGlite in a data folder: this process's lock on it (released by close). */
  dataLock?: DataLock | undefined
  close(): Promise<void>
}

/** How long a PostgreSQL connection and statement may take (server/config.ts; PGlite ignores them). */
export interface ConnectionBounds {
  /** A new connection that is not up within this fails (DATABASE_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number | undefined
  /** A statement not answered within this fails and its connection is closed (DATABASE_QUERY_TIMEOUT_MS); null: unbounded. */
  queryTimeoutMs?: number | null | undefined
  /** Idle time before TCP keepalive probes start. */
  keepAliveDelayMs?: number | undefined
}

export interface OpenDatabaseOptions {
  /** postgres://… — real PostgreSQL + PostGIS. Without it the embedded PGlite engine is used. */
  databaseUrl?: string | undefined
  /** postgres://… of a streaming replica for lag-tolerant reads (PostgreSQL only). */
  replicaUrl?: string | undefined
  /** PGlite data directory; undefined keeps the database in memory. */
  dataDir?: string | undefined
  /** PostgreSQL only: schema search path (tests give each file its own schema). */
  searchPath?: string | undefined
  /** PGlite in a data folder: what the folder's lock says this process is, and where a takeover is logged. */
  lock?: AcquireOptions | undefined
  /** PostgreSQL only: connection and statement bounds; none given: no bound (the CLI's long work). */
  bounds?: ConnectionBounds | undefined
  /** Where replica outages are told (once per outage); default: the console. */
  log?: ReplicaLog | undefined
  /** How long a failed replica is skipped (default REPLICA_SKIP_MS; tests shorten it). */
  replicaSkipMs?: number | undefined
}

/** A replica skipped after a connection-type failure is tried again after this long. */
export const REPLICA_SKIP_MS = 5_000

// The PostgreSQL URL each open handle was made from, for parts that need a connection of their
// own to the same database (the lookup index's LISTEN client: always the primary's).
const connectionUrls = new WeakMap<Db, string>()

/** The postgres:// URL `db` was opened with; undefined on PGlite. */
export function connectionUrlOf(db: Db): string | undefined {
  return connectionUrls.get(db)
}

const consoleLog: ReplicaLog = { warn: (message) => console.warn(message), info: (message) => console.info(message) }

/** One Kysely instance over either engine, with PostGIS present and its capabilities known. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const engine: EngineName = options.databaseUrl ? 'postgres' : 'pglite'
  if (options.replicaUrl && !options.databaseUrl) throw new Error('a read replica needs PostgreSQL (DATABASE_URL); PGlite has none')
  // PostgreSQL needs no folder lock: it has its own locking.
  const pglite = options.databaseUrl ? null : await openPglite(options.dataDir, options.lock)
  const bounds = options.bounds ?? {}
  const postgresPool = (url: string) =>
    boundedPool(
      openPostgres(url, options.searchPath, { connectTimeoutMs: bounds.connectTimeoutMs, keepAliveDelayMs: bounds.keepAliveDelayMs }),
      bounds.queryTimeoutMs ?? null,
    )
  const pool = pglite ? pglite.pool : postgresPool(options.databaseUrl as string)
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  if (options.databaseUrl) connectionUrls.set(kysely, options.databaseUrl)
  const reader = options.replicaUrl
    ? new Kysely<Database>({
        dialect: new PostgresDialect({
          pool: new ReplicaReader({
            primary: pool,
            replica: postgresPool(options.replicaUrl),
            skipMs: options.replicaSkipMs ?? REPLICA_SKIP_MS,
            log: options.log ?? consoleLog,
          }),
        }),
      })
    : kysely
  const close = async () => {
    if (reader !== kysely) await reader.destroy()
    await kysely.destroy()
  }
  try {
    // PostGIS must exist before the capability check; the first migration also asks for it.
    await sql`CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public`.execute(kysely)
    const capabilities = await detectCapabilities(kysely)
    return { kysely, reader, engine, capabilities, ...(pglite?.lock ? { dataLock: pglite.lock } : {}), close }
  } catch (error) {
    await close()
    throw error
  }
}
