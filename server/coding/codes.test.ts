import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../db/database.js'
import { AppError } from '../http/errors.js'
import { translate } from '../i18n/index.js'
import { bearer as auth, createMiniCountyApp } from '../testing/app.js'
import { allocateGridCodes, firstFilingOrder } from './allocate.js'
import { markAllocated } from './codes.repository.js'
import { findLineage, recordLineage, retireCodes } from './lineage.repository.js'

// Codes on a real database (PGlite, or PostgreSQL with DATABASE_URL): decoding over HTTP,
// allocation that never repeats a code across split → merge → split, the dedicated block,
// micro-grid suffixes and lineage walked both ways.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let county: string
let township: string

beforeAll(async () => {
  t = await createMiniCountyApp()
  ;({ county, township } = t.tokens)
})
afterAll(async () => t?.close())

const GUIHUA = '990101001001' // 桂花社区: grids 001 (north), 002 (south)
const DONGHU = '990101001002' // 东湖社区: grid 001
const QINGSHI = '990101002001' // 青石村: grid 001

type Box = [number, number, number, number]

async function insertGrid(
  trx: Kysely<Database>,
  grid: { code: string; kind: 'comprehensive' | 'dedicated' | 'micro'; region: string; box: Box; from: string; parent?: string },
) {
  const [x1, y1, x2, y2] = grid.box
  await sql`
    INSERT INTO grids (code, version, name, kind, region_code, parent_code, geom, valid_from)
    VALUES (${grid.code}, 1, ${`网格 ${grid.code}`}, ${grid.kind}, ${grid.region}, ${grid.parent ?? null},
            ST_Multi(ST_MakeEnvelope(${x1}, ${y1}, ${x2}, ${y2}, 4490)), ${grid.from})`.execute(trx)
}

async function closeGrids(trx: Kysely<Database>, codes: string[], date: string) {
  await trx.updateTable('grids').set({ valid_to: date }).where('code', 'in', codes).where('valid_to', 'is', null).execute()
}

const centre = ([x1, y1, x2, y2]: Box): [number, number] => [(x1 + x2) / 2, (y1 + y2) / 2]

/** Replaces `parents` by grids with the given boxes, as an approval would; returns the new codes. */
async function replace(parents: string[], boxes: Box[], relation: 'split' | 'merge', date: string): Promise<string[]> {
  return t.db.transaction().execute(async (trx) => {
    const codes = await allocateGridCodes(trx, {
      regionCode: GUIHUA,
      layout: 'cn-stat-15',
      grids: boxes.map((box, i) => ({ key: `g${i}`, kind: 'comprehensive', interiorPoint: centre(box) })),
    })
    const children = boxes.map((_, i) => codes.get(`g${i}`)!)
    await closeGrids(trx, parents, date)
    for (const [i, box] of boxes.entries())
      await insertGrid(trx, { code: children[i]!, kind: 'comprehensive', region: GUIHUA, box, from: date })
    await recordLineage(trx, { parents, children, relation, proposalId: null, effectiveDate: date })
    await retireCodes(trx, parents, date, null)
    return children
  })
}

describe('allocation never repeats a code', () => {
  it('split → merge → split of the same area gives fresh codes every time, in reading order', async () => {
    // 001 covers 113.00–113.01 × 28.01–28.02. Split it west | east.
    const split1 = await replace(
      ['990101001001001'],
      [
        [113.005, 28.01, 113.01, 28.02],
        [113.0, 28.01, 113.005, 28.02],
      ],
      'split',
      '2026-03-01',
    )
    expect(split1).toEqual(['990101001001004', '990101001001003']) // the western half is numbered first
    const merged = await replace(split1, [[113.0, 28.01, 113.01, 28.02]], 'merge', '2026-04-01')
    expect(merged).toEqual(['990101001001005'])
    // Split again north / south: north first.
    const split2 = await replace(
      merged,
      [
        [113.0, 28.01, 113.01, 28.015],
        [113.0, 28.015, 113.01, 28.02],
      ],
      'split',
      '2026-05-01',
    )
    expect(split2).toEqual(['990101001001007', '990101001001006'])

    const all = ['990101001001001', ...split1, ...merged, ...split2]
    expect(new Set(all).size).toBe(all.length)
    const rows = await t.db
      .selectFrom('grid_codes')
      .select(['code', 'status', 'retired_on'])
      .where('region_code', '=', GUIHUA)
      .orderBy('code')
      .execute()
    expect(rows.map((r) => [r.code.slice(12), r.status])).toEqual([
      ['001', 'retired'],
      ['002', 'active'],
      ['003', 'retired'],
      ['004', 'retired'],
      ['005', 'retired'],
      ['006', 'active'],
      ['007', 'active'],
    ])
    // The next grid takes 008, never a retired number.
    const next = await t.db.transaction().execute((trx) =>
      allocateGridCodes(trx, {
        regionCode: GUIHUA,
        layout: 'cn-stat-15',
        grids: [{ key: 'x', kind: 'comprehensive', interiorPoint: [113, 28] }],
      }),
    )
    expect(next.get('x')).toBe('990101001001008')
  })

  it('walks lineage both ways, through the merge', async () => {
    const descendants = await findLineage(t.db, '990101001001001', 'descendants')
    expect(descendants.map((e) => [e.parent.slice(12), e.child.slice(12), e.relation, e.depth])).toEqual([
      ['001', '003', 'split', 1],
      ['001', '004', 'split', 1],
      ['003', '005', 'merge', 2],
      ['004', '005', 'merge', 2],
      ['005', '006', 'split', 3],
      ['005', '007', 'split', 3],
    ])
    const response = await t.http().get('/api/v1/codes/990101001001006/lineage?direction=ancestors').set(auth(county)).expect(200)
    expect(response.body.codes).toEqual(['990101001001005', '990101001001003', '990101001001004', '990101001001001'])
    expect(response.body.edges[0]).toEqual({
      parent: '990101001001005',
      child: '990101001001006',
      relation: 'split',
      proposal_id: null,
      effective_date: '2026-05-01',
      depth: 1,
    })
  })

  it('refuses to retire a code twice and rolls the whole call back', async () => {
    const attempt = t.db.transaction().execute((trx) => retireCodes(trx, ['990101001001002', '990101001001001'], '2026-06-01', null))
    await expect(attempt).rejects.toMatchObject({ statusCode: 409, code: 'grid_code_not_active', params: { codes: '990101001001001' } })
    const row = await t.db.selectFrom('grid_codes').select('status').where('code', '=', '990101001001002').executeTakeFirstOrThrow()
    expect(row.status).toBe('active')
  })

  it('gives the same codes as firstFilingOrder in a community that never had codes', async () => {
    const grids = [
      { key: 'a', kind: 'comprehensive' as const, interiorPoint: [113.02, 28.0] as [number, number] },
      { key: 'b', kind: 'comprehensive' as const, interiorPoint: [113.0, 28.0] as [number, number] },
    ]
    const fresh = '990101002002' // no grids ever; the region row must exist for the trigger's FK, not for allocation
    const preview = firstFilingOrder({ regionCode: fresh, layout: 'cn-stat-15', grids })
    const allocated = await t.db.transaction().execute((trx) => allocateGridCodes(trx, { regionCode: fresh, layout: 'cn-stat-15', grids }))
    expect(Object.fromEntries(allocated)).toEqual(Object.fromEntries(preview))
    expect(preview.get('b')).toBe('990101002002001')
  })
})

describe('concurrent approvals', () => {
  it('serialise numbering in one community: the second waits for the first and takes the next number', async () => {
    let allocated!: () => void
    const firstAllocated = new Promise<void>((resolve) => {
      allocated = resolve
    })
    const grid = { key: 'k', kind: 'comprehensive' as const, interiorPoint: [113.015, 28.001] as [number, number] }
    const first = t.db.transaction().execute(async (trx) => {
      const code = (await allocateGridCodes(trx, { regionCode: DONGHU, layout: 'cn-stat-15', grids: [grid] })).get('k')!
      await insertGrid(trx, { code, kind: 'comprehensive', region: DONGHU, box: [113.014, 28.0, 113.016, 28.002], from: '2026-02-01' })
      allocated()
      await new Promise((resolve) => setTimeout(resolve, 300))
      return code
    })
    await firstAllocated
    const second = t.db.transaction().execute(async (trx) => {
      const code = (await allocateGridCodes(trx, { regionCode: DONGHU, layout: 'cn-stat-15', grids: [grid] })).get('k')!
      await insertGrid(trx, { code, kind: 'comprehensive', region: DONGHU, box: [113.016, 28.0, 113.018, 28.002], from: '2026-02-01' })
      return code
    })
    expect(await Promise.all([first, second])).toEqual(['990101001002002', '990101001002003'])
  })
})

describe('dedicated block and micro-grids', () => {
  it('numbers dedicated grids from 901 and refuses (409) when 901–999 are used up', async () => {
    const first = await t.db.transaction().execute(async (trx) => {
      const codes = await allocateGridCodes(trx, {
        regionCode: DONGHU,
        layout: 'cn-stat-15',
        grids: [
          { key: 'hospital', kind: 'dedicated', interiorPoint: [113.018, 28.005] },
          { key: 'school', kind: 'dedicated', interiorPoint: [113.012, 28.005] },
          { key: 'new', kind: 'comprehensive', interiorPoint: [113.015, 28.001] },
        ],
      })
      await insertGrid(trx, {
        code: codes.get('school')!,
        kind: 'dedicated',
        region: DONGHU,
        box: [113.011, 28.004, 113.013, 28.006],
        from: '2026-03-01',
        parent: '990101001002001',
      })
      await insertGrid(trx, {
        code: codes.get('hospital')!,
        kind: 'dedicated',
        region: DONGHU,
        box: [113.017, 28.004, 113.019, 28.006],
        from: '2026-03-01',
        parent: '990101001002001',
      })
      return codes
    })
    expect(Object.fromEntries(first)).toEqual({ school: '990101001002901', hospital: '990101001002902', new: '990101001002004' })

    const error = await t.db
      .transaction()
      .execute(async (trx) => {
        await sql`INSERT INTO grid_codes (code, region_code, kind, status)
          SELECT ${DONGHU} || n::text, ${DONGHU}, 'dedicated', 'retired' FROM generate_series(903, 999) AS n`.execute(trx)
        await allocateGridCodes(trx, {
          regionCode: DONGHU,
          layout: 'cn-stat-15',
          grids: [{ key: 'park', kind: 'dedicated', interiorPoint: [113.01, 28.0] }],
        })
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    const { statusCode, code, params } = error as AppError
    expect([statusCode, code]).toEqual([409, 'grid_code_block_exhausted_dedicated'])
    expect(translate('en', `error.${code}`, params)).toBe(
      'All dedicated grid sequences 901–999 of 990101001002 (layout cn-stat-15) have been used; codes are never reused, so 1 new dedicated grid(s) cannot be numbered',
    )
    expect(translate('zh-CN', `error.${code}`, params)).toContain('专属网格号段 901–999 已全部用过')
  })

  it('gives micro-grids the next 2-digit suffix under their parent', async () => {
    const parent = `${QINGSHI}001`
    const first = await t.db.transaction().execute(async (trx) => {
      const codes = await allocateGridCodes(trx, {
        regionCode: QINGSHI,
        layout: 'cn-stat-15',
        grids: [
          { key: 'east', kind: 'micro', interiorPoint: [113.03, 28.0], parentCode: parent },
          { key: 'west', kind: 'micro', interiorPoint: [113.02, 28.0], parentCode: parent },
        ],
      })
      for (const [key, code] of codes) {
        const x = key === 'west' ? 113.02 : 113.03
        await insertGrid(trx, { code, kind: 'micro', region: QINGSHI, box: [x, 28.0, x + 0.001, 28.001], from: '2026-03-01', parent })
      }
      return codes
    })
    expect(Object.fromEntries(first)).toEqual({ west: `${parent}01`, east: `${parent}02` })
    const next = await t.db.transaction().execute((trx) =>
      allocateGridCodes(trx, {
        regionCode: QINGSHI,
        layout: 'cn-stat-15',
        grids: [{ key: 'm', kind: 'micro', interiorPoint: [113, 28], parentCode: parent }],
      }),
    )
    expect(next.get('m')).toBe(`${parent}03`)
    await expect(
      t.db.transaction().execute((trx) =>
        allocateGridCodes(trx, {
          regionCode: QINGSHI,
          layout: 'cn-stat-15',
          grids: [{ key: 'm', kind: 'micro', interiorPoint: [113, 28], parentCode: `${QINGSHI}077` }],
        }),
      ),
    ).rejects.toMatchObject({ statusCode: 400, code: 'grid_code_micro_parent_invalid' })
  })

  it('allocates under another layout and records it', async () => {
    const code = await t.db.transaction().execute(async (trx) => {
      const codes = await allocateGridCodes(trx, {
        regionCode: QINGSHI,
        layout: 'cjt349-20',
        grids: [{ key: 'k', kind: 'comprehensive', interiorPoint: [113, 28] }],
      })
      const allocated = codes.get('k')!
      await insertGrid(trx, {
        code: allocated,
        kind: 'comprehensive',
        region: QINGSHI,
        box: [113.05, 28.05, 113.06, 28.06],
        from: '2026-03-01',
      })
      await markAllocated(trx, { codes: [allocated], layout: 'cjt349-20', proposalId: null })
      return allocated
    })
    expect(code).toBe(`010100${QINGSHI}01`)
    const response = await t.http().get(`/api/v1/codes/${code}`).set(auth(county)).expect(200)
    expect(response.body).toMatchObject({
      layout: 'cjt349-20',
      kind: 'comprehensive',
      status: 'active',
      parts: { object: '010100', sequence: '01' },
    })
  })
})

describe('GET /api/v1/codes/{code}', () => {
  it('decodes an active code with its region, grid and lineage', async () => {
    const response = await t.http().get('/api/v1/codes/990101001002001').set(auth(township)).expect(200)
    expect(response.body).toEqual({
      code: '990101001002001',
      layout: 'cn-stat-15',
      parts: { province: '99', city: '01', county: '01', township: '001', community: '002', sequence: '001' },
      kind: 'comprehensive',
      status: 'active',
      retired_on: null,
      parent: null,
      region: { code: DONGHU, name: '东湖社区' },
      grid: { name: '东湖社区第一网格', valid_from: '2026-01-01', valid_to: null },
      lineage: { parents: [], children: [] },
    })
  })

  it('says when a code is retired and what it became', async () => {
    const response = await t.http().get('/api/v1/codes/990101001001001').set(auth(county)).expect(200)
    expect(response.body).toMatchObject({
      status: 'retired',
      retired_on: '2026-03-01',
      grid: { valid_to: '2026-03-01' },
      lineage: { parents: [], children: ['990101001001003', '990101001001004'] },
    })
  })

  it('answers unknown for a well-formed code never given, in any layout', async () => {
    const unknown = await t.http().get('/api/v1/codes/990101001001555').set(auth(county)).expect(200)
    expect(unknown.body).toMatchObject({ status: 'unknown', kind: 'comprehensive', grid: null, region: { name: '桂花社区' } })
    const dedicated = await t.http().get('/api/v1/codes/990101001001955?layout=bj-db11-15').set(auth(county)).expect(200)
    expect(dedicated.body).toMatchObject({ status: 'unknown', layout: 'bj-db11-15', kind: 'dedicated' })
    const micro = await t.http().get('/api/v1/codes/99010100100100207').set(auth(county)).expect(200)
    expect(micro.body).toMatchObject({ status: 'unknown', kind: 'micro', parent: '990101001001002', parts: { micro: '07' } })
    const cjt = await t.http().get('/api/v1/codes/01020099010100100133').set(auth(county)).expect(200)
    expect(cjt.body).toMatchObject({ status: 'unknown', layout: 'cjt349-20', kind: 'dedicated' })
  })

  it('refuses malformed codes with a 400 naming what is wrong, in Chinese and English', async () => {
    const cases: [string, string, string, string][] = [
      ['99010100100', 'grid_code_length', 'it has 11 digits, expected 15 / 17 / 20 / 22', '共 11 位，应为 15 / 17 / 20 / 22 位'],
      ['99010100100A001', 'grid_code_not_digits', 'character 12 is not a digit', '第 12 位不是数字'],
      ['990101001001000', 'grid_code_sequence_zero', 'its sequence "000" is zero', '网格顺序码“000”为零'],
      ['000101001001001', 'grid_code_province_unknown', 'there is no province "00"', '省级代码“00”不存在'],
    ]
    for (const [code, errorCode, en, zh] of cases) {
      const english = await t.http().get(`/api/v1/codes/${code}`).set(auth(county)).set('Accept-Language', 'en').expect(400)
      expect(english.body.error.code).toBe(errorCode)
      expect(english.body.error.message).toContain(`Grid code "${code}" is malformed: `)
      expect(english.body.error.message).toContain(en)
      const chinese = await t.http().get(`/api/v1/codes/${code}`).set(auth(county)).expect(400)
      expect(chinese.body.error.message).toContain(zh)
    }
  })

  it('keeps codes outside the caller’s scope out of reach (403), known or not', async () => {
    await t.http().get(`/api/v1/codes/${QINGSHI}001`).set(auth(township)).expect(403)
    await t.http().get(`/api/v1/codes/${QINGSHI}444`).set(auth(township)).expect(403)
    await t.http().get(`/api/v1/codes/${QINGSHI}001/lineage?direction=descendants`).set(auth(township)).expect(403)
    await t.http().get(`/api/v1/codes/${QINGSHI}001`).expect(401)
  })

  it('asks for a lineage direction', async () => {
    const response = await t.http().get('/api/v1/codes/990101001001001/lineage').set(auth(county)).set('Accept-Language', 'en').expect(400)
    expect(response.body.error.message).toContain('direction')
    const none = await t.http().get('/api/v1/codes/990101001002001/lineage?direction=descendants').set(auth(county)).expect(200)
    expect(none.body).toEqual({ code: '990101001002001', direction: 'descendants', codes: [], edges: [] })
  })
})
