import { sql } from 'kysely'
import pg from 'pg'
import supertest from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from './app.js'
import type { DatabaseHandle } from './db/connect.js'
import { loadMiniCounty } from './testing/app.js'
import { openTestDatabase } from './testing/database.js'

// Liveness against readiness (server/readiness.ts), on the engine the run selects: /health/live
// answers while the process does; /health/ready only when the node can serve — and says why not,
// in the caller's language.

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
  await loadMiniCounty(database)
}, 180_000)
afterAll(async () => database?.close())

async function appOver(options: { indexAtStart?: 'wait' | 'background' } = {}) {
  const app = await buildApp({ database, signingSecret: 'x'.repeat(40), ...options })
  await app.ready()
  return { app, http: () => supertest(app.server) }
}

const codesOf = (body: { reasons?: { code: string }[] }) => (body.reasons ?? []).map((reason) => reason.code)

describe('GET /health/live and /health/ready', () => {
  it('a node that can serve is live and ready; /health answers as before', async () => {
    const { app, http } = await appOver()
    try {
      expect((await http().get('/health/live').expect(200)).body).toEqual({ status: 'live' })
      expect((await http().get('/health/ready').expect(200)).body).toEqual({ status: 'ready', message: '可以提供服务' })
      expect((await http().get('/health/ready').set('Accept-Language', 'en').expect(200)).body.message).toBe('Ready to serve')
      expect((await http().get('/health').expect(200)).body).toMatchObject({ status: 'ok', engine: database.engine })
    } finally {
      await app.close()
    }
  })

  it('is not ready while a migration of this version is missing, and says which', async () => {
    const { app, http } = await appOver()
    const last = (
      await sql<{ name: string; timestamp: string }>`SELECT name, timestamp FROM kysely_migration ORDER BY name DESC LIMIT 1`.execute(
        database.kysely,
      )
    ).rows[0] as { name: string; timestamp: string }
    await sql`DELETE FROM kysely_migration WHERE name = ${last.name}`.execute(database.kysely)
    try {
      const zh = await http().get('/health/ready').expect(503)
      expect(codesOf(zh.body)).toEqual(['migrations_pending'])
      expect(zh.body.reasons[0].message).toBe(`数据库缺少本版本的 1 个迁移（第一个：${last.name}），请运行 npm run migrate`)
      const en = await http().get('/health/ready').set('Accept-Language', 'en').expect(503)
      expect(en.body.message).toBe(
        `Not ready to serve: the database lacks 1 migration(s) of this version (first: ${last.name}); run npm run migrate`,
      )
      expect((await http().get('/health/live').expect(200)).body).toEqual({ status: 'live' })
    } finally {
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${last.name}, ${last.timestamp})`.execute(database.kysely)
    }
    try {
      await http().get('/health/ready').expect(200)
    } finally {
      await app.close()
    }
  })

  it('is not ready while the lookup index could not be built, and ready once it is', async () => {
    await sql`ALTER TABLE grids RENAME TO grids_away`.execute(database.kysely)
    let renamed = true
    const { app, http } = await appOver()
    try {
      const zh = await http().get('/health/ready').expect(503)
      expect(codesOf(zh.body)).toEqual(['lookup_index_failed'])
      expect(zh.body.reasons[0].message).toMatch(/^查询索引未能建立（.*grids.*），正在重试$/)
      expect((await http().get('/health/ready').set('Accept-Language', 'en').expect(503)).body.reasons[0].message).toMatch(
        /^the lookup index could not be built \(.*grids.*\); retrying$/,
      )
      await sql`ALTER TABLE grids_away RENAME TO grids`.execute(database.kysely)
      renamed = false
      await app.gridIndex.rebuild()
      await http().get('/health/ready').expect(200)
    } finally {
      if (renamed) await sql`ALTER TABLE grids_away RENAME TO grids`.execute(database.kysely)
      await app.close()
    }
  })

  it.skipIf(!process.env.DATABASE_URL)(
    'PostgreSQL: a node started with the index building in the background is live at once and ready once it is built',
    async () => {
      // Another session holds the grids table, so the index's read waits.
      const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(database.kysely)).rows[0]?.s as string
      const locker = new pg.Client({ connectionString: process.env.DATABASE_URL })
      await locker.connect()
      await locker.query(`BEGIN; LOCK TABLE ${schema}.grids IN ACCESS EXCLUSIVE MODE`)
      const { app, http } = await appOver({ indexAtStart: 'background' })
      try {
        await http().get('/health/live').expect(200)
        const building = await http().get('/health/ready').set('Accept-Language', 'en').expect(503)
        expect(codesOf(building.body)).toEqual(['lookup_index_building'])
        expect(building.body.message).toBe('Not ready to serve: the lookup index is being built')
        expect((await http().get('/health/ready').expect(503)).body.message).toBe('暂不能提供服务：查询索引正在建立')
        await locker.query('COMMIT')
        await app.gridIndex.settled()
        await http().get('/health/ready').expect(200)
      } finally {
        await locker.end()
        await app.close()
      }
    },
  )

  it('answers not ready once shutdown begins, while still live and still serving', async () => {
    const { app, http } = await appOver()
    try {
      app.readiness.beginShutdown()
      const zh = await http().get('/health/ready').expect(503)
      expect(zh.body).toEqual({
        status: 'not_ready',
        message: '暂不能提供服务：本节点正在停止',
        reasons: [{ code: 'shutting_down', message: '本节点正在停止' }],
      })
      expect((await http().get('/health/ready').set('Accept-Language', 'en').expect(503)).body.message).toBe(
        'Not ready to serve: this node is shutting down',
      )
      await http().get('/health/live').expect(200)
      await http().get('/health').expect(200)
    } finally {
      await app.close()
    }
  })
})
