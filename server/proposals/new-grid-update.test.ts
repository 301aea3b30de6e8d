import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createMiniCountyApp, QINGSHI_SPLIT, qingshiToken } from '../testing/app.js'

// A draft's new grids (`new-N`, numbered in change order) may be named and given a grid head by
// `update` changes before approval; the approval writes them with those attributes. 青石乡's only
// grid (990101002001001, 620 households) is split by a north–south line into two parts of 310.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let qingshi = ''
let city = ''
beforeAll(async () => {
  t = await createMiniCountyApp()
  qingshi = await qingshiToken(t)
  city = await t.token('city')
}, 240_000)
afterAll(async () => t?.close())

const split = QINGSHI_SPLIT
const rename = (grid: string, name: string, head: string) => ({
  op: 'update',
  grid,
  properties: { name, attributes: { grid_head: head } },
})
const draft = (changes: unknown[], language = 'zh-CN') =>
  t
    .http()
    .post('/api/v1/proposals')
    .set(bearer(qingshi))
    .set('Accept-Language', language)
    .send({ region: '990101002001', title: '青石村网格调整', reason: '户数超标', changes })

describe('update of a new grid (new-N)', () => {
  it('refuses an update of a new grid no change creates: 404 naming it, in zh-CN and en', async () => {
    const zh = await draft([split, rename('new-9', '不存在', '王五')])
    expect(zh.status, zh.text).toBe(404)
    expect(zh.body.error.code).toBe('proposal_new_grid_unknown')
    expect(zh.body.error.message).toBe('第 2 项变更所指新网格“new-9”不是本申请此前的变更所新建的网格（已有新网格：new-1、new-2）')
    const en = await draft([split, rename('new-9', '不存在', '王五')], 'en')
    expect(en.status).toBe(404)
    expect(en.body.error.message).toBe(
      'Change 2 names new grid "new-9", which no earlier change of this proposal creates (new grids so far: new-1、new-2)',
    )
    // Before the change that creates it, new-1 does not exist yet either.
    const early = await draft([rename('new-1', '太早', '王五'), split], 'en')
    expect(early.status).toBe(404)
    expect(early.body.error.message).toContain('"new-1"')
  })

  it('refuses any other change of a new grid (400): its shape is the change that made it', async () => {
    const response = await draft([split, { op: 'retire', grid: 'new-1' }], 'en')
    expect(response.status).toBe(400)
    expect(response.body.error.code).toBe('proposal_new_grid_update_only')
    expect(response.body.error.message).toContain('"new-1"')
  })

  // Last: the approval retires 990101002001001, which the drafts above split.
  it('names the split parts and gives them grid heads; approval carries both into the coded grids', async () => {
    const response = await draft([split, rename('new-1', '青石村西网格', '张三'), rename('new-2', '青石村东网格', '李四')])
    expect(response.status, response.text).toBe(200)
    const id = response.body.id as number

    const diff = await t.http().get(`/api/v1/proposals/${id}/diff`).set(bearer(qingshi)).expect(200)
    const added = diff.body.features.filter((f: { properties: { change: string } }) => f.properties.change === 'added')
    expect(added.map((f: { properties: { id: string; name: string } }) => [f.properties.id, f.properties.name])).toEqual([
      ['new-1', '青石村西网格'],
      ['new-2', '青石村东网格'],
    ])
    // Naming a new grid is no change of a grid in force: only the split grid is touched.
    expect(diff.body.features.filter((f: { properties: { change: string } }) => f.properties.change.startsWith('changed'))).toEqual([])

    await t.http().post(`/api/v1/proposals/${id}/submit`).set(bearer(qingshi)).send({}).expect(200)
    const approved = await t
      .http()
      .post(`/api/v1/proposals/${id}/approve`)
      .set(bearer(t.tokens.county))
      .send({ document_no: '示范县网字〔2026〕31号', effective_date: '2026-10-01' })
    expect(approved.status, approved.text).toBe(200)
    await t.http().post(`/api/v1/proposals/${id}/file`).set(bearer(city)).send({}).expect(200)

    const live = await t.http().get('/api/v1/grids?region=990101002').set(bearer(t.tokens.county)).expect(200)
    const rows = live.body.features.map((f: { id: string; properties: { name: string; attributes: { grid_head?: string } } }) => [
      f.properties.name,
      f.properties.attributes.grid_head,
      f.id.startsWith('990101002001'),
    ])
    expect(rows.sort()).toEqual([
      ['青石村东网格', '李四', true],
      ['青石村西网格', '张三', true],
    ])
  })
})
