import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DatabaseHandle, openDatabase } from '../../db/connect.js'
import { GRIDS_CHANGED_CHANNEL } from '../../grids/grid-events.js'
import { loadMiniCounty } from '../../testing/app.js'
import { openTestDatabase } from '../../testing/database.js'
import { TcpProxy } from '../../testing/tcp-proxy.js'
import { IndexHolder } from './index-holder.js'

// The lookup index's LISTEN client when the primary goes away and comes back (a restart, a
// network cut, a pause): it reconnects on its own and rebuilds, so a change announced while it was
// away is not missed, and later changes arrive as before. Its connection runs through a TCP proxy
// (server/testing/tcp-proxy.ts) that makes the faults; the index is read directly.

const databaseUrl = process.env.DATABASE_URL
/** Generous: the reconnect itself is bounded by LISTEN_RETRY_MAX_MS (2 s) plus a connect, the heartbeat by 5 + 2 s. */
const WITHIN_MS = 30_000

async function waitFor(check: () => boolean, what: string) {
  const until = Date.now() + WITHIN_MS
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.skipIf(!databaseUrl)('the lookup index’s LISTEN client across primary outages (PostgreSQL)', () => {
  let database: DatabaseHandle
  let other: DatabaseHandle
  let proxy: TcpProxy
  let holder: IndexHolder

  beforeAll(async () => {
    database = await openTestDatabase()
    await loadMiniCounty(database)
    const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(database.kysely)).rows[0]?.s as string
    // "Another node" that approves: its own pool; it announces by NOTIFY only.
    other = await openDatabase({ databaseUrl, searchPath: `${schema},public` })
    proxy = await TcpProxy.forUrl(databaseUrl as string)
    holder = new IndexHolder(database.kysely, { engine: 'postgres', databaseUrl: proxy.url(databaseUrl as string) })
    await holder.start()
    // Subscribed, not just connected: a NOTIFY sent between the two would be missed.
    await waitFor(() => holder.listening, 'the LISTEN client to subscribe')
  }, 180_000)

  afterAll(async () => {
    await holder?.close()
    await proxy?.close()
    await other?.close()
    await database?.close()
  })

  /** Renames a grid on "another node" and announces it there. */
  async function renameElsewhere(name: string) {
    await sql`UPDATE grids SET name = ${name} WHERE code = '990101001002001' AND valid_to IS NULL`.execute(other.kysely)
    await sql`SELECT pg_notify(${GRIDS_CHANGED_CHANNEL}, 'another-node')`.execute(other.kysely)
  }
  const nameNow = () => {
    const loaded = holder.current()
    const hit = loaded?.index.lookup(113.015, 28.01).grid ?? -1
    return loaded?.index.grids[hit]?.name
  }

  it('hears a change announced by another node', async () => {
    await renameElsewhere('东湖一格')
    await waitFor(() => nameNow() === '东湖一格', 'the NOTIFY')
  })

  it('a primary that goes down and comes back: reconnects, and catches up on what was announced meanwhile', async () => {
    await proxy.refuse()
    await renameElsewhere('东湖一格（停机时改）') // announced while this node cannot hear it
    expect(nameNow()).toBe('东湖一格')
    await proxy.accept()
    await waitFor(() => nameNow() === '东湖一格（停机时改）', 'the rebuild after reconnecting')
    await waitFor(() => proxy.connections === 1, 'the LISTEN client to reconnect')
    await renameElsewhere('东湖一格（恢复后改）')
    await waitFor(() => nameNow() === '东湖一格（恢复后改）', 'the NOTIFY after reconnecting')
  })

  it('a primary that goes silent (paused): the heartbeat notices, and the client reconnects once it answers', async () => {
    const accepted = proxy.accepted
    proxy.pause()
    await waitFor(() => proxy.accepted > accepted, 'a reconnect attempt after the heartbeat failed')
    await renameElsewhere('东湖一格（暂停时改）')
    proxy.resume()
    await waitFor(() => nameNow() === '东湖一格（暂停时改）', 'the rebuild after reconnecting')
  })
})
