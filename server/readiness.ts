import { sql } from 'kysely'
import { migrations } from '../migrations/index.js'
import { withQueryTimeout } from './db/bounded-pool.js'
import type { DatabaseHandle } from './db/connect.js'
import type { IndexHolder } from './lookup/index/index-holder.js'

// Whether this node can serve requests now (GET /health/ready, what a load balancer checks), as
// opposed to whether its process answers at all (GET /health/live). Ready means: the database
// answers within READY_DATABASE_BOUND_MS, it has every migration this version knows, the lookup
// index has been built, and the node is not shutting down. The database check never hangs: it is
// raced against the bound, and at most one check is in flight (a paused database holds one pool
// connection for the checks, not one per poll).

declare module 'fastify' {
  interface FastifyInstance {
    /** Whether this node can serve now (GET /health/ready); server.ts marks the shutdown. */
    readiness: Readiness
  }
}

/** The database must answer the readiness check within this. */
export const READY_DATABASE_BOUND_MS = 1_000

export type NotReadyCode = 'database_unavailable' | 'migrations_pending' | 'lookup_index_building' | 'lookup_index_failed' | 'shutting_down'

export interface NotReadyReason {
  code: NotReadyCode
  params: Record<string, string | number>
}

const expectedMigrations = Object.keys(migrations)

export class Readiness {
  private shuttingDown = false
  private migrationsApplied = false
  private inFlight: Promise<NotReadyReason[]> | null = null

  constructor(
    private readonly database: DatabaseHandle,
    private readonly index: IndexHolder,
    private readonly boundMs = READY_DATABASE_BOUND_MS,
  ) {}

  /** From now on the node answers not ready (a load balancer stops sending it requests). */
  beginShutdown(): void {
    this.shuttingDown = true
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown
  }

  /** Every reason the node cannot serve now; empty when it is ready. */
  async reasons(): Promise<NotReadyReason[]> {
    const reasons: NotReadyReason[] = []
    if (this.shuttingDown) reasons.push({ code: 'shutting_down', params: {} })
    const index = this.index.status()
    if (!index.built) {
      const failed = !index.building && index.lastError !== null
      reasons.push(
        failed
          ? { code: 'lookup_index_failed', params: { reason: messageOf(index.lastError) } }
          : { code: 'lookup_index_building', params: {} },
      )
    }
    reasons.push(...(await this.databaseReasons()))
    return reasons
  }

  private databaseReasons(): Promise<NotReadyReason[]> {
    this.inFlight ??= this.checkDatabase().finally(() => {
      this.inFlight = null
    })
    const bound = this.boundMs
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<NotReadyReason[]>((resolve) => {
      timer = setTimeout(() => resolve([{ code: 'database_unavailable', params: { ms: bound } }]), bound)
    })
    return Promise.race([this.inFlight, late]).finally(() => clearTimeout(timer))
  }

  private async checkDatabase(): Promise<NotReadyReason[]> {
    try {
      // Bounded on PostgreSQL a little past the race, so a paused server's connection is closed soon.
      return await withQueryTimeout(this.boundMs * 2, async () => {
        if (this.migrationsApplied) {
          await sql`SELECT 1`.execute(this.database.kysely)
          return []
        }
        const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(this.database.kysely)
        const names = new Set(applied.rows.map((row) => row.name))
        const missing = expectedMigrations.filter((name) => !names.has(name))
        if (missing.length > 0) return [{ code: 'migrations_pending', params: { count: missing.length, first: missing[0] as string } }]
        this.migrationsApplied = true
        return []
      })
    } catch (error) {
      // No migration table at all: nothing has been migrated.
      if ((error as { code?: string }).code === '42P01') {
        return [{ code: 'migrations_pending', params: { count: expectedMigrations.length, first: expectedMigrations[0] as string } }]
      }
      return [{ code: 'database_unavailable', params: { ms: this.boundMs } }]
    }
  }
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}
