import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'
import { isDatabaseUnavailable, isReplicaOnlyFailure } from './unavailable.js'

// The pool behind DatabaseHandle.reader when DATABASE_REPLICA_URL is set: reads that may lag go
// to the streaming replica, and a replica that fails does not fail the request. A connection-type
// error (refused, reset, timed out, shut down) on the replica — when connecting or on any
// statement — sends that request's work to the primary and skips the replica for skipMs, then it
// is tried again; the outage is logged once when it starts and once when it ends, not per request.
// A query cancelled by the standby's replay (40001 "conflict with recovery") or a write that
// reached it by mistake (25006) is also answered by the primary, without skipping the replica.
//
// A failure inside a transaction on the replica is taken over by replaying the transaction's
// statements so far on a primary connection: the reader runs reads only, so a replay changes
// nothing and sees a snapshot at least as new.

export interface ReplicaLog {
  warn(message: string): void
  info(message: string): void
}

export interface ReplicaReaderOptions {
  primary: PostgresPool
  replica: PostgresPool
  /** How long the replica is left alone after a connection-type failure. */
  skipMs: number
  log: ReplicaLog
}

type Query = [text: string, params: readonly unknown[]]
type QueryFn = (text: string, params: readonly unknown[]) => Promise<PostgresQueryResult<unknown>>

const BEGINS = /^\s*(begin|start\s+transaction)\b/i
const ENDS = /^\s*(commit|rollback|end|abort)\b/i

export class ReplicaReader implements PostgresPool {
  private downUntil = 0
  private outage = false
  /** Statements answered by the primary because the replica could not (for tests and logs). */
  fallbacks = 0

  constructor(private readonly options: ReplicaReaderOptions) {}

  /** Whether the replica is being skipped after a failure. */
  get skipping(): boolean {
    return Date.now() < this.downUntil
  }

  async connect(): Promise<PostgresPoolClient> {
    if (!this.skipping) {
      try {
        const client = await this.options.replica.connect()
        if (this.outage) {
          this.outage = false
          this.options.log.info('read replica (DATABASE_REPLICA_URL) answers again; lag-tolerant reads go to it')
        }
        return this.onReplica(client)
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error
        this.markDown(error)
      }
    }
    this.fallbacks++
    return this.options.primary.connect()
  }

  /** Ends the replica's pool; the primary's belongs to the primary's Kysely instance. */
  end(): Promise<void> {
    return this.options.replica.end()
  }

  private markDown(error: unknown): void {
    this.downUntil = Date.now() + this.options.skipMs
    if (this.outage) return
    this.outage = true
    const reason = error instanceof Error ? error.message : String(error)
    this.options.log.warn(
      `read replica (DATABASE_REPLICA_URL) unavailable (${reason}); reads go to the primary, the replica is tried again every ${Math.round(this.options.skipMs / 1000)} s`,
    )
  }

  /** A replica connection that moves to the primary when the replica fails under it. */
  private onReplica(replicaClient: PostgresPoolClient): PostgresPoolClient {
    let client = replicaClient
    let onReplica = true
    // The statements of the open transaction (from its BEGIN), to replay on the primary.
    let transaction: Query[] | null = null
    const note = (text: string, params: readonly unknown[]) => {
      if (BEGINS.test(text)) transaction = [[text, params]]
      else if (ENDS.test(text)) transaction = null
      else transaction?.push([text, params])
    }
    const moveToPrimary = async (error: unknown) => {
      if (isDatabaseUnavailable(error) && (error as { code?: string }).code !== '25006') this.markDown(error)
      onReplica = false
      replicaClient.release(true)
      this.fallbacks++
      client = await this.options.primary.connect()
      const query = client.query.bind(client) as QueryFn
      for (const [text, params] of transaction ?? []) await query(text, params)
    }
    const reader = {
      async query(text: unknown, params?: readonly unknown[]) {
        if (typeof text !== 'string') return client.query(text as never)
        const args = params ?? []
        try {
          const result = await (client.query.bind(client) as QueryFn)(text, args)
          note(text, args)
          return result
        } catch (error) {
          if (!onReplica || !isReplicaOnlyFailure(error)) throw error
          await moveToPrimary(error)
          const result = await (client.query.bind(client) as QueryFn)(text, args)
          note(text, args)
          return result
        }
      },
      release(destroy?: boolean) {
        client.release(destroy)
      },
    }
    return reader as PostgresPoolClient
  }
}
