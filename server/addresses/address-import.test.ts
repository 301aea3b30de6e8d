import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestDatabase } from '../testing/database.js'
import { loadMiniCounty } from '../testing/app.js'
import type { DatabaseHandle } from '../db/connect.js'
import { AppError } from '../http/errors.js'
import { Readable } from 'node:stream'
import { detectEncoding, importAddresses, importAddressFile } from './address-import.js'

// The address importer on a real database with the mini county (城关镇: 桂花社区 113.00–113.01,
// 东湖社区 113.01–113.02; 青石乡/青石村 113.02–113.04; latitudes 28.00–28.02).

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
  await loadMiniCounty(database)
})
afterAll(async () => {
  await database?.close()
})

const rowsOf = async () =>
  (
    await database.kysely
      .selectFrom('addresses')
      .select(['region_code', 'address', 'normalised', 'source'])
      .orderBy('region_code')
      .orderBy('normalised')
      .execute()
  ).map((r) => `${r.region_code} ${r.normalised} ← ${r.address}`)

describe('importAddressFile', () => {
  it('detects UTF-8 (with or without BOM) and GBK', async () => {
    expect(await detectEncoding('fixtures/addresses/mini-county.csv')).toBe('utf8')
    expect(await detectEncoding('fixtures/addresses/bom-lng.csv')).toBe('utf8')
    expect(await detectEncoding('fixtures/addresses/mini-county-gbk.csv')).toBe('gb18030')
    // The fixture really is GBK: not valid UTF-8, and 示 is 0xCA 0xBE in GBK.
    expect(readFileSync('fixtures/addresses/mini-county-gbk.csv').includes(Buffer.from([0xca, 0xbe]))).toBe(true)
  })

  it('loads the valid rows, reports each bad row with its line and reason, and is idempotent', async () => {
    const report = await importAddressFile(database.kysely, 'fixtures/addresses/mini-county.csv', { region: '990101', language: 'en' })
    expect(report).toMatchObject({ encoding: 'utf8', rows: 14, inserted: 8, updated: 0 })
    expect(report.rejected.map((r) => [r.row, r.reason])).toEqual([
      [8, 'duplicate'],
      [9, 'missing_address'],
      [10, 'bad_number'],
      [11, 'missing_coordinate'],
      [12, 'out_of_range'],
      [13, 'outside_region'],
    ])
    expect(report.rejected[0]?.message).toBe('row 8: the same address as row 2 (after normalisation)')
    expect(report.rejected[2]?.message).toBe('row 10: "abc" is not a number')
    expect(report.rejected[5]?.message).toBe(
      'row 13: the point 28.005, 13.015 is not inside region 990101 (longitude and latitude swapped?)',
    )
    expect(await rowsOf()).toEqual([
      '990101001001 人民路1号 ← 示范县城关镇桂花社区人民路1号',
      '990101001001 人民路2号 ← 示范县城关镇桂花社区人民路2号',
      '990101001001 人民路3号3栋 ← 示范县城关镇桂花社区人民路3号3栋',
      '990101001002 人民路12号3栋 ← 示范县城关镇东湖社区人民路十二号三号楼',
      '990101001002 人民路1号 ← 示范县城关镇东湖社区人民路1号',
      '990101001002 和平路12号 ← 示范县城关镇东湖社区和平路12号',
      '990101001002 解放路12号 ← 示范县城关镇东湖社区解放路12号（菜市场旁）',
      '990101002001 3组45号 ← 示范县青石乡青石村3组45号',
    ])

    const again = await importAddressFile(database.kysely, 'fixtures/addresses/mini-county.csv', { region: '990101' })
    expect(again).toMatchObject({ inserted: 0, updated: 8 })
    expect(again.rejected[0]?.message).toBe('第 8 行：与第 2 行是同一地址（规范化后）')
    expect(await rowsOf()).toHaveLength(8)
  })

  it('reads GBK with Chinese headers, without --region (region from the point)', async () => {
    const report = await importAddressFile(database.kysely, 'fixtures/addresses/mini-county-gbk.csv', { language: 'en' })
    expect(report).toMatchObject({ encoding: 'gb18030', rows: 6, inserted: 4 })
    expect(report.rejected.map((r) => [r.row, r.reason])).toEqual([
      [6, 'duplicate'],
      [7, 'out_of_range'],
    ])
    const rows = await rowsOf()
    expect(rows).toContain('990101002001 1组1号 ← 示范县青石乡青石村1组1号')
    expect(rows).toContain('990101002001 2组15号 ← 青石村第二组十五号')
    expect(rows).toContain('990101001001 文昌路7号 ← 示范县城关镇桂花社区文昌路７号')
  })

  it('accepts a BOM, lng for lon, CRLF, and converts GCJ-02', async () => {
    const report = await importAddressFile(database.kysely, 'fixtures/addresses/bom-lng.csv', { crs: 'gcj02' })
    expect(report).toMatchObject({ rows: 1, inserted: 1, rejected: [] })
    const row = await database.kysely
      .selectFrom('addresses')
      .select((eb) => [eb.fn<number>('ST_X', ['geom']).as('x'), 'address'])
      .where('normalised', '=', '迎宾路5号')
      .executeTakeFirstOrThrow()
    expect(row.address).toBe('示范县城关镇东湖社区迎宾路5号')
    // GCJ-02 is offset by a few hundred metres in China: the stored WGS84 point moved west.
    expect(row.x).toBeLessThan(113.014)
    expect(row.x).toBeGreaterThan(113.0)
  })

  it('refuses a file without the needed columns, and an unknown region, with a clear message', async () => {
    const error = await importAddressFile(database.kysely, 'fixtures/regions/mini-county.geojson').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('address_import_columns')
    const unknown = await importAddressFile(database.kysely, 'fixtures/addresses/mini-county.csv', { region: '990199' }).catch(
      (e: unknown) => e,
    )
    expect(unknown).toMatchObject({ statusCode: 404, code: 'region_not_found' })
  })

  it('reports malformed CSV (a broken quote) as bad rows, never dropping lines silently', async () => {
    const csv =
      '地址,经度,纬度\n示范县城关镇东湖社区学府路1号,113.012,28.003\n"示范县城关镇东湖"社区学府路2号,113.012,28.004\n示范县城关镇东湖社区学府路3号,113.012,28.005\n'
    const report = await importAddresses(database.kysely, Readable.from([Buffer.from(csv)]), { language: 'en' })
    expect(report).toMatchObject({ rows: 3, inserted: 1 })
    // The broken quote swallows the rest of the file: both places are reported, nothing silently.
    expect(report.rejected.map((r) => [r.row, r.reason])).toEqual([
      [3, 'bad_csv'],
      [4, 'bad_csv'],
    ])
    expect(report.rejected[0]?.message).toMatch(/^row 3: not readable as CSV/)
  })
})
