import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createMiniCountyApp } from '../testing/app.js'

// A 403 for data outside the caller's region names the caller's own scope and role, never the
// other region: e.g. a looked-up point's grid lies in 青石乡, and a 城关镇 user must not learn that
// from the refusal.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>

beforeAll(async () => {
  t = await createMiniCountyApp()
}, 120_000)
afterAll(async () => t?.close())

const OTHER = '990101002' // 青石乡: outside the township user's 城关镇

describe('403 outside the caller’s region', () => {
  it.each([
    ['a grid', `/api/v1/grids/${OTHER}001001`],
    ['grids of a region', `/api/v1/grids?region=${OTHER}`],
    ['a grid’s history', `/api/v1/grids/${OTHER}001001/history`],
    ['a region', `/api/v1/regions/${OTHER}000`],
    ['a region’s children', `/api/v1/regions/${OTHER}000/children`],
    ['a code', `/api/v1/codes/${OTHER}001001`],
    ['a point whose grid lies there', '/api/v1/lookup?lng=113.03&lat=28.01'],
  ])('%s: names the caller’s scope only (zh-CN and en)', async (_what, url) => {
    const zh = await t.http().get(url).set(bearer(t.tokens.township)).expect(403)
    expect(zh.body.error).toEqual({
      code: 'forbidden_region',
      message: '无权访问：您的账号（乡镇（街道）用户）只能访问 城关镇（990101001） 范围内的数据',
    })
    const en = await t.http().get(url).set(bearer(t.tokens.township)).set('Accept-Language', 'en').expect(403)
    expect(en.body.error).toEqual({
      code: 'forbidden_region',
      message: 'No access: your account (township user) may only access data within 城关镇（990101001）',
    })
    expect(en.body.error.message).not.toContain(OTHER)
  })
})
