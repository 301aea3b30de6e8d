import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../demo/seed.js'
import { bearer, createTestApp, loadMiniCounty } from '../testing/app.js'
import { onGridsChanged, writeGrids } from './grid-events.js'
import { closeGridVersions } from './grids.repository.js'

// "Grids changed" is announced after a transaction that wrote grid versions commits, and only
// then; the app's index (app.gridIndex) follows it, so lookups answer the new grids at once after
// an import or a seed (after an approval: server/lookup/lookup.test.ts, "the index follows approvals").

let t: Awaited<ReturnType<typeof createTestApp>>
let county = ''
beforeAll(async () => {
  t = await createTestApp()
  county = await t.token('county')
}, 180_000)
afterAll(async () => t?.close())

const lookup = (lng: number, lat: number) => t.http().get(`/api/v1/lookup?lng=${lng}&lat=${lat}`).set(bearer(county))

describe('the grid change event', () => {
  it('an import makes lookups answer its grids from the index', async () => {
    expect(t.app.gridIndex.current()?.index.size).toBe(0)
    await loadMiniCounty(t.database)
    expect(t.app.gridIndex.current()?.index.size).toBe(4)
    const answer = await lookup(113.035, 28.01)
    expect(answer.body).toMatchObject({ source: 'index', grid: { code: '990101002001001' } })
  })

  it('is announced after the commit, only when grid versions were written, only to listeners of that database handle', async () => {
    const heard: string[] = []
    const other = t.db.withoutPlugins() // another handle: events are per handle
    const today = (await sql<{ day: string }>`SELECT current_date::text AS day`.execute(t.db)).rows[0]?.day ?? ''
    const stop = onGridsChanged(t.db, async () => {
      // After the commit: a read outside the transaction sees the closed version.
      const { rows } = await sql<{
        n: number
      }>`SELECT count(*)::int AS n FROM grids WHERE code = '990101001001001' AND valid_to IS NOT NULL`.execute(t.db)
      heard.push(`closed ${rows[0]?.n}`)
    })
    const stopOther = onGridsChanged(other, () => {
      heard.push('other handle')
    })
    try {
      await writeGrids(t.db, async () => undefined)
      await writeGrids(t.db, (trx) => closeGridVersions(trx, [], today))
      expect(heard).toEqual([])
      await expect(
        writeGrids(t.db, async (trx) => {
          await closeGridVersions(trx, ['990101001001001'], today)
          throw new Error('rolled back')
        }),
      ).rejects.toThrow('rolled back')
      expect(heard).toEqual([])
      await writeGrids(t.db, (trx) => closeGridVersions(trx, ['990101001001001'], today))
      expect(heard).toEqual(['closed 1'])
    } finally {
      stop()
      stopOther()
    }
    // The app's index followed the same event: the grid closed today is gone from it.
    expect(t.app.gridIndex.current()?.index.size).toBe(3)
  })

  it('a seed makes lookups answer the demo county from the index', async () => {
    // --force replaces everything under the demo prefix 99, the mini county too.
    const summary = await seedDemo(t.db, { force: true })
    expect(t.app.gridIndex.current()?.index.size).toBe(summary.grids)
    const { rows } = await sql<{ code: string; x: number; y: number }>`
      SELECT code, ST_X(p) AS x, ST_Y(p) AS y FROM grids, ST_PointOnSurface(geom) AS p ORDER BY code LIMIT 1`.execute(t.db)
    const [grid] = rows
    const answer = await lookup(grid?.x ?? 0, grid?.y ?? 0)
    expect(answer.body).toMatchObject({ source: 'index', grid: { code: grid?.code } })
  }, 180_000)
})
