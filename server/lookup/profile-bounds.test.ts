import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { upsertUser } from '../auth/users.repository.js'
import { listProfiles, profileForRegion } from '../profiles/profiles.js'
import { bearer, createTestApp, TEST_PASSWORD } from '../testing/app.js'
import { checkPoint, governsChina } from './lookup.service.js'

// Whether a lookup point must lie in China comes from the bounds of the caller's rule profile,
// not from the profile's name: a department under each shipped profile gets the swapped-lng/lat
// and outside-China answers, in Chinese and in English.

let t: Awaited<ReturnType<typeof createTestApp>>
const departments = new Map<string, string>()
const claimed = listProfiles().filter((p) => p.regionPrefixes.length > 0)

beforeAll(async () => {
  t = await createTestApp()
  for (const profile of claimed) {
    const username = `dept-${profile.id}`
    await upsertUser(t.db, {
      username,
      display_name: `${profile.name.zh}公安局`,
      password: TEST_PASSWORD,
      role: 'department',
      region_prefix: `${profile.regionPrefixes[0]}01`,
    })
    departments.set(profile.id, await t.token(username))
  }
}, 240_000)
afterAll(async () => t?.close())

const lookup = (token: string, lng: number, lat: number, language: string) =>
  t.http().get(`/api/v1/lookup?lng=${lng}&lat=${lat}`).set(bearer(token)).set('Accept-Language', language)

describe('China checks by profile bounds', () => {
  it('every shipped profile governs China, so each gets the checks', () => {
    expect(listProfiles().filter((p) => !governsChina(p))).toEqual([])
    // xizang-000 claims no region prefix (its city is not named), so no caller reaches it over HTTP.
    const xizang = listProfiles().find((p) => p.id === 'xizang-000')
    expect(xizang && checkPoint(xizang.landmark.lat, xizang.landmark.lng, governsChina(xizang))).toMatchObject({
      ok: false,
      code: 'lookup_coordinates_swapped',
    })
    expect(claimed.map((p) => p.id)).toEqual(['heihe', 'changji', 'zigong', 'qingyuan'])
  })

  it.each(claimed.map((p) => [p.id, p] as const))(
    'a department under %s: its own seat with lng/lat swapped → 400 swapped',
    async (id, profile) => {
      const token = departments.get(id) as string
      expect(profileForRegion(`${profile.regionPrefixes[0]}01`).id).toBe(id)
      const { lng, lat } = profile.landmark
      const zh = await lookup(token, lat, lng, 'zh-CN')
      expect(zh.status, zh.text).toBe(400)
      expect(zh.body.error.code).toBe('lookup_coordinates_swapped')
      expect(zh.body.error.message).toContain(`经纬度似乎写反了，应为 lng=${lng}&lat=${lat}`)
      const en = await lookup(token, lat, lng, 'en')
      expect(en.status).toBe(400)
      expect(en.body.error.message).toContain(`latitude and longitude look swapped — send lng=${lng}&lat=${lat}`)
    },
  )

  it.each(claimed.map((p) => [p.id] as const))('a department under %s: a point in Paris → 400 outside China', async (id) => {
    const token = departments.get(id) as string
    const zh = await lookup(token, 2.35, 48.85, 'zh-CN')
    expect(zh.status, zh.text).toBe(400)
    expect(zh.body.error.code).toBe('lookup_outside_china')
    expect(zh.body.error.message).toBe('坐标 2.35, 48.85 不在中国境内（经度 73–136，纬度 3–54），而网格都在中国境内')
    const en = await lookup(token, 2.35, 48.85, 'en')
    expect(en.body.error.message).toBe(
      'Coordinates 2.35, 48.85 lie outside China (longitude 73–136, latitude 3–54); the grids here are in China',
    )
  })
})
