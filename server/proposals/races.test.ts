import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { AppError } from '../http/errors.js'
import { translate } from '../i18n/index.js'
import { bearer, createMiniCountyApp } from '../testing/app.js'
import { actOnProposal } from './proposals.service.js'

// Acts that race on one proposal: each act is a compare-and-set on the proposal's state and
// version inside the transaction that writes it, so exactly one of them wins and the loser's
// transaction (events, audit, grid rows) leaves nothing behind. On PostgreSQL the requests run on
// separate connections; on PGlite they interleave between statements.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let city: string
const GRID = '990101001001002' // 150 households in the fixture: every round sets a valid count
const county: TokenClaims = { sub: 'county', role: 'county', region_prefix: '990101', scope_name: '示范县' }
let round = 0

beforeAll(async () => {
  t = await createMiniCountyApp()
  city = await t.token('city')
}, 120_000)
afterAll(async () => t?.close())

const asTownship = () => bearer(t.tokens.township)
const asCounty = () => bearer(t.tokens.county)
/** Effective dates move on by a day per round: each must follow the grid's current version. */
const effectiveDate = (n: number) => new Date(Date.UTC(2026, 6, 1) + n * 86_400_000).toISOString().slice(0, 10)

async function draft(): Promise<{ id: number; households: number }> {
  round++
  const households = 200 + round
  const response = await t
    .http()
    .post('/api/v1/proposals')
    .set(asTownship())
    .send({
      region: '990101001001',
      title: `第 ${round} 轮`,
      reason: '户数核对',
      changes: [{ op: 'update', grid: GRID, properties: { households } }],
    })
  expect(response.status, response.text).toBe(200)
  return { id: response.body.id as number, households }
}

async function submitted(): Promise<{ id: number; households: number }> {
  const proposal = await draft()
  await t.http().post(`/api/v1/proposals/${proposal.id}/submit`).set(asTownship()).send({}).expect(200)
  return proposal
}

const approve = (id: number, language = 'zh-CN') =>
  t
    .http()
    .post(`/api/v1/proposals/${id}/approve`)
    .set(asCounty())
    .set('Accept-Language', language)
    .send({ document_no: `示范县〔2026〕${round}号`, effective_date: effectiveDate(round) })
const reject = (id: number, language = 'zh-CN') =>
  t.http().post(`/api/v1/proposals/${id}/reject`).set(asCounty()).set('Accept-Language', language).send({ comment: '请核对户数' })

async function eventsOf(id: number): Promise<string[]> {
  const rows = await t.db.selectFrom('proposal_events').select('action').where('proposal_id', '=', id).orderBy('id').execute()
  return rows.map((row) => row.action)
}

async function gridRowsOf(id: number): Promise<number> {
  const row = await t.db
    .selectFrom('grids')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('proposal_id', '=', id)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function currentHouseholds(): Promise<number | null> {
  const row = await t.db
    .selectFrom('grids')
    .select('households')
    .where('code', '=', GRID)
    .where('valid_to', 'is', null)
    .executeTakeFirstOrThrow()
  return row.households
}

async function stateOf(id: number): Promise<string> {
  return (await t.db.selectFrom('proposals').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state
}

/** The 409 the loser of a race sees, in the caller's language. */
const LOSER_MESSAGES = (id: number, language: 'zh-CN' | 'en', state: string) => [
  translate(language, 'error.proposal_acted_meanwhile', { id }),
  translate(language, 'error.proposal_wrong_state', { act: 'submit', state: translate(language, `proposal.state.${state}`) }),
]

/** Runs `act` expecting the compare-and-set to fail; returns the error. */
async function expectActedMeanwhile(act: Promise<unknown>): Promise<AppError> {
  const error = await act.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AppError)
  expect(error).toMatchObject({ statusCode: 409, code: 'proposal_acted_meanwhile' })
  return error as AppError
}

describe('the 409 of an act that lost a race', () => {
  it('says plainly that someone else acted first, in zh-CN and en', () => {
    expect(translate('zh-CN', 'error.proposal_acted_meanwhile', { id: 7 })).toBe(
      '在您操作的同时，已有其他人处理了变更申请 7；请刷新后查看它的当前状态再操作',
    )
    expect(translate('en', 'error.proposal_acted_meanwhile', { id: 7 })).toBe(
      'Someone else acted on proposal 7 first; reload it to see where it stands now',
    )
  })
})

describe('concurrent submits of one draft', () => {
  it('lets exactly one of 20 through and logs one submit event', async () => {
    const { id } = await draft()
    const languages = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'zh-CN' : 'en') as 'zh-CN' | 'en')
    const responses = await Promise.all(
      languages.map((language) =>
        t.http().post(`/api/v1/proposals/${id}/submit`).set(asTownship()).set('Accept-Language', language).send({}),
      ),
    )
    expect(responses.map((r) => r.status).sort()).toEqual([200, ...Array(19).fill(409)])
    responses.forEach((response, i) => {
      if (response.status === 200) return
      expect(['proposal_acted_meanwhile', 'proposal_wrong_state']).toContain(response.body.error.code)
      expect(LOSER_MESSAGES(id, languages[i] as 'zh-CN' | 'en', 'submitted')).toContain(response.body.error.message)
    })
    expect(await eventsOf(id)).toEqual(['create', 'submit'])
    const proposal = await t.db.selectFrom('proposals').select(['state', 'step', 'version']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(proposal).toEqual({ state: 'submitted', step: 1, version: 2 })
  })
})

describe('approve and reject sent together on the applying step', () => {
  it('lets exactly one win, round after round; state, events and grids agree', async () => {
    const winners: string[] = []
    for (let n = 0; n < 8; n++) {
      const { id, households } = await submitted()
      const before = await currentHouseholds()
      // Vary who starts first (not asserted: the outcome must be consistent either way).
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
      const [approved, rejected] = await Promise.all([
        pause(n % 2 === 0 ? 0 : 5).then(() => approve(id)),
        pause(n % 2 === 0 ? (n % 4) * 10 : 0).then(() => reject(id)),
      ])
      // Exactly one 200. The loser either lost the compare-and-set (409) or read the proposal after
      // the winner: approving a returned proposal is 409, returning an approved one is the city's
      // step now, so the county gets 403.
      expect(
        [approved.status, rejected.status].filter((status) => status === 200),
        `${approved.text} ${rejected.text}`,
      ).toHaveLength(1)
      const loser = approved.status === 200 ? rejected : approved
      expect(['proposal_acted_meanwhile', 'proposal_wrong_state', 'proposal_wrong_role']).toContain(loser.body.error.code)
      if (approved.status === 200) {
        winners.push('approve')
        expect(await stateOf(id)).toBe('approved')
        expect(await eventsOf(id)).toEqual(['create', 'submit', 'approve'])
        expect(await gridRowsOf(id)).toBe(1)
        expect(await currentHouseholds()).toBe(households)
      } else {
        winners.push('reject')
        expect(await stateOf(id)).toBe('returned')
        expect(await eventsOf(id)).toEqual(['create', 'submit', 'reject'])
        expect(await gridRowsOf(id)).toBe(0)
        expect(await currentHouseholds()).toBe(before)
      }
    }
    expect(winners).toHaveLength(8)
    console.info(`approve/reject rounds won by: ${winners.join(' ')}`)
  }, 120_000)
})

describe('an act whose proposal moved on after it was read', () => {
  it('approve loses to a reject that landed meanwhile: 409, and no grid row is written', async () => {
    const { id } = await submitted()
    const before = await currentHouseholds()
    const error = await expectActedMeanwhile(
      actOnProposal(t.database, county, id, 'approve', { document_no: 'R-1', effective_date: effectiveDate(round) }, 'en', {
        beforeWrite: async () => {
          await reject(id).expect(200)
        },
      }),
    )
    expect(translate('en', `error.${error.code}`, error.params)).toBe(
      `Someone else acted on proposal ${id} first; reload it to see where it stands now`,
    )
    expect(await stateOf(id)).toBe('returned')
    expect(await eventsOf(id)).toEqual(['create', 'submit', 'reject'])
    expect(await gridRowsOf(id)).toBe(0)
    expect(await currentHouseholds()).toBe(before)
  })

  it('reject loses to an approval that landed meanwhile: 409, the grids stay applied', async () => {
    const { id, households } = await submitted()
    await expectActedMeanwhile(
      actOnProposal(t.database, county, id, 'reject', { comment: '请核对户数' }, 'zh-CN', {
        beforeWrite: async () => {
          await approve(id).expect(200)
        },
      }),
    )
    expect(await stateOf(id)).toBe('approved')
    expect(await eventsOf(id)).toEqual(['create', 'submit', 'approve'])
    expect(await gridRowsOf(id)).toBe(1)
    expect(await currentHouseholds()).toBe(households)
    // The chain goes on from the state the winner left.
    await t.http().post(`/api/v1/proposals/${id}/file`).set(bearer(city)).send({}).expect(200)
  })

  it('submit loses to an edit saved meanwhile: the edited draft is not submitted with the old validation', async () => {
    const { id } = await draft()
    const township: TokenClaims = { sub: 'township', role: 'township', region_prefix: '990101001', scope_name: '城关镇' }
    await expectActedMeanwhile(
      actOnProposal(t.database, township, id, 'submit', {}, 'zh-CN', {
        beforeWrite: async () => {
          await t
            .http()
            .put(`/api/v1/proposals/${id}`)
            .set(asTownship())
            .send({ version: 1, changes: [{ op: 'update', grid: GRID, properties: { households: 120 } }] })
            .expect(200)
        },
      }),
    )
    const proposal = await t.db.selectFrom('proposals').select(['state', 'version']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(proposal).toEqual({ state: 'draft', version: 2 })
    expect(await eventsOf(id)).toEqual(['create', 'update'])
  })

  it('an edit of a draft submitted meanwhile is refused (409 in zh-CN and en)', async () => {
    const { id } = await draft()
    await t.http().post(`/api/v1/proposals/${id}/submit`).set(asTownship()).send({}).expect(200)
    const zh = await t.http().put(`/api/v1/proposals/${id}`).set(asTownship()).send({ version: 1, title: '改标题' }).expect(409)
    expect(zh.body.error).toEqual({ code: 'proposal_not_editable', message: '变更申请处于“已提交”状态，只有草稿或已退回的申请可以修改' })
    const en = await t
      .http()
      .put(`/api/v1/proposals/${id}`)
      .set(asTownship())
      .set('Accept-Language', 'en')
      .send({ version: 1, title: 'x' })
      .expect(409)
    expect(en.body.error.message).toBe('The proposal is submitted; only drafts and returned proposals can be edited')
  })
})

describe.runIf(process.env.DATABASE_URL)('PostgreSQL: a reject that waits on the approval’s row lock', () => {
  it('finds the proposal moved on when the approval commits (409), and the approval stands', async () => {
    const { id, households } = await submitted()
    let rejected: Promise<{ status: number; body: { error: { code: string; message: string } } }> | undefined
    await actOnProposal(t.database, county, id, 'approve', { document_no: 'L-1', effective_date: effectiveDate(round) }, 'zh-CN', {
      beforeCommit: async () => {
        rejected = reject(id, 'en').then((r) => r)
        // Hold the commit until the reject is blocked on the proposal's row lock (a liveness bound, not a timing).
        for (let i = 0; i < 400; i++) {
          const { rows } = await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query ILIKE 'update "proposals"%'`.execute(t.db)
          if ((rows[0]?.n ?? 0) > 0) return
          await new Promise((resolve) => setTimeout(resolve, 25))
        }
        throw new Error('the reject never waited on the lock')
      },
    })
    const response = await rejected
    expect(response?.status).toBe(409)
    expect(response?.body.error).toEqual({
      code: 'proposal_acted_meanwhile',
      message: `Someone else acted on proposal ${id} first; reload it to see where it stands now`,
    })
    expect(await stateOf(id)).toBe('approved')
    expect(await eventsOf(id)).toEqual(['create', 'submit', 'approve'])
    expect(await gridRowsOf(id)).toBe(1)
    expect(await currentHouseholds()).toBe(households)
  })
})
