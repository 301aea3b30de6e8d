import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemActor } from '../audit/audit.repository.js'
import type { ReferenceKind } from '../import/upload.schemas.js'
import { bearer as auth, createMiniCountyApp } from '../testing/app.js'
import { type ReferenceFeatureInput, readReferenceLayer, replaceReferenceLayer } from './reference.repository.js'
import { REFERENCE_FEATURE_CAP } from './reference.schemas.js'

// Reference layers on a real database: the repository (replace, read back, refusals) and the
// routes (list, features in a box with the cap, delete by role and scope).

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let tokens: Record<'county' | 'township' | 'dept' | 'city', string>
const actor = systemActor('reference-test')

/** An east–west road at latitude `lat` from 113.00 to 113.05 (mini county's extent). */
function road(lat: number, roadClass = '县道'): ReferenceFeatureInput {
  return {
    geometry: {
      type: 'LineString',
      coordinates: [
        [113.0, lat],
        [113.025, lat + 0.0001],
        [113.05, lat],
      ],
    },
    name: `${roadClass}${lat}`,
    class: roadClass,
    properties: { lanes: 2, paved: true, note: null },
  }
}

beforeAll(async () => {
  t = await createMiniCountyApp()
  tokens = { ...t.tokens, dept: await t.token('dept'), city: await t.token('city') }
}, 60_000)
afterAll(async () => t?.close())

describe('replaceReferenceLayer / readReferenceLayer', () => {
  it('writes a layer, reads it back, and replaces it by name with one audit entry each', async () => {
    const first = await replaceReferenceLayer(t.db, {
      region: '990101000000',
      name: '道路',
      kind: 'road',
      features: [road(28.0), road(28.01)],
      actor,
    })
    expect(first.count).toBe(2)
    const back = await readReferenceLayer(t.db, '990101', '道路')
    expect(back?.kind).toBe('road')
    expect(back?.features.map((f) => f.name)).toEqual(['县道28', '县道28.01'])
    expect(back?.features[0]?.properties).toEqual({ lanes: 2, paved: true, note: null })
    expect(back?.features[0]?.geometry).toEqual(road(28.0).geometry)

    const second = await replaceReferenceLayer(t.db, {
      region: '990101',
      name: '道路',
      kind: 'road',
      features: [road(28.02, '乡道')],
      actor,
    })
    expect(second.id).not.toBe(first.id)
    const layers = await t.db.selectFrom('reference_layers').select(['name', 'feature_count']).where('region_code', '=', '990101').execute()
    expect(layers).toEqual([{ name: '道路', feature_count: 1 }])
    const features = await sql<{ n: number }>`SELECT count(*)::int AS n FROM reference_features`.execute(t.db)
    expect(features.rows[0]?.n).toBe(1)
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('entity', '=', 'reference_layer')
      .orderBy('id')
      .execute()
    expect(audit).toEqual([
      { action: 'replace_reference_layer', entity_id: String(first.id) },
      { action: 'replace_reference_layer', entity_id: String(second.id) },
    ])
  })

  it('returns null for a layer the region does not have', async () => {
    expect(await readReferenceLayer(t.db, '990101', '没有的图层')).toBeNull()
  })

  it('refuses a bad kind, an empty or too long name and a bad region, writing nothing', async () => {
    const before = await t.db.selectFrom('reference_layers').select('id').execute()
    const attempt = (name: string, kind: string, region = '990101') =>
      replaceReferenceLayer(t.db, { region, name, kind: kind as ReferenceKind, features: [road(28.0)], actor })
    await expect(attempt('水系', 'river')).rejects.toMatchObject({ statusCode: 400, code: 'reference_kind_invalid' })
    await expect(attempt('  ', 'water')).rejects.toMatchObject({ statusCode: 400, code: 'reference_name_invalid' })
    await expect(attempt('长'.repeat(61), 'water')).rejects.toMatchObject({ statusCode: 400, code: 'reference_name_invalid' })
    await expect(attempt('水系', 'water', '99010')).rejects.toMatchObject({ statusCode: 400, code: 'reference_region_invalid' })
    expect(await t.db.selectFrom('reference_layers').select('id').execute()).toEqual(before)
  })

  it('writes a large layer quickly in chunks', async () => {
    const many = Array.from({ length: 12_000 }, (_, i) => road(28 + i * 0.000002, i % 2 ? '村道' : '乡道'))
    const started = performance.now()
    const result = await replaceReferenceLayer(t.db, { region: '990101', name: '大图层', kind: 'road', features: many, actor })
    expect(result.count).toBe(12_000)
    expect(performance.now() - started).toBeLessThan(30_000)
    const stored = await t.db.selectFrom('reference_layers').select('feature_count').where('id', '=', result.id).executeTakeFirstOrThrow()
    expect(stored.feature_count).toBe(12_000)
  })
})

describe('reference routes', () => {
  let roads: number
  let water: number
  let big: number
  let province: number

  beforeAll(async () => {
    roads = (await replaceReferenceLayer(t.db, { region: '990101', name: '道路', kind: 'road', features: [road(28.0), road(28.2)], actor }))
      .id
    water = (
      await replaceReferenceLayer(t.db, { region: '990101001', name: '水系', kind: 'water', features: [road(28.01, '河流')], actor })
    ).id
    province = (await replaceReferenceLayer(t.db, { region: '99', name: '省界', kind: 'other', features: [road(28.03, '界线')], actor })).id
    big = (await t.db.selectFrom('reference_layers').select('id').where('name', '=', '大图层').executeTakeFirstOrThrow()).id
  })

  it('lists the layers of a region: its own, wider regions’ and those inside it', async () => {
    const county = await t.http().get('/api/v1/reference?region=990101').set(auth(tokens.county)).expect(200)
    expect(county.body.layers.map((l: { name: string }) => l.name).sort()).toEqual(['大图层', '水系', '省界', '道路'].sort())
    const township = await t.http().get('/api/v1/reference').set(auth(tokens.township)).expect(200)
    expect(township.body.layers.map((l: { name: string }) => l.name).sort()).toEqual(['大图层', '水系', '省界', '道路'].sort())
    const layer = township.body.layers.find((l: { id: number }) => l.id === water)
    expect(layer).toMatchObject({ region_code: '990101001', kind: 'water', feature_count: 1, created_by: 'reference-test' })
  })

  it('refuses a region outside the caller’s scope', async () => {
    const response = await t.http().get('/api/v1/reference?region=990102').set(auth(tokens.county)).set('Accept-Language', 'en').expect(403)
    expect(response.body.error.code).toBe('forbidden_region')
  })

  it('returns the features in a box as GeoJSON, simplified by zoom', async () => {
    const response = await t
      .http()
      .get(`/api/v1/reference/${roads}/features?bbox=112.99,27.99,113.06,28.05`)
      .set(auth(tokens.township))
      .expect(200)
    expect(response.body.type).toBe('FeatureCollection')
    expect(response.body.truncated).toBe(false)
    expect(response.body.features).toHaveLength(1)
    expect(response.body.features[0]).toMatchObject({ type: 'Feature', properties: { name: '县道28', class: '县道' } })
    expect(response.body.features[0].geometry.coordinates).toHaveLength(3)
    const far = await t
      .http()
      .get(`/api/v1/reference/${roads}/features?bbox=112.99,27.99,113.06,28.05&zoom=5`)
      .set(auth(tokens.county))
      .expect(200)
    expect(far.body.features[0].geometry.coordinates).toHaveLength(2)
  })

  it(`caps a box at ${REFERENCE_FEATURE_CAP} features and says so`, async () => {
    const response = await t
      .http()
      .get(`/api/v1/reference/${big}/features?bbox=112.9,27.9,113.1,28.1&zoom=14`)
      .set(auth(tokens.county))
      .expect(200)
    expect(response.body.features).toHaveLength(REFERENCE_FEATURE_CAP)
    expect(response.body.truncated).toBe(true)
  })

  it('refuses the features of another county’s layer (403 naming the caller’s scope)', async () => {
    const other = await replaceReferenceLayer(t.db, { region: '990102', name: '道路', kind: 'road', features: [road(28.0)], actor })
    const response = await t
      .http()
      .get(`/api/v1/reference/${other.id}/features?bbox=112,27,114,29`)
      .set(auth(tokens.county))
      .set('Accept-Language', 'en')
      .expect(403)
    expect(response.body.error).toMatchObject({ code: 'forbidden_region' })
    expect(response.body.error.message).toContain('990101')
    const wider = await t.http().get(`/api/v1/reference/${province}/features?bbox=112,27,114,29`).set(auth(tokens.county)).expect(200)
    expect(wider.body.features).toHaveLength(1)
  })

  it('refuses bad parameters with a message', async () => {
    const bad = await t.http().get(`/api/v1/reference/${roads}/features?bbox=1,2`).set(auth(tokens.county)).expect(400)
    expect(bad.body.error.code).toBe('bbox_invalid')
    const zoom = await t
      .http()
      .get(`/api/v1/reference/${roads}/features?bbox=112,27,114,29&zoom=99`)
      .set(auth(tokens.county))
      .set('Accept-Language', 'en')
      .expect(400)
    expect(zoom.body.error.message).toBe('zoom "99" is invalid: give a number from 0 to 24')
    const missing = await t.http().get('/api/v1/reference/999999/features?bbox=112,27,114,29').set(auth(tokens.county)).expect(404)
    expect(missing.body.error.message).toBe('未找到参考图层 999999')
  })

  it('refuses the department (403, zh-CN and en) and a county user outside the layer’s region', async () => {
    const zh = await t.http().delete(`/api/v1/reference/${water}`).set(auth(tokens.dept)).expect(403)
    expect(zh.body.error).toMatchObject({
      code: 'reference_role_forbidden',
      message: '参考图层只能由系统管理员或县级用户删除；您的账号（部门用户）无权删除',
    })
    const en = await t.http().delete(`/api/v1/reference/${water}`).set(auth(tokens.dept)).set('Accept-Language', 'en').expect(403)
    expect(en.body.error.message).toBe(
      'Reference layers may be deleted only by administrators or county users; your account (department user) may not delete them',
    )
    const township = await t.http().delete(`/api/v1/reference/${water}`).set(auth(tokens.township)).expect(403)
    expect(township.body.error.code).toBe('reference_role_forbidden')
    const wider = await t.http().delete(`/api/v1/reference/${province}`).set(auth(tokens.county)).expect(403)
    expect(wider.body.error.code).toBe('forbidden_region')
  })

  it('deletes a layer with its features for a county user, audited', async () => {
    const response = await t.http().delete(`/api/v1/reference/${water}`).set(auth(tokens.county)).expect(200)
    expect(response.body).toEqual({ deleted: water, features: 1 })
    await t.http().get(`/api/v1/reference/${water}/features?bbox=112,27,114,29`).set(auth(tokens.county)).expect(404)
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM reference_features WHERE layer_id = ${water}`.execute(t.db)
    expect(left.rows[0]?.n).toBe(0)
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['username', 'region_code'])
      .where('action', '=', 'delete_reference_layer')
      .execute()
    expect(audit).toEqual([{ username: 'county', region_code: '990101001' }])
  })
})
