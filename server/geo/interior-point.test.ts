import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { openTestDatabase } from '../testing/database.js'
import { polygonsToEwkb, polygonsOf } from './ewkb.js'
import { interiorPoint } from './interior-point.js'

// interiorPoint must give ST_PointOnSurface's own point, to the last bit, on both engines: code
// allocation sorts grids by it. PostGIS is the oracle, on shapes made to be awkward for a scan
// line: vertices on the centre line, concave bays, holes across the line, several polygons.

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
})
afterAll(async () => database?.close())

/** A deterministic generator (mulberry32), so a failure names its seed. */
function random(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Ring = number[][]
const close = (ring: Ring): Ring => [...ring, ring[0] as number[]]

/** A star-shaped ring around (cx, cy): concave, counter-clockwise. */
function star(next: () => number, cx: number, cy: number, radius: number, points: number): Ring {
  const ring: Ring = []
  for (let i = 0; i < points; i++) {
    const angle = (2 * Math.PI * i) / points
    const r = radius * (0.3 + 0.7 * next())
    ring.push([cx + r * Math.cos(angle), cy + r * Math.sin(angle)])
  }
  return close(ring)
}

/** A square ring with corners on a lattice, so vertices fall on the scan line's candidates. */
function square(x: number, y: number, size: number, clockwise = false): Ring {
  const ring = [
    [x, y],
    [x + size, y],
    [x + size, y + size],
    [x, y + size],
  ]
  return close(clockwise ? ring.reverse() : ring)
}

function shapes(seed: number) {
  const next = random(seed)
  const cx = 100 + 30 * next()
  const cy = 20 + 20 * next()
  const shapes: { type: string; coordinates: unknown }[] = [
    { type: 'Polygon', coordinates: [star(next, cx, cy, 0.01, 5 + Math.floor(next() * 60))] },
    { type: 'Polygon', coordinates: [square(cx, cy, 0.001)] },
    // A hole straddling the centre line: the widest run is beside it.
    { type: 'Polygon', coordinates: [square(cx, cy, 0.004), square(cx + 0.001 + next() * 0.001, cy + 0.001, 0.002, true)] },
    // An L: the centre line runs along a vertex.
    {
      type: 'Polygon',
      coordinates: [
        close([
          [cx, cy],
          [cx + 0.002, cy],
          [cx + 0.002, cy + 0.001],
          [cx + 0.001, cy + 0.001],
          [cx + 0.001, cy + 0.002],
          [cx, cy + 0.002],
        ]),
      ],
    },
    // The same L in dyadic steps (1/1024°), so a vertex lies exactly on the centre of the extent.
    {
      type: 'Polygon',
      coordinates: [
        close(
          [
            [0, 0],
            [2, 0],
            [2, 1],
            [1, 1],
            [1, 2],
            [0, 2],
          ].map(([x, y]) => [Math.round(cx) + (x as number) / 1024, Math.round(cy) + (y as number) / 1024]),
        ),
      ],
    },
    {
      type: 'MultiPolygon',
      coordinates: [[star(next, cx, cy, 0.003, 12)], [star(next, cx + 0.01, cy, 0.003, 12)], [square(cx, cy + 0.01, 0.002)]],
    },
  ]
  return shapes
}

describe('interiorPoint', () => {
  it('is ST_PointOnSurface to the bit on stars, holes, L shapes, lattice squares and multipolygons', async () => {
    // Thousands of shapes: an edge crossing computed in another order differs in its last bit
    // about once in a thousand, and must be seen to.
    const all = Array.from({ length: 1000 }, (_, seed) => shapes(seed + 1)).flat()
    const hex = all.map((shape) => polygonsToEwkb(polygonsOf(shape)))
    const { rows } = await sql<{ x: number; y: number }>`
      SELECT ST_X(p) AS x, ST_Y(p) AS y
      FROM unnest(string_to_array(${hex.join(',')}, ',')) WITH ORDINALITY AS item(hex, i)
      CROSS JOIN LATERAL ST_PointOnSurface(item.hex::geometry) AS p ORDER BY item.i`.execute(database.kysely)
    const mine = all.map((shape) => interiorPoint(shape))
    const differing = rows.flatMap((row, i) =>
      row.x === mine[i]?.[0] && row.y === mine[i]?.[1] ? [] : [{ i, postgis: row, mine: mine[i] }],
    )
    expect(differing).toEqual([])
    expect(rows).toHaveLength(6000)
  })

  it('answers the first vertex for a polygon of no area, and null for none', () => {
    const flat = close([
      [1, 1],
      [2, 1],
      [3, 1],
    ])
    expect(interiorPoint({ type: 'Polygon', coordinates: [flat] })).toEqual([1, 1])
    expect(interiorPoint({ type: 'MultiPolygon', coordinates: [] })).toBeNull()
  })
})
