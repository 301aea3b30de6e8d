import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppError } from '../http/errors.js'
import { translate } from '../i18n/index.js'
import { bearer, createMiniCountyApp } from '../testing/app.js'
import { checkChangeShape } from './change-rules.js'

// A change that could never be applied is refused when it is made (POST/PUT /proposals), with
// the change number and the field in the message, on both engines; one stored before these rules
// is refused at the applying step with the same 400 (it used to be a 500 that left the proposal
// stuck). The township user drafts for 城关镇 (990101001); the county approves.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>

beforeAll(async () => {
  t = await createMiniCountyApp()
})
afterAll(async () => t?.close())

const GRID = '990101001001002' // 150 households, below the urban minimum: 250 makes the township valid
const OTHER = '990101001001001'
const SQUARE = {
  type: 'Polygon',
  coordinates: [
    [
      [113.0, 28.0],
      [113.002, 28.0],
      [113.002, 28.002],
      [113.0, 28.002],
      [113.0, 28.0],
    ],
  ],
}

/** POST /proposals in both languages: status, code and both messages. */
async function draftBoth(changes: unknown[], exceptions: unknown[] = []) {
  const send = (language: string) =>
    t
      .http()
      .post('/api/v1/proposals')
      .set(bearer(t.tokens.township))
      .set('Accept-Language', language)
      .send({ region: '990101001000', title: '调整', reason: '核对', changes, exceptions })
  const [zh, en] = [await send('zh-CN'), await send('en')]
  return { status: zh.status, code: zh.body.error?.code, zh: zh.body.error?.message, en: en.body.error?.message }
}

const update = (properties: Record<string, unknown>) => ({ op: 'update', grid: GRID, properties })
const create = (properties: Record<string, unknown>) => ({ op: 'create', geometry: SQUARE, properties })

describe('change properties are checked when the change is made', () => {
  it.each([
    [-5, 'out of the allowed range', '超出允许范围'],
    [1e308, 'out of the allowed range', '超出允许范围'],
    ['abc', 'must be integer', '的类型应为integer'],
    [1.5, 'must be integer', '的类型应为integer'],
  ])('households %s → 400 naming the change and the field', async (households, en, zh) => {
    const answer = await draftBoth([update({ households })])
    expect(answer).toMatchObject({ status: 400, code: 'invalid_request' })
    expect(answer.en).toBe(`Invalid request: field "body.changes.0.properties.households" ${en.startsWith('out') ? `is ${en}` : en}`)
    expect(answer.zh).toBe(`请求参数有误：字段“body.changes.0.properties.households”${zh}`)
  })

  it('a count date that is not a real day', async () => {
    expect(await draftBoth([update({ households: 250 }), update({ count_date: '2026-02-30' })])).toEqual({
      status: 400,
      code: 'proposal_change_date',
      zh: '第 2 项变更：“properties.count_date”为 "2026-02-30"，应为 YYYY-MM-DD 格式的真实日期',
      en: 'Change 2: "properties.count_date" is "2026-02-30"; expected a real date as YYYY-MM-DD',
    })
    expect((await draftBoth([update({ count_date: '0000-01-01' })])).code).toBe('proposal_change_date')
  })

  it('an unknown kind, and names that are empty or too long', async () => {
    expect(await draftBoth([create({ kind: 'bogus' })])).toEqual({
      status: 400,
      code: 'invalid_request',
      zh: '请求参数有误：字段“body.changes.0.properties.kind”只能是以下之一：comprehensive, dedicated, micro',
      en: 'Invalid request: field "body.changes.0.properties.kind" must be one of: comprehensive, dedicated, micro',
    })
    for (const name of ['', '   ', '网'.repeat(101)]) {
      expect(await draftBoth([update({ name })])).toMatchObject({
        status: 400,
        en: 'Invalid request: field "body.changes.0.properties.name" has the wrong format',
      })
    }
  })

  it('a region_code outside the township, even with an outside_parent exception asked for', async () => {
    const qingshi = {
      type: 'Polygon',
      coordinates: [
        [
          [113.03, 28.0],
          [113.032, 28.0],
          [113.032, 28.002],
          [113.03, 28.002],
          [113.03, 28.0],
        ],
      ],
    }
    const changes = [{ op: 'create', geometry: qingshi, properties: { name: '越界网格', region_code: '990101002001' } }]
    const exceptions = [{ code: 'outside_parent', feature_ids: ['new-1'], reason: '跨乡镇管理' }]
    expect(await draftBoth(changes, exceptions)).toEqual({
      status: 400,
      code: 'proposal_change_region_outside',
      zh: '第 1 项变更：区划 990101002001 不在本申请所属乡镇（街道）990101001000 内，申请只能在本乡镇（街道）内新建网格',
      en: "Change 1: region 990101002001 is not a region of the proposal's township 990101001000; a proposal may only create grids in its own township",
    })
    // Inside the township's code range but not a region at all.
    expect((await draftBoth([create({ region_code: '990101001999' })])).code).toBe('proposal_change_region_outside')
    expect((await draftBoth([create({ region_code: '9901010010' })])).en).toBe(
      'Invalid request: field "body.changes.0.properties.region_code" has the wrong format',
    )
  })

  it('a parent only for dedicated and micro grids, and one that exists', async () => {
    expect(await draftBoth([create({ parent_code: OTHER })])).toEqual({
      status: 400,
      code: 'proposal_change_parent_not_allowed',
      zh: '第 1 项变更：综合网格没有 parent_code，只有专属网格和微网格位于其他网格之内',
      en: 'Change 1: a comprehensive grid has no parent_code; only dedicated and micro grids lie in another grid',
    })
    expect(await draftBoth([create({ kind: 'micro' })])).toMatchObject({
      code: 'proposal_change_parent_required',
      en: 'Change 1: a micro grid needs parent_code, the code of the current grid it lies in',
    })
    // 990101001002001 is a grid of the other community (东湖社区); SQUARE lies in 桂花社区.
    expect(await draftBoth([create({ kind: 'micro', parent_code: '990101001002001', region_code: '990101001001' })])).toMatchObject({
      code: 'proposal_change_parent_unknown',
      zh: '第 1 项变更：parent_code“990101001002001”不是本乡镇（街道）中可容纳 micro 网格的现行网格（微网格须位于本社区的非微网格内）',
    })
    const ok = await t
      .http()
      .post('/api/v1/proposals')
      .set(bearer(t.tokens.township))
      .send({
        region: '990101001000',
        title: '微网格',
        reason: '楼栋',
        changes: [create({ kind: 'micro', parent_code: OTHER, region_code: '990101001001', name: '一号楼' })],
      })
    expect(ok.status, ok.text).toBe(200)
  })

  it('a grid named twice in a merge (it used to double its households)', async () => {
    expect(await draftBoth([{ op: 'merge', grids: [GRID, GRID] }])).toEqual({
      status: 400,
      code: 'proposal_merge_duplicate',
      zh: `第 1 项变更：网格“${GRID}”在合并中出现了不止一次`,
      en: `Change 1: grid "${GRID}" is named more than once in the merge`,
    })
  })

  it('a change naming a grid an earlier change of the list removed', async () => {
    const changes = [
      { op: 'retire', grid: OTHER },
      update({ households: 250 }),
      { op: 'update', grid: OTHER, properties: { name: '已撤销' } },
    ]
    expect(await draftBoth(changes)).toEqual({
      status: 400,
      code: 'proposal_grid_removed',
      zh: `第 3 项变更所指网格“${OTHER}”已被本申请第 1 项变更撤销`,
      en: `Change 3 names grid "${OTHER}", which change 1 of this proposal already removes`,
    })
    expect(
      (
        await draftBoth([
          { op: 'merge', grids: [OTHER, GRID] },
          {
            op: 'split',
            grid: GRID,
            line: {
              type: 'LineString',
              coordinates: [
                [113.005, 27.99],
                [113.005, 28.03],
              ],
            },
          },
        ])
      ).code,
    ).toBe('proposal_grid_removed')
  })

  it('refuses the same on PUT and leaves the draft as it was', async () => {
    const created = await t
      .http()
      .post('/api/v1/proposals')
      .set(bearer(t.tokens.township))
      .send({ region: '990101001000', title: 't', reason: 'r', changes: [update({ households: 250 })] })
    expect(created.status, created.text).toBe(200)
    const put = (language: string) =>
      t
        .http()
        .put(`/api/v1/proposals/${created.body.id}`)
        .set(bearer(t.tokens.township))
        .set('Accept-Language', language)
        .send({ version: 1, changes: [update({ count_date: '2026-02-30' })] })
    expect((await put('en')).body.error).toEqual({
      code: 'proposal_change_date',
      message: 'Change 1: "properties.count_date" is "2026-02-30"; expected a real date as YYYY-MM-DD',
    })
    expect((await put('zh-CN')).status).toBe(400)
    expect((await put('en').send({ version: 1, changes: [update({ households: 'abc' })] })).body.error.message).toBe(
      'Invalid request: field "body.changes.0.properties.households" must be integer',
    )
    const stored = await t.db
      .selectFrom('proposals')
      .select(['changes', 'version'])
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow()
    expect(stored).toEqual({ changes: [update({ households: 250 })], version: 1 })
  })
})

describe('the checks that also cover changes stored before the schema', () => {
  /** The error checkChangeShape raises for a change, in both languages. */
  const refusal = (change: unknown) => {
    try {
      checkChangeShape(change, 0)
    } catch (error) {
      const { statusCode, code, params } = error as AppError
      return { statusCode, code, zh: translate('zh-CN', `error.${code}`, params), en: translate('en', `error.${code}`, params) }
    }
    return null
  }

  it('an op without the members it needs', async () => {
    expect(await draftBoth([{ op: 'update', grid: GRID }])).toEqual({
      status: 400,
      code: 'proposal_change_missing',
      zh: '第 1 项变更：update 操作需要“properties”',
      en: 'Change 1: op "update" needs "properties"',
    })
    expect(refusal({ op: 'reshape', grid: GRID })).toMatchObject({
      code: 'proposal_change_missing',
      en: 'Change 1: op "reshape" needs "geometry"',
    })
  })

  it.each([
    ['not an object', 'x', 'proposal_change_object', 'Change 1: "changes.0" must be an object', '第 1 项变更：“changes.0”应为对象'],
    [
      'unknown op',
      { op: 'explode' },
      'proposal_op_unknown',
      'Change 1 has op "explode"; expected create, reshape, split, merge, retire or update',
      '第 1 项的操作“explode”无效，应为 create、reshape、split、merge、retire 或 update',
    ],
    ['grid not text', { op: 'retire', grid: 42 }, 'proposal_change_text', 'Change 1: "grid" must be text', '第 1 项变更：“grid”应为文本'],
    [
      'grids not codes',
      { op: 'merge', grids: [1, 2] },
      'proposal_change_grid_list',
      'Change 1: "grids" must be a list of grid codes',
      '第 1 项变更：“grids”应为网格编码列表',
    ],
    [
      'properties not an object',
      { op: 'update', grid: GRID, properties: [] },
      'proposal_change_object',
      'Change 1: "properties" must be an object',
      '第 1 项变更：“properties”应为对象',
    ],
    [
      'empty name',
      { op: 'update', grid: GRID, properties: { name: ' ' } },
      'proposal_change_name',
      'Change 1: "properties.name" must be a non-empty name of at most 100 characters',
      '第 1 项变更：“properties.name”应为不超过 100 个字符的非空名称',
    ],
    [
      'bogus kind',
      { op: 'create', geometry: SQUARE, properties: { kind: 'bogus' } },
      'proposal_change_kind',
      'Change 1: "properties.kind" is "bogus"; expected comprehensive, dedicated or micro',
      '第 1 项变更：“properties.kind”为 "bogus"，应为 comprehensive（综合网格）、dedicated（专属网格）或 micro（微网格）',
    ],
    [
      'short region',
      { op: 'create', geometry: SQUARE, properties: { region_code: '9901' } },
      'proposal_change_region_code',
      'Change 1: "properties.region_code" is "9901"; expected a 12-digit region code',
      '第 1 项变更：“properties.region_code”为 "9901"，应为 12 位区划代码',
    ],
    [
      'bad parent',
      { op: 'create', geometry: SQUARE, properties: { parent_code: 'x' } },
      'proposal_change_grid_code',
      'Change 1: "properties.parent_code" is "x"; expected a grid code of 12 to 24 digits',
      '第 1 项变更：“properties.parent_code”为 "x"，应为 12 至 24 位数字的网格编码',
    ],
    [
      'negative population',
      { op: 'update', grid: GRID, properties: { population: -5 } },
      'proposal_change_count',
      'Change 1: "properties.population" is -5; expected a whole number from 0 to 1000000',
      '第 1 项变更：“properties.population”为 -5，应为 0 至 1000000 之间的整数',
    ],
    [
      'attributes a list',
      { op: 'update', grid: GRID, properties: { attributes: [] } },
      'proposal_change_object',
      'Change 1: "properties.attributes" must be an object',
      '第 1 项变更：“properties.attributes”应为对象',
    ],
  ])('%s → 400', (_label, change, code, en, zh) => {
    expect(refusal(change)).toEqual({ statusCode: 400, code, zh, en })
  })

  it('passes a well-formed change', () => {
    expect(
      refusal({ op: 'update', grid: GRID, properties: { name: '桂花', households: null, count_date: null, grid_head: '李明' } }),
    ).toBeNull()
  })
})

describe('a change stored before these rules', () => {
  it.each([
    [
      { households: 250, count_date: '2026-02-30' },
      'proposal_change_date',
      'Change 1: "properties.count_date" is "2026-02-30"; expected a real date as YYYY-MM-DD',
    ],
    [
      { households: 'abc' },
      'proposal_change_count',
      'Change 1: "properties.households" is "abc"; expected a whole number from 0 to 100000',
    ],
  ])('is refused at the approval with a 400 (not a 500), and the proposal stays submitted: %j', async (properties, code, message) => {
    const draft = await t
      .http()
      .post('/api/v1/proposals')
      .set(bearer(t.tokens.township))
      .send({ region: '990101001000', title: 't', reason: 'r', changes: [update({ households: 250 })] })
    expect(draft.status, draft.text).toBe(200)
    const submitted = await t.http().post(`/api/v1/proposals/${draft.body.id}/submit`).set(bearer(t.tokens.township)).send({})
    expect(submitted.status, submitted.text).toBe(200)
    await sql`UPDATE proposals SET changes = ${JSON.stringify([update(properties)])}::jsonb WHERE id = ${draft.body.id}`.execute(t.db)
    const approve = (language: string) =>
      t
        .http()
        .post(`/api/v1/proposals/${draft.body.id}/approve`)
        .set(bearer(t.tokens.county))
        .set('Accept-Language', language)
        .send({ document_no: 'D-1', effective_date: '2026-12-01' })
    expect((await approve('en')).body.error).toEqual({ code, message })
    expect((await approve('zh-CN')).status).toBe(400)
    const after = await t.db
      .selectFrom('proposals')
      .select(['state', 'applied_at'])
      .where('id', '=', draft.body.id)
      .executeTakeFirstOrThrow()
    expect(after).toEqual({ state: 'submitted', applied_at: null })
    const grid = await t.http().get(`/api/v1/grids/${GRID}`).set(bearer(t.tokens.county)).expect(200)
    expect(grid.body.properties).toMatchObject({ households: 150, version: 1 })
  })
})

describe('a comment pinned to the map', () => {
  let id: number
  beforeAll(async () => {
    const draft = await t
      .http()
      .post('/api/v1/proposals')
      .set(bearer(t.tokens.township))
      .send({ region: '990101001000', title: 't', reason: 'r', changes: [] })
    id = draft.body.id
  })
  const comment = (location: unknown, language = 'en', act = 'comments') =>
    t
      .http()
      .post(`/api/v1/proposals/${id}/${act}`)
      .set(bearer(t.tokens.county))
      .set('Accept-Language', language)
      .send({ comment: '请核对', location })

  it('must be a GeoJSON Point', async () => {
    const line = {
      type: 'LineString',
      coordinates: [
        [113.005, 28.005],
        [113.006, 28.006],
      ],
    }
    expect((await comment(line)).body.error).toEqual({
      code: 'invalid_request',
      message: 'Invalid request: field "body.location.type" must be one of: Point',
    })
    expect((await comment(line, 'zh-CN')).body.error.message).toBe('请求参数有误：字段“body.location.type”只能是以下之一：Point')
    expect((await comment({ type: 'Point', coordinates: [113.005] })).status).toBe(400)
    expect((await comment('POINT(113 28)')).status).toBe(400)
  })

  it('with finite coordinates in lon/lat range', async () => {
    expect((await comment({ type: 'Point', coordinates: [200, 28] })).body.error.message).toBe(
      'Invalid request: field "body.location.coordinates.0" is out of the allowed range',
    )
    expect((await comment({ type: 'Point', coordinates: [113, -91] }, 'zh-CN')).body.error.message).toBe(
      '请求参数有误：字段“body.location.coordinates.1”超出允许范围',
    )
    const infinite = await t
      .http()
      .post(`/api/v1/proposals/${id}/comments`)
      .set(bearer(t.tokens.county))
      .set('Accept-Language', 'en')
      .set('Content-Type', 'application/json')
      .send('{"comment":"x","location":{"type":"Point","coordinates":[1e999,28]}}')
    expect(infinite.body.error.message).toBe('Invalid request: field "body.location.coordinates.0" must be number')
  })

  it('the same on an act (return to the author)', async () => {
    expect((await comment({ type: 'Point', coordinates: [113, 95] }, 'en', 'reject')).body.error.message).toBe(
      'Invalid request: field "body.location.coordinates.1" is out of the allowed range',
    )
    const pinned = await comment({ type: 'Point', coordinates: [113.005, 28.005] })
    expect(pinned.status, pinned.text).toBe(200)
    expect(pinned.body.events.at(-1).location).toEqual({ type: 'Point', coordinates: [113.005, 28.005] })
  })
})
