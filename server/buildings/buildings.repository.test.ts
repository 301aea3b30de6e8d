import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemActor } from '../audit/audit.repository.js'
import type { DatabaseHandle } from '../db/connect.js'
import { AppError } from '../http/errors.js'
import { translate } from '../i18n/index.js'
import { loadMiniCounty } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import { type BuildingInput, replaceBuildings } from './buildings.repository.js'

// replaceBuildings over the mini county: a region's buildings replaced in one go, each placed in
// the community whose boundary holds it, one audit entry, and the refusals in both languages.

let database: DatabaseHandle
const actor = systemActor('buildings-test')

// Points inside 桂花社区 and 青石村 (the mini county's fixtures), and a footprint in 桂花社区.
const IN_GUIHUA: [number, number] = [113.005, 28.005]
const IN_QINGSHI: [number, number] = [113.03, 28.01]

const point = (position: [number, number], households: number, address: string | null = null): BuildingInput => ({
  geometry: { type: 'Point', coordinates: position },
  households,
  address,
})

async function counts() {
  const { rows } = await sql<{ region_code: string; n: number; households: number }>`
    SELECT region_code, count(*)::int AS n, sum(households)::int AS households FROM buildings
    GROUP BY region_code ORDER BY region_code`.execute(database.kysely)
  return rows
}

beforeAll(async () => {
  database = await openTestDatabase()
  await loadMiniCounty(database)
})

afterAll(async () => {
  await database?.close()
})

describe('replaceBuildings', () => {
  it('writes the buildings of a region, each in the community that holds it, with one audit entry', async () => {
    const footprint: BuildingInput = {
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [113.004, 28.004],
            [113.006, 28.004],
            [113.006, 28.006],
            [113.004, 28.006],
            [113.004, 28.004],
          ],
        ],
      },
      households: 12,
      address: '桂花路1号',
    }
    const written = await replaceBuildings(database.kysely, {
      region: '990101',
      buildings: [point(IN_GUIHUA, 3, '桂花路2号'), footprint, point(IN_QINGSHI, 5)],
      actor,
    })
    expect(written).toBe(3)
    expect(await counts()).toEqual([
      { region_code: '990101001001', n: 2, households: 15 },
      { region_code: '990101002001', n: 1, households: 5 },
    ])
    const { rows } = await sql<{ x: number; y: number }>`
      SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM buildings WHERE address = '桂花路1号'`.execute(database.kysely)
    expect(rows[0]?.x).toBeCloseTo(113.005, 6) // the footprint is stored as a point inside it
    const audit = await database.kysely
      .selectFrom('audit_log')
      .select(['action', 'after'])
      .where('action', '=', 'replace_buildings')
      .execute()
    expect(audit).toHaveLength(1)
  })

  it('replaces only the buildings under the given prefix', async () => {
    await replaceBuildings(database.kysely, { region: '990101002000', buildings: [point(IN_QINGSHI, 7), point(IN_QINGSHI, 8)], actor })
    expect(await counts()).toEqual([
      { region_code: '990101001001', n: 2, households: 15 },
      { region_code: '990101002001', n: 2, households: 15 },
    ])
    await replaceBuildings(database.kysely, { region: '990101002', buildings: [], actor })
    expect(await counts()).toEqual([{ region_code: '990101001001', n: 2, households: 15 }])
  })

  it('writes 20,000 buildings in a few statements', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => point([113.001 + (i % 100) * 0.00008, 28.001 + Math.floor(i / 100) * 0.00004], 1))
    const started = performance.now()
    await replaceBuildings(database.kysely, { region: '990101001', buildings: many, actor })
    const ms = performance.now() - started
    expect((await counts()).reduce((sum, row) => sum + row.n, 0)).toBe(20_000)
    expect(ms).toBeLessThan(20_000)
  })

  const refusals: { name: string; buildings: BuildingInput[]; code: string; zh: RegExp; en: RegExp }[] = [
    {
      name: 'a fractional household count',
      buildings: [point(IN_GUIHUA, 2), point(IN_GUIHUA, 2.5)],
      code: 'buildings_households_invalid',
      zh: /第 2 个建筑：户数须为不小于 0 的整数，实为“2.5”/,
      en: /Building 2: households must be a whole number of 0 or more, got "2.5"/,
    },
    {
      name: 'a negative household count',
      buildings: [point(IN_GUIHUA, -1)],
      code: 'buildings_households_invalid',
      zh: /实为“-1”/,
      en: /got "-1"/,
    },
    {
      name: 'a line',
      buildings: [
        {
          geometry: {
            type: 'LineString',
            coordinates: [
              [113, 28],
              [113.01, 28.01],
            ],
          },
          households: 1,
          address: null,
        },
      ],
      code: 'buildings_geometry_invalid',
      zh: /第 1 个建筑：几何须为点或面，实为 LineString/,
      en: /Building 1: the geometry must be a point or a polygon, got LineString/,
    },
  ]
  for (const refusal of refusals) {
    it(`refuses ${refusal.name} and leaves the table as it was`, async () => {
      const before = await counts()
      const error = await replaceBuildings(database.kysely, { region: '990101', buildings: refusal.buildings, actor }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(AppError)
      const { code, params } = error as AppError
      expect(code).toBe(refusal.code)
      expect(translate('zh-CN', `error.${code}`, params)).toMatch(refusal.zh)
      expect(translate('en', `error.${code}`, params)).toMatch(refusal.en)
      expect(await counts()).toEqual(before)
    })
  }

  it('refuses an unknown region (404)', async () => {
    const error = (await replaceBuildings(database.kysely, { region: '990101009', buildings: [point(IN_GUIHUA, 1)], actor }).catch(
      (e: unknown) => e,
    )) as AppError
    expect([error.statusCode, error.code]).toEqual([404, 'region_not_found'])
    expect(translate('zh-CN', `error.${error.code}`, error.params)).toContain('990101009')
    expect(translate('en', `error.${error.code}`, error.params)).toBe('Region "990101009" was not found')
  })
})
