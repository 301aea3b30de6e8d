import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createMiniCountyApp, loadGeoJson, postUpload } from '../testing/app.js'
import { boxPolygon } from '../testing/shapes.js'

// The import wizard over HTTP on a real database: upload → preview → commit, and every refusal
// leaving the database as it was.

const LIMIT_BYTES = 1024 * 1024
const uploadRoot = mkdtempSync(path.join(os.tmpdir(), 'gridwork-uploads-test-'))
let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let tokens: Record<'county' | 'township' | 'baisha' | 'dept', string>

const box = boxPolygon
const collection = (features: { properties: Record<string, unknown>; geometry: unknown }[]) =>
  JSON.stringify({ type: 'FeatureCollection', features: features.map((feature) => ({ type: 'Feature', ...feature })) })

beforeAll(async () => {
  t = await createMiniCountyApp({ uploads: { root: uploadRoot, limitBytes: LIMIT_BYTES } })
  // 白沙镇: a township with a village and no grids yet (the demo account baisha works there).
  await loadGeoJson(
    t.database,
    collection([
      { properties: { code: '990101004000', name: '白沙镇', level: 4, urban_rural: '210' }, geometry: box(113.04, 28.0, 113.06, 28.02) },
      { properties: { code: '990101004001', name: '白沙村', level: 5, urban_rural: '220' }, geometry: box(113.04, 28.0, 113.06, 28.02) },
    ]),
    'regions',
    '990101',
  )
  tokens = { ...t.tokens, baisha: await t.token('baisha'), dept: await t.token('dept') }
})
afterAll(async () => {
  await t?.close()
  rmSync(uploadRoot, { recursive: true, force: true })
})

const upload = (token: string, name: string, text: string | Buffer) => postUpload(t, token, name, text)
const uploadId = async (token: string, name: string, text: string) => {
  const response = await upload(token, name, text)
  expect(response.status).toBe(201)
  return response.body.id as string
}
const preview = (token: string, id: string, body: object, language = 'zh-CN') =>
  t.http().post(`/api/v1/uploads/${id}/preview`).set(bearer(token)).set('Accept-Language', language).send(body)
const commit = (token: string, id: string, body: object, language = 'zh-CN') =>
  t.http().post(`/api/v1/uploads/${id}/commit`).set(bearer(token)).set('Accept-Language', language).send(body)

const count = async (table: 'grids' | 'proposals' | 'regions') =>
  Number(
    (
      await t.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )
const counts = async () => ({ grids: await count('grids'), proposals: await count('proposals'), regions: await count('regions') })

describe('upload → preview → commit', () => {
  it('turns a file with Chinese field names into a draft proposal replacing the township’s grids', async () => {
    // 城关镇 has three grids; the file divides it into two.
    const file = collection([
      { properties: { 网格编码: '990101001001003', 网格名称: '桂花网格', 户数: 470 }, geometry: box(113.0, 28.0, 113.01, 28.02) },
      { properties: { 网格编码: '990101001002002', 网格名称: '东湖网格', 户数: '410' }, geometry: box(113.01, 28.0, 113.02, 28.02) },
    ])
    const id = await uploadId(tokens.township, '城关镇网格.geojson', file)
    const shown = await preview(tokens.township, id, { type: 'grids', region: '990101001' })
    expect(shown.status).toBe(200)
    expect(shown.body).toMatchObject({
      format: 'geojson',
      layer: '城关镇网格',
      feature_count: 2,
      geometry_types: ['Polygon'],
      crs: { status: 'known', code: 'EPSG:4490' },
      map: { code: '网格编码', name: '网格名称', households: '户数' },
      problems: [],
    })
    expect(shown.body.fields.find((field: { name: string }) => field.name === '网格名称').samples).toEqual(['桂花网格', '东湖网格'])
    expect(shown.body.features.features).toHaveLength(2)
    expect(shown.body.report.issues.filter((issue: { severity: string }) => issue.severity === 'error')).toEqual([])

    const done = await commit(tokens.township, id, { type: 'grids', region: '990101001' })
    expect(done.status).toBe(200)
    expect(done.body).toMatchObject({ type: 'grids', imported: 2, codes: [] })
    expect(done.body.message).toBe(`已将 2 个网格导入为草稿方案 #${done.body.proposal_id}，请提交审批`)
    const proposal = await t.http().get(`/api/v1/proposals/${done.body.proposal_id}`).set(bearer(tokens.township))
    expect(proposal.body).toMatchObject({ state: 'draft', initial_division: false, region_code: '990101001000' })
    expect(proposal.body.changes.map((change: { op: string; grid?: string }) => `${change.op} ${change.grid ?? ''}`.trim())).toEqual([
      'retire 990101001001001',
      'retire 990101001001002',
      'retire 990101001002001',
      'create',
      'create',
    ])
    expect(proposal.body.changes[4].properties).toMatchObject({ name: '东湖网格', households: 410, region_code: '990101001002' })
    expect(proposal.body.validation).not.toBeNull()
    // The upload is gone after its commit.
    expect((await preview(tokens.township, id, { type: 'grids', region: '990101001' })).status).toBe(404)
    const audit = await t.db.selectFrom('audit_log').select('after').where('action', '=', 'import_commit').executeTakeFirstOrThrow()
    expect(audit.after).toMatchObject({ files: ['城关镇网格.geojson'], type: 'grids', imported: 2 })
  })

  it('makes an initial division of an empty township and remembers the field map for the next preview', async () => {
    const file = collection([
      { properties: { BM: '990101004001001', MC: '白沙一网格', HS: 200, LX: '综合' }, geometry: box(113.04, 28.0, 113.05, 28.02) },
      { properties: { BM: '990101004001002', MC: '白沙二网格', HS: 210, LX: '综合' }, geometry: box(113.05, 28.0, 113.06, 28.02) },
    ])
    const map = { code: 'BM', name: 'MC', households: 'HS', kind: 'LX' }
    const id = await uploadId(tokens.baisha, 'baisha.geojson', file)
    const done = await commit(tokens.baisha, id, { type: 'grids', region: '990101004', map }, 'en')
    expect(done.status).toBe(200)
    expect(done.body.message).toBe(`2 grids imported as draft proposal #${done.body.proposal_id}; submit it for approval`)
    const proposal = await t.http().get(`/api/v1/proposals/${done.body.proposal_id}`).set(bearer(tokens.baisha))
    expect(proposal.body).toMatchObject({ initial_division: true, region_code: '990101004000' })
    expect(proposal.body.changes.map((change: { op: string }) => change.op)).toEqual(['create', 'create'])

    const next = await uploadId(tokens.baisha, 'baisha-2.geojson', file)
    const shown = await preview(tokens.baisha, next, { type: 'grids', region: '990101004' })
    expect(shown.body.map).toEqual(map)
  })

  it('writes an initial division directly for a county, and refuses direct where grids exist', async () => {
    const before = await counts()
    const id = await uploadId(
      tokens.county,
      'qingshi.geojson',
      collection([{ properties: { name: '青石一网格' }, geometry: box(113.02, 28.0, 113.04, 28.02) }]),
    )
    const refused = await commit(tokens.county, id, { type: 'grids', region: '990101002', mode: 'direct' }, 'en')
    expect(refused.status).toBe(409)
    expect(refused.body.error.message).toBe(
      'A direct import replaces nothing: the township(s) 990101002 already have grids. Import as a draft proposal instead (mode draft).',
    )
    expect(await counts()).toEqual(before)

    // 白沙镇 still has no grids (its draft is not approved): a county may write them directly; imported
    // for the whole county, the grid goes to the village that holds it (白沙村).
    const empty = await uploadId(
      tokens.county,
      'baisha.geojson',
      collection([{ properties: { 名称: '白沙网格' }, geometry: box(113.04, 28.0, 113.06, 28.02) }]),
    )
    const direct = await commit(tokens.county, empty, { type: 'grids', region: '990101', mode: 'direct', valid_from: '2026-07-01' }, 'en')
    expect(direct.status).toBe(200)
    expect(direct.body).toMatchObject({ imported: 1, proposal_id: null, codes: ['990101004001001'], message: 'Imported 1 grids' })
    expect(await counts()).toEqual({ ...before, grids: before.grids + 1 })
  })
  it('drafts a county-wide file as one proposal per township and says how many', async () => {
    // One grid over 城关镇's three, one over 白沙镇 (whose grid the test above wrote directly), from
    // an administrator (whose scope, the whole country, no region code names: the upload takes it).
    const admin = await t.token('admin')
    const before = await counts()
    const file = collection([
      { properties: { 名称: '城关合一网格' }, geometry: box(113.0, 28.0, 113.02, 28.02) },
      { properties: { 名称: '白沙合一网格' }, geometry: box(113.04, 28.0, 113.06, 28.02) },
    ])
    const id = await uploadId(admin, 'county.geojson', file)
    const done = await commit(admin, id, { type: 'grids', region: '990101' })
    expect(done.status).toBe(200)
    const [first, second] = done.body.proposal_ids as number[]
    expect(done.body.proposal_ids).toHaveLength(2)
    expect(done.body.proposal_id).toBe(first)
    expect(done.body.message).toBe(`已将 2 个网格按乡镇导入为 2 个草稿方案（#${first}–#${second}），请逐个提交审批`)
    const regions = await t.db
      .selectFrom('proposals')
      .select('region_code')
      .where('id', 'in', done.body.proposal_ids as number[])
      .orderBy('id')
      .execute()
    expect(regions.map((row) => row.region_code)).toEqual(['990101001000', '990101004000'])
    expect(await counts()).toEqual({ ...before, proposals: before.proposals + 2 })
    const again = await uploadId(admin, 'county.geojson', file)
    const english = await commit(admin, again, { type: 'grids', region: '990101' }, 'en')
    const ids = english.body.proposal_ids as number[]
    expect(english.body.message).toBe(
      `2 grids imported as 2 draft proposals, one per township (#${ids[0]}–#${ids[1]}); submit each for approval`,
    )
  })
})

describe('who may start the draft', () => {
  it('tells a county account in the preview that the township office proposes changes to its grids', async () => {
    const file = collection([{ properties: { 网格名称: '桂花网格' }, geometry: box(113.0, 28.0, 113.01, 28.02) }])
    const id = await uploadId(tokens.county, '城关镇网格.geojson', file)
    const zh = await preview(tokens.county, id, { type: 'grids', region: '990101001' })
    expect(zh.body.notes).toContainEqual({
      code: 'proposal_wrong_role',
      message: '这一步应由乡镇（街道）用户（990101001000）提出申请，您的账号无权执行',
    })
    const en = await preview(tokens.county, id, { type: 'grids', region: '990101001' }, 'en')
    expect(en.body.notes).toContainEqual({
      code: 'proposal_wrong_role',
      message: 'This step is for the township user of 990101001000 to propose; your account may not do it',
    })
    const own = await uploadId(tokens.township, '城关镇网格.geojson', file)
    const shown = await preview(tokens.township, own, { type: 'grids', region: '990101001' })
    expect(shown.body.notes.map((note: { code: string }) => note.code)).not.toContain('proposal_wrong_role')
  })
})

describe('refusals write nothing', () => {
  const expectProblems = async (file: string, choices: object, language = 'en') => {
    const before = await counts()
    const id = await uploadId(tokens.county, 'bad.geojson', file)
    const shown = await preview(tokens.county, id, choices, language)
    expect(shown.status).toBe(200)
    const refused = await commit(tokens.county, id, choices, language)
    expect(refused.status).toBe(422)
    expect(refused.body.error.code).toBe('import_has_problems')
    expect(await counts()).toEqual(before)
    return shown.body.problems as { feature: number; field: string | null; code: string; message: string }[]
  }

  it('answers 413 naming the limit for an upload past it', async () => {
    const response = await upload(tokens.county, 'big.geojson', Buffer.alloc(LIMIT_BYTES + 1000, 32))
    expect(response.status).toBe(413)
    expect(response.body.error.message).toBe('上传文件超过限制：一次上传的全部文件合计不得超过 1 MB。')
  })

  it('refuses projected coordinates in a GeoJSON instead of guessing, naming the feature', async () => {
    const projected = collection([{ properties: { name: 'x' }, geometry: box(39500000, 3100000, 39501000, 3101000) }])
    const [problem] = await expectProblems(projected, { type: 'grids', region: '990101002' })
    expect(problem).toMatchObject({ feature: 1, code: 'coordinates_projected' })
    expect(problem?.message).toBe(
      'bad.geojson: Feature #1 has coordinates x=39500000, y=3100000, which are not longitude/latitude; GeoJSON is lon/lat (RFC 7946): the file is projected, choose its coordinate system (crs)',
    )
    const zh = await expectProblems(projected, { type: 'grids', region: '990101002' }, 'zh-CN')
    expect(zh[0]?.message).toContain('要素 #1 的坐标 x=39500000，y=3100000 不是经纬度')
  })

  it('lists mixed geometry types, an empty layer, invalid shapes with the repair offer, taken codes and wrong types', async () => {
    const mixed = await expectProblems(
      collection([
        { properties: { name: 'a' }, geometry: box(113.02, 28.0, 113.03, 28.02) },
        { properties: { name: 'b' }, geometry: { type: 'Point', coordinates: [113.035, 28.01] } },
      ]),
      { type: 'grids', region: '990101002' },
    )
    expect(mixed.map((problem) => problem.code)).toEqual(['geometry_types_mixed', 'geometry_type'])
    expect(mixed[0]?.message).toBe('bad.geojson: The layer mixes geometry types (Polygon, Point); this import takes Polygon, MultiPolygon')

    expect(await expectProblems(collection([]), { type: 'grids', region: '990101002' }, 'zh-CN')).toMatchObject([
      { feature: 0, code: 'empty', message: 'bad.geojson：图层没有要素' },
    ])

    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [113.02, 28.0],
          [113.04, 28.02],
          [113.04, 28.0],
          [113.02, 28.02],
          [113.02, 28.0],
        ],
      ],
    }
    const invalid = await expectProblems(collection([{ properties: { 网格名称: '蝴蝶' }, geometry: bowtie }]), {
      type: 'grids',
      region: '990101002',
    })
    expect(invalid[0]?.code).toBe('geometry_invalid')
    expect(invalid[0]?.message).toMatch(/^bad\.geojson: Feature #1 has invalid geometry: self-intersection .*; POST \/api\/v1\/repair/)

    const taken = await expectProblems(
      collection([{ properties: { 网格编码: '990101002001001', 网格名称: '青石' }, geometry: box(113.02, 28.0, 113.04, 28.02) }]),
      // Written directly, next to the grids in force, a code in force is taken (a draft would take it as naming that grid).
      { type: 'grids', region: '990101002', mode: 'direct' },
    )
    expect(taken).toMatchObject([{ feature: 1, field: '网格编码', code: 'code_exists' }])
    expect(taken[0]?.message).toBe(
      'bad.geojson: Feature #1（990101002001001） uses code "990101002001001", which is already taken; codes are never reused',
    )

    const points = await expectProblems(
      collection([{ properties: { 名称: '路' }, geometry: { type: 'Point', coordinates: [113.03, 28.01] } }]),
      {
        type: 'reference',
        region: '990101',
        reference: { name: '道路', kind: 'road' },
      },
    )
    expect(points[0]?.message).toBe(
      'bad.geojson: Feature #1 has geometry type Point; this import takes LineString, MultiLineString, Polygon, MultiPolygon',
    )
  })

  it('keeps uploads to their account and answers 404 for unknown ones; departments may not import', async () => {
    const id = await uploadId(tokens.township, 'mine.geojson', collection([]))
    const elsewhere = await preview(tokens.township, id, { type: 'grids', region: '990101002' }, 'en')
    expect(elsewhere.status).toBe(403)
    expect(elsewhere.body.error.message).toBe("The region 990101002 is outside this account's area.")
    expect((await preview(tokens.township, id, { type: 'buildings', region: '990101001' })).status).toBe(403)
    expect((await preview(tokens.county, id, { type: 'grids', region: '990101001' })).status).toBe(404)
    const unknown = await commit(tokens.county, '0123456789abcdef0123456789abcdef', { type: 'grids', region: '990101' }, 'en')
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('upload_not_found')
    const department = await upload(tokens.dept, 'x.geojson', collection([]))
    expect(department.status).toBe(403)
    const json = await t.http().post('/api/v1/uploads?name=x.geojson').set(bearer(tokens.county)).send({ type: 'FeatureCollection' })
    expect(json.status).toBe(415)
    expect(json.body.error.code).toBe('upload_not_bytes')
  })
})
