import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { seedDemo } from '../demo/seed.js'
import { AppError } from '../http/errors.js'
import { translate } from '../i18n/index.js'
import { loadMiniCounty } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import { importAddressFile } from './address-import.js'
import { soleCountyOf } from './address-index.js'
import { lookupAddress, lookupAddressVia } from './address-lookup.js'

// Address lookup on a real database: the mini county with the fixture addresses, then the demo
// county's generated address set.

describe('lookupAddress (mini county fixtures)', () => {
  let database: DatabaseHandle
  const asked: [string, string][] = []
  const look = (query: string, regionPrefix = '990101') => {
    asked.push([query, regionPrefix])
    return lookupAddress(database.kysely, query, { regionPrefix })
  }

  beforeAll(async () => {
    database = await openTestDatabase()
    await loadMiniCounty(database)
    await importAddressFile(database.kysely, 'fixtures/addresses/mini-county.csv', { region: '990101' })
    await importAddressFile(database.kysely, 'fixtures/addresses/mini-county-gbk.csv')
  })
  afterAll(async () => {
    await database?.close()
  })

  it('matches the full address exactly, with its point', async () => {
    const result = await look('示范县城关镇桂花社区人民路1号')
    expect(result.normalised).toBe('人民路1号')
    expect(result.match).toEqual({ address: '示范县城关镇桂花社区人民路1号', lng: 113.001, lat: 28.001, score: 1 })
  })

  it('ignores full-width characters, spaces and the province/city prefixes (also short forms)', async () => {
    for (const query of [
      '示范县 城关镇 桂花社区 人民路１号',
      '示范省示范市示范县城关镇桂花社区人民路1号',
      '中国示范省示范城关镇桂花社区人民路一号',
      '桂花社区人民路1号',
    ]) {
      expect((await look(query)).match?.address, query).toBe('示范县城关镇桂花社区人民路1号')
    }
  })

  it('is unsure when two communities have the address and the query names neither', async () => {
    const result = await look('城关镇人民路1号')
    expect(result.match).toBeNull()
    expect(result.candidates.map((c) => [c.address, c.score])).toEqual([
      ['示范县城关镇桂花社区人民路1号', 1],
      ['示范县城关镇东湖社区人民路1号', 1],
    ])
    expect((await look('东湖社区人民路1号')).match?.address).toBe('示范县城关镇东湖社区人民路1号')
  })

  it('unifies Chinese numerals and building markers (十二号三号楼 = 12号3栋 = 12号3幢)', async () => {
    for (const query of ['东湖社区人民路12号3栋', '东湖社区人民路12号3幢', '东湖社区人民路十二号三号楼', '东湖社区 人民路 12 号 3 座']) {
      expect((await look(query)).match, query).toMatchObject({ address: '示范县城关镇东湖社区人民路十二号三号楼', score: 1 })
    }
  })

  it('forgives a misspelt street with a lower score, but not a different house number', async () => {
    const typo = await look('东湖社区和平街12号')
    expect(typo.match?.address).toBe('示范县城关镇东湖社区和平路12号')
    expect(typo.match?.score).toBeGreaterThan(0.8)
    expect(typo.match?.score).toBeLessThan(1)

    const other = await look('东湖社区和平路13号')
    expect(other.match).toBeNull()
    expect(other.candidates[0]?.address).toBe('示范县城关镇东湖社区和平路12号')
    expect(other.candidates[0]?.score).toBeLessThan(0.8)
  })

  it('finds rural group addresses written with 第 and Chinese numerals (also from the GBK file)', async () => {
    expect((await look('青石乡青石村第三组四十五号')).match?.address).toBe('示范县青石乡青石村3组45号')
    expect((await look('青石村二组15号')).match?.address).toBe('青石村第二组十五号')
  })

  it('finds nothing outside the caller’s region prefix', async () => {
    const result = await look('示范县城关镇桂花社区人民路2号', '990101002')
    expect(result.match).toBeNull()
    expect(result.candidates).toEqual([])
    expect((await look('示范县城关镇桂花社区人民路2号', '990101001')).match?.score).toBe(1)
  })

  it('refuses an empty or over-long query with a clear 400 in both languages', async () => {
    const empty = await look('  ').catch((e: unknown) => e)
    expect(empty).toBeInstanceOf(AppError)
    expect(empty).toMatchObject({ statusCode: 400, code: 'address_query_empty' })
    expect(translate('en', 'error.address_query_empty')).toContain('The address is empty')
    expect(translate('zh-CN', 'error.address_query_empty')).toContain('地址为空')
    const long = await look('人'.repeat(201)).catch((e: unknown) => e)
    expect(long).toMatchObject({ statusCode: 400, code: 'address_query_too_long', params: { max: 200 } })
    expect(translate('en', 'error.address_query_too_long', { max: 200 })).toBe('The address is too long: at most 200 characters')
    // Only region names: the last one is kept as the text to look up, and nothing matches it.
    expect(await look('示范县城关镇')).toMatchObject({ normalised: '城关镇', match: null, candidates: [] })
  })

  it('gives the same answers from the in-memory county index as from SQL, also for wider scopes', async () => {
    expect(asked.length).toBeGreaterThanOrEqual(15)
    // '' and '99' (all and the province): every fixture address is in county 990101, so its
    // index answers for them too — with the same candidates as SQL.
    for (const [query, regionPrefix] of [
      ...asked,
      ...asked.map(([q]) => [q, ''] as [string, string]),
      ...asked.map(([q]) => [q, '99'] as [string, string]),
    ]) {
      if (query.trim() === '' || query.length > 200) continue
      const memory = await lookupAddressVia(database.kysely, query, { regionPrefix }, 'auto')
      const sqlOnly = await lookupAddressVia(database.kysely, query, { regionPrefix }, 'sql')
      expect(memory, `${regionPrefix}: ${query}`).toEqual(sqlOnly)
    }
    expect((await look('示范县城关镇桂花社区人民路1号', '99')).match?.address).toBe('示范县城关镇桂花社区人民路1号')
    // which county holds all of a wide scope's addresses (none: SQL answers, finding nothing)
    expect(await soleCountyOf(database.kysely, '')).toBe('990101')
    expect(await soleCountyOf(database.kysely, '9901')).toBe('990101')
    expect(await soleCountyOf(database.kysely, '98')).toBeNull()
    expect((await look('示范县城关镇桂花社区人民路1号', '98')).match).toBeNull()
  })

  it('sees a new import at once', async () => {
    const before = await look('东湖社区迎宾路5号')
    expect(before.match).toBeNull()
    await importAddressFile(database.kysely, 'fixtures/addresses/bom-lng.csv')
    expect((await look('东湖社区迎宾路5号')).match?.address).toBe('示范县城关镇东湖社区迎宾路5号')
  })
})

describe('lookupAddress (demo county address set)', () => {
  let database: DatabaseHandle
  beforeAll(async () => {
    database = await openTestDatabase()
    await seedDemo(database.kysely)
  }, 180_000)
  afterAll(async () => {
    await database?.close()
  })

  it('ships one registry address per demo building', async () => {
    const [addresses, buildings] = await Promise.all([
      database.kysely
        .selectFrom('addresses')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
      database.kysely
        .selectFrom('buildings')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ])
    expect(Number(addresses.n)).toBe(Number(buildings.n))
    expect(Number(addresses.n)).toBeGreaterThan(40_000)
  })

  it('reloads the demo address set into a data dir seeded before the registry existed', async () => {
    await database.kysely.deleteFrom('addresses').execute()
    const summary = await seedDemo(database.kysely)
    expect(summary.seeded).toBe(false)
    const n = await database.kysely
      .selectFrom('addresses')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('source', '=', 'demo')
      .executeTakeFirstOrThrow()
    expect(Number(n.n)).toBeGreaterThan(40_000)
  })

  it('finds sampled building addresses at their building point, also written without the county', async () => {
    const sample = await database.kysely
      .selectFrom('buildings')
      .select((eb) => ['address', eb.fn<number>('ST_X', ['geom']).as('x'), eb.fn<number>('ST_Y', ['geom']).as('y')])
      .where((eb) => eb(eb.fn('mod', ['id', eb.lit(997)]), '=', 0))
      .orderBy('id')
      .execute()
    expect(sample.length).toBeGreaterThan(30)
    for (const b of sample) {
      const address = b.address as string
      const full = await lookupAddress(database.kysely, address, { regionPrefix: '990101' })
      expect(full.match, address).toMatchObject({ address, lng: b.x, lat: b.y, score: 1 })
      const short = await lookupAddress(database.kysely, address.replace(/^示范县/, ''), { regionPrefix: '990101' })
      expect(short.match?.address, address).toBe(address)
    }
  })
})
