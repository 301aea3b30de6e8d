import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createMiniCountyApp } from '../testing/app.js'
import { hashApiKey } from './api-keys.repository.js'

// POST/GET/DELETE /api/v1/api-keys on the real app: who may issue keys for which region, the key
// shown once and stored only as a hash, revocation, audit entries.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let admin: string
let city: string
beforeAll(async () => {
  t = await createMiniCountyApp()
  admin = await t.token('admin')
  city = await t.token('city')
})
afterAll(async () => {
  await t?.close()
})

const issue = (token: string, body: Record<string, unknown>, language = 'zh-CN') =>
  t.http().post('/api/v1/api-keys').set(bearer(token)).set('Accept-Language', language).send(body)

describe('API keys', () => {
  let keyId: number
  let key: string

  it('issues a key once, stores only its hash, and audits without the key', async () => {
    const response = await issue(admin, { name: '110 接警', department: '县公安局', region_prefix: '990101000000' })
    expect(response.status).toBe(201)
    key = response.body.key
    keyId = response.body.id
    expect(key).toMatch(/^gwk_[0-9A-Za-z]{32}$/)
    expect(response.body).toMatchObject({
      key_prefix: key.slice(0, 8),
      region_prefix: '990101',
      rate_limit_per_minute: 600,
      created_by: 'admin',
      revoked_at: null,
    })
    const row = await t.db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirstOrThrow()
    expect(row.key_hash).toBe(hashApiKey(key))
    expect(JSON.stringify(row)).not.toContain(key)
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'api_key_issue').execute()
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ username: 'admin', entity: 'api_key', entity_id: String(keyId), region_code: '990101' })
    expect(JSON.stringify(audit[0])).not.toContain(key)
  })

  it('lists keys by prefix only', async () => {
    const response = await t.http().get('/api/v1/api-keys').set(bearer(admin))
    expect(response.status).toBe(200)
    expect(response.body.keys.map((k: { id: number }) => k.id)).toContain(keyId)
    expect(JSON.stringify(response.body)).not.toContain(key)
    expect(response.body.keys[0]).not.toHaveProperty('key')
  })

  it('lets county and city users issue keys within their own region only', async () => {
    expect(
      (await issue(t.tokens.county, { name: 'a', department: '县民政局', region_prefix: '990101002', rate_limit_per_minute: 60 })).status,
    ).toBe(201)
    const outside = await issue(t.tokens.county, { name: 'b', department: '县民政局', region_prefix: '990102' }, 'en')
    expect(outside.status).toBe(403)
    expect(outside.body.error.code).toBe('forbidden_region')
    const all = await issue(city, { name: 'c', department: '市应急局', region_prefix: '' }, 'en')
    expect(all.status).toBe(403)
    expect(all.body.error.message).toBe('A key for all regions can only be issued by an administrator; give a region code')
    // The county sees its own keys (and the admin's key for the county), not others.
    const list = await t.http().get('/api/v1/api-keys').set(bearer(t.tokens.county))
    expect(list.body.keys.every((k: { region_prefix: string }) => k.region_prefix.startsWith('990101'))).toBe(true)
  })

  it('refuses township and department users, in Chinese and English', async () => {
    const zh = await issue(t.tokens.township, { name: 'x', department: 'y', region_prefix: '990101001' })
    expect(zh.status).toBe(403)
    expect(zh.body.error.message).toBe('只有管理员和市、县级用户可以管理 API 密钥；您的账号是乡镇（街道）用户')
    const dept = await t.token('dept')
    const en = await t.http().get('/api/v1/api-keys').set(bearer(dept)).set('Accept-Language', 'en')
    expect(en.status).toBe(403)
    expect(en.body.error.message).toBe(
      'Only administrators and city or county users may manage API keys; your account is a department user',
    )
  })

  it('rejects bad input with 400/404 and a clear message', async () => {
    const badRegion = await issue(admin, { name: 'x', department: 'y', region_prefix: '9901x' }, 'en')
    expect(badRegion.status).toBe(400)
    expect(badRegion.body.error.code).toBe('region_prefix_invalid')
    const unknown = await issue(admin, { name: 'x', department: 'y', region_prefix: '990199' }, 'en')
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.message).toBe('Region "990199" was not found')
    const zeroLimit = await issue(admin, { name: 'x', department: 'y', region_prefix: '990101', rate_limit_per_minute: 0 }, 'en')
    expect(zeroLimit.status).toBe(400)
    expect(zeroLimit.body.error.message).toContain('rate_limit_per_minute')
    const noName = await issue(admin, { department: 'y', region_prefix: '990101' }, 'en')
    expect(noName.status).toBe(400)
    expect(noName.body.error.message).toContain('name')
    const notFound = await t.http().delete('/api/v1/api-keys/999999').set(bearer(admin)).set('Accept-Language', 'en')
    expect(notFound.status).toBe(404)
    expect(notFound.body.error.message).toBe('API key 999999 was not found')
  })

  it('revokes a key (only within the caller’s region), once, with an audit entry', async () => {
    const wide = await issue(admin, { name: 'province', department: '省公安厅', region_prefix: '99' })
    expect((await t.http().delete(`/api/v1/api-keys/${wide.body.id}`).set(bearer(t.tokens.county))).status).toBe(403)
    const first = await t.http().delete(`/api/v1/api-keys/${keyId}`).set(bearer(t.tokens.county))
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ id: keyId, revoked_by: 'county' })
    const again = await t.http().delete(`/api/v1/api-keys/${keyId}`).set(bearer(admin))
    expect(again.status).toBe(200)
    expect(again.body.revoked_by).toBe('county')
    const audit = await t.db.selectFrom('audit_log').select('username').where('action', '=', 'api_key_revoke').execute()
    expect(audit).toEqual([{ username: 'county' }])
  })
})
