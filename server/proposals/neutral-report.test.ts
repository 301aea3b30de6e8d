import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ValidationIssue } from '../validation/report.schemas.js'
import { bearer, createMiniCountyApp } from '../testing/app.js'

// A proposal's stored report holds codes and parameters, no sentences: each reader gets the
// messages in the language they ask for, whoever drafted it. Reports stored before that (with
// messages, without params) still answer, with the stored messages.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>

beforeAll(async () => {
  t = await createMiniCountyApp()
})
afterAll(async () => t?.close())

const CJK = /[\u3400-\u9fff\uff00-\uffef]/
const GRID = '990101001001002'
const OTHER = '990101001001001'
// Changes with issues of both sorts: a count below the minimum, and a copy of a grid overlapping it.
let changes: unknown[]
beforeAll(async () => {
  const other = await t.http().get(`/api/v1/grids/${OTHER}`).set(bearer(t.tokens.county)).expect(200)
  changes = [
    { op: 'update', grid: GRID, properties: { households: 120 } },
    {
      op: 'create',
      geometry: other.body.geometry,
      properties: { name: 'Copy', region_code: other.body.properties.region_code, households: 300 },
    },
  ]
})

/** Drafts the changes in `language`; `text`: the title and reason typed (none: the server words them). */
async function draft(language: string, text: { title?: string; reason?: string } = { title: '调整网格', reason: '核对户数' }) {
  const response = await t
    .http()
    .post('/api/v1/proposals')
    .set(bearer(t.tokens.township))
    .set('Accept-Language', language)
    .send({ region: '990101001000', ...text, changes })
  expect(response.status, response.text).toBe(200)
  return response.body as { id: number; title: string; reason: string; validation: { issues: ValidationIssue[] } }
}

const read = (id: number, language: string) =>
  t.http().get(`/api/v1/proposals/${id}`).set(bearer(t.tokens.township)).set('Accept-Language', language)

const storedReport = async (id: number) => {
  const { rows } = await sql<{ validation: unknown }>`SELECT validation FROM proposals WHERE id = ${id}`.execute(t.db)
  const value = rows[0]?.validation
  return (typeof value === 'string' ? JSON.parse(value) : value) as { issues: Record<string, unknown>[] }
}

describe('stored reports in no language', () => {
  it('drafted in Chinese, read in English: the messages are English, the codes and params the same', async () => {
    const drafted = await draft('zh-CN')
    const codes = drafted.validation.issues.map((issue) => issue.code)
    expect(codes).toEqual(expect.arrayContaining(['households_below_min', 'overlap']))
    for (const issue of drafted.validation.issues) expect(issue.message).toMatch(CJK)

    const english = await read(drafted.id, 'en')
    expect(english.status).toBe(200)
    const issues = english.body.validation.issues as ValidationIssue[]
    expect(issues.map((issue) => issue.code)).toEqual(codes)
    for (const issue of issues) expect(issue.message, issue.message).not.toMatch(CJK)
    const overlap = issues.find((issue) => issue.code === 'overlap')
    expect(overlap?.params).toMatchObject({ a: expect.any(String), b: expect.any(String), area: expect.any(String) })
    expect(overlap?.message).toMatch(/^Grids .* overlap by .* m²/)
    expect(issues.find((issue) => issue.code === 'households_below_min')?.message).toMatch(
      new RegExp(`^Grid ${GRID} has 120 households \\(counted .*\\), below the minimum`),
    )
  })

  it('drafted in English, read in Chinese: the messages are Chinese', async () => {
    const drafted = await draft('en')
    for (const issue of drafted.validation.issues) expect(issue.message).not.toMatch(CJK)
    const chinese = await read(drafted.id, 'zh-CN')
    expect(chinese.status).toBe(200)
    for (const issue of chinese.body.validation.issues as ValidationIssue[]) expect(issue.message).toMatch(CJK)
  })

  it('the stored report has no messages and no Chinese in its issues', async () => {
    const drafted = await draft('zh-CN')
    const stored = await storedReport(drafted.id)
    expect(stored.issues.length).toBe(drafted.validation.issues.length)
    for (const issue of stored.issues) {
      expect(issue).not.toHaveProperty('message')
      expect(JSON.stringify(issue)).not.toMatch(CJK)
    }
    // Every issue but the household ones (their facts are in details) carries its params.
    for (const issue of stored.issues.filter((i) => !i.details)) expect(issue.params).toBeTypeOf('object')
  })

  it('a report stored with messages and no params still answers, with its messages', async () => {
    const drafted = await draft('zh-CN')
    const old = await storedReport(drafted.id)
    const oldStyle = {
      ...old,
      issues: old.issues.map(({ params: _params, ...issue }, i) => ({ ...issue, message: `旧的说明 ${i + 1}` })),
    }
    await sql`UPDATE proposals SET validation = ${JSON.stringify(oldStyle)}::jsonb WHERE id = ${drafted.id}`.execute(t.db)
    for (const language of ['en', 'zh-CN']) {
      const answer = await read(drafted.id, language)
      expect(answer.status).toBe(200)
      expect((answer.body.validation.issues as ValidationIssue[]).map((issue) => issue.message)).toEqual(
        oldStyle.issues.map((_, i) => `旧的说明 ${i + 1}`),
      )
    }
  })

  it('a stored issue with neither message nor params still answers, with a sentence', async () => {
    const drafted = await draft('en')
    const stored = await storedReport(drafted.id)
    const broken = { ...stored, issues: [{ code: 'overlap', severity: 'error', feature_ids: ['x', 'y'] }] }
    await sql`UPDATE proposals SET validation = ${JSON.stringify(broken)}::jsonb WHERE id = ${drafted.id}`.execute(t.db)
    const answer = await read(drafted.id, 'en')
    expect(answer.status).toBe(200)
    expect(answer.body.validation.issues[0].message).toMatch(/^Grids .* overlap/)
  })

  it('the audit of an applied proposal stores codes and facts, no language and no sentence', async () => {
    const drafted = await t
      .http()
      .post('/api/v1/proposals')
      .set(bearer(t.tokens.township))
      .set('Accept-Language', 'zh-CN')
      .send({ region: '990101001000', title: 't', reason: 'r', changes: [{ op: 'update', grid: GRID, properties: { households: 250 } }] })
    expect(drafted.status, drafted.text).toBe(200)
    await t.http().post(`/api/v1/proposals/${drafted.body.id}/submit`).set(bearer(t.tokens.township)).send({}).expect(200)
    await t
      .http()
      .post(`/api/v1/proposals/${drafted.body.id}/approve`)
      .set(bearer(t.tokens.county))
      .set('Accept-Language', 'zh-CN')
      .send({ document_no: 'D-1', effective_date: '2026-12-01' })
      .expect(200)
    const audit = await t
      .http()
      .get('/api/v1/audit?action=proposal_apply')
      .set(bearer(t.tokens.county))
      .set('Accept-Language', 'en')
      .expect(200)
    const applied = (audit.body.entries as { entity_id: string; after: Record<string, unknown> }[]).find(
      (entry) => entry.entity_id === String(drafted.body.id),
    )
    expect(applied?.after).toMatchObject({ versioned: [GRID], effective_date: '2026-12-01', document_no: 'D-1' })
    expect(applied?.after).not.toHaveProperty('language')
    expect(JSON.stringify(applied?.after)).not.toMatch(CJK)
  })
})

describe('a title and reason the author did not type', () => {
  it('are worded in each reader’s language, in the proposal and the list; the stored row has none', async () => {
    const created = await draft('zh-CN', {})
    expect(created.title).toBe('城关镇网格调整')
    expect(created.reason).toBe('根据网格化服务管理要求调整网格边界和规模')
    const english = await read(created.id, 'en').expect(200)
    expect(english.body.title).toBe('Grid adjustment of 城关镇')
    expect(english.body.reason).toBe('Adjust grid boundaries and sizes as grid governance requires')
    const list = await t.http().get('/api/v1/proposals').set(bearer(t.tokens.township)).set('Accept-Language', 'en').expect(200)
    const listed = list.body.proposals.find((p: { id: number }) => p.id === created.id)
    expect(listed.title).toBe(english.body.title)
    const { rows } = await sql<{
      title: string
      reason: string
    }>`SELECT title, reason FROM proposals WHERE id = ${created.id}`.execute(t.db)
    expect(rows[0]).toEqual({ title: null, reason: null })
  })

  it('a typed title is answered as written in every language', async () => {
    const drafted = await draft('zh-CN')
    expect((await read(drafted.id, 'en').expect(200)).body.title).toBe('调整网格')
  })
})
