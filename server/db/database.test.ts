import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestDatabase } from '../testing/database.js'
import type { DatabaseHandle } from './connect.js'

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
})
afterAll(async () => database?.close())

const region = (code: string, name: string) => ({ code, name, level: 1, parent_code: null, urban_rural: null })

describe('one Kysely instance over either engine', () => {
  it('knows its engine and PostGIS, with SRID 4490 available', async () => {
    expect(database.engine).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite')
    expect(database.capabilities.postgis).toMatch(/^3\./)
    const { rows } = await sql<{ srid: number }>`SELECT srid FROM spatial_ref_sys WHERE srid = 4490`.execute(database.kysely)
    expect(rows).toEqual([{ srid: 4490 }])
  })

  it('says ST_AsMVT and ST_AsMVTGeom are there only where calling them works: not on PGlite, whose PostGIS lacks protobuf-c', async () => {
    expect(database.capabilities.functions.st_asmvt).toBe(database.engine === 'postgres')
    expect(database.capabilities.functions.st_asmvtgeom).toBe(database.engine === 'postgres')
  })

  it('returns the same JS types on both engines', async () => {
    const { rows } = await sql<{ n: number; d: string; t: Date; j: unknown }>`
      SELECT 7::bigint AS n, DATE '2026-06-30' AS d, now() AS t, '{"a":1}'::jsonb AS j`.execute(database.kysely)
    expect(rows[0]?.n).toBe(7)
    expect(rows[0]?.d).toBe('2026-06-30')
    expect(rows[0]?.t).toBeInstanceOf(Date)
    expect(rows[0]?.j).toEqual({ a: 1 })
  })

  it('rolls a failed transaction back completely: nothing half-written', async () => {
    await expect(
      database.kysely.transaction().execute(async (trx) => {
        await trx.insertInto('regions').values(region('980000000000', '半途省')).execute()
        await trx.insertInto('regions').values(region('98000000000X', '坏代码')).execute()
      }),
    ).rejects.toThrow(/regions_code_check/)
    const left = await database.kysely.selectFrom('regions').select('code').where('code', 'like', '98%').execute()
    expect(left).toEqual([])
  })

  it('keeps a transaction’s statements together while other queries wait their turn', async () => {
    const order: string[] = []
    const transaction = database.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('regions').values(region('970000000000', '甲省')).execute()
      order.push('trx-insert')
      await sql`SELECT pg_sleep(0.2)`.execute(trx)
      await trx.insertInto('regions').values(region('960000000000', '乙省')).execute()
      order.push('trx-commit')
    })
    const reader = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      const rows = await database.kysely
        .selectFrom('regions')
        .select('code')
        .where('code', 'in', ['970000000000', '960000000000'])
        .execute()
      order.push(`read-${rows.length}`)
    })()
    await Promise.all([transaction, reader])
    // The reader sees either nothing or both rows, never one half of the transaction.
    expect(['read-0', 'read-2']).toContain(order.find((entry) => entry.startsWith('read')))
    expect(order.indexOf('trx-insert')).toBeLessThan(order.indexOf('trx-commit'))
  })
})
