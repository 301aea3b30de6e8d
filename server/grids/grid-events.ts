import { randomBytes } from 'node:crypto'
import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/database.js'

// The "grids changed" event: after a transaction that wrote grid versions commits, everything
// that keeps a copy of the grids in force (the lookup index) is told to rebuild.
//
// Shape: grid versions are written only through grids.repository.ts, whose writers take a
// GridsTransaction, and only writeGrids() hands one out. The writers note on the transaction that
// it wrote grids; writeGrids() announces the change after the commit, so a rolled-back write never
// announces and a caller cannot forget to. Listeners are kept per database handle (a WeakMap on
// the Kysely instance): tests open many databases in one process, and a listener must hear only
// its own. Other processes (API nodes; the CLI's seed and import) hear it on PostgreSQL through
// NOTIFY gridwork_grids_changed; PGlite is one process, so the local call is all it needs.

export const GRIDS_CHANGED_CHANNEL = 'gridwork_grids_changed'

export type GridsChangedListener = () => Promise<void> | void

const listeners = new WeakMap<Kysely<Database>, Set<GridsChangedListener>>()

/** Calls `listener` after every committed grid write over `db`; returns the unsubscribe function. */
export function onGridsChanged(db: Kysely<Database>, listener: GridsChangedListener): () => void {
  let set = listeners.get(db)
  if (!set) {
    set = new Set()
    listeners.set(db, set)
  }
  set.add(listener)
  return () => set.delete(listener)
}

// A notification carries an id of the database handle it was sent over: the listeners over that
// handle already ran, so a LISTEN client over the same handle skips it; other nodes act on it.
const handleIds = new WeakMap<Kysely<Database>, string>()

/** The id that NOTIFYs sent over `db` carry as their payload. */
export function announcerId(db: Kysely<Database>): string {
  let id = handleIds.get(db)
  if (!id) {
    id = randomBytes(8).toString('hex')
    handleIds.set(db, id)
  }
  return id
}

/**
 * Announces that the grids in force changed: runs this process's listeners over `db` and, on
 * PostgreSQL, tells other processes. writeGrids() calls it after the commit; call it directly
 * only for a change made outside writeGrids (tests). Resolves when the local listeners are done.
 */
export async function notifyGridsChanged(db: Kysely<Database>): Promise<void> {
  const local = [...(listeners.get(db) ?? [])].map(async (listener) => listener())
  try {
    await sql`SELECT pg_notify(${GRIDS_CHANGED_CHANNEL}, ${announcerId(db)})`.execute(db)
  } catch {
    // The database may be closing (tests, shutdown); the local listeners still ran.
  }
  await Promise.allSettled(local)
}

declare const gridWrites: unique symbol
/** A transaction opened by writeGrids(): the only kind grids.repository.ts writes grid versions in. */
export type GridsTransaction = Transaction<Database> & { readonly [gridWrites]: true }

const wroteGrids = new WeakSet<Transaction<Database>>()

/** Called by the grid writers of grids.repository.ts: this transaction changed grid versions. */
export function noteGridsWritten(trx: GridsTransaction): void {
  wroteGrids.add(trx)
}

/**
 * Runs `work` in one transaction of `db` and, if it wrote grid versions and committed, announces
 * "grids changed" (awaited, so the caller's next lookup sees the new grids in this process).
 */
export async function writeGrids<T>(db: Kysely<Database>, work: (trx: GridsTransaction) => Promise<T>): Promise<T> {
  let wrote = false
  const result = await db.transaction().execute(async (trx) => {
    try {
      // The brand only marks where the transaction came from; at run time it is the same object.
      return await work(trx as GridsTransaction)
    } finally {
      wrote = wroteGrids.has(trx)
    }
  })
  if (wrote) await notifyGridsChanged(db)
  return result
}
