import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DatabaseHandle, openDatabase } from '../../db/connect.js'
import { notifyGridsChanged } from '../../grids/grid-events.js'
import { loadMiniCounty } from '../../testing/app.js'
import { openTestDatabase } from '../../testing/database.js'
import { IndexHolder } from './index-holder.js'

// The holder swaps in a new index when grids change: directly in this process, and on
// PostgreSQL through NOTIFY to a holder over another connection (another API node).

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
  await loadMiniCounty(database)
}, 180_000)
afterAll(async () => database?.close())

/** Retires 青石村's grid (closing its row as of yesterday), as an applied proposal would. */
async function retireQingshi(db: DatabaseHandle['kysely']) {
  await sql`UPDATE grids SET valid_to = current_date WHERE code = '990101002001001' AND valid_to IS NULL`.execute(db)
}

async function waitFor(check: () => boolean, ms = 10_000) {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting for the index to change')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('IndexHolder', () => {
  it('answers from the old index while a rebuild runs, then from the new one after notifyGridsChanged', async () => {
    const holder = new IndexHolder(database.kysely, { engine: database.engine })
    await holder.start()
    try {
      const before = holder.current()
      expect(before?.index.size).toBe(4)
      await sql`UPDATE grids SET name = name || '（改）' WHERE code = '990101001002001' AND valid_to IS NULL`.execute(database.kysely)
      const notified = notifyGridsChanged(database.kysely)
      // a rebuild is under way; until it ends the old index answers
      expect(holder.current()).toBe(before)
      await notified
      const after = holder.current()
      expect(after).not.toBe(before)
      const hit = after?.index.lookup(113.015, 28.01).grid ?? -1
      expect(after?.index.grids[hit]?.name).toBe('东湖社区第一网格（改）')
    } finally {
      await holder.close()
    }
  })

  it.skipIf(!process.env.DATABASE_URL)('PostgreSQL: another node’s holder rebuilds on NOTIFY gridwork_grids_changed', async () => {
    const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(database.kysely)).rows[0]?.s as string
    // "Another node": its own pool and its own LISTEN client.
    const other = await openDatabase({ databaseUrl: process.env.DATABASE_URL, searchPath: `${schema},public` })
    const holder = new IndexHolder(other.kysely, { engine: 'postgres' })
    try {
      await holder.start()
      await waitFor(() => holder.current()?.index.size === 4)
      // give the LISTEN client time to connect before the change is announced
      await new Promise((resolve) => setTimeout(resolve, 500))
      await retireQingshi(database.kysely)
      await notifyGridsChanged(database.kysely)
      await waitFor(() => holder.current()?.index.size === 3)
      expect(holder.current()?.index.lookup(113.03, 28.01).grid).toBe(-1)
    } finally {
      await holder.close()
      await other.close()
    }
  })
})
