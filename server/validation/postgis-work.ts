import { type Kysely, type QueryResult, type RawBuilder, sql } from 'kysely'
import type { DatabaseHandle } from '../db/connect.js'
import type { Database } from '../db/database.js'
import type { EngineName } from '../db/engines.js'
import { AppError } from '../http/errors.js'
import { withQueryTimeout } from '../db/bounded-pool.js'
import { GEOMETRY_STATEMENT_TIMEOUT_MS } from '../http/limits.js'
import { Slices } from './slices.js'

// The PostGIS work of one request, as many short statements instead of a few long ones.
// - PGlite runs PostGIS on the server's own thread (WASM) and is one connection: a statement
//   blocks everything, and a transaction holds the connection until it ends (/health's SELECT 1
//   waits behind it). So there each statement is its own turn: before it the thread is handed
//   over (setImmediate, so sockets are read and waiting queries get the connection first), and
//   scratch tables are session temp tables with a unique name, dropped at the end.
//   statement_timeout is accepted by PGlite but never fires (measured: pg_sleep(2) and a 10 s
//   generate_series ran to the end with SET LOCAL statement_timeout = 100, and no JS timer ran
//   meanwhile); the statements are kept short by the vertex limits and chunking instead.
// - PostgreSQL runs the work in one transaction (one connection: temp tables ON COMMIT DROP)
//   with SET LOCAL statement_timeout, so no statement runs for minutes; a cancelled statement is
//   a 422 saying the geometry took too long.

export interface StatementRunner {
  run<R>(query: RawBuilder<R>): Promise<QueryResult<R>>
}

/** Statements straight on a database, one after another (command-line tools). */
export const directRunner = (db: Kysely<Database>): StatementRunner => ({ run: (query) => query.execute(db) })

let sequence = 0

export class PostgisWork implements StatementRunner {
  readonly tables: string[] = []

  constructor(
    private readonly db: Kysely<Database>,
    readonly engine: EngineName,
    readonly slices: Slices,
  ) {}

  async run<R>(query: RawBuilder<R>): Promise<QueryResult<R>> {
    if (this.engine === 'pglite') await this.slices.yield()
    else await this.slices.pause()
    return query.execute(this.db)
  }

  /** A scratch table of this request (`columns` as in CREATE TABLE), dropped when the work ends. */
  async scratch(stem: string, columns: RawBuilder<unknown>): Promise<RawBuilder<unknown>> {
    sequence = (sequence + 1) % 1_000_000_000
    const name = `${stem}_${sequence}`
    this.tables.push(name)
    const onCommit = this.engine === 'postgres' ? sql` ON COMMIT DROP` : sql``
    await this.run(sql`CREATE TEMP TABLE ${sql.table(name)} (${columns})${onCommit}`)
    return sql.table(name)
  }
}

/** How much longer than statement_timeout the client waits for a geometry statement's answer. */
const GEOMETRY_CLIENT_MARGIN_MS = 5_000

/** PostgreSQL's "canceling statement due to statement timeout". */
const isStatementTimeout = (error: unknown) => (error as { code?: unknown } | null)?.code === '57014'

/** Runs `work` as described above; `timeoutMs` only for tests. */
export async function withPostgisWork<T>(
  database: DatabaseHandle,
  work: (postgis: PostgisWork) => Promise<T>,
  options: { slices?: Slices; timeoutMs?: number } = {},
): Promise<T> {
  const slices = options.slices ?? new Slices()
  const timeoutMs = options.timeoutMs ?? GEOMETRY_STATEMENT_TIMEOUT_MS
  try {
    if (database.engine === 'postgres') {
      // The server cancels a statement at statement_timeout (a 422 here); the client-side bound
      // (DATABASE_QUERY_TIMEOUT_MS, a 503) is set just past it, so the server's answer comes first
      // whatever the setting, and a paused server still cannot hold the request much longer.
      return await withQueryTimeout(timeoutMs + GEOMETRY_CLIENT_MARGIN_MS, () =>
        database.kysely.transaction().execute(async (trx) => {
          await sql`SELECT set_config('statement_timeout', ${String(timeoutMs)}, true)`.execute(trx)
          return work(new PostgisWork(trx, 'postgres', slices))
        }),
      )
    }
    const postgis = new PostgisWork(database.kysely, 'pglite', slices)
    try {
      return await work(postgis)
    } finally {
      for (const name of postgis.tables) await sql`DROP TABLE IF EXISTS ${sql.table(name)}`.execute(database.kysely)
    }
  } catch (error) {
    if (isStatementTimeout(error)) throw new AppError(422, 'geometry_work_timeout', { seconds: timeoutMs / 1000 })
    throw error
  }
}
