import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getProfile } from '../profiles/profiles.js'
import { bearer, createMiniCountyApp, qingshiToken } from '../testing/app.js'
import { chainOf, takesPart } from './chain.js'

// Who may write what on a proposal. A department account (县公安局, read-only) may read proposals
// in its county but never write: no comment, no draft, no edit, no act. A township user of another
// township is refused without learning where the proposal is.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let dept: string
let admin: string
let qingshi: string
let id: number

beforeAll(async () => {
  t = await createMiniCountyApp()
  ;[dept, admin, qingshi] = [await t.token('dept'), await t.token('admin'), await qingshiToken(t)]
  const draft = await t
    .http()
    .post('/api/v1/proposals')
    .set(bearer(t.tokens.township))
    .send({
      region: '990101001001',
      title: '桂花社区户数更新',
      reason: '年度核对',
      changes: [{ op: 'update', grid: '990101001001002', properties: { households: 260 } }],
    })
  expect(draft.status, draft.text).toBe(200)
  id = draft.body.id
  await t.http().post(`/api/v1/proposals/${id}/submit`).set(bearer(t.tokens.township)).send({}).expect(200)
}, 120_000)
afterAll(async () => t?.close())

async function eventCount(): Promise<number> {
  const row = await t.db
    .selectFrom('proposal_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('proposal_id', '=', id)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

describe('a department account on proposals', () => {
  it('may not comment (403, plain message in zh-CN and en), and nothing is written', async () => {
    const before = await eventCount()
    const zh = await t
      .http()
      .post(`/api/v1/proposals/${id}/comments`)
      .set(bearer(dept))
      .send({ comment: '此处有派出所辖区边界' })
      .expect(403)
    expect(zh.body.error).toEqual({
      code: 'proposal_role_read_only',
      message: '您的账号不参与这份变更申请的审批，只能查看，不能起草、修改、评论或处理',
    })
    const en = await t
      .http()
      .post(`/api/v1/proposals/${id}/comments`)
      .set(bearer(dept))
      .set('Accept-Language', 'en')
      .send({ comment: 'x' })
      .expect(403)
    expect(en.body.error.message).toBe(
      "Your account takes no part in this proposal's approval chain: it may read proposals, not draft, edit, comment on or act on them",
    )
    expect(await eventCount()).toBe(before)
  })

  it('may not draft, edit, rebase, submit, approve, file or return either (403 each)', async () => {
    const before = await eventCount()
    const attempts = [
      t.http().post('/api/v1/proposals').send({ region: '990101001001', title: 't', reason: 'r', changes: [] }),
      t.http().put(`/api/v1/proposals/${id}`).send({ version: 2, title: 't' }),
      t.http().post(`/api/v1/proposals/${id}/rebase`).send({}),
      t.http().post(`/api/v1/proposals/${id}/submit`).send({}),
      t.http().post(`/api/v1/proposals/${id}/approve`).send({ document_no: 'x', effective_date: '2026-11-01' }),
      t.http().post(`/api/v1/proposals/${id}/file`).send({}),
      t.http().post(`/api/v1/proposals/${id}/reject`).send({ comment: '不同意' }),
    ]
    const responses = await Promise.all(attempts.map((request) => request.set(bearer(dept))))
    // Refused for the role before anything else is looked at (state, step, author).
    expect(responses.map((r) => `${r.status} ${r.body.error?.code}`)).toEqual(Array(7).fill('403 proposal_role_read_only'))
    expect(await eventCount()).toBe(before)
    const proposals = await t.db
      .selectFrom('proposals')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(proposals.n)).toBe(1)
  })

  it('may still read the proposal, its diff and the list', async () => {
    await t.http().get(`/api/v1/proposals/${id}`).set(bearer(dept)).expect(200)
    await t.http().get(`/api/v1/proposals/${id}/diff`).set(bearer(dept)).expect(200)
    const list = await t.http().get('/api/v1/proposals').set(bearer(dept)).expect(200)
    expect(list.body.proposals.map((p: { id: number; waiting_for_me: boolean }) => [p.id, p.waiting_for_me])).toEqual([[id, false]])
  })

  it('while the chain’s own roles and admins may comment', async () => {
    await t.http().post(`/api/v1/proposals/${id}/comments`).set(bearer(t.tokens.county)).send({ comment: '请附村委会证明' }).expect(200)
    await t.http().post(`/api/v1/proposals/${id}/comments`).set(bearer(admin)).send({ comment: '已阅' }).expect(200)
  })
})

describe('a user outside the proposal’s area', () => {
  it('gets a 403 that names only the user’s own scope, never the proposal’s region', async () => {
    const zh = await t.http().get(`/api/v1/proposals/${id}`).set(bearer(qingshi)).expect(403)
    expect(zh.body.error).toEqual({
      code: 'proposal_out_of_scope',
      message: '无权在该区域提出、查看或处理变更申请：您的账号只能访问 青石乡（990101002） 范围',
    })
    const en = await t
      .http()
      .post(`/api/v1/proposals/${id}/comments`)
      .set(bearer(qingshi))
      .set('Accept-Language', 'en')
      .send({ comment: 'x' })
      .expect(403)
    expect(en.body.error.message).not.toContain('990101001')
    const drafted = await t
      .http()
      .post('/api/v1/proposals')
      .set(bearer(qingshi))
      .set('Accept-Language', 'en')
      .send({ region: '990101001001', title: 't', reason: 'r', changes: [] })
      .expect(403)
    expect(drafted.body.error.message).toBe(
      'You may not propose, see or handle proposals there: your account is limited to 青石乡（990101002）',
    )
  })
})

describe('roles that take no part in a chain', () => {
  it('are told apart from the chain’s own roles', () => {
    const heihe = chainOf(getProfile('heihe')!, false)
    expect(takesPart('county', heihe)).toBe(true)
    expect(takesPart('city', heihe)).toBe(true)
    expect(takesPart('township', heihe)).toBe(false)
    expect(takesPart('department', heihe)).toBe(false)
    expect(takesPart('admin', heihe)).toBe(true)
  })
})
