import { type RawBuilder, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { openTestDatabase } from '../testing/database.js'
import { FAULTY_TOWNSHIP_CODE } from './generate.js'
import { type DemoSummary, seedDemo } from './seed.js'

// The demo county as PostGIS sees it after seeding: what a county GIS officer would check first.

let database: DatabaseHandle
let summary: DemoSummary
const messages: string[] = []
const FAULTY = `${FAULTY_TOWNSHIP_CODE.slice(0, 9)}%`

beforeAll(async () => {
  database = await openTestDatabase()
  summary = await seedDemo(database.kysely, { log: (m) => messages.push(m) })
}, 180_000)

afterAll(async () => {
  await database?.close()
})

async function rows<T>(query: RawBuilder<T>): Promise<T[]> {
  return (await query.execute(database.kysely)).rows
}

async function one<T>(query: RawBuilder<T>): Promise<T> {
  const [row] = await rows(query)
  if (!row) throw new Error('query returned no row')
  return row
}

describe('seedDemo', { timeout: 120_000 }, () => {
  it('writes the county once, with counts in the required ranges, and says so', async () => {
    expect(summary.seeded).toBe(true)
    expect(messages.some((m) => m.includes('seeded'))).toBe(true)
    const counts = await one(sql<{ townships: number; communities: number; grids: number; buildings: number; households: number }>`
      SELECT (SELECT count(*)::int FROM regions WHERE level = 4 AND code LIKE '990101%') AS townships,
             (SELECT count(*)::int FROM regions WHERE level = 5 AND code LIKE '990101%') AS communities,
             (SELECT count(*)::int FROM grids WHERE region_code LIKE '990101%' AND valid_to IS NULL) AS grids,
             (SELECT count(*)::int FROM buildings) AS buildings,
             (SELECT sum(households)::int FROM buildings) AS households`)
    expect(counts).toEqual({
      townships: summary.townships,
      communities: summary.communities,
      grids: summary.grids,
      buildings: summary.buildings,
      households: summary.households,
    })
    expect(counts.townships).toBeGreaterThanOrEqual(6)
    expect(counts.townships).toBeLessThanOrEqual(10)
    expect(counts.communities).toBeGreaterThanOrEqual(40)
    expect(counts.communities).toBeLessThanOrEqual(80)
    expect(counts.grids).toBeGreaterThanOrEqual(200)
    expect(counts.grids).toBeLessThanOrEqual(400)

    const meta = await database.kysely.selectFrom('app_meta').select('value').where('key', '=', 'demo_seeded').executeTakeFirst()
    expect((meta?.value as DemoSummary | undefined)?.grids).toBe(summary.grids)
    const audit = await database.kysely
      .selectFrom('audit_log')
      .select(['username', 'action', 'after'])
      .where('action', '=', 'seed_demo')
      .execute()
    expect(audit).toEqual([{ username: 'seed-demo', action: 'seed_demo', after: expect.objectContaining({ grids: summary.grids }) }])

    const grid = await one(sql<{ kind: string; version: number; count_date: string; valid_from: string; srid: number }>`
      SELECT kind, version, count_date, valid_from, ST_SRID(geom) AS srid FROM grids ORDER BY code LIMIT 1`)
    expect(grid).toEqual({ kind: 'comprehensive', version: 1, count_date: '2026-06-30', valid_from: '2026-01-01', srid: 4490 })
  })

  it('returns early when already seeded, and --force seeds again without duplicating', async () => {
    const again = await seedDemo(database.kysely)
    expect(again.seeded).toBe(false)
    expect(again.message).toMatch(/already seeded/)
    expect(again.grids).toBe(summary.grids)

    const forced = await seedDemo(database.kysely, { force: true })
    expect(forced.seeded).toBe(true)
    const n = await one(sql<{ grids: number; buildings: number; regions: number }>`
      SELECT (SELECT count(*)::int FROM grids) AS grids, (SELECT count(*)::int FROM buildings) AS buildings,
             (SELECT count(*)::int FROM regions) AS regions`)
    expect(n).toEqual({ grids: summary.grids, buildings: summary.buildings, regions: 3 + summary.townships + summary.communities })
  })

  it('stores only valid geometry', async () => {
    const invalid = await rows(sql<{ code: string; reason: string }>`
      SELECT code, ST_IsValidReason(boundary) AS reason FROM regions WHERE NOT ST_IsValid(boundary)
      UNION ALL SELECT code, ST_IsValidReason(geom) FROM grids WHERE NOT ST_IsValid(geom)`)
    expect(invalid).toEqual([])
  })

  it('tiles the county with townships and each township with its communities', async () => {
    const tiling = await rows(sql<{ parent: string; parent_m2: number; union_m2: number; sum_m2: number }>`
      SELECT p.code AS parent,
             ST_Area(p.boundary::geography) AS parent_m2,
             ST_Area(ST_Union(c.boundary)::geography) AS union_m2,
             sum(ST_Area(c.boundary::geography)) AS sum_m2
      FROM regions p JOIN regions c ON c.parent_code = p.code
      WHERE p.level IN (3, 4) AND p.code LIKE '990101%'
      GROUP BY p.code, p.boundary`)
    expect(tiling.length).toBe(1 + summary.townships)
    for (const t of tiling) {
      // No gap: the union equals the parent; no overlap: the parts' areas add up to it.
      expect(Math.abs(t.union_m2 - t.parent_m2) / t.parent_m2, `union of ${t.parent}`).toBeLessThan(1e-6)
      expect(Math.abs(t.sum_m2 - t.parent_m2) / t.parent_m2, `sum of ${t.parent}`).toBeLessThan(1e-6)
    }
    const county = tiling.find((t) => t.parent === '990101000000')
    expect((county?.parent_m2 ?? 0) / 1e6).toBeGreaterThan(400)
    expect((county?.parent_m2 ?? 0) / 1e6).toBeLessThan(750)

    const overlaps = await one(sql<{ n: number }>`
      SELECT count(*)::int AS n FROM regions a JOIN regions b
        ON a.level = 5 AND b.level = 5 AND a.code < b.code AND ST_Intersects(a.boundary, b.boundary)
      WHERE ST_Area(ST_Intersection(a.boundary, b.boundary)) > 0`)
    expect(overlaps.n).toBe(0)
  })

  it("tiles every community with its grids, except the faulty township's", async () => {
    const tiling = await rows(sql<{ code: string; community_m2: number; union_m2: number; sum_m2: number; diff_m2: number }>`
      SELECT r.code,
             ST_Area(r.boundary::geography) AS community_m2,
             ST_Area(ST_Union(g.geom)::geography) AS union_m2,
             sum(ST_Area(g.geom::geography)) AS sum_m2,
             ST_Area(ST_SymDifference(r.boundary, ST_Union(g.geom))::geography) AS diff_m2
      FROM regions r JOIN grids g ON g.region_code = r.code
      WHERE r.level = 5
      GROUP BY r.code, r.boundary`)
    expect(tiling.length).toBe(summary.communities)
    const normal = tiling.filter((t) => !t.code.startsWith(FAULTY_TOWNSHIP_CODE.slice(0, 9)))
    expect(normal.length).toBeGreaterThan(30)
    for (const t of normal) {
      expect(t.diff_m2 / t.community_m2, `grids vs community ${t.code}`).toBeLessThan(1e-6)
      expect(Math.abs(t.sum_m2 - t.community_m2) / t.community_m2, `grid areas of ${t.code}`).toBeLessThan(1e-6)
    }
  })

  it('has the deliberate gap, overlap and oversized grid where the summary says', async () => {
    const { gap, overlap, oversized } = summary.faults
    const [gapLon, gapLat] = gap.point as [number, number]
    const hole = await one(sql<{ m2: number; at_point: boolean; households: number }>`
      WITH community AS (SELECT boundary FROM regions WHERE code = ${gap.regionCode}),
           covered AS (SELECT ST_Union(geom) AS geom FROM grids WHERE region_code = ${gap.regionCode}),
           gap AS (SELECT ST_Difference(community.boundary, covered.geom) AS geom FROM community, covered)
      SELECT ST_Area(gap.geom::geography) AS m2,
             ST_Covers(gap.geom, ST_SetSRID(ST_MakePoint(${gapLon}, ${gapLat}), 4490)) AS at_point,
             (SELECT coalesce(sum(b.households), 0)::int FROM buildings b
               WHERE ST_Covers(gap.geom, b.geom)) AS households
      FROM gap`)
    expect(hole.m2).toBeGreaterThan(10_000)
    expect(hole.at_point).toBe(true)
    expect(hole.households).toBe(gap.households)
    expect(hole.households).toBeGreaterThan(0)

    const [a, b] = overlap.grids
    const shared = await one(sql<{ m2: number }>`
      SELECT ST_Area(ST_Intersection(a.geom, b.geom)::geography) AS m2
      FROM grids a, grids b WHERE a.code = ${a} AND b.code = ${b}`)
    expect(shared.m2).toBeGreaterThan(10_000)
    // Nowhere else do two grids overlap.
    const overlapping = await rows(sql<{ a: string; b: string }>`
      SELECT a.code AS a, b.code AS b FROM grids a JOIN grids b
        ON a.code < b.code AND ST_Intersects(a.geom, b.geom)
      WHERE ST_Area(ST_Intersection(a.geom, b.geom)) > 0`)
    expect(overlapping).toEqual([{ a, b }])

    const big = await rows(sql<{ code: string; households: number }>`
      SELECT code, households FROM grids WHERE households > 500 ORDER BY code`)
    expect(big).toEqual([{ code: oversized.grid, households: oversized.households }])
  })

  it("counts each grid's households from the buildings inside it, mostly 200–500", async () => {
    const mismatched = await rows(sql<{ code: string; households: number; buildings: number }>`
      SELECT g.code, g.households, coalesce(sum(b.households), 0)::int AS buildings
      FROM grids g LEFT JOIN buildings b ON ST_Covers(g.geom, b.geom)
      GROUP BY g.code, g.households
      HAVING g.households <> coalesce(sum(b.households), 0)`)
    expect(mismatched).toEqual([])

    const range = await one(sql<{ total: number; in_range: number }>`
      SELECT count(*)::int AS total, count(*) FILTER (WHERE households BETWEEN 200 AND 500)::int AS in_range
      FROM grids WHERE region_code NOT LIKE ${FAULTY}`)
    expect(range.in_range / range.total).toBeGreaterThanOrEqual(0.9)

    const outside = await one(sql<{ n: number }>`
      SELECT count(*)::int AS n FROM buildings b JOIN regions r ON r.code = b.region_code
      WHERE NOT ST_Covers(r.boundary, b.geom)`)
    expect(outside.n).toBe(0)

    const density = await rows(sql<{ urban_rural: string; km2: number; per_km2: number }>`
      SELECT r.urban_rural, avg(ST_Area(g.geom::geography)) / 1e6 AS km2,
             sum(g.households) / (sum(ST_Area(g.geom::geography)) / 1e6) AS per_km2
      FROM grids g JOIN regions r ON r.code = g.region_code
      WHERE r.urban_rural IN ('111', '220') GROUP BY r.urban_rural ORDER BY r.urban_rural`)
    const [urban, rural] = density
    expect(urban?.urban_rural).toBe('111')
    expect(rural?.urban_rural).toBe('220')
    expect((urban?.km2 ?? 0) * 5).toBeLessThan(rural?.km2 ?? 0)
    expect(urban?.per_km2 ?? 0).toBeGreaterThan(5 * (rural?.per_km2 ?? 0))
  })
})

describe('the demo reference layers 道路 and 水系', { timeout: 120_000 }, () => {
  it('are seeded once with the county, with stable feature counts', async () => {
    const layers = await database.kysely
      .selectFrom('reference_layers')
      .select(['region_code', 'name', 'kind', 'feature_count'])
      .orderBy('name')
      .execute()
    expect(layers).toEqual([
      { region_code: '990101', name: '水系', kind: 'water', feature_count: 1 },
      { region_code: '990101', name: '道路', kind: 'road', feature_count: 453 },
    ])
    const classes = await rows(sql<{ class: string; n: number }>`
      SELECT class, count(*)::int AS n FROM reference_features GROUP BY class ORDER BY class`)
    expect(classes).toEqual([
      { class: '乡道', n: 32 },
      { class: '县道', n: 15 },
      { class: '村道', n: 31 },
      { class: '河流', n: 1 },
      { class: '街巷', n: 375 },
    ])
  })

  it('run the 县道 along township boundaries, the boundary 乡道/村道 along community boundaries and the 街巷 between grids', async () => {
    // Within 1e-7° (about 1 cm) of the boundaries the regions store.
    const off = await rows(sql<{ name: string; follows: string }>`
      WITH edges AS (
        SELECT level, ST_Buffer(ST_Union(ST_Boundary(boundary)), 1e-7) AS geom FROM regions
        WHERE level IN (4, 5) AND code LIKE '990101%' GROUP BY level)
      SELECT f.name, f.properties->>'follows' AS follows FROM reference_features f JOIN edges e
        ON e.level = CASE f.properties->>'follows' WHEN 'township_boundary' THEN 4 ELSE 5 END
      WHERE f.properties->>'follows' IN ('township_boundary', 'community_boundary') AND NOT ST_Covers(e.geom, f.geom)`)
    expect(off).toEqual([])
    // The 街巷 run between two seeded grids of one community, inside it, never on its boundary.
    const streetsOff = await rows(sql<{ name: string }>`
      WITH streets AS (
        SELECT f.name, f.geom FROM reference_features f WHERE f.properties->>'follows' = 'grid_boundary'),
      grid_edges AS (
        SELECT ST_Buffer(ST_Union(ST_Boundary(geom)), 1e-7) AS geom FROM grids
        WHERE code LIKE '990101%' AND version = 1 AND created_by = 'demo-seed'),
      community_edges AS (
        SELECT ST_Union(ST_Boundary(boundary)) AS geom FROM regions WHERE level = 5 AND code LIKE '990101%')
      SELECT s.name FROM streets s, grid_edges g, community_edges c
      WHERE NOT ST_Covers(g.geom, s.geom) OR ST_Length(ST_Intersection(s.geom, c.geom)) > 0`)
    expect(streetsOff).toEqual([])
    // The river is cut to the county at its sample points: a few metres may cross a zigzag edge.
    const river = await one(sql<{ inside: number; km: number }>`
      SELECT ST_Length(ST_Intersection(r.boundary, f.geom)) / ST_Length(f.geom) AS inside, ST_Length(f.geom::geography) / 1000 AS km
      FROM reference_features f, regions r WHERE f.class = '河流' AND r.code = '990101000000'`)
    expect(river.inside).toBeGreaterThan(0.999)
    expect(river.km).toBeGreaterThan(20)
  })
})
