import { readFileSync } from 'node:fs'
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../demo/seed.js'
import { bearer, createTestApp, type TestApp } from '../testing/app.js'
import { crsByCode } from '../io/crs.js'
import { boxPolygon, canonicalRings } from '../testing/shapes.js'
import { matchEdges, type PolygonRings, type Position } from '../validation/edge-match.js'
import { renderExplanations } from './partition-messages.js'
import type { PartitionResponse } from './partition.schemas.js'
import type { PartitionExplanation } from './types.js'

// POST /api/v1/partition on the demo county 示范县: a community of the demo partitioned from its
// recorded buildings and roads, a hand-made boundary (fixtures/partition) compared vertex for
// vertex, every refusal with its message in zh-CN and en, a draft proposal, and who may do what.

let t: TestApp
const tokens: Record<'admin' | 'county' | 'township' | 'dept', string> = { admin: '', county: '', township: '', dept: '' }

beforeAll(async () => {
  t = await createTestApp()
  await seedDemo(t.db)
  for (const name of Object.keys(tokens) as (keyof typeof tokens)[]) tokens[name] = await t.token(name)
}, 300_000)
afterAll(async () => t?.close())

const post = (body: unknown, token = tokens.township, language = 'zh-CN') =>
  t
    .http()
    .post('/api/v1/partition')
    .set(bearer(token))
    .set('Accept-Language', language)
    .send(body as object)

/** The fixture's input as a request body: buildings and roads as FeatureCollections. */
function twoBlocks() {
  const input = JSON.parse(readFileSync('fixtures/partition/two-blocks.input.geojson', 'utf8'))
  return {
    boundary: input.boundary as Polygon,
    buildings: {
      type: 'FeatureCollection',
      features: input.buildings.map((building: { geometry: unknown; households: number }) => ({
        type: 'Feature',
        geometry: building.geometry,
        properties: { households: building.households },
      })),
    },
    roads: {
      type: 'FeatureCollection',
      features: input.roads.map((road: unknown) => ({ type: 'Feature', geometry: road, properties: {} })),
    },
    range: input.range as { min: number; max: number },
    seed: 1,
  }
}

const polygonsOf = (geometry: Polygon | MultiPolygon): PolygonRings[] =>
  (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as PolygonRings[]

/** The grid numbers an explanation accounts for. */
const explainedGrids = (answer: PartitionResponse) =>
  new Set(
    answer.explanations.flatMap(({ params }) => [
      ...(typeof params.grid === 'number' ? [params.grid] : []),
      ...(Array.isArray(params.grids) ? (params.grids as number[]) : []),
    ]),
  )

describe('a boundary with its buildings and roads', () => {
  it('gives the fixture’s grids vertex for vertex, unnamed, with a summary', async () => {
    const response = await post(twoBlocks())
    expect(response.status, response.text).toBe(200)
    const answer = response.body as PartitionResponse
    const expected = JSON.parse(readFileSync('fixtures/partition/two-blocks.expected.geojson', 'utf8')) as FeatureCollection<Polygon>
    expect(
      answer.features.map((grid) => ({
        number: grid.properties.number,
        households: grid.properties.households,
        units: grid.properties.units,
        geometry: canonicalRings(grid.geometry as Polygon),
      })),
    ).toEqual(expected.features.map((feature) => ({ ...feature.properties, geometry: canonicalRings(feature.geometry) })))
    for (const grid of answer.features) {
      expect(grid.properties).toMatchObject({ name: null, in_range: true, contiguous: true, existing_code: null, unchanged: null })
      expect(grid.properties.area_m2).toBeGreaterThan(0)
    }
    expect(answer.summary).toMatchObject({ grids: 2, in_range_pct: 100, road_boundary_share: 1, seed: 1, time_budget_reached: false })
    expect(answer.explanations).toEqual([])
    expect(answer.changes).toBeUndefined()
    // WGS84 named, and a budget of 0 (the seed phase always finishes): the same two grids.
    const again = (await post({ ...twoBlocks(), crs: 'EPSG:4326', time_budget_ms: 0 }).expect(200)).body as PartitionResponse
    expect(again.features.map((grid) => grid.properties.households)).toEqual([300, 350])
  })

  it('groups given units (blocks with households) whole: every grid a union of them, every vertex one of theirs', async () => {
    const side = 0.002
    const features = []
    for (let row = 0; row < 4; row++)
      for (let column = 0; column < 4; column++) {
        const [x, y] = [116.4 + column * side, 39.9 + row * side].map((v) => Math.round(v * 1e9) / 1e9) as [number, number]
        const [x2, y2] = [x + side, y + side].map((v) => Math.round(v * 1e9) / 1e9) as [number, number]
        features.push({
          type: 'Feature',
          geometry: boxPolygon(x, y, x2, y2),
          properties: { households: 60 + ((row * 7 + column * 13) % 5) * 15 },
        })
      }
    const body = {
      boundary: boxPolygon(116.4, 39.9, 116.408, 39.908),
      units: { type: 'FeatureCollection', features },
      range: { min: 200, max: 500 },
      seed: 1,
    }
    const answer = (await post(body).expect(200)).body as PartitionResponse
    const corners = new Set(features.flatMap((f) => f.geometry.coordinates[0]?.map((p) => `${p}`) ?? []))
    for (const grid of answer.features) for (const p of polygonsOf(grid.geometry as Polygon).flat(2)) expect(corners.has(`${p}`)).toBe(true)
    expect(answer.features.reduce((sum, grid) => sum + grid.properties.units, 0)).toBe(16)
    expect(answer.features.reduce((sum, grid) => sum + grid.properties.households, 0)).toBe(
      features.reduce((sum, f) => sum + f.properties.households, 0),
    )
    expect(answer.summary.in_range_pct).toBe(100)
  })

  it('works in a Gauss-Krüger zone (EPSG:4548): the same grids, answered in that zone, the boundary as sent', async () => {
    const zone = crsByCode('EPSG:4548')
    const body = twoBlocks()
    const project = (value: unknown): unknown =>
      Array.isArray(value) && typeof value[0] === 'number'
        ? zone.fromLonLat(value as number[])
        : Array.isArray(value)
          ? value.map(project)
          : value
    const inZone = <T extends { coordinates: unknown }>(geometry: T): T => ({ ...geometry, coordinates: project(geometry.coordinates) })
    const projected = {
      ...body,
      crs: 'EPSG:4548',
      boundary: inZone(body.boundary),
      buildings: {
        ...body.buildings,
        features: body.buildings.features.map((f: { geometry: Polygon }) => ({ ...f, geometry: inZone(f.geometry) })),
      },
      roads: { ...body.roads, features: body.roads.features.map((f: { geometry: Polygon }) => ({ ...f, geometry: inZone(f.geometry) })) },
    }
    const answer = (await post({ ...projected, seed: 1 }).expect(200)).body as PartitionResponse
    expect(answer.crs).toBe('EPSG:4548')
    expect(answer.features.map((grid) => grid.properties.households)).toEqual([300, 350])
    const corners = new Set(inZone(body.boundary).coordinates[0]?.map((p) => `${p}`))
    const vertices = answer.features.flatMap((grid) =>
      polygonsOf(grid.geometry as Polygon)
        .flat(2)
        .map((p) => `${p}`),
    )
    for (const corner of corners) expect(vertices).toContain(corner)
    // In metres, a zone's eastings are around 500,000 and its northings around 4,400,000 here.
    for (const grid of answer.features)
      for (const [x, y] of polygonsOf(grid.geometry as Polygon).flat(2) as [number, number][]) {
        expect(x).toBeGreaterThan(400_000)
        expect(y).toBeGreaterThan(4_000_000)
      }
  })

  it('keeps a boundary given with more than 12 decimals exactly, every vertex in the grids as sent', async () => {
    const body = twoBlocks()
    const ring = (body.boundary.coordinates[0] as Position[]).map(
      ([x, y], i): Position => [x + 1.234567891e-13 * ((i % 4) + 1), y - 2.3456789e-13],
    )
    ring[ring.length - 1] = ring[0] as Position
    const response = await post({ ...body, boundary: { type: 'Polygon', coordinates: [ring] } })
    expect(response.status, response.text).toBe(200)
    const vertices = new Set(
      (response.body as PartitionResponse).features.flatMap((grid) =>
        polygonsOf(grid.geometry as Polygon)
          .flat(2)
          .map(([x, y]) => `${x},${y}`),
      ),
    )
    for (const [x, y] of ring) expect(vertices.has(`${x},${y}`)).toBe(true)
  })

  it('starts from given grids: the unchanged ones keep their code and name, and the changes are listed', async () => {
    const body = twoBlocks()
    const first = (await post(body)).body as PartitionResponse
    const existing = {
      type: 'FeatureCollection',
      features: first.features.map((grid, i) => ({
        type: 'Feature',
        geometry: grid.geometry,
        properties: { code: `99010100100100${i + 1}`, name: `测试网格${i + 1}` },
      })),
    }
    const response = await post({ ...body, existing })
    expect(response.status, response.text).toBe(200)
    const answer = response.body as PartitionResponse
    expect(answer.features.map((grid) => grid.properties)).toMatchObject([
      { existing_code: '990101001001001', unchanged: true, name: '测试网格1' },
      { existing_code: '990101001001002', unchanged: true, name: '测试网格2' },
    ])
    expect(answer.changes).toEqual([
      { number: 1, code: '990101001001001', change: 'unchanged' },
      { number: 2, code: '990101001001002', change: 'unchanged' },
    ])
    expect(answer.summary.unchanged_grids_pct).toBe(100)
  })

  it('explains a grid out of range in the caller’s language, the facts kept as data', async () => {
    // 650 households, 300–320 a grid: two grids cannot hold them all, three cannot be filled.
    const body = { ...twoBlocks(), range: { min: 300, max: 320 } }
    const zh = (await post(body).expect(200)).body as PartitionResponse
    const en = (await post(body, tokens.township, 'en').expect(200)).body as PartitionResponse
    expect(zh.explanations.length).toBeGreaterThan(0)
    expect(en.explanations.map(({ code, params }) => ({ code, params }))).toEqual(
      zh.explanations.map(({ code, params }) => ({ code, params })),
    )
    const explained = explainedGrids(zh)
    for (const grid of zh.features) if (!grid.properties.in_range) expect(explained.has(grid.properties.number)).toBe(true)
    for (const [i, explanation] of zh.explanations.entries()) {
      expect(explanation.message).toMatch(/户/)
      expect(en.explanations[i]?.message).toMatch(/households/)
      expect(explanation.message).not.toContain('{{')
    }
  })
})

/** 明珠社区 of 东湖街道 (the township account's own): 130 buildings, 9 grids today. */
const COMMUNITY = '990101001001'

/** The community's grids in force today, as the proposal service keeps them. */
async function gridsToday() {
  const { rows } = await sql<{ code: string; name: string; geojson: string }>`
    SELECT code, name, ST_AsGeoJSON(geom) AS geojson FROM grids
    WHERE region_code = ${COMMUNITY} AND valid_to IS NULL AND kind = 'comprehensive' ORDER BY code`.execute(t.db)
  return rows
}

describe('a community of the demo county by its code', () => {
  let answer: PartitionResponse

  beforeAll(async () => {
    const response = await post({ region: COMMUNITY, seed: 1 })
    expect(response.status, response.text).toBe(200)
    answer = response.body
  }, 120_000)

  it('proposes grids in the profile’s range (200–500), each in range or explained, named after the community', () => {
    expect(answer.features.length).toBeGreaterThan(3)
    const explained = explainedGrids(answer)
    for (const { properties: grid } of answer.features) {
      expect(grid.in_range === (grid.households >= 200 && grid.households <= 500)).toBe(true)
      if (!grid.in_range) expect(explained.has(grid.number)).toBe(true)
    }
    expect(answer.features.map((grid) => grid.properties.name)).toEqual(
      answer.features.map(
        (_, i) => `明珠社区第${['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四'][i]}网格`,
      ),
    )
    expect(answer.features.every((grid) => grid.properties.existing_code === null && grid.properties.unchanged === null)).toBe(true)
  })

  it('lists what its draft would do: a fresh division retires today’s grids and creates the new ones', async () => {
    const today = await gridsToday()
    expect(answer.changes).toEqual([
      ...answer.features.map((grid) => ({ number: grid.properties.number, code: null, change: 'new' })),
      ...today.map((grid) => ({ number: null, code: grid.code, change: 'retired' })),
    ])
  })

  it('tiles the community: a clean coverage (edge matching at tolerance 0) of the area today’s grids cover', async () => {
    const features = answer.features.map((grid, index) => ({ index, polygons: polygonsOf(grid.geometry as Polygon | MultiPolygon) }))
    const matched = await matchEdges(features)
    expect(matched.clean).toBe(true)
    const today = await gridsToday()
    const { rows } = await sql<{ today: number; difference: number }>`
      WITH proposed AS (SELECT ST_Union(ST_SetSRID(ST_GeomFromGeoJSON(g->>'geometry'), 0)) AS geom
                          FROM jsonb_array_elements(${JSON.stringify(answer.features)}::jsonb) AS g),
           today AS (SELECT ST_Union(ST_SetSRID(ST_GeomFromGeoJSON(g), 0)) AS geom FROM unnest(${today.map((grid) => grid.geojson)}::text[]) AS g)
      SELECT ST_Area(t.geom) AS today, ST_Area(ST_SymDifference(p.geom, t.geom)) AS difference FROM proposed p, today t`.execute(t.db)
    const [row] = rows
    expect(row?.today).toBeGreaterThan(0)
    // Only nodes within 1e-12° of an edge may differ: far below a square millimetre.
    expect(row?.difference).toBeLessThan(1e-16)
  })

  it('counts every household of the community’s buildings once', async () => {
    const { rows } = await sql<{ households: string }>`
      SELECT sum(households) AS households FROM buildings WHERE region_code = ${COMMUNITY}`.execute(t.db)
    const households = answer.features.reduce((sum, grid) => sum + grid.properties.households, 0)
    expect(households).toBe(Number(rows[0]?.households))
  })

  it('starts from today’s grids when asked: kept grids keep code and name, the changes listed', async () => {
    const response = await post({ region: COMMUNITY, seed: 1, keep_existing: true })
    expect(response.status, response.text).toBe(200)
    const kept = response.body as PartitionResponse
    const today = new Map((await gridsToday()).map((grid) => [grid.code, grid.name]))
    for (const { properties: grid } of kept.features) {
      if (grid.existing_code !== null) expect(grid.name).toBe(today.get(grid.existing_code))
      expect(typeof grid.unchanged).toBe('boolean')
    }
    expect(kept.summary.unchanged_grids_pct).not.toBeNull()
    const listed = kept.changes ?? []
    expect(
      listed
        .filter((change) => change.code !== null)
        .map((change) => change.code)
        .sort(),
    ).toEqual([...today.keys()].sort())
    expect(listed.filter((change) => change.number !== null).map((change) => change.number)).toEqual(
      kept.features.map((grid) => grid.properties.number),
    )
    // Nothing was recounted: every grid of today is still in range, so the partition keeps them all.
    expect(listed).toHaveLength(today.size)
    expect(listed.every((change) => change.change === 'unchanged')).toBe(true)
    expect(kept.features.every((grid) => grid.properties.unchanged)).toBe(true)
  })

  it('says why a grid of today changes after a recount, in the caller’s language', async () => {
    // One building of the community recounted to 600 households: its grid is out of range now.
    const { rows } = await sql<{ id: number; households: number }>`
      SELECT id, households FROM buildings WHERE region_code = ${COMMUNITY} ORDER BY households DESC, id LIMIT 1`.execute(t.db)
    const building = rows[0] as { id: number; households: number }
    await sql`UPDATE buildings SET households = households + 400 WHERE id = ${building.id}`.execute(t.db)
    try {
      const zh = (await post({ region: COMMUNITY, seed: 1, keep_existing: true }).expect(200)).body as PartitionResponse
      const en = (await post({ region: COMMUNITY, seed: 1, keep_existing: true }, tokens.township, 'en').expect(200))
        .body as PartitionResponse
      const outOfRange = (zh.changes ?? []).filter((change) => change.reason?.code === 'out_of_range')
      expect(outOfRange.length).toBeGreaterThan(0)
      for (const change of outOfRange) {
        const households = change.reason?.households
        expect(change.reason?.message).toBe(`重新统计后有 ${households} 户，不在户数范围内`)
        const same = (en.changes ?? []).find((other) => other.code === change.code && other.change === change.change)
        expect(same?.reason?.message).toBe(`now ${households} households, outside the range`)
      }
      for (const change of zh.changes ?? [])
        if (change.change === 'unchanged' || change.change === 'new') expect(change.reason).toBeUndefined()
    } finally {
      await sql`UPDATE buildings SET households = ${building.households} WHERE id = ${building.id}`.execute(t.db)
    }
  })

  it('a township: each new grid is named after the community holding most of it, numbered within it', async () => {
    const response = await post({ region: '990101001000', seed: 1 })
    expect(response.status, response.text).toBe(200)
    const names = (response.body as PartitionResponse).features.map((grid) => grid.properties.name as string)
    expect(new Set(names).size).toBe(names.length)
    for (const name of names) expect(name).toMatch(/^(明珠|银杉|兴华|河东)社区第[一二三四五六七八九十]+网格$/)
    expect(names).toContain('河东社区第一网格')
  })

  it('a department may run a partition (it writes nothing) but not draft one', async () => {
    const run = await post({ region: COMMUNITY, seed: 1, time_budget_ms: 2000 }, tokens.dept)
    expect(run.status, run.text).toBe(200)
    for (const [language, message] of [
      ['zh-CN', '您的账号不参与这份变更申请的审批，只能查看，不能起草、修改、评论或处理'],
      [
        'en',
        "Your account takes no part in this proposal's approval chain: it may read proposals, not draft, edit, comment on or act on them",
      ],
    ] as const) {
      const draft = await post({ region: COMMUNITY, create_draft: true }, tokens.dept, language)
      expect(draft.status, draft.text).toBe(403)
      expect(draft.body.error).toEqual({ code: 'proposal_role_read_only', message })
    }
  })

  it('saves a draft proposal that GET /proposals/:id shows with the changes', async () => {
    const response = await post({ region: COMMUNITY, seed: 1, create_draft: true })
    expect(response.status, response.text).toBe(200)
    const drafted = response.body as PartitionResponse
    expect(drafted.proposal_id).toBeGreaterThan(0)
    const changes = drafted.changes ?? []
    const today = await gridsToday()
    expect(
      changes
        .filter((change) => change.change === 'retired')
        .map((change) => change.code)
        .sort(),
    ).toEqual(today.map((grid) => grid.code).sort())
    expect(changes.filter((change) => change.change === 'new').map((change) => change.number)).toEqual(
      drafted.features.map((grid) => grid.properties.number),
    )
    const proposal = await t.http().get(`/api/v1/proposals/${drafted.proposal_id}`).set(bearer(tokens.township)).expect(200)
    expect(proposal.body).toMatchObject({ state: 'draft', region_code: COMMUNITY })
    const ops = (proposal.body.changes as { op: string; grid?: string; properties?: { name?: string } }[]).map((change) => change.op)
    expect(ops.filter((op) => op === 'retire')).toHaveLength(today.length)
    expect(ops.filter((op) => op === 'create')).toHaveLength(drafted.features.length)
    const created = (proposal.body.changes as { op: string; properties?: { name?: string } }[]).filter((change) => change.op === 'create')
    expect(created.map((change) => change.properties?.name)).toEqual(drafted.features.map((grid) => grid.properties.name))
  })
})

describe('refusals, each in zh-CN and en', () => {
  /** Posts `body` in both languages and checks status, code and messages (strings: exact; RegExps: matched). */
  async function refused(body: unknown, status: number, code: string, zh: string | RegExp, en: string | RegExp, token = tokens.township) {
    for (const [language, message] of [
      ['zh-CN', zh],
      ['en', en],
    ] as const) {
      const response = await post(body, token, language)
      expect(response.status, response.text).toBe(status)
      expect(response.body.error.code).toBe(code)
      if (typeof message === 'string') expect(response.body.error.message).toBe(message)
      else expect(response.body.error.message).toMatch(message)
    }
  }
  const points = (coordinates: Position[], households = 50) => ({
    type: 'FeatureCollection',
    features: coordinates.map((c) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: c }, properties: { households } })),
  })

  it('neither region nor boundary, or both', async () => {
    const zh = '请在 region（社区或乡镇的区划代码）和 boundary（边界面）中给出且只给出一个'
    const en = 'Give exactly one of region (the code of a community or township) and boundary (a polygon)'
    await refused({ range: { min: 200, max: 500 } }, 400, 'partition_area_choice', zh, en)
    await refused({ ...twoBlocks(), region: '990101001001' }, 400, 'partition_area_choice', zh, en)
  })

  it('a boundary without a range', async () => {
    const { range: _range, ...body } = twoBlocks()
    await refused(
      body,
      400,
      'partition_range_required',
      '只给出边界时，请同时给出每个网格的户数范围 range，例如 {"min": 200, "max": 500}',
      'With a boundary alone, also give the household range of a grid, e.g. "range": {"min": 200, "max": 500}',
    )
  })

  it('a range upside down', async () => {
    await refused(
      { ...twoBlocks(), range: { min: 500, max: 200 } },
      400,
      'partition_range_invalid',
      '户数范围 500–200 无效：下限应至少为 1 户，且不大于上限',
      'The household range 500–200 is invalid: the minimum must be at least 1 and not above the maximum',
    )
  })

  it('a target outside the range', async () => {
    await refused(
      { ...twoBlocks(), target: 600 },
      400,
      'partition_target_outside_range',
      '目标户数 600 不在户数范围 200–500 之内',
      'The target of 600 households is outside the range 200–500',
    )
  })

  it('a coordinate system gridwork cannot convert, and metres sent as lon/lat', async () => {
    await refused(
      { ...twoBlocks(), crs: 'EPSG:9999' },
      400,
      'partition_crs_unsupported',
      '不支持坐标系“EPSG:9999”：请用国家 2000 经纬度（EPSG:4490）或其高斯-克吕格分带（EPSG:4491–4554）、WGS84（EPSG:4326）或 UTM 分带',
      'Coordinate system "EPSG:9999" is not supported: send CGCS2000 longitude/latitude (EPSG:4490) or one of its Gauss-Krüger zones (EPSG:4491–4554), WGS84 (EPSG:4326) or a UTM zone',
    )
    await refused(
      { ...twoBlocks(), boundary: boxPolygon(500000, 3000000, 501000, 3001000) },
      400,
      'partition_coordinates_not_lonlat',
      'boundary 中的坐标 [500000, 3000000] 不是经纬度（经度应在 −180 至 180、纬度在 −90 至 90 之间）；请用经纬度坐标',
      'The coordinate [500000, 3000000] in boundary is not longitude/latitude (longitude must be within −180 to 180, latitude within −90 to 90); send longitude/latitude',
    )
    await refused(
      { ...twoBlocks(), boundary: boxPolygon(5e7, 3e6, 5e7 + 1000, 3e6 + 1000), crs: 'EPSG:4548' },
      400,
      'partition_coordinates_outside_crs',
      'boundary 中的坐标 [50000000, 3000000] 不在坐标系 EPSG:4548 的使用范围内；请检查坐标系是否选对',
      'The coordinate [50000000, 3000000] in boundary is outside the coordinate system EPSG:4548; check that the coordinate system is the right one',
    )
  })

  it('a boundary that is not a polygon, a road that is not a line, a ring that does not close', async () => {
    await refused(
      { ...twoBlocks(), boundary: { type: 'Point', coordinates: [116.4, 39.9] } },
      400,
      'partition_geometry_type',
      'boundary 的图形类型是 Point，这里只接受 Polygon, MultiPolygon',
      'boundary is a Point; only Polygon, MultiPolygon is accepted here',
    )
    const body = twoBlocks()
    await refused(
      { ...body, roads: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: body.boundary, properties: {} }] } },
      400,
      'partition_geometry_type',
      'roads.features[0] 的图形类型是 Polygon，这里只接受 LineString, MultiLineString',
      'roads.features[0] is a Polygon; only LineString, MultiLineString is accepted here',
    )
    const open = { type: 'Polygon', coordinates: [body.boundary.coordinates[0]?.slice(0, -1)] }
    await refused(
      { ...body, boundary: open },
      400,
      'partition_geometry_malformed',
      'boundary 的坐标不是有效的 GeoJSON Polygon（坐标的层数不对、坐标不是数字，或面的环没有闭合）',
      'The coordinates of boundary are not a valid GeoJSON Polygon (wrong nesting, a coordinate that is not a number, or a ring that does not close)',
    )
  })

  it('households that are not a whole number (the schema names the field)', async () => {
    const body = twoBlocks()
    body.buildings.features[1].properties.households = 2.5
    await refused(
      body,
      400,
      'invalid_request',
      /body\.buildings\.features\.1\.properties\.households/,
      /body\.buildings\.features\.1\.properties\.households/,
    )
  })

  it('buildings and units both', async () => {
    const unit = { type: 'Feature', geometry: boxPolygon(116.4, 39.9, 116.41, 39.91), properties: { households: 300 } }
    await refused(
      { ...twoBlocks(), units: { type: 'FeatureCollection', features: [unit] } },
      400,
      'partition_units_and_buildings',
      '请只给出 buildings（楼栋）或 units（单元面，如小区、街区）其中之一',
      'Give either buildings or units (unit polygons such as blocks), not both',
    )
  })

  it('a time budget above 30 s (a request may not run for longer)', async () => {
    await refused(
      { ...twoBlocks(), time_budget_ms: 30_001 },
      400,
      'invalid_request',
      '请求参数有误：字段“body.time_budget_ms”超出允许范围',
      'Invalid request: field "body.time_budget_ms" is out of the allowed range',
    )
  })

  it('buildings outside the boundary, listed from 1', async () => {
    const body = {
      ...twoBlocks(),
      buildings: points([
        [116.401, 39.901],
        [117, 41],
        [116.402, 39.902],
        [118, 30],
      ]),
    }
    await refused(
      body,
      422,
      'partition_input_invalid',
      '无法按这些数据划分网格：有 2 栋建筑不在边界内（buildings 中第 2、4 个，从 1 数起）',
      'The grids cannot be drawn from this data: 2 buildings lie outside the boundary (features 2, 4 of buildings, counting from 1)',
    )
    const response = await post(body, tokens.township, 'en')
    expect(response.body.error.details.problems).toEqual([
      { code: 'buildings_outside_boundary', buildings: [1, 3], message: expect.stringContaining('2 buildings') },
    ])
  })

  it('no households at all', async () => {
    await refused(
      { ...twoBlocks(), buildings: points([[116.401, 39.901]], 0) },
      422,
      'partition_input_invalid',
      '无法按这些数据划分网格：所有建筑的户数合计为 0，没有可以划分的住户',
      'The grids cannot be drawn from this data: the buildings hold no households at all, so there is nothing to divide',
    )
  })

  it('a boundary PostGIS finds invalid, with its reason', async () => {
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [116.4, 39.9],
          [116.41, 39.91],
          [116.41, 39.9],
          [116.4, 39.91],
          [116.4, 39.9],
        ],
      ],
    }
    await refused(
      { ...twoBlocks(), boundary: bowtie, buildings: points([[116.401, 39.9005]]) },
      422,
      'partition_input_invalid',
      /^无法按这些数据划分网格：边界图形无效（Self-intersection.*），请先在地图软件中修复（例如边界自相交）$/,
      /^The grids cannot be drawn from this data: the boundary is not a valid polygon \(Self-intersection.*\); repair it in your GIS first/,
    )
  })

  it('more than 5,000 buildings: 413, the request asks for more than one partition does', async () => {
    const many: Position[] = []
    for (let i = 0; i < 5001; i++) many.push([116.4 + (i % 71) * 0.0001, 39.9 + Math.floor(i / 71) * 0.0001])
    await refused(
      { ...twoBlocks(), buildings: points(many, 1) },
      413,
      'partition_input_too_large',
      '数据量超出一次自动划分的上限：建筑有 5,001 栋，一次最多 5,000 栋；请按社区分开划分',
      'This is more than one auto-partition takes: there are 5,001 buildings, at most 5,000 at a time; partition one community at a time',
    )
  })

  it('a draft without a region', async () => {
    await refused(
      { ...twoBlocks(), create_draft: true },
      400,
      'partition_draft_needs_region',
      '只有按区划代码（region）划分时才能生成变更申请草稿（create_draft）：草稿要落在一个社区或乡镇的现有网格上',
      'A draft proposal (create_draft) can only be made when partitioning by region: the draft changes the grids of one community or township',
    )
  })

  it('a region that is no community or township, an unknown one, one outside the caller’s scope', async () => {
    await refused(
      { region: '990101000000' },
      400,
      'partition_region_level',
      '区划代码“990101000000”不是社区（村）或乡镇（街道）：自动划分以一个社区或一个乡镇为范围',
      'Region code "990101000000" is not a community (village) or a township: the auto-partition works on one community or one township',
      tokens.county,
    )
    await refused(
      { region: '990101001999' },
      404,
      'region_not_found',
      '未找到行政区划“990101001999”',
      'Region "990101001999" was not found',
    )
    await refused({ region: '990101004001' }, 403, 'forbidden_region', /990101001/, /990101001/)
  })

  it('without a token: 401', async () => {
    const response = await t.http().post('/api/v1/partition').send(twoBlocks())
    expect(response.status).toBe(401)
  })
})

describe('explanations of every code, in zh-CN and en', () => {
  it('renders each code the partition and the boundary fitting give, the facts as data', () => {
    const explanations = [
      { code: 'unit_above_max', unit: 'u7', households: 620, max: 500, grid: 4 },
      { code: 'component_too_small', units: ['u1', 'u2'], households: 180, min: 200, grid: 3 },
      { code: 'range_infeasible', units: 3, households: 350, min: 200, max: 300, grids: [5, 6] },
      { code: 'grid_out_of_range', grid: 2, households: 510, min: 200, max: 500 },
      { code: 'time_budget_reached', budget_ms: 2500 },
      { code: 'boundary_node_kept', node: [116.405, 39.9] },
    ] satisfies PartitionExplanation[]
    expect(renderExplanations(explanations, 'zh-CN').map((e) => e.message)).toEqual([
      '网格 4 有 620 户，超过上限 500 户：其中一栋楼（或一处楼群）本身就超过上限，无法再分，需要按单元或楼栋另设微网格',
      '网格 3 只能有 180 户：该片区与其他部分不相连（如被河流隔开），户数不足一个网格的下限 200 户',
      '网格 5、6 所在片区共 350 户，无论分成几个网格，都无法让每个网格都在 200–300 户之间',
      '网格 2 有 510 户，不在 200–500 户之间，自动调整没能解决，请人工调整',
      '计算用满了 2.5 秒的时间上限，这是到时为止找到的最好方案；可以再算一次，或放宽时间上限',
      '网格分界线在 (116.405, 39.9) 处与边界相交，这个交点无法移到边界的拐点上，暂时保留在边界线上；保存为变更申请后会按编辑规则处理，请留意校验结果中该处是否出现细小缝隙',
    ])
    const en = renderExplanations(explanations, 'en')
    expect(en.map((e) => e.message)).toEqual([
      'Grid 4 has 620 households, above the maximum of 500: a single building (or group of buildings) already holds more than a grid may and cannot be divided here; give it micro-grids by entrance or building',
      'Grid 3 can only have 180 households: this part has no link to the rest of the area (e.g. cut off by a river) and holds fewer households than the minimum of 200 for one grid',
      'The part holding grid(s) 5, 6 has 350 households; no number of grids gives every grid between 200 and 300 households',
      'Grid 2 has 510 households, outside 200–500, and the automatic adjustment could not fix it; adjust it by hand',
      'The calculation used its whole time limit of 2.5 s; this is the best answer found by then. Run it again, or allow more time',
      "A line between grids meets the boundary at (116.405, 39.9), between two corners, and could not be moved to either; the point stays on the boundary line. Saved as a proposal, it is placed by the editor's rules: check the validation there for slivers",
    ])
    expect(en[1]).toMatchObject({ code: 'component_too_small', params: { units: ['u1', 'u2'], households: 180, min: 200, grid: 3 } })
  })
})
