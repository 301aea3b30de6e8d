import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DatabaseHandle, openDatabase } from '../db/connect.js'
import { loadMiniCounty, TEST_PASSWORD } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import { TcpProxy } from '../testing/tcp-proxy.js'
import { AccountStatusCache, STALE_LIMIT_MS } from './account-status.js'
import { insertApiKey, revokeApiKey, verifyApiKey } from './api-keys.repository.js'
import { seedDemoUsers } from './demo-users.js'

// Who is asking, while the database cannot be reached: an account or API key checked before keeps
// its last answer (so lookups, answered from memory, keep answering), only the first check waits
// for the database to fail, and the answer is asked for again when it is back. PostgreSQL only:
// the database is paused by a TCP proxy between this client and the real server.

const databaseUrl = process.env.DATABASE_URL
const BOUNDS = { connectTimeoutMs: 500, queryTimeoutMs: 5_000, keepAliveDelayMs: 1000 }

describe.skipIf(!databaseUrl)('account and API key checks while PostgreSQL cannot be reached', () => {
  let base: DatabaseHandle
  let proxied: DatabaseHandle
  let proxy: TcpProxy
  let key: string
  let keyId: number

  beforeAll(async () => {
    base = await openTestDatabase()
    await loadMiniCounty(base)
    await seedDemoUsers(base.kysely, TEST_PASSWORD)
    const issued = await insertApiKey(base.kysely, {
      name: 'stale test',
      department: '县公安局',
      region_prefix: '990101',
      rate_limit_per_minute: 600,
      created_by: 'admin',
    })
    key = issued.key
    keyId = issued.view.id
    const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(base.kysely)).rows[0]?.s as string
    proxy = await TcpProxy.forUrl(databaseUrl as string)
    proxied = await openDatabase({ databaseUrl: proxy.url(databaseUrl as string), searchPath: `${schema},public`, bounds: BOUNDS })
  }, 180_000)

  afterAll(async () => {
    proxy?.resume()
    await proxy?.close()
    await proxied?.close()
    await base?.close()
  })

  it('an account keeps its last status while the database is paused, within the statement bound, and is checked again after', async () => {
    const clock = { now: 0 }
    const cache = new AccountStatusCache(proxied.kysely, 5_000, () => clock.now)
    const county = { role: 'county', region_prefix: '990101', disabled: false }
    expect(await cache.get('county')).toEqual(county)

    proxy.pause()
    clock.now = 5_000
    const started = performance.now()
    expect(await cache.get('county')).toEqual(county) // the check that finds the database gone
    expect(performance.now() - started).toBeLessThan(4_000) // its statement bound (1 s), not the pool's 5 s
    expect(cache.get('county')).toEqual(county) // then at once, not a promise
    await expect(async () => await cache.get('nobody')).rejects.toThrow() // never seen: no answer to keep

    clock.now = 5_000 + STALE_LIMIT_MS
    await expect(async () => await cache.get('county')).rejects.toThrow() // kept at most STALE_LIMIT_MS

    proxy.resume()
    await base.kysely.updateTable('users').set({ disabled: true }).where('username', '=', 'county').execute()
    clock.now += 1
    expect(await cache.get('county')).toEqual({ ...county, disabled: true })
    await base.kysely.updateTable('users').set({ disabled: false }).where('username', '=', 'county').execute()
  })

  it('an API key stays verified while the database is paused; a revocation is seen once it is back', async () => {
    const verified = await verifyApiKey(proxied.kysely, key, 0)
    expect(verified?.id).toBe(keyId)

    proxy.pause()
    const later = 31_000
    expect((await verifyApiKey(proxied.kysely, key, later))?.id).toBe(keyId)
    expect((await verifyApiKey(proxied.kysely, key, later + 1))?.id).toBe(keyId)
    await expect(verifyApiKey(proxied.kysely, `gwk_${'x'.repeat(32)}`, later)).rejects.toThrow()

    proxy.resume()
    await revokeApiKey(base.kysely, keyId, 'admin')
    // The background check started above may still be on its way; the next one after it sees the revocation.
    let answer = verified
    for (let i = 0; i < 50 && answer !== null; i++) {
      answer = await verifyApiKey(proxied.kysely, key, later + 2 + i)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(answer).toBeNull()
  })
})
