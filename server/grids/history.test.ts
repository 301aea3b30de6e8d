import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer as auth, createMiniCountyApp } from '../testing/app.js'

// GET /api/v1/grids/{code}/history: every version, with the proposal it came from (document
// number, effective date, approver) and the code's split/merge lineage. The proposals, their
// events and the grid versions are written directly with SQL, as the approval would leave them.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let county: string
let splitId: number
let reshapeId: number

const PARENT = '990101002001001'
const WEST = '990101002001002'
const EAST = '990101002001003'
const RESHAPED = '990101001001001'
// The township of the reshape proposal (region 990101001000 of the mini county).
const TOWNSHIP_NAME = '城关镇'

async function insertProposal(values: { region: string; title: string; documentNo: string; effective: string; state: string }) {
  const { rows } = await sql<{ id: number }>`
    INSERT INTO proposals (region_code, profile_id, title, reason, state, changes, document_no, effective_date, applied_at, created_by)
    VALUES (${values.region}, 'national', ${values.title}, '户数超出规定范围', ${values.state}, '[]'::jsonb,
            ${values.documentNo}, ${values.effective}, now(), 'township')
    RETURNING id`.execute(t.db)
  return rows[0]!.id
}

async function insertEvent(proposalId: number, region: string, at: string, username: string, role: string, action: string) {
  await sql`
    INSERT INTO proposal_events (proposal_id, region_code, at, username, role, action)
    VALUES (${proposalId}, ${region}, ${at}::timestamptz, ${username}, ${role}, ${action})`.execute(t.db)
}

beforeAll(async () => {
  t = await createMiniCountyApp()
  county = t.tokens.county

  // 1. Chain with an approve step (township → county approves → city files): split the oversized
  //    青石村 grid into a west and an east half, effective 2026-09-01.
  splitId = await insertProposal({
    region: '990101002000',
    title: '拆分青石村网格',
    documentNo: '示县网〔2026〕12号',
    effective: '2026-09-01',
    state: 'filed',
  })
  await insertEvent(splitId, '990101002000', '2026-08-10T09:00:00+08:00', 'township', 'township', 'submit')
  await insertEvent(splitId, '990101002000', '2026-08-12T10:00:00+08:00', 'county', 'county', 'approve')
  await insertEvent(splitId, '990101002000', '2026-08-20T15:30:00+08:00', 'city', 'city', 'file')
  await sql`UPDATE grids SET valid_to = '2026-09-01' WHERE code = ${PARENT} AND valid_to IS NULL`.execute(t.db)
  await sql`UPDATE grid_codes SET status = 'retired', retired_on = '2026-09-01', proposal_id = ${splitId} WHERE code = ${PARENT}`.execute(
    t.db,
  )
  for (const [code, name, envelope] of [
    [WEST, '青石村西网格', sql`ST_MakeEnvelope(113.02, 28.0, 113.03, 28.02, 4490)`],
    [EAST, '青石村东网格', sql`ST_MakeEnvelope(113.03, 28.0, 113.04, 28.02, 4490)`],
  ] as const) {
    await sql`
      INSERT INTO grids (code, version, name, kind, region_code, geom, households, valid_from, created_by, proposal_id)
      SELECT ${code}, 1, ${name}, 'comprehensive', region_code, ST_Multi(ST_Intersection(geom, ${envelope})), 300, '2026-09-01', 'city', ${splitId}
      FROM grids WHERE code = ${PARENT}`.execute(t.db)
    await sql`
      INSERT INTO grid_lineage (parent_code, child_code, relation, proposal_id, effective_date)
      VALUES (${PARENT}, ${code}, 'split', ${splitId}, '2026-09-01')`.execute(t.db)
  }

  // 2. Chain without an approve step (township → county files, seed 002): reshape a grid.
  reshapeId = await insertProposal({
    region: '990101001000',
    title: '调整桂花社区第一网格边界',
    documentNo: '示县网备〔2026〕3号',
    effective: '2026-10-01',
    state: 'filed',
  })
  await insertEvent(reshapeId, '990101001000', '2026-09-10T09:00:00+08:00', 'township', 'township', 'submit')
  await insertEvent(reshapeId, '990101001000', '2026-09-15T11:00:00+08:00', 'county', 'county', 'file')
  await sql`UPDATE grids SET valid_to = '2026-10-01' WHERE code = ${RESHAPED} AND valid_to IS NULL`.execute(t.db)
  await sql`
    INSERT INTO grids (code, version, name, kind, region_code, geom, households, valid_from, created_by, proposal_id)
    SELECT code, 2, name, kind, region_code, geom, 330, '2026-10-01', 'county', ${reshapeId}
    FROM grids WHERE code = ${RESHAPED} AND version = 1`.execute(t.db)
})
afterAll(async () => t?.close())

const history = (code: string, token = county) => t.http().get(`/api/v1/grids/${code}/history`).set(auth(token))

describe('GET /api/v1/grids/{code}/history', () => {
  it('shows the proposal, document number and approver of a version made by a proposal', async () => {
    const response = await history(WEST).expect(200)
    expect(response.body.type).toBe('FeatureCollection')
    expect(response.body.features).toHaveLength(1)
    const [feature] = response.body.features
    expect(feature.id).toBe(`${WEST}@1`)
    expect(feature.geometry.type).toBe('MultiPolygon')
    expect(feature.properties).toMatchObject({ code: WEST, version: 1, valid_from: '2026-09-01', valid_to: null, created_by: 'city' })
    expect(feature.properties.proposal).toEqual({
      id: splitId,
      title: '拆分青石村网格',
      document_no: '示县网〔2026〕12号',
      effective_date: '2026-09-01',
      approved_by: 'county',
      approved_at: '2026-08-12T02:00:00.000Z',
    })
    expect(feature.properties.lineage).toEqual({
      parents: [{ code: PARENT, relation: 'split', effective_date: '2026-09-01', proposal_id: splitId }],
      children: [],
    })
  })

  it('names the filer as approver when the chain has no approve step, and keeps the earlier version with proposal: null', async () => {
    const response = await history(RESHAPED).expect(200)
    const features = response.body.features
    expect(features.map((f: { id: string }) => f.id)).toEqual([`${RESHAPED}@1`, `${RESHAPED}@2`])
    expect(features[0].properties).toMatchObject({ version: 1, valid_to: '2026-10-01', households: 320, proposal: null })
    expect(features[1].properties).toMatchObject({ version: 2, valid_from: '2026-10-01', valid_to: null, households: 330 })
    expect(features[1].properties.proposal).toEqual({
      id: reshapeId,
      title: '调整桂花社区第一网格边界',
      document_no: '示县网备〔2026〕3号',
      effective_date: '2026-10-01',
      approved_by: 'county',
      approved_at: '2026-09-15T03:00:00.000Z',
    })
    for (const feature of features) expect(feature.properties.lineage).toEqual({ parents: [], children: [] })
  })

  it('shows a split parent with proposal: null on its imported version and both children in its lineage', async () => {
    const response = await history(PARENT).expect(200)
    expect(response.body.features).toHaveLength(1)
    const [feature] = response.body.features
    expect(feature.properties).toMatchObject({ version: 1, valid_to: '2026-09-01', proposal: null })
    expect(feature.properties.lineage.parents).toEqual([])
    expect(feature.properties.lineage.children).toEqual([
      { code: WEST, relation: 'split', effective_date: '2026-09-01', proposal_id: splitId },
      { code: EAST, relation: 'split', effective_date: '2026-09-01', proposal_id: splitId },
    ])
  })

  it('a grid never touched by a proposal has proposal: null and no lineage', async () => {
    const response = await history('990101001002001').expect(200)
    expect(response.body.features).toHaveLength(1)
    expect(response.body.features[0].properties.proposal).toBeNull()
    expect(response.body.features[0].properties.lineage).toEqual({ parents: [], children: [] })
    expect(response.body.features[0].properties.attributes).toEqual({ grid_head: '李明' })
  })

  it('stays scoped, 404s unknown codes and 400s malformed ones', async () => {
    const township = t.tokens.township
    await history(RESHAPED, township).expect(200)
    const other = await history(WEST, township).expect(403)
    expect(other.body.error.code).toBe('forbidden_region')
    expect((await history('990101001001999').expect(404)).body.error.code).toBe('grid_not_found')
    expect((await history('12ab').expect(400)).body.error.code).toBe('grid_code_invalid')
  })

  it('documents proposal and lineage in the OpenAPI schema', async () => {
    const spec = await t.http().get('/openapi.json').expect(200)
    const schema = spec.body.paths['/api/v1/grids/{code}/history'].get.responses['200'].content['application/json'].schema
    const properties = schema.properties.features.items.properties.properties.properties
    expect(Object.keys(properties)).toEqual(expect.arrayContaining(['proposal', 'lineage', 'created_at', 'created_by']))
  })

  it('leaves GET /grids/{code} unchanged: the version in force, without history fields', async () => {
    const response = await t.http().get(`/api/v1/grids/${RESHAPED}?as_of=2026-10-02`).set(auth(county)).expect(200)
    expect(response.body.properties).toMatchObject({ version: 2, households: 330 })
    expect(response.body.properties).not.toHaveProperty('proposal')
  })

  it('words a proposal title the author did not type in the reader’s language', async () => {
    await sql`UPDATE proposals SET title = NULL WHERE id = ${reshapeId}`.execute(t.db)
    const titleIn = async (language: string) =>
      (await history(RESHAPED).set('Accept-Language', language).expect(200)).body.features[1].properties.proposal.title
    expect(await titleIn('zh-CN')).toBe(`${TOWNSHIP_NAME}网格调整`)
    expect(await titleIn('en')).toBe(`Grid adjustment of ${TOWNSHIP_NAME}`)
    await sql`UPDATE proposals SET title = '调整桂花社区第一网格边界' WHERE id = ${reshapeId}`.execute(t.db)
  })
})
