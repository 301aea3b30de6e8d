import type { FastifyInstance } from 'fastify'
import { type Kysely, sql } from 'kysely'
import pg from 'pg'
import { withQueryTimeout } from '../../db/bounded-pool.js'
import { connectionUrlOf, type DatabaseHandle } from '../../db/connect.js'
import type { Database } from '../../db/database.js'
import { announcerId, GRIDS_CHANGED_CHANNEL, onGridsChanged } from '../../grids/grid-events.js'
import type { GridIndex } from './grid-index.js'
import { GridIndexBuilder } from './grid-index-builder.js'
import type { IndexedGrid } from './indexed-grid.js'
import { addWkb } from './wkb.js'

// Holds the current grid index of this process. It is built at start and rebuilt when grids
// change: build the new one, then swap the reference, so lookups never wait and use the old
// index while a rebuild runs. A started holder rebuilds on the "grids changed" event of its
// database (server/grids/grid-events.ts) in this process; on PostgreSQL it also LISTENs on a
// dedicated client for NOTIFY gridwork_grids_changed from other processes (API nodes, the CLI's
// seed and import). PGlite is one process, so the event is all it needs.
// The app's holder is `app.gridIndex` (registerGridIndex); the CLI builds its own.
//
// The index is always read from, and the LISTEN client always connects to, the primary (never the
// read replica): a node must not build from a replica that has not replayed the change a NOTIFY
// announced. The LISTEN client is checked with a heartbeat and reconnects within
// LISTEN_RETRY_MAX_MS after the primary comes back (a restart, a failover behind the same
// address), then rebuilds, since notifications sent meanwhile were lost. A failed build is
// retried after BUILD_RETRY_MS, so a node that started, or was notified, while the database was
// away catches up on its own.

/** The LISTEN client's reconnect delays: from the first, doubling, up to the last. */
export const LISTEN_RETRY_FIRST_MS = 250
export const LISTEN_RETRY_MAX_MS = 2_000
/** How often the LISTEN client proves its connection, and how long the proof may take. */
export const LISTEN_HEARTBEAT_MS = 5_000
const LISTEN_HEARTBEAT_TIMEOUT_MS = 2_000
/** A failed build is tried again after this long. */
export const BUILD_RETRY_MS = 5_000
/**
 * The index's read of every grid in force (one statement) may take longer than a request's
 * statement (DATABASE_QUERY_TIMEOUT_MS) on a large province; it is still bounded, so a paused
 * database cannot hold a rebuild — and the tiles waiting for it — for ever.
 */
export const INDEX_READ_TIMEOUT_MS = 10 * 60_000

declare module 'fastify' {
  interface FastifyInstance {
    /** The grid index lookups answer from; follows grid changes; closed with the app. */
    gridIndex: IndexHolder
  }
}

/**
 * Starts the app's grid index (before the routes are registered), as `app.gridIndex`; with
 * `wait` the first build is finished when this resolves, otherwise it runs on while the app
 * starts (lookups use PostGIS and /health/ready answers 503 until it is built).
 */
export async function registerGridIndex(app: FastifyInstance, database: DatabaseHandle, { wait = true } = {}): Promise<void> {
  const holder = new IndexHolder(database.kysely, { engine: database.engine, databaseUrl: connectionUrlOf(database.kysely), log: app.log })
  const built = holder.start()
  if (wait) await built
  app.decorate('gridIndex', holder)
  app.addHook('onClose', async () => {
    await holder.close()
  })
}

export interface RegionLink {
  code: string
  name: string
  level: number
}

/** What a feature of the OGC grids collection carries besides the lookup's fields, per grid of the index. */
export interface GridRecord {
  parent_code: string | null
  population: number | null
  count_date: string | null
  valid_from: string
  valid_to: string | null
  version: number
  /** attributes.grid_head as stored (the lookup's `grid_head` is trimmed, empty as null). */
  grid_head: unknown
}

export interface LoadedIndex {
  index: GridIndex
  /** Per grid of `index` (same position): the rest of its row, for OGC items written from the index. */
  records: GridRecord[]
  /** The database's current_date when built: the day whose grids the index holds. */
  day: string
  /** Region chain (the region itself first, up to the province) by region code. */
  chains: Map<string, RegionLink[]>
  buildMs: number
}

export interface HolderLog {
  info(object: object, message: string): void
  error(object: object, message: string): void
}

export interface IndexHolderOptions {
  engine: 'pglite' | 'postgres'
  /** PostgreSQL only: where the LISTEN client connects (defaults to the URL `db` was opened with): the primary. */
  databaseUrl?: string | undefined
  log?: HolderLog | undefined
}

export class IndexHolder {
  private loaded: LoadedIndex | null = null
  private building: Promise<void> | null = null
  private again = false
  private listener: pg.Client | null = null
  private reconnect: NodeJS.Timeout | null = null
  private listenRetryMs = LISTEN_RETRY_FIRST_MS
  private heartbeat: NodeJS.Timeout | null = null
  private retryBuild: NodeJS.Timeout | null = null
  private closed = false
  private unsubscribe: (() => void) | null = null
  /** When the index's day ends (local midnight after the build): a lookup after it starts a rebuild. */
  private staleAt = Number.POSITIVE_INFINITY
  lastError: unknown = null

  constructor(
    readonly db: Kysely<Database>,
    private readonly options: IndexHolderOptions,
  ) {}

  /** What readiness needs to know: built (an index to answer from), a build under way, the last failure. */
  status(): { built: boolean; building: boolean; lastError: unknown } {
    return { built: this.loaded !== null, building: this.building !== null, lastError: this.lastError }
  }

  /** Subscribes to grid changes, starts the first build and (PostgreSQL) the LISTEN client. */
  start(): Promise<void> {
    this.unsubscribe ??= onGridsChanged(this.db, () => this.rebuild())
    if (this.options.engine === 'postgres') void this.listen()
    return this.rebuild()
  }

  /** The index to answer from, or null until the first build finished (then use PostGIS). */
  current(): LoadedIndex | null {
    if (Date.now() >= this.staleAt && !this.building) void this.rebuild()
    return this.loaded
  }

  /** current() when it answers for `asOf` (absent: today), else null — then PostGIS answers. */
  currentFor(asOf: string | undefined): LoadedIndex | null {
    const loaded = this.current()
    return loaded !== null && (asOf === undefined || asOf === loaded.day) ? loaded : null
  }

  /** Rebuilds now, or once more after the build in progress; resolves when the index is current. */
  rebuild(): Promise<void> {
    if (this.closed) return Promise.resolve()
    if (this.building) {
      this.again = true
      return this.building
    }
    this.building = (async () => {
      try {
        do {
          this.again = false
          try {
            const next = await withQueryTimeout(INDEX_READ_TIMEOUT_MS, () => loadIndex(this.db))
            this.loaded = next
            const midnight = new Date()
            midnight.setHours(24, 0, 0, 0)
            this.staleAt = midnight.getTime()
            this.lastError = null
            this.options.log?.info({ grids: next.index.size, parts: next.index.partCount, ms: next.buildMs }, 'lookup index built')
          } catch (error) {
            this.lastError = error
            if (!this.closed) this.options.log?.error({ err: error }, 'lookup index build failed; lookups use PostGIS')
          }
        } while (this.again && !this.closed)
      } finally {
        this.building = null
      }
      if (this.lastError !== null && !this.closed && !this.retryBuild) {
        this.retryBuild = setTimeout(() => {
          this.retryBuild = null
          void this.rebuild()
        }, BUILD_RETRY_MS)
        this.retryBuild.unref()
      }
    })()
    return this.building
  }

  /** Resolves when no rebuild is running. */
  async settled(): Promise<void> {
    while (this.building) await this.building
  }

  private async listen(): Promise<void> {
    const url = this.options.databaseUrl ?? connectionUrlOf(this.db)
    if (!url || this.closed) return
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: LISTEN_HEARTBEAT_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: LISTEN_HEARTBEAT_MS,
      query_timeout: LISTEN_HEARTBEAT_TIMEOUT_MS,
    })
    let lost = false
    const retry = (error: Error) => {
      if (lost) return
      lost = true
      if (this.listener === client) {
        this.listener = null
        if (this.heartbeat) clearInterval(this.heartbeat)
        this.heartbeat = null
      }
      client.removeAllListeners()
      client.on('error', () => undefined)
      client.end().catch(() => undefined)
      if (this.closed || this.reconnect) return
      const delay = this.listenRetryMs
      // Logged when the connection is lost, not at every attempt while the primary is away.
      if (delay === LISTEN_RETRY_FIRST_MS) this.options.log?.error({ err: error }, 'lookup LISTEN client lost; reconnecting')
      this.listenRetryMs = Math.min(delay * 2, LISTEN_RETRY_MAX_MS)
      this.reconnect = setTimeout(() => {
        this.reconnect = null
        void this.listen()
      }, delay)
      this.reconnect.unref()
    }
    client.on('error', retry)
    client.on('end', () => retry(new Error('Connection terminated')))
    client.on('notification', (message) => {
      if (message.channel === GRIDS_CHANGED_CHANNEL && message.payload !== announcerId(this.db)) void this.rebuild()
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${GRIDS_CHANGED_CHANNEL}`)
      if (this.closed) {
        client.removeAllListeners()
        client.on('error', () => undefined)
        await client.end()
        return
      }
      this.listener = client
      const reconnected = this.listenRetryMs !== LISTEN_RETRY_FIRST_MS
      this.listenRetryMs = LISTEN_RETRY_FIRST_MS
      // A paused or unreachable primary sends nothing, not even an error: ask it something.
      this.heartbeat = setInterval(() => {
        client.query('SELECT 1').catch((error: Error) => retry(error))
      }, LISTEN_HEARTBEAT_MS)
      this.heartbeat.unref()
      if (reconnected) {
        // Notifications sent while the client was away were lost.
        this.options.log?.info({}, 'lookup LISTEN client reconnected; rebuilding the index')
        void this.rebuild()
      }
    } catch (error) {
      retry(error as Error)
    }
  }

  /** PostgreSQL: the LISTEN client has subscribed (a NOTIFY sent from now on is heard). */
  get listening(): boolean {
    return this.listener !== null
  }

  async close(): Promise<void> {
    this.closed = true
    this.unsubscribe?.()
    this.unsubscribe = null
    if (this.reconnect) clearTimeout(this.reconnect)
    this.reconnect = null
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.heartbeat = null
    if (this.retryBuild) clearTimeout(this.retryBuild)
    this.retryBuild = null
    await this.building?.catch(() => undefined)
    const listener = this.listener
    this.listener = null
    if (listener) {
      listener.removeAllListeners()
      listener.on('error', () => undefined)
      await listener.end().catch(() => undefined)
    }
  }
}

interface GridWkbRow extends IndexedGrid, Omit<GridRecord, 'grid_head'> {
  wkb: Uint8Array
  grid_head_raw: unknown
}

/** Reads the grids in force today as WKB and builds an index with their region chains. */
export async function loadIndex(db: Kysely<Database>): Promise<LoadedIndex> {
  const started = performance.now()
  const { day, rows, chains } = await db.transaction().execute(async (trx) => {
    // One snapshot for the day, the grids and the regions.
    await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`.execute(trx)
    const today = await sql<{ day: string }>`SELECT current_date::text AS day`.execute(trx)
    const grids = await sql<GridWkbRow>`
      SELECT code, name, kind, region_code, households, attributes->>'grid_head' AS grid_head,
             parent_code, population, count_date, valid_from, valid_to, version, attributes->'grid_head' AS grid_head_raw,
             ST_AsBinary(ST_Force2D(geom)) AS wkb
      FROM grids
      WHERE valid_from <= current_date AND (valid_to IS NULL OR valid_to > current_date)
      ORDER BY code`.execute(trx)
    const links = await regionChains(trx, null)
    return { day: today.rows[0]?.day ?? '', rows: grids.rows, chains: links }
  })
  const builder = new GridIndexBuilder()
  const records: GridRecord[] = []
  for (const row of rows) {
    const { parent_code, population, count_date, valid_from, valid_to, version, grid_head_raw } = row
    records.push({ parent_code, population, count_date, valid_from, valid_to, version, grid_head: grid_head_raw })
    builder.addGrid({
      code: row.code,
      name: row.name,
      kind: row.kind,
      region_code: row.region_code,
      households: row.households,
      grid_head: typeof row.grid_head === 'string' && row.grid_head.trim() !== '' ? row.grid_head : null,
    })
    addWkb(builder, row.wkb)
  }
  const index = builder.finish()
  return { index, records, day, chains, buildMs: performance.now() - started }
}

/**
 * Region chains (the region first, then its parents up to the province) for the given region
 * codes, or — with null — for every region that has a grid in force today.
 */
export async function regionChains(db: Kysely<Database>, codes: readonly string[] | null): Promise<Map<string, RegionLink[]>> {
  const start =
    codes === null
      ? sql`SELECT DISTINCT region_code FROM grids WHERE valid_from <= current_date AND (valid_to IS NULL OR valid_to > current_date)`
      : sql`SELECT unnest(${[...codes]}::text[])`
  const result = await sql<{ start: string; code: string; name: string; level: number }>`
    WITH RECURSIVE chain AS (
      SELECT r.code AS start, r.code, r.name, r.level, r.parent_code, 0 AS depth
      FROM regions r WHERE r.code IN (${start})
      UNION ALL
      SELECT c.start, p.code, p.name, p.level, p.parent_code, c.depth + 1
      FROM chain c JOIN regions p ON p.code = c.parent_code
      WHERE c.depth < 10
    )
    SELECT start, code, name, level FROM chain ORDER BY start, depth`.execute(db)
  const chains = new Map<string, RegionLink[]>()
  for (const row of result.rows) {
    let chain = chains.get(row.start)
    if (!chain) {
      chain = []
      chains.set(row.start, chain)
    }
    chain.push({ code: row.code, name: row.name, level: Number(row.level) })
  }
  return chains
}
