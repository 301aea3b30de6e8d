import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { loadGeoJson } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import { boxPolygon } from '../testing/shapes.js'
import { RegionLocator } from './region-locator.js'
import { findBoundariesUnder } from './regions.repository.js'

// The locator must answer what ST_Contains answers (the import used to ask PostGIS per grid):
// PostGIS is the oracle, for random points, points on the villages' vertices (on a boundary: in
// no village, so in the township) and points outside everything.

let database: DatabaseHandle
let villages: { code: string; ring: number[][] }[]
beforeAll(async () => {
  database = await openTestDatabase()
  let seed = 7
  const next = () => {
    seed = (seed * 16807) % 2147483647
    return seed / 2147483647
  }
  // Ten concave villages (stars, some overlapping) in a township of 0.1° × 0.1°.
  villages = Array.from({ length: 10 }, (_, i) => {
    const [cx, cy] = [113.02 + 0.06 * next(), 28.02 + 0.06 * next()]
    const ring: number[][] = []
    for (let k = 0; k < 24; k++) {
      const angle = (2 * Math.PI * k) / 24
      const r = 0.004 + 0.014 * next()
      ring.push([cx + r * Math.cos(angle), cy + r * Math.sin(angle)])
    }
    ring.push(ring[0] as number[])
    return { code: `990101001${String(i + 1).padStart(3, '0')}`, ring }
  })
  const feature = (code: string, level: number, geometry: unknown) => ({
    type: 'Feature',
    properties: { code, name: code, level },
    geometry,
  })
  const county = boxPolygon(113, 28, 113.1, 28.1)
  const regions = [
    feature('990000000000', 1, county),
    feature('990100000000', 2, county),
    feature('990101000000', 3, county),
    feature('990101001000', 4, county),
    ...villages.map((village) => feature(village.code, 5, { type: 'Polygon', coordinates: [village.ring] })),
  ]
  await loadGeoJson(database, JSON.stringify({ type: 'FeatureCollection', features: regions }), 'regions', '99')
}, 60_000)
afterAll(async () => database?.close())

describe('RegionLocator', () => {
  it('finds the region ST_Contains finds, for random points, boundary vertices and points outside', async () => {
    let seed = 11
    const next = () => {
      seed = (seed * 16807) % 2147483647
      return seed / 2147483647
    }
    const points: [number, number][] = [
      ...Array.from({ length: 3000 }, (): [number, number] => [112.99 + 0.12 * next(), 27.99 + 0.12 * next()]),
      ...villages.flatMap((village) => village.ring.map(([x, y]): [number, number] => [x as number, y as number])),
    ]
    const locator = new RegionLocator(await findBoundariesUnder(database.kysely, '990101', 4))
    const { rows } = await sql<{ code: string | null }>`
      SELECT (SELECT r.code FROM regions r
              WHERE r.code LIKE '990101%' AND r.level >= 4 AND r.boundary IS NOT NULL
                AND ST_Contains(r.boundary, ST_SetSRID(ST_MakePoint(p.x, p.y), 4490))
              ORDER BY r.level DESC, r.code LIMIT 1) AS code
      FROM unnest(${`{${points.map((p) => p[0]).join(',')}}`}::float8[], ${`{${points.map((p) => p[1]).join(',')}}`}::float8[])
           WITH ORDINALITY AS p(x, y, i)
      ORDER BY p.i`.execute(database.kysely)
    const answers = points.map((point) => locator.regionAt(point))
    expect(answers).toEqual(rows.map((row) => row.code?.trim() ?? null))
    // The test sees all three outcomes: a village, the township only (vertices, gaps), nothing.
    expect(new Set(answers.map((code) => (code === null ? 'none' : code.endsWith('000') ? 'township' : 'village')))).toEqual(
      new Set(['none', 'township', 'village']),
    )
  })

  it('answers null with no regions', () => {
    expect(new RegionLocator([]).regionAt([113, 28])).toBeNull()
  })
})
