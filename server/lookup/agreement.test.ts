import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { seedDemo } from '../demo/seed.js'
import { openTestDatabase } from '../testing/database.js'
import { loadGeoJson } from '../testing/app.js'
import type { GridIndex } from './index/grid-index.js'
import { loadIndex } from './index/index-holder.js'
import { seededRandom } from '../demo/random.js'

// The index must answer what PostGIS answers. For every grid of the demo county and for the 15
// Providence wards (imported as grids), 100,000 points each — uniform over the area and beyond,
// exactly on vertices, and on edges — are looked up in the index and, in one SQL statement over
// unnest() arrays, with ST_Covers; the index's grid must be PostGIS's first grid under the
// documented rule (micro before comprehensive, then length(code), code), and null exactly where
// PostGIS finds none.

const WARDS = path.resolve('../shared/data/providence/wards.geojson')
const POINTS = 100_000

let database: DatabaseHandle
let index: GridIndex

beforeAll(async () => {
  database = await openTestDatabase()
  await seedDemo(database.kysely)
  if (existsSync(WARDS)) {
    // A made-up region chain (prefix 98) to hang the wards on; households ≈ population / 2.5.
    await sql`
      INSERT INTO regions (code, name, level, parent_code) VALUES
        ('980000000000', 'Rhode Island (test)', 1, NULL), ('980100000000', 'Providence County (test)', 2, '980000000000'),
        ('980101000000', 'Providence (test)', 3, '980100000000'), ('980101001000', 'Wards (test)', 4, '980101000000'),
        ('980101001001', 'Providence wards (test)', 5, '980101001000')`.execute(database.kysely)
    const wards = JSON.parse(readFileSync(WARDS, 'utf8')) as { features: { properties: Record<string, unknown> }[] }
    for (const feature of wards.features) {
      const ward = Number(feature.properties.ward)
      feature.properties = { name: `Ward ${ward}`, code: `980101001001${String(ward).padStart(3, '0')}`, region_code: '980101001001' }
    }
    await loadGeoJson(database, JSON.stringify(wards), 'grids', '980101001001')
  }
  index = (await loadIndex(database.kysely)).index
}, 600_000)

afterAll(async () => database?.close())

interface Sample {
  xs: number[]
  ys: number[]
  kinds: string[]
}

/** Points for one set of grids: 40 % uniform over the bbox + 5 %, 30 % on vertices, 30 % on edges. */
async function samplePoints(prefix: string, seed: number): Promise<Sample> {
  const rows = await sql<{ x: number; y: number; ring: number }>`
    SELECT ST_X(d.geom) AS x, ST_Y(d.geom) AS y, dense_rank() OVER (ORDER BY g.code, d.path[1], d.path[2]) AS ring
    FROM grids g, ST_DumpPoints(g.geom) d
    WHERE g.region_code LIKE ${`${prefix}%`} AND g.valid_to IS NULL
    ORDER BY g.code, d.path`.execute(database.kysely)
  const vx = rows.rows.map((r) => Number(r.x))
  const vy = rows.rows.map((r) => Number(r.y))
  const ring = rows.rows.map((r) => Number(r.ring))
  const rnd = seededRandom(seed)
  const [minX, maxX] = [Math.min(...vx), Math.max(...vx)]
  const [minY, maxY] = [Math.min(...vy), Math.max(...vy)]
  const padX = (maxX - minX) * 0.05
  const padY = (maxY - minY) * 0.05
  const sample: Sample = { xs: [], ys: [], kinds: [] }
  for (let i = 0; i < POINTS; i++) {
    const u = rnd()
    if (u < 0.4) {
      sample.xs.push(minX - padX + rnd() * (maxX - minX + 2 * padX))
      sample.ys.push(minY - padY + rnd() * (maxY - minY + 2 * padY))
      sample.kinds.push('uniform')
    } else {
      let k = Math.floor(rnd() * vx.length)
      if (u < 0.7) {
        sample.xs.push(vx[k] as number)
        sample.ys.push(vy[k] as number)
        sample.kinds.push('vertex')
      } else {
        if (k === vx.length - 1 || ring[k + 1] !== ring[k]) k-- // an edge within one ring
        const t = rnd() < 0.3 ? 0.5 : rnd()
        const ax = vx[k] as number
        const ay = vy[k] as number
        sample.xs.push(ax + t * ((vx[k + 1] as number) - ax))
        sample.ys.push(ay + t * ((vy[k + 1] as number) - ay))
        sample.kinds.push('edge')
      }
    }
  }
  return sample
}

async function compare(sample: Sample) {
  const result = await sql<{ i: number; codes: string[] | null }>`
    SELECT u.i::int AS i,
           array_agg(g.code ORDER BY (g.kind = 'micro') DESC, length(g.code), g.code) FILTER (WHERE g.code IS NOT NULL) AS codes
    FROM unnest(${sample.xs}::float8[], ${sample.ys}::float8[]) WITH ORDINALITY AS u(x, y, i)
    LEFT JOIN grids g
      ON g.kind <> 'dedicated' AND g.valid_from <= current_date AND (g.valid_to IS NULL OR g.valid_to > current_date)
     AND ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(u.x, u.y), 4490))
    GROUP BY u.i
    ORDER BY u.i`.execute(database.kysely)
  const disagreements: string[] = []
  const counts = { covered: 0, shared: 0, outside: 0 }
  for (const row of result.rows) {
    const k = row.i - 1
    const codes = row.codes ?? []
    const hit = index.lookupMain(sample.xs[k] as number, sample.ys[k] as number)
    const ours = hit < 0 ? null : (index.grids[hit]?.code ?? null)
    const theirs = codes[0] ?? null
    if (codes.length === 0) counts.outside++
    else counts.covered++
    if (codes.length > 1) counts.shared++
    if (ours !== theirs && disagreements.length < 20) {
      disagreements.push(`${sample.kinds[k]} point ${sample.xs[k]}, ${sample.ys[k]}: index ${ours}, PostGIS ${JSON.stringify(codes)}`)
    }
  }
  return { rows: result.rows.length, disagreements, counts }
}

describe('index and PostGIS ST_Covers agree', { timeout: 600_000 }, () => {
  it('on 100,000 points over every grid of the demo county (uniform, on vertices, on edges)', async () => {
    const grids = index.grids.filter((g) => g.code.startsWith('990101')).length
    expect(grids).toBeGreaterThanOrEqual(200)
    const { rows, disagreements, counts } = await compare(await samplePoints('990101', 7))
    expect(rows).toBe(POINTS)
    expect(disagreements).toEqual([])
    // the sample really exercises shared boundaries and the outside
    expect(counts.shared).toBeGreaterThan(10_000)
    expect(counts.outside).toBeGreaterThan(1_000)
  })

  it.skipIf(!existsSync(WARDS))('on 100,000 points over the 15 Providence wards imported as grids', async () => {
    expect(index.grids.filter((g) => g.code.startsWith('980101')).length).toBe(15)
    const { rows, disagreements, counts } = await compare(await samplePoints('980101', 11))
    expect(rows).toBe(POINTS)
    expect(disagreements).toEqual([])
    expect(counts.shared).toBeGreaterThan(10_000)
    expect(counts.outside).toBeGreaterThan(1_000)
  })
})
