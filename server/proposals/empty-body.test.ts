import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createMiniCountyApp } from '../testing/app.js'

// Proposal actions whose parameters are all optional (rebase, submit, approve, file, reject) take
// a POST without a body — no Content-Type, or application/json with nothing in it — as {}, so a
// client need not send "{}". What the action itself requires (a comment to reject, a document
// number to approve) is still asked for, with the action's own message.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let city = ''
beforeAll(async () => {
  t = await createMiniCountyApp()
  city = await t.token('city')
}, 240_000)
afterAll(async () => t?.close())

type Body = 'none' | 'empty json'
const act = (id: number, action: string, token: string, body: Body, language = 'zh-CN') => {
  const request = t.http().post(`/api/v1/proposals/${id}/${action}`).set(bearer(token)).set('Accept-Language', language)
  return body === 'none' ? request : request.set('Content-Type', 'application/json').send('')
}

// 990101001001002 has 150 households, below the urban minimum; 250 or more makes 城关镇 valid.
let households = 250
async function draft(): Promise<number> {
  const changes = [{ op: 'update', grid: '990101001001002', properties: { households: households++ } }]
  const response = await t
    .http()
    .post('/api/v1/proposals')
    .set(bearer(t.tokens.township))
    .send({ region: '990101001000', title: '无参数操作', reason: 'r', changes })
  expect(response.status, response.text).toBe(200)
  return response.body.id
}

describe.each([
  ['none', '2026-12-01'],
  ['empty json', '2026-12-02'],
] as [Body, string][])('POST proposal actions with body: %s', (body, effectiveDate) => {
  it('rebase and submit answer 200', async () => {
    const id = await draft()
    const rebased = await act(id, 'rebase', t.tokens.township, body)
    expect(rebased.status, rebased.text).toBe(200)
    expect(rebased.body.state).toBe('draft')
    const submitted = await act(id, 'submit', t.tokens.township, body)
    expect(submitted.status, submitted.text).toBe(200)
    expect(submitted.body.state).toBe('submitted')
  })

  it('reject and approve reach the action, which asks for what it needs (zh-CN, en); file answers 200', async () => {
    const id = await draft()
    await act(id, 'submit', t.tokens.township, body).expect(200)

    const reject = await act(id, 'reject', t.tokens.county, body)
    expect(reject.status).toBe(400)
    expect(reject.body.error).toEqual({ code: 'proposal_comment_required', message: '退回或评论时请填写意见' })
    expect((await act(id, 'reject', t.tokens.county, body, 'en')).body.error.message).toBe(
      'Please give a comment when returning or commenting',
    )

    const approve = await act(id, 'approve', t.tokens.county, body)
    expect(approve.status).toBe(400)
    expect(approve.body.error).toEqual({ code: 'proposal_document_required', message: '批准（或备案）需要填写文号' })
    expect((await act(id, 'approve', t.tokens.county, body, 'en')).body.error.message).toBe('Approval (or filing) needs a document number')

    const approved = await t
      .http()
      .post(`/api/v1/proposals/${id}/approve`)
      .set(bearer(t.tokens.county))
      .send({ document_no: '示县网〔2026〕1号', effective_date: effectiveDate })
    expect(approved.status, approved.text).toBe(200)
    const filed = await act(id, 'file', city, body)
    expect(filed.status, filed.text).toBe(200)
    expect(filed.body.state).toBe('filed')
  })
})

describe('other routes keep asking for their body', () => {
  it('creating a proposal with an empty JSON body is still a 400 saying the body is empty', async () => {
    const response = await t
      .http()
      .post('/api/v1/proposals')
      .set(bearer(t.tokens.township))
      .set('Content-Type', 'application/json')
      .set('Accept-Language', 'en')
      .send('')
    expect(response.status).toBe(400)
    expect(response.body.error.code).toBe('invalid_json')
  })

  it('an action with a body that is not JSON is still refused', async () => {
    const id = await draft()
    const response = await t
      .http()
      .post(`/api/v1/proposals/${id}/submit`)
      .set(bearer(t.tokens.township))
      .set('Content-Type', 'application/json')
      .set('Accept-Language', 'en')
      .send('{"comment":')
    expect(response.status).toBe(400)
    expect(response.body.error.code).toBe('invalid_json')
  })
})
