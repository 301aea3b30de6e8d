import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_VERTICES_PER_PROPOSAL, MAX_VERTICES_PER_REQUEST, MAX_VERTICES_PER_SHAPE } from '../http/limits.js'
import { bearer } from '../testing/app.js'
import { createLargeBodyApp } from '../testing/large-body-app.js'

// The vertex limits of every endpoint that takes geometry: over a limit is a 413 that names the
// limit and the count, before any work; coordinates nested absurdly deep are a 400, never a stack
// overflow (500). Both languages.

let t: Awaited<ReturnType<typeof createLargeBodyApp>>

beforeAll(async () => {
  t = await createLargeBodyApp()
})
afterAll(async () => t?.close())

/** A closed ring of `n` positions (n − 1 distinct) around a point of 城关镇. */
function ring(n: number, cx = 113.005, cy = 28.005, r = 0.004): number[][] {
  const positions: number[][] = []
  for (let i = 0; i < n - 1; i++) {
    const a = (2 * Math.PI * i) / (n - 1)
    positions.push([cx + r * Math.cos(a), cy + r * Math.sin(a)])
  }
  positions.push(positions[0] as number[])
  return positions
}
const polygon = (n: number) => ({ type: 'Polygon', coordinates: [ring(n)] })
const feature = (geometry: unknown, properties: Record<string, unknown> = {}) => ({
  type: 'Feature',
  properties: { households: 300, ...properties },
  geometry,
})
const collection = (...features: unknown[]) => ({ type: 'FeatureCollection', features })
/** Stands for coordinates nested 10,000 arrays deep: JSON.stringify itself overflows on those, so post() writes them. */
const DEEP = '__deep_coordinates__'
// Deeper than a geometry may nest (8) but within what a JSON body may (64, server/http/json-body.ts):
// the geometry check must be the one that answers.
const deepText = `${'['.repeat(40)}113,28${']'.repeat(40)}`

async function post(path: string, body: unknown, language: 'en' | 'zh-CN', token = t.tokens.county) {
  const text = JSON.stringify(body).replaceAll(`"${DEEP}"`, deepText)
  return t.http().post(path).set(bearer(token)).set('Accept-Language', language).set('Content-Type', 'application/json').send(text)
}

describe('vertex limits', () => {
  it('states the limits in one place', () => {
    expect([MAX_VERTICES_PER_SHAPE, MAX_VERTICES_PER_REQUEST, MAX_VERTICES_PER_PROPOSAL]).toEqual([50_000, 1_000_000, 100_000])
  })

  it('POST /validate: a shape over 50,000 vertices is a 413 naming the feature, the count and the limit', async () => {
    const body = { features: collection(feature(polygon(1000)), feature(polygon(50_001), { code: 'big' })) }
    const en = await post('/api/v1/validate', body, 'en')
    expect(en.status).toBe(413)
    expect(en.body.error).toEqual({
      code: 'shape_too_many_vertices',
      message:
        'features[1] (big) has 50,001 vertices; one shape may have at most 50,000. Simplify the boundary (e.g. in your GIS) and send it again',
    })
    const zh = await post('/api/v1/validate', body, 'zh-CN')
    expect(zh.status).toBe(413)
    expect(zh.body.error.message).toBe(
      'features[1] (big) 有 50,001 个顶点，每个图形最多 50,000 个；请先简化边界（如在 GIS 软件中抽稀）再提交',
    )
  })

  it('POST /validate: more than 1,000,000 vertices in one request is a 413 naming the count and the limit', async () => {
    // 21 shapes of 50,000 positions; short integer positions keep the body small (counted before any check).
    const positions = Array.from({ length: 50_000 }, () => [113, 28])
    const shape = { type: 'Polygon', coordinates: [positions] }
    const body = { features: collection(...Array.from({ length: 21 }, () => feature(shape))) }
    const en = await post('/api/v1/validate', body, 'en')
    expect(en.status).toBe(413)
    expect(en.body.error).toEqual({
      code: 'request_too_many_vertices',
      message:
        'This request has 1,050,000 vertices; at most 1,000,000 are accepted per request. Send it in parts, e.g. one township or community at a time',
    })
    const zh = await post('/api/v1/validate', body, 'zh-CN')
    expect(zh.status).toBe(413)
    expect(zh.body.error.message).toBe('这个请求有 1,050,000 个顶点，每次最多 1,000,000 个；请分批提交，如每次一个乡镇或社区')
  })

  it('POST /validate: a parent polygon counts too', async () => {
    const response = await post('/api/v1/validate', { features: collection(feature(polygon(10))), parent: polygon(60_000) }, 'en')
    expect(response.status).toBe(413)
    expect(response.body.error.message).toMatch(/^parent has 60,000 vertices; one shape may have at most 50,000\./)
  })

  it('POST /repair: a geometry over the limit is a 413', async () => {
    const en = await post('/api/v1/repair', { geometry: polygon(50_001) }, 'en')
    expect(en.status).toBe(413)
    expect(en.body.error.message).toBe(
      'geometry has 50,001 vertices; one shape may have at most 50,000. Simplify the boundary (e.g. in your GIS) and send it again',
    )
    const zh = await post('/api/v1/repair', { geometry: polygon(50_001) }, 'zh-CN')
    expect(zh.status).toBe(413)
    expect(zh.body.error.message).toBe('geometry 有 50,001 个顶点，每个图形最多 50,000 个；请先简化边界（如在 GIS 软件中抽稀）再提交')
  })

  it('POST /proposals: a reshape with a huge geometry is a 413 naming the change; nothing is stored', async () => {
    const body = {
      region: '990101001001',
      title: '边界调整',
      reason: '测试',
      changes: [
        { op: 'update', grid: '990101001001002', properties: { households: 210 } },
        { op: 'reshape', grid: '990101001001001', geometry: polygon(50_001) },
      ],
    }
    const en = await post('/api/v1/proposals', body, 'en', t.tokens.township)
    expect(en.status).toBe(413)
    expect(en.body.error.message).toBe(
      'changes[1].geometry has 50,001 vertices; one shape may have at most 50,000. Simplify the boundary (e.g. in your GIS) and send it again',
    )
    const zh = await post('/api/v1/proposals', body, 'zh-CN', t.tokens.township)
    expect(zh.status).toBe(413)
    expect(zh.body.error.message).toBe(
      'changes[1].geometry 有 50,001 个顶点，每个图形最多 50,000 个；请先简化边界（如在 GIS 软件中抽稀）再提交',
    )
    const list = await t.http().get('/api/v1/proposals').set(bearer(t.tokens.township)).expect(200)
    expect(list.body.proposals).toEqual([])
  })

  it('POST /proposals: more than 100,000 vertices in one proposal is a 413 naming the count and the limit', async () => {
    const changes = [0, 1, 2].map((i) => ({
      op: 'create',
      geometry: { type: 'Polygon', coordinates: [ring(40_000, 113.003 + i * 0.006)] },
      properties: { households: 300 },
    }))
    const body = { region: '990101001001', title: '重新划分', reason: '测试', changes }
    const en = await post('/api/v1/proposals', body, 'en', t.tokens.township)
    expect(en.status).toBe(413)
    expect(en.body.error.message).toBe(
      'This request has 120,000 vertices; at most 100,000 are accepted per request. Send it in parts, e.g. one township or community at a time',
    )
    const zh = await post('/api/v1/proposals', body, 'zh-CN', t.tokens.township)
    expect(zh.status).toBe(413)
    expect(zh.body.error.message).toBe('这个请求有 120,000 个顶点，每次最多 100,000 个；请分批提交，如每次一个乡镇或社区')
  })

  it('POST /proposals: a split line over the limit is a 413 too', async () => {
    const line = { type: 'LineString', coordinates: ring(50_001) }
    const body = { region: '990101001001', title: '拆分', reason: '测试', changes: [{ op: 'split', grid: '990101001001001', line }] }
    const response = await post('/api/v1/proposals', body, 'en', t.tokens.township)
    expect(response.status).toBe(413)
    expect(response.body.error.message).toMatch(/^changes\[0\]\.line has 50,001 vertices;/)
  })

  it('POST /validate: more than 20,000 features is a 413 naming the count and the limit', async () => {
    const tiny = {
      type: 'Polygon',
      coordinates: [
        [
          [113, 28],
          [113.001, 28],
          [113, 28.001],
          [113, 28],
        ],
      ],
    }
    const body = { features: collection(...Array.from({ length: 20_001 }, () => feature(tiny))) }
    const en = await post('/api/v1/validate', body, 'en')
    expect(en.status).toBe(413)
    expect(en.body.error.message).toBe(
      'At most 20000 features can be validated at once; this request has 20001. Send one township or community at a time',
    )
    const zh = await post('/api/v1/validate', body, 'zh-CN')
    expect(zh.body.error.message).toBe('一次最多校验 20000 个要素，本次提交了 20001 个，请按乡镇或社区分批提交')
  })

  it('POST /validate: grids piled on each other (over 200,000 pairs of overlapping boxes) are a 422, not hours of comparisons', async () => {
    const body = { features: collection(...Array.from({ length: 700 }, (_, i) => feature(polygon(5), { code: `copy-${i}` }))) }
    const en = await post('/api/v1/validate', body, 'en')
    expect(en.status).toBe(422)
    expect(en.body.error).toEqual({
      code: 'validation_too_many_box_pairs',
      message:
        'More than 200,000 pairs of grids lie on top of each other (their bounding boxes meet); that is too many to compare. Check that the data does not hold the same grids several times, or send fewer grids at once',
    })
    const zh = await post('/api/v1/validate', body, 'zh-CN')
    expect(zh.status).toBe(422)
    expect(zh.body.error.message).toBe(
      '相互重叠（外包框相交）的网格超过 200,000 对，无法逐一比较；请检查数据中是否重复包含同一批网格，或减少每次提交的网格数',
    )
  })

  it('takes a shape of exactly 50,000 vertices', async () => {
    const response = await post('/api/v1/validate', { features: collection(feature(polygon(50_000), { code: 'edge' })) }, 'en')
    expect(response.status, response.text).toBe(200)
    expect(response.body.valid).toBe(true)
    const repaired = await post('/api/v1/repair', { geometry: polygon(50_000) }, 'en')
    expect(repaired.status, repaired.text).toBe(200)
    expect(repaired.body).toMatchObject({ valid_before: true, changes: { vertices_before: 50_000, vertices_after: 50_000 } })
  })
})

describe('deeply nested coordinates', () => {
  const deep = { type: 'Polygon', coordinates: DEEP }

  it('POST /validate: 400 with a plain message naming the shape', async () => {
    const en = await post('/api/v1/validate', { features: collection(feature(deep, { code: 'deep' })) }, 'en')
    expect(en.status).toBe(400)
    expect(en.body.error).toEqual({
      code: 'geometry_nesting_too_deep',
      message: 'The coordinates of features[0] (deep) are nested more than 8 levels deep; that is not a GeoJSON geometry',
    })
    const zh = await post('/api/v1/validate', { features: collection(feature(deep, { code: 'deep' })) }, 'zh-CN')
    expect(zh.status).toBe(400)
    expect(zh.body.error.message).toBe('features[0] (deep) 的坐标数组嵌套超过 8 层，不是 GeoJSON 几何')
  })

  it('POST /repair and POST /proposals: 400', async () => {
    const repair = await post('/api/v1/repair', { geometry: deep }, 'en')
    expect(repair.status).toBe(400)
    expect(repair.body.error.message).toBe('The coordinates of geometry are nested more than 8 levels deep; that is not a GeoJSON geometry')
    const proposal = await post(
      '/api/v1/proposals',
      { region: '990101001001', title: '调整', reason: '测试', changes: [{ op: 'reshape', grid: '990101001001001', geometry: deep }] },
      'zh-CN',
      t.tokens.township,
    )
    expect(proposal.status).toBe(400)
    expect(proposal.body.error.message).toBe('changes[0].geometry 的坐标数组嵌套超过 8 层，不是 GeoJSON 几何')
  })

  it('POST /proposals/:id/comments: a deeply nested location is a 400, never a 500', async () => {
    const draft = await post(
      '/api/v1/proposals',
      {
        region: '990101001001',
        title: '户数更正',
        reason: '测试',
        changes: [{ op: 'update', grid: '990101001001002', properties: { households: 210 } }],
      },
      'en',
      t.tokens.township,
    )
    expect(draft.status, draft.text).toBe(200)
    const response = await post(
      `/api/v1/proposals/${draft.body.id}/comments`,
      { comment: '这里', location: { type: 'Point', coordinates: DEEP } },
      'en',
      t.tokens.township,
    )
    expect(response.status).toBe(400)
    expect(response.body.error.message.length).toBeGreaterThan(10)
  })
})
