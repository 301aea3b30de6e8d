import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import type { PostgresPool, PostgresPoolClient } from 'kysely'
import pg from 'pg'
import { type AcquireOptions, type DataLock, acquireDataLock } from './data-lock.js'
import { postgisForGridwork } from './postgis-bundle.js'

// Both engines are handed to Kysely's own PostgresDialect as a "pool". For PGlite that is a
// small adapter: PGlite is one connection, so a mutex hands it to one caller at a time, from
// connect() to release() — which also keeps a transaction's statements together.

export type EngineName = 'pglite' | 'postgres'

type Command = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE' | 'COMMIT' | 'ROLLBACK'

const INT8 = 20
const NUMERIC = 1700
const DATE = 1082
// Same JS values on both engines: counts as numbers, dates as 'YYYY-MM-DD' (never shifted by the
// server's time zone), timestamps as Date.
const parseInteger = (value: string) => Number(value)
const keepDateText = (value: string) => value

/**
 * PGlite in memory, or in `dataDir` — then only while this process holds the folder's lock
 * (see data-lock.ts): a second process on the same folder would corrupt it.
 */
export async function openPglite(
  dataDir: string | undefined,
  lockOptions: AcquireOptions = {},
): Promise<{ pool: PostgresPool; pglite: PGlite; lock: DataLock | null }> {
  let lock: DataLock | null = null
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true })
    lock = await acquireDataLock(dataDir, lockOptions)
  }
  let pglite: PGlite
  try {
    pglite = await PGlite.create({
      ...(dataDir ? { dataDir } : {}),
      extensions: { postgis: postgisForGridwork },
      parsers: { [INT8]: parseInteger, [NUMERIC]: parseInteger, [DATE]: keepDateText },
    })
  } catch (error) {
    lock?.release()
    throw error
  }
  let queue: Promise<void> = Promise.resolve()
  const pool: PostgresPool = {
    async connect() {
      let release!: () => void
      const turn = new Promise<void>((resolve) => {
        release = resolve
      })
      const previous = queue
      queue = queue.then(() => turn)
      await previous
      let released = false
      // Only the (text, params) form of query is implemented: Kysely's streaming cursors are not
      // used by gridwork.
      const client = {
        async query(text: string, params?: readonly unknown[]) {
          const result = await pglite.query(text, params as unknown[] | undefined)
          return {
            rows: result.rows,
            rowCount: result.affectedRows ?? 0,
            // Kysely reads the affected-row count only for INSERT/UPDATE/DELETE/MERGE.
            command: (text.trimStart().split(/\s/, 1)[0]?.toUpperCase() ?? 'SELECT') as Command,
          }
        },
        release() {
          if (released) return
          released = true
          release()
        },
      }
      return client as PostgresPoolClient
    },
    async end() {
      await queue
      try {
        await pglite.close()
      } finally {
        lock?.release()
      }
    },
  }
  return { pool, pglite, lock }
}

export interface PostgresPoolSettings {
  /** A new connection that is not up within this fails (pool connectionTimeoutMillis); 0: wait for ever. */
  connectTimeoutMs?: number | undefined
  /** Idle time before TCP keepalive probes start on each connection (ms); 0: no keepalive. */
  keepAliveDelayMs?: number | undefined
}

export function openPostgres(databaseUrl: string, searchPath?: string, settings: PostgresPoolSettings = {}): pg.Pool {
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8 || oid === NUMERIC) return parseInteger
      if (oid === DATE) return keepDateText
      return pg.types.getTypeParser(oid, format)
    },
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    types: types as pg.CustomTypesConfig,
    connectionTimeoutMillis: settings.connectTimeoutMs ?? 0,
    ...(settings.keepAliveDelayMs ? { keepAlive: true, keepAliveInitialDelayMillis: settings.keepAliveDelayMs } : {}),
    ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}),
  })
  // A connection the server drops (restart, pg_terminate_backend) emits 'error' on its client,
  // also while checked out by Kysely; without a listener Node would crash the process. The
  // query in flight fails on its own (its transaction is rolled back by the server) and the
  // pool replaces the connection.
  const lost = (error: Error) => console.error(`PostgreSQL connection lost: ${error.message}`)
  pool.on('error', lost)
  pool.on('connect', (client) => client.on('error', lost))
  return pool
}
