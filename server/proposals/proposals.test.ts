import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { upsertUser } from '../auth/users.repository.js'
import type { Role } from '../db/database.js'
import { getProfile } from '../profiles/profiles.js'
import { bearer, createTestApp, loadGeoJson } from '../testing/app.js'
import { ACT_FOR, applyingStep } from './chain.js'
import { actOnProposal } from './proposals.service.js'

// The approval chain end to end, over HTTP, on a real database. The mini county is loaded once
// per rule profile under that profile's real division-code prefix (e.g. Heihe 2311), with
// accounts for each role scoped to it. 青石乡's only grid (…002001001, 620 households, above
// every range) is split in two by a north–south line: 310 + 310, a valid township afterwards.

let t: Awaited<ReturnType<typeof createTestApp>>
const tokens = new Map<string, string>()

/** county code prefix (6 digits) per profile; cn-default is the demo prefix 99. */
const AREAS: Record<string, string> = { 'cn-default': '990101', heihe: '231101', changji: '652301', zigong: '510301', qingyuan: '441801' }
const ROLES: Role[] = ['township', 'county', 'city']

function scopeFor(role: Role, county: string): string {
  return role === 'city' ? county.slice(0, 4) : role === 'county' ? county : `${county}002`
}

beforeAll(async () => {
  t = await createTestApp()
  const regions = readFileSync('fixtures/regions/mini-county.geojson', 'utf8')
  const grids = readFileSync('fixtures/grids/mini-county-grids.geojson', 'utf8')
  for (const county of Object.values(AREAS)) {
    // Same geometry, other codes: 99 → province, 9901 → city, 990101 → county.
    const recode = (text: string) =>
      text
        .replaceAll('"990101', `"${county}`)
        .replaceAll('"990100', `"${county.slice(0, 4)}00`)
        .replaceAll('"990000', `"${county.slice(0, 2)}0000`)
    if (county !== '990101') {
      await loadGeoJson(t.database, recode(regions), 'regions', county.slice(0, 2))
      await loadGeoJson(t.database, recode(grids), 'grids', county)
    } else {
      await loadGeoJson(t.database, regions, 'regions', '99')
      await loadGeoJson(t.database, grids, 'grids', '990101')
    }
    for (const role of [...ROLES, 'township2' as Role]) {
      const username = `${role}-${county}`
      // township2: a second user of the same township, for concurrent edits.
      const realRole: Role = role === ('township2' as Role) ? 'township' : role
      await upsertUser(t.db, {
        username,
        display_name: username,
        password: 'demo',
        role: realRole,
        region_prefix: scopeFor(realRole, county),
      })
      const response = await t.http().post('/api/v1/auth/login').send({ username, password: 'demo' })
      tokens.set(username, response.body.token)
    }
  }
}, 240_000)
afterAll(async () => t?.close())

const as = (role: Role, county: string) => bearer(tokens.get(`${role}-${county}`) as string)
const splitChange = (county: string, lng = 113.03, grid = `${county}002001001`) => ({
  op: 'split',
  grid,
  line: {
    type: 'LineString',
    coordinates: [
      [lng, 27.99],
      [lng, 28.03],
    ],
  },
  reason: '户数超过上限，按道路一分为二',
})

async function draft(county: string, proposer: Role, changes: unknown[], exceptions: unknown[] = []) {
  const response = await t
    .http()
    .post('/api/v1/proposals')
    .set(as(proposer, county))
    .send({ region: `${county}002001`, title: '青石村网格调整', reason: '户数超标', changes, exceptions })
  expect(response.status, response.text).toBe(200)
  return response.body as { id: number; state: string; validation: { valid: boolean; issues: { code: string }[] } }
}

describe.each(Object.entries(AREAS))('the whole chain of profile %s', (profileId, county) => {
  const chain = getProfile(profileId)?.approvalChain ?? []

  it('drafts, submits and walks every step to the end; new codes appear, the old one is retired', async () => {
    const proposer = chain[0]?.role as Role
    const proposal = await draft(county, proposer, [splitChange(county)])
    expect(proposal.state).toBe('draft')
    expect(proposal.validation.valid).toBe(true)

    const submitted = await t.http().post(`/api/v1/proposals/${proposal.id}/submit`).set(as(proposer, county)).send({})
    expect(submitted.status, submitted.text).toBe(200)
    expect(submitted.body.state).toBe('submitted')

    const applying = applyingStep(chain)
    for (let step = 1; step < chain.length; step++) {
      const { role, action } = chain[step] as { role: Role; action: string }
      const body = step === applying ? { document_no: `${county}〔2026〕${step}号`, effective_date: '2026-10-01' } : {}
      const response = await t
        .http()
        .post(`/api/v1/proposals/${proposal.id}/${ACT_FOR[action as 'file']}`)
        .set(as(role, county))
        .send(body)
      expect(response.status, `${action} by ${role}: ${response.text}`).toBe(200)
    }
    const done = await t.http().get(`/api/v1/proposals/${proposal.id}`).set(as('city', county)).expect(200)
    expect(done.body.state).toBe(chain.at(-1)?.action === 'file' ? 'filed' : 'approved')
    expect(done.body.steps.every((s: { status: string }) => s.status === 'done' || chain.at(-1)?.action !== 'file')).toBe(true)
    expect(done.body.document_no).toMatch(/〔2026〕/)

    const after = await t.http().get(`/api/v1/grids?region=${county}002`).set(as('county', county)).expect(200)
    expect(after.body.features.map((f: { id: string }) => f.id)).toEqual([`${county}002001002`, `${county}002001003`])
    expect(after.body.features.map((f: { properties: { households: number } }) => f.properties.households)).toEqual([310, 310])
    const before = await t.http().get(`/api/v1/grids?region=${county}002&as_of=2026-09-30`).set(as('county', county)).expect(200)
    expect(before.body.features.map((f: { id: string }) => f.id)).toEqual([`${county}002001001`])
    const history = await t.http().get(`/api/v1/grids/${county}002001002/history`).set(as('county', county)).expect(200)
    expect(history.body.features[0].properties.proposal).toMatchObject({
      id: proposal.id,
      document_no: done.body.document_no,
      effective_date: '2026-10-01',
    })
    const decoded = await t.http().get(`/api/v1/codes/${county}002001001`).set(as('county', county)).expect(200)
    expect(decoded.body.status).toBe('retired')
    const lineage = await t.db
      .selectFrom('grid_lineage')
      .select(['parent_code', 'child_code', 'relation'])
      .where('parent_code', '=', `${county}002001001`)
      .orderBy('child_code')
      .execute()
    expect(lineage).toEqual([
      { parent_code: `${county}002001001`, child_code: `${county}002001002`, relation: 'split' },
      { parent_code: `${county}002001001`, child_code: `${county}002001003`, relation: 'split' },
    ])
  })
})

describe('the record of a draft', () => {
  it('keeps the changes in the proposal and counts them by kind in the audit log', async () => {
    const grids = await t.http().get('/api/v1/grids?region=990101002').set(as('county', '990101')).expect(200)
    const renames = grids.body.features.map((f: { id: string }) => ({ op: 'update', grid: f.id, properties: { name: `${f.id}网格` } }))
    const proposal = await draft('990101', 'township', renames)
    const stored = await t.http().get(`/api/v1/proposals/${proposal.id}`).set(as('township', '990101')).expect(200)
    expect(stored.body.changes).toEqual(renames)
    const audit = await t.db
      .selectFrom('audit_log')
      .select('after')
      .where('action', '=', 'proposal_create')
      .where('entity_id', '=', String(proposal.id))
      .executeTakeFirstOrThrow()
    expect(audit.after).toMatchObject({ region: '990101002001', title: '青石村网格调整', changes: { update: renames.length } })
  })
})

describe('the diff of a proposal', () => {
  it('downloads added and removed geometry as GeoJSON, before and after it applies', async () => {
    const county = AREAS.changji as string
    const diff = await t.http().get('/api/v1/proposals?state=filed').set(as('county', county)).expect(200)
    const id = diff.body.proposals.find((p: { region_code: string }) => p.region_code.startsWith(county)).id
    const applied = await t.http().get(`/api/v1/proposals/${id}/diff`).set(as('county', county)).expect(200)
    expect(applied.headers['content-disposition']).toContain(`proposal-${id}-diff.geojson`)
    const changes = applied.body.features
      .map((f: { properties: { code: string; change: string } }) => `${f.properties.change}:${f.properties.code.slice(-3)}`)
      .sort()
    expect(changes).toEqual(['added:002', 'added:003', 'removed:001'])
    const pending = await draft(county, 'township', [{ op: 'update', grid: `${county}002001002`, properties: { households: 300 } }])
    const before = await t.http().get(`/api/v1/proposals/${pending.id}/diff`).set(as('township', county)).expect(200)
    expect(before.body.features.map((f: { properties: { change: string } }) => f.properties.change)).toEqual([
      'changed_before',
      'changed_after',
    ])
  })
})

describe('who may act', () => {
  it('refuses a township approving its own proposal, naming who may (403)', async () => {
    const county = AREAS['cn-default'] as string
    const proposal = await draft(county, 'township', [{ op: 'update', grid: `${county}002001002`, properties: { name: '青石村北网格' } }])
    await t.http().post(`/api/v1/proposals/${proposal.id}/submit`).set(as('township', county)).send({}).expect(200)
    const refused = await t
      .http()
      .post(`/api/v1/proposals/${proposal.id}/approve`)
      .set(as('township', county))
      .send({ document_no: 'x', effective_date: '2026-11-01' })
      .expect(403)
    expect(refused.body.error.code).toBe('proposal_wrong_role')
    expect(refused.body.error.message).toContain('县级用户')
    // The county returns it with a comment pinned to the map; it goes back to the author.
    const returned = await t
      .http()
      .post(`/api/v1/proposals/${proposal.id}/reject`)
      .set(as('county', county))
      .send({ comment: '名称请与村委会核对', location: { type: 'Point', coordinates: [113.025, 28.015] } })
      .expect(200)
    expect(returned.body.state).toBe('returned')
    const comment = returned.body.events.find((e: { action: string }) => e.action === 'reject')
    expect(comment).toMatchObject({ comment: '名称请与村委会核对', location: { type: 'Point', coordinates: [113.025, 28.015] } })
  })
})

describe('optimistic locking between neighbouring edits', () => {
  it('gives the second apply a 409, then succeeds after a rebase', async () => {
    const county = AREAS['cn-default'] as string
    const grid = `${county}002001002`
    const first = await draft(county, 'township', [{ op: 'update', grid, properties: { households: 305 } }])
    const second = await draft(county, 'township2' as Role, [{ op: 'update', grid: `${county}002001003`, properties: { households: 315 } }])
    await t.http().post(`/api/v1/proposals/${first.id}/submit`).set(as('township', county)).send({}).expect(200)
    await t
      .http()
      .post(`/api/v1/proposals/${second.id}/submit`)
      .set(as('township2' as Role, county))
      .send({})
      .expect(200)
    await t
      .http()
      .post(`/api/v1/proposals/${first.id}/approve`)
      .set(as('county', county))
      .send({ document_no: 'A-1', effective_date: '2026-11-01' })
      .expect(200)
    const conflict = await t
      .http()
      .post(`/api/v1/proposals/${second.id}/approve`)
      .set(as('county', county))
      .send({ document_no: 'A-2', effective_date: '2026-11-02' })
      .expect(409)
    expect(conflict.body.error.code).toBe('proposal_stale')
    // Back to the author, who rebases and resubmits; now it goes through.
    await t.http().post(`/api/v1/proposals/${second.id}/reject`).set(as('county', county)).send({ comment: '请重新基于现状' }).expect(200)
    await t
      .http()
      .post(`/api/v1/proposals/${second.id}/rebase`)
      .set(as('township2' as Role, county))
      .send({})
      .expect(200)
    await t
      .http()
      .post(`/api/v1/proposals/${second.id}/submit`)
      .set(as('township2' as Role, county))
      .send({})
      .expect(200)
    await t
      .http()
      .post(`/api/v1/proposals/${second.id}/approve`)
      .set(as('county', county))
      .send({ document_no: 'A-2', effective_date: '2026-11-02' })
      .expect(200)
    const now = await t.http().get(`/api/v1/grids/${county}002001003`).set(as('county', county)).expect(200)
    expect(now.body.properties).toMatchObject({ households: 315, version: 2 })
  })
})

describe('codes are never reused', () => {
  it('split → merge → split of the same area gives new codes every time', async () => {
    const county = AREAS.heihe as string
    const run = async (changes: unknown[], date: string, exceptions: unknown[] = []) => {
      const chain = getProfile('heihe')?.approvalChain ?? []
      const proposal = await draft(county, chain[0]?.role as Role, changes, exceptions)
      await t
        .http()
        .post(`/api/v1/proposals/${proposal.id}/submit`)
        .set(as(chain[0]?.role as Role, county))
        .send({})
        .expect(200)
      for (let step = 1; step < chain.length; step++) {
        const { role, action } = chain[step] as { role: Role; action: 'file' }
        const body = step === applyingStep(chain) ? { document_no: `D-${date}`, effective_date: date } : {}
        await t.http().post(`/api/v1/proposals/${proposal.id}/${ACT_FOR[action]}`).set(as(role, county)).send(body).expect(200)
      }
    }
    // The merged grid has 620 households: allowed for now by an exception request.
    const exception = { code: 'households_above_max', feature_ids: ['new-1'], reason: '合并后待下次调整时拆分' }
    await run([{ op: 'merge', grids: [`${county}002001002`, `${county}002001003`] }], '2026-11-01', [exception])
    await run([splitChange(county, 113.03, `${county}002001004`)], '2026-11-02')
    const codes = await t.db
      .selectFrom('grid_codes')
      .select(['code', 'status'])
      .where('region_code', '=', `${county}002001`)
      .orderBy('code')
      .execute()
    expect(codes.map((c) => `${c.code.slice(-3)}:${c.status}`)).toEqual([
      '001:retired',
      '002:retired',
      '003:retired',
      '004:retired',
      '005:active',
      '006:active',
    ])
  })
})

describe('nothing is lost on a crash inside the applying transaction', () => {
  it('rolls back everything when the connection dies before commit', async () => {
    const county = AREAS.zigong as string
    const chain = getProfile('zigong')?.approvalChain ?? []
    // 510301002001002 is the western half left by the chain test (113.02–113.03); cut it again.
    const proposal = await draft(county, chain[0]?.role as Role, [splitChange(county, 113.025, `${county}002001002`)])
    await t
      .http()
      .post(`/api/v1/proposals/${proposal.id}/submit`)
      .set(as(chain[0]?.role as Role, county))
      .send({})
      .expect(200)
    const gridsBefore = await t.db
      .selectFrom('grids')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    const applying = chain[applyingStep(chain)] as { role: Role }
    const claims = {
      sub: `${applying.role}-${county}`,
      role: applying.role,
      region_prefix: scopeFor(applying.role, county),
      scope_name: '',
    }
    await expect(
      actOnProposal(
        t.database,
        claims,
        proposal.id,
        ACT_FOR[chain[applyingStep(chain)]?.action ?? 'file'],
        { document_no: 'X', effective_date: '2026-11-05' },
        'en',
        {
          beforeCommit: async (trx) => {
            // On PostgreSQL kill our own connection; PGlite has one connection, so fail hard instead.
            if (t.database.engine === 'postgres') await sql`SELECT pg_terminate_backend(pg_backend_pid())`.execute(trx)
            throw new Error('simulated crash')
          },
        },
      ),
    ).rejects.toThrow()
    const gridsAfter = await t.db
      .selectFrom('grids')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(gridsAfter.n)).toBe(Number(gridsBefore.n))
    const state = await t.db.selectFrom('proposals').select(['state', 'applied_at']).where('id', '=', proposal.id).executeTakeFirstOrThrow()
    expect(state).toEqual({ state: 'submitted', applied_at: null })
    const open = await t.db
      .selectFrom('grids')
      .select('code')
      .where('code', '=', `${county}002001002`)
      .where('valid_to', 'is', null)
      .execute()
    expect(open).toHaveLength(1)
  })
})
