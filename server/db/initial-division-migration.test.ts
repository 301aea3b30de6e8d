import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createMiniCountyApp } from '../testing/app.js'
import { withSchemaLock } from '../testing/database.js'
import { migrateTo, migrateToLatest } from './migrate.js'

// migrations/2026-12-06T0000-proposal-initial-division.ts: "first division" moves from the
// `__initial` key inside base_versions to a column. Rows written the old way (the schema migrated
// back to the migration before) must come out with the column set and the key gone.

const BEFORE = '2026-11-25T0300-lookup'
const GRID = '990101001001001'

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
beforeAll(async () => {
  t = await createMiniCountyApp()
}, 180_000)
afterAll(async () => t?.close())

/** Migrations on PostgreSQL hold the test schemas' lock (see openTestDatabase). */
const migrating = <T>(work: () => Promise<T>) => (process.env.DATABASE_URL ? withSchemaLock(process.env.DATABASE_URL, work) : work())

const rowsOf = async () =>
  (
    await sql<{ title: string; base_versions: Record<string, unknown>; initial_division: boolean }>`
      SELECT title, base_versions, initial_division FROM proposals ORDER BY id`.execute(t.db)
  ).rows

describe('proposals.initial_division', () => {
  it('is stored in its own column and answered as before', async () => {
    const created = await t
      .http()
      .post('/api/v1/proposals')
      .set(bearer(t.tokens.township))
      .send({ region: '990101001001', title: '首次划分', reason: '新建社区', changes: [], initial_division: true })
    expect(created.status, created.text).toBe(200)
    expect(created.body.initial_division).toBe(true)
    const listed = await t.http().get('/api/v1/proposals').set(bearer(t.tokens.township))
    expect(listed.body.proposals.find((p: { id: number }) => p.id === created.body.id)?.initial_division).toBe(true)
    const [row] = await rowsOf()
    expect(row?.initial_division).toBe(true)
    expect(Object.keys(row?.base_versions ?? {})).not.toContain('__initial')
  })

  it('migrates rows written with base_versions.__initial: the column is set, the key removed', async () => {
    await migrating(() => migrateTo(t.db, BEFORE))
    // The row above, migrated back, carries the key again.
    const { rows: back } = await sql<{ base_versions: Record<string, unknown> }>`SELECT base_versions FROM proposals`.execute(t.db)
    expect(back[0]?.base_versions.__initial).toBe(true)
    for (const [title, base] of [
      ['旧：非首次', { [GRID]: 1, __initial: false }],
      ['旧：无标记', { [GRID]: 1 }],
      ['旧：首次', { [GRID]: 2, __initial: true }],
    ] as const) {
      await sql`
        INSERT INTO proposals (region_code, profile_id, title, reason, changes, base_versions, created_by)
        VALUES ('990101001001', 'cn-default', ${title}, '旧数据', '[]'::jsonb, ${JSON.stringify(base)}::jsonb, 'township')`.execute(t.db)
    }
    expect((await migrating(() => migrateToLatest(t.db)))[0]).toBe('2026-12-06T0000-proposal-initial-division')
    expect(await rowsOf()).toEqual([
      { title: '首次划分', base_versions: expect.not.objectContaining({ __initial: expect.anything() }), initial_division: true },
      { title: '旧：非首次', base_versions: { [GRID]: 1 }, initial_division: false },
      { title: '旧：无标记', base_versions: { [GRID]: 1 }, initial_division: false },
      { title: '旧：首次', base_versions: { [GRID]: 2 }, initial_division: true },
    ])
  })
})
