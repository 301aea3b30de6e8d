import { AsyncLocalStorage } from 'node:async_hooks'
import type { PostgresPool, PostgresPoolClient } from 'kysely'
import type pg from 'pg'
import { isDatabaseUnavailable, QueryTimeoutError } from './unavailable.js'

// PostgreSQL's pool as Kysely sees it, with a client-side bound on every statement: a database
// that is paused, partitioned or silent (no RST, no FIN: TCP keepalive takes minutes to notice)
// would otherwise hold a request — and its pooled connection — for ever. A statement that outlives
// the bound fails with QueryTimeoutError (503 database_unavailable) and its connection is
// destroyed, not returned to the pool: the server may still answer the old statement later, and
// that answer must not reach the next one. A transaction whose connection is destroyed is rolled
// back by PostgreSQL when it sees the connection go. Work that may legitimately run longer
// (migrations, the lookup index's read, geometry under its own statement_timeout) sets its own
// bound with withQueryTimeout.

const scopedTimeout = new AsyncLocalStorage<number | null>()

/**
 * Runs `work` with every statement it sends bounded by `ms` instead of the pool's setting
 * (null: unbounded). Applies to the statements sent from `work`'s async context.
 */
export function withQueryTimeout<T>(ms: number | null, work: () => Promise<T>): Promise<T> {
  return scopedTimeout.run(ms, work)
}

type PgClient = pg.PoolClient & { connection?: { stream?: { destroy(): void } } }

/** `pool` for Kysely, each statement bounded by `queryTimeoutMs` (null: unbounded) unless withQueryTimeout says otherwise. */
export function boundedPool(pool: pg.Pool, queryTimeoutMs: number | null): PostgresPool {
  const limitNow = () => {
    const scoped = scopedTimeout.getStore()
    return scoped === undefined ? queryTimeoutMs : scoped
  }
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = (await pool.connect()) as PgClient
      // Set once the connection is known to be unusable: later statements (Kysely's ROLLBACK)
      // fail at once with the same error, and release() destroys the connection.
      let broken: Error | null = null
      const run = (text: string, params: readonly unknown[] | undefined) =>
        client.query(text, params as unknown[] | undefined).catch((error: unknown) => {
          if (isDatabaseUnavailable(error)) broken ??= error as Error
          throw error
        })
      const wrapped = {
        query(text: unknown, params?: readonly unknown[]) {
          // Cursors (Kysely's streaming) pass through; gridwork does not stream.
          if (typeof text !== 'string') return client.query(text as pg.Submittable)
          if (broken) return Promise.reject(broken)
          const limit = limitNow()
          if (limit === null) return run(text, params)
          return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
              broken = new QueryTimeoutError(limit)
              reject(broken)
              // pg then fails the statement with "Connection terminated" (ignored: already answered).
              client.connection?.stream?.destroy()
            }, limit)
            run(text, params).then(
              (result) => {
                clearTimeout(timer)
                resolve(result)
              },
              (error: unknown) => {
                clearTimeout(timer)
                reject(error)
              },
            )
          })
        },
        release(destroy?: boolean) {
          client.release(broken ?? destroy === true)
        },
      }
      return wrapped as PostgresPoolClient
    },
    end: () => pool.end(),
  }
}
