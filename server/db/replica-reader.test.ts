import { sql } from 'kysely'
import pg from 'pg'
import supertest from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, buildApp } from '../app.js'
import { seedDemoUsers } from '../auth/demo-users.js'
import { bearer, bytesOf, loadMiniCounty, TEST_PASSWORD } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import { TcpProxy } from '../testing/tcp-proxy.js'
import { migrateToLatest } from './migrate.js'
import { type DatabaseHandle, openDatabase } from './connect.js'

// DATABASE_REPLICA_URL: reads that may lag go to the replica, the rest to the primary, and a
// replica that fails sends its reads to the primary. The "replica" here is a second database on
// the same server holding a copy of the test's data with every region and grid name marked
// "（副本）", so each answer shows which side gave it. A real streaming replica is the cluster
// tests' part.

const databaseUrl = process.env.DATABASE_URL
const REPLICA_DATABASE = 'gridwork_replica_test'
const MARK = '（副本）'
/** The grids' valid_from in the fixtures: a past day, so /grids?as_of= of it may lag. */
const PAST_DAY = '2026-01-01'

interface Logged {
  warn: string[]
  info: string[]
}

describe.skipIf(!databaseUrl)('reads on a replica (PostgreSQL)', () => {
  let primary: DatabaseHandle
  let schema: string
  let replicaUrl: string

  /** Runs one statement on the server's `postgres` database (CREATE DATABASE cannot run elsewhere). */
  async function onServer(statement: string, database = 'postgres') {
    const url = new URL(databaseUrl as string)
    url.pathname = `/${database}`
    const client = new pg.Client({ connectionString: url.toString() })
    await client.connect()
    try {
      return await client.query(statement)
    } finally {
      await client.end()
    }
  }

  beforeAll(async () => {
    primary = await openTestDatabase()
    await loadMiniCounty(primary)
    await seedDemoUsers(primary.kysely, TEST_PASSWORD)
    schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(primary.kysely)).rows[0]?.s as string
    const exists = await onServer(`SELECT 1 FROM pg_database WHERE datname = '${REPLICA_DATABASE}'`)
    if (exists.rowCount === 0) await onServer(`CREATE DATABASE ${REPLICA_DATABASE}`).catch(() => undefined) // a parallel run may win
    await onServer(`CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public; CREATE SCHEMA ${schema}`, REPLICA_DATABASE)
    const url = new URL(databaseUrl as string)
    url.pathname = `/${REPLICA_DATABASE}`
    replicaUrl = url.toString()
    const copy = await openDatabase({ databaseUrl: replicaUrl, searchPath: `${schema},public` })
    try {
      await migrateToLatest(copy.kysely)
      await loadMiniCounty(copy)
      await sql`UPDATE regions SET name = name || ${MARK}`.execute(copy.kysely)
      await sql`UPDATE grids SET name = name || ${MARK}`.execute(copy.kysely)
    } finally {
      await copy.close()
    }
  }, 180_000)

  afterAll(async () => {
    if (schema) await onServer(`DROP SCHEMA IF EXISTS ${schema} CASCADE`, REPLICA_DATABASE).catch(() => undefined)
    await primary?.close()
  })

  /** An app whose database handle reads lag-tolerant data from `replica`. */
  async function appWithReplica(replica: string, options: { skipMs?: number; queryTimeoutMs?: number } = {}) {
    const logged: Logged = { warn: [], info: [] }
    const database = await openDatabase({
      databaseUrl,
      replicaUrl: replica,
      searchPath: `${schema},public`,
      bounds: { connectTimeoutMs: 500, queryTimeoutMs: options.queryTimeoutMs ?? 5_000 },
      replicaSkipMs: options.skipMs ?? 60_000,
      log: { warn: (message) => logged.warn.push(message), info: (message) => logged.info.push(message) },
    })
    const app: App = await buildApp({ database, signingSecret: 'x'.repeat(40) })
    await app.ready()
    const http = () => supertest(app.server)
    const token = (await http().post('/api/v1/auth/login').send({ username: 'county', password: TEST_PASSWORD }).expect(200)).body
      .token as string
    const get = (url: string) => http().get(url).set(bearer(token)).timeout(20_000)
    return {
      logged,
      get,
      http,
      async close() {
        await app.close()
        await database.close()
      },
    }
  }

  type Reader = Awaited<ReturnType<typeof appWithReplica>>

  /** Names of the communities of 示范县 as /regions/{code}/children gives them (lag-tolerant: replica). */
  const communityNames = async (t: Reader) =>
    (
      (await t.get('/api/v1/regions/990101000000/children?descendants=true').expect(200)).body.features as {
        properties: { name: string }
      }[]
    )
      .map((feature) => feature.properties.name)
      .filter((name) => name.includes('社区') || name.includes('村'))
      .sort()

  it('tiles, OGC items, PostGIS lookups, region boundaries and past days come from the replica; the rest from the primary', async () => {
    const t = await appWithReplica(replicaUrl)
    try {
      // Replica: region boundaries, grids of a past day, a lookup on a past day (PostGIS), OGC
      // items read in SQL, and vector tiles of the regions.
      expect(await communityNames(t)).toEqual([`东湖社区${MARK}`, `桂花社区${MARK}`, `青石村${MARK}`])
      const pastGrids = (await t.get(`/api/v1/grids?region=990101&as_of=${PAST_DAY}`).expect(200)).body.features
      expect(pastGrids.map((f: { properties: { name: string } }) => f.properties.name)).toContain(`青石村网格${MARK}`)
      const pastLookup = (await t.get(`/api/v1/lookup?lng=113.015&lat=28.01&as_of=${PAST_DAY}`).expect(200)).body
      expect(pastLookup).toMatchObject({ source: 'postgis', grid: { name: `东湖社区第一网格${MARK}` } })
      const townships = (await t.get('/ogc/collections/townships/items').expect(200)).body.features
      expect(townships.map((f: { properties: { name: string } }) => f.properties.name).sort()).toEqual([`城关镇${MARK}`, `青石乡${MARK}`])
      const pastItems = (await t.get(`/ogc/collections/grids/items?datetime=${PAST_DAY}`).expect(200)).body.features
      expect(pastItems.length).toBe(4)
      for (const item of pastItems) expect(item.properties.name).toContain(MARK)
      const tile = await t.get('/tiles/townships/8/208/107.mvt').buffer(true).parse(bytesOf).expect(200)
      expect((tile.body as Buffer).includes(Buffer.from(`城关镇${MARK}`))).toBe(true)

      // Primary: a region with its grid count, today's grids (the editor reloads them after an
      // approval), a grid's history, today's lookup (the index, built from the primary), and
      // today's OGC grid items (also the index).
      expect((await t.get('/api/v1/regions/990101001000').expect(200)).body.name).toBe('城关镇')
      const today = (await t.get('/api/v1/grids?region=990101').expect(200)).body.features
      expect(today.map((f: { properties: { name: string } }) => f.properties.name).sort()).toEqual(
        ['东湖社区第一网格', '桂花社区第一网格', '桂花社区第二网格', '青石村网格'].sort(),
      )
      const history = (await t.get('/api/v1/grids/990101002001001/history').expect(200)).body.features
      expect(history[0].properties.name).toBe('青石村网格')
      expect((await t.get('/api/v1/lookup?lng=113.015&lat=28.01').expect(200)).body).toMatchObject({
        source: 'index',
        grid: { name: '东湖社区第一网格' },
      })
      const todayItems = (await t.get('/ogc/collections/grids/items').expect(200)).body.features
      for (const item of todayItems) expect(item.properties.name).not.toContain(MARK)
      await t.http().get('/health/ready').expect(200)
      expect(t.logged.warn).toEqual([])
    } finally {
      await t.close()
    }
  })

  it('a replica that refuses connections: every read is answered by the primary, the outage logged once; the replica is used again once back', async () => {
    const proxy = await TcpProxy.forUrl(replicaUrl)
    await proxy.refuse()
    const t = await appWithReplica(proxy.url(replicaUrl), { skipMs: 300 })
    try {
      for (let i = 0; i < 3; i++) expect(await communityNames(t)).toEqual(['东湖社区', '桂花社区', '青石村'])
      const tile = await t.get('/tiles/townships/8/208/107.mvt').buffer(true).parse(bytesOf).expect(200)
      expect((tile.body as Buffer).includes(Buffer.from('城关镇'))).toBe(true)
      expect((tile.body as Buffer).includes(Buffer.from(MARK))).toBe(false)
      // Skipped for 300 ms, then tried again (and refused again): still one line for the outage.
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(await communityNames(t)).toEqual(['东湖社区', '桂花社区', '青石村'])
      expect(t.logged.warn).toHaveLength(1)
      expect(t.logged.warn[0]).toMatch(/^read replica \(DATABASE_REPLICA_URL\) unavailable \(.*ECONNREFUSED.*\); reads go to the primary/)

      await proxy.accept()
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(await communityNames(t)).toEqual([`东湖社区${MARK}`, `桂花社区${MARK}`, `青石村${MARK}`])
      expect(t.logged.info).toEqual(['read replica (DATABASE_REPLICA_URL) answers again; lag-tolerant reads go to it'])
      expect(t.logged.warn).toHaveLength(1)
    } finally {
      await t.close()
      await proxy.close()
    }
  })

  it('a replica connection cut mid-statement, or a paused replica: that read is answered by the primary', async () => {
    const proxy = await TcpProxy.forUrl(replicaUrl)
    const t = await appWithReplica(proxy.url(replicaUrl), { skipMs: 300, queryTimeoutMs: 1_000 })
    try {
      expect(await communityNames(t)).toEqual([`东湖社区${MARK}`, `桂花社区${MARK}`, `青石村${MARK}`])
      // Cut: the connection is reset as the statement reading the boundaries goes out.
      let cut = 0
      proxy.intercept = (chunk) => {
        if (!chunk.includes('regions')) return 'forward'
        cut++
        return 'drop'
      }
      expect(await communityNames(t)).toEqual(['东湖社区', '桂花社区', '青石村'])
      proxy.intercept = null
      expect(cut).toBeGreaterThan(0)
      expect(t.logged.warn).toHaveLength(1)

      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(await communityNames(t)).toEqual([`东湖社区${MARK}`, `桂花社区${MARK}`, `青石村${MARK}`])
      expect(t.logged.info).toHaveLength(1)

      // Paused: the statement outlives the query bound (1 s here) and the primary answers it.
      proxy.pause()
      expect(await communityNames(t)).toEqual(['东湖社区', '桂花社区', '青石村'])
      expect(t.logged.warn).toHaveLength(2)
      expect(t.logged.warn[1]).toMatch(/did not answer within 1000 ms/)
    } finally {
      proxy.resume()
      await t.close()
      await proxy.close()
    }
  })
})
