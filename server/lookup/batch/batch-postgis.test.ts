import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../../demo/seed.js'
import { seededRandom } from '../../demo/random.js'
import { bearer, createTestApp, loadGeoJson } from '../../testing/app.js'
import type { BatchRow } from './batch-format.js'
import { POSTGIS_GROUP } from '../postgis-lookup.js'

// POST /lookup/batch with a past as_of: the index cannot answer, so the points go to PostGIS in
// groups (POSTGIS_GROUP points per statement). On the demo county (a tessellation: every vertex
// and edge is shared) plus a micro grid over a shared vertex and a dedicated grid: the batch must
// answer each point exactly as GET /lookup?as_of= does for it alone, and (the grids being the same
// on both days) as the index does today; rows stay in input order across groups.

const AS_OF = '2026-06-01'
let t: Awaited<ReturnType<typeof createTestApp>>
let county: string
const points: [number, number][] = []

beforeAll(async () => {
  t = await createTestApp()
  await seedDemo(t.db)
  county = await t.token('county')
  // A micro grid over a vertex shared by comprehensive grids, and a dedicated grid inside one.
  const [a, b] = (
    await sql<{ code: string; region_code: string; vertex: string; inner: string }>`
      SELECT code, region_code,
             ST_AsGeoJSON(ST_Envelope(ST_Buffer(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1), 0.0006)), 7) AS vertex,
             ST_AsGeoJSON(ST_Envelope(ST_Buffer(ST_PointOnSurface(geom), 0.0004)), 7) AS inner
      FROM grids WHERE valid_to IS NULL ORDER BY code LIMIT 2 OFFSET 40`.execute(t.db)
  ).rows
  if (!a || !b) throw new Error('demo county has too few grids')
  const feature = (code: string, kind: string, region: string, geometry: string, parent: string | null = null) => ({
    type: 'Feature',
    properties: { code, name: `${kind} test`, kind, region_code: region, ...(parent ? { parent_code: parent } : {}) },
    geometry: JSON.parse(geometry),
  })
  await loadGeoJson(
    t.database,
    JSON.stringify({ type: 'FeatureCollection', features: [feature(`${a.region_code}801`, 'micro', a.region_code, a.vertex, a.code)] }),
    'grids',
    a.region_code,
  )
  await loadGeoJson(
    t.database,
    JSON.stringify({ type: 'FeatureCollection', features: [feature(`${b.region_code}901`, 'dedicated', b.region_code, b.inner, b.code)] }),
    'grids',
    b.region_code,
  )

  // ~360 points: on vertices, on edges (midpoints and elsewhere), uniform over the county and
  // outside it (nearest grid), and around the micro and dedicated grids.
  const vertices = (
    await sql<{ x: number; y: number; ring: number }>`
      SELECT ST_X(d.geom) AS x, ST_Y(d.geom) AS y, dense_rank() OVER (ORDER BY g.code, d.path[1], d.path[2]) AS ring
      FROM grids g, ST_DumpPoints(g.geom) d
      WHERE g.valid_to IS NULL
      ORDER BY g.code, d.path`.execute(t.db)
  ).rows.map((r) => ({ x: Number(r.x), y: Number(r.y), ring: Number(r.ring) }))
  const xs = vertices.map((v) => v.x)
  const ys = vertices.map((v) => v.y)
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
  const rnd = seededRandom(2026)
  const pick = () => Math.floor(rnd() * (vertices.length - 1))
  for (let i = 0; i < 80; i++) {
    const v = vertices[pick()] as (typeof vertices)[number]
    points.push([v.x, v.y])
  }
  for (let i = 0; i < 100; i++) {
    let k = pick()
    if ((vertices[k + 1] as (typeof vertices)[number]).ring !== (vertices[k] as (typeof vertices)[number]).ring) k--
    const [p, q] = [vertices[k], vertices[k + 1]] as { x: number; y: number }[] as [{ x: number; y: number }, { x: number; y: number }]
    const f = i % 2 === 0 ? 0.5 : rnd()
    points.push([p.x + f * (q.x - p.x), p.y + f * (q.y - p.y)])
  }
  for (let i = 0; i < 80; i++) points.push([minX + rnd() * (maxX - minX), minY + rnd() * (maxY - minY)])
  for (let i = 0; i < 60; i++) {
    const out = 0.002 + rnd() * 0.03
    const along = rnd()
    const side = i % 4
    points.push(
      side === 0
        ? [minX - out, minY + along * (maxY - minY)]
        : side === 1
          ? [maxX + out, minY + along * (maxY - minY)]
          : side === 2
            ? [minX + along * (maxX - minX), minY - out]
            : [minX + along * (maxX - minX), maxY + out],
    )
  }
  for (const box of [a.vertex, b.inner]) {
    const ring = (JSON.parse(box) as { coordinates: [number, number][][] }).coordinates[0] as [number, number][]
    const [x0, y0] = ring[0] as [number, number]
    const [x1, y1] = ring[2] as [number, number]
    for (const [x, y] of ring) points.push([x, y])
    for (let i = 0; i < 15; i++) points.push([x0 + (rnd() * 1.4 - 0.2) * (x1 - x0), y0 + (rnd() * 1.4 - 0.2) * (y1 - y0)])
  }
}, 240_000)
afterAll(async () => t?.close())

const ndjson = (rows: object[]) => rows.map((row) => JSON.stringify(row)).join('\n')

async function batch(body: string, type: string, asOf?: string): Promise<string> {
  const response = await t
    .http()
    .post(`/api/v1/lookup/batch${asOf ? `?as_of=${asOf}` : ''}`)
    .set(bearer(county))
    .set('Content-Type', type)
    .send(body)
  expect(response.status, response.text).toBe(200)
  return response.text
}

const parse = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as BatchRow)

describe('POST /lookup/batch with a past as_of (PostGIS, set-based)', () => {
  it('answers every point exactly as GET /lookup?as_of= does, and as the index does today', async () => {
    const input = points.map(([lng, lat], i) => ({ id: `p${i}`, lng, lat }))
    const past = parse(await batch(ndjson(input), 'application/x-ndjson', AS_OF))
    expect(past.map((r) => r.id)).toEqual(input.map((r) => r.id))
    const counts = { micro: 0, dedicated: 0, nearest: 0, grid: 0 }
    for (const [i, [lng, lat]] of points.entries()) {
      const single = await t.http().get(`/api/v1/lookup?lng=${lng}&lat=${lat}&as_of=${AS_OF}`).set(bearer(county))
      expect(single.status, single.text).toBe(200)
      expect(single.body.source).toBe('postgis')
      const row = past[i] as BatchRow
      const where = `point ${i} (${lng}, ${lat})`
      expect(row.error, where).toBeUndefined()
      expect(row.grid, where).toEqual(single.body.grid)
      expect(row.dedicated, where).toEqual(single.body.dedicated.map((d: { code: string }) => d.code))
      expect(row.nearest, where).toEqual(
        single.body.nearest && { code: single.body.nearest.code, distance_m: single.body.nearest.distance_m },
      )
      if (row.grid?.kind === 'micro') counts.micro++
      if (row.grid) counts.grid++
      if (row.dedicated.length > 0) counts.dedicated++
      if (row.nearest) counts.nearest++
    }
    // the sample reaches every case
    expect(counts.micro).toBeGreaterThan(5)
    expect(counts.dedicated).toBeGreaterThan(5)
    expect(counts.nearest).toBeGreaterThanOrEqual(60)
    expect(counts.grid).toBeGreaterThan(250)

    // The grids did not change since: the index (planar nearest distance) agrees.
    const today = parse(await batch(ndjson(input), 'application/x-ndjson'))
    for (const [i, row] of past.entries()) {
      const other = today[i] as BatchRow
      expect(other.grid, `point ${i}`).toEqual(row.grid)
      expect(other.dedicated, `point ${i}`).toEqual(row.dedicated)
      expect(other.nearest?.code, `point ${i}`).toBe(row.nearest?.code)
      if (row.nearest)
        expect(Math.abs((other.nearest?.distance_m ?? 0) - row.nearest.distance_m)).toBeLessThanOrEqual(row.nearest.distance_m * 0.01 + 0.2)
    }
  })

  it(`keeps input order over more rows than one group (${POSTGIS_GROUP} points), bad rows inline`, async () => {
    const n = 1200
    const lines = ['id,lng,lat']
    for (let i = 0; i < n; i++) {
      const [lng, lat] = points[(i * 7) % points.length] as [number, number]
      lines.push(i % 97 === 5 ? `q${i},abc,${lat}` : `q${i},${lng},${lat}`)
    }
    const csv = lines.join('\n')
    const [past, today] = [await batch(csv, 'text/csv', AS_OF), await batch(csv, 'text/csv')]
    const rowsOf = (text: string) => text.trimEnd().split('\n').slice(1)
    const pastRows = rowsOf(past)
    expect(pastRows).toHaveLength(n)
    expect(pastRows.map((line) => line.split(',', 2).join(','))).toEqual(Array.from({ length: n }, (_, i) => `${i + 1},q${i}`))
    expect(pastRows.filter((line) => line.includes('lookup_coordinate_invalid')).map((line) => line.split(',', 1)[0])).toEqual(
      Array.from({ length: n }, (_, i) => i)
        .filter((i) => i % 97 === 5)
        .map((i) => String(i + 1)),
    )
    // same grids, dedicated grids and nearest codes as the index (distances may differ slightly)
    const codes = (line: string) => line.split(',').slice(0, 9).join(',')
    expect(pastRows.map(codes)).toEqual(rowsOf(today).map(codes))
  })

  it('fewer points than a group between bad rows and address rows: no row waits for a group that is never sent', async () => {
    const addresses = (await sql<{ address: string }>`SELECT address FROM addresses ORDER BY id LIMIT 40`.execute(t.db)).rows
    expect(addresses.length).toBe(40)
    // Runs of bad rows (answered at once) behind a queued point: the reading loop must send the
    // group before it waits for that point. Address rows (whose point joins a group only after
    // the address lookup, while the loop may be waiting for that very row): sent even then.
    for (const withAddresses of [false, true]) {
      const input: object[] = []
      for (let i = 0; i < 420; i++) {
        const [lng, lat] = points[i % points.length] as [number, number]
        if (withAddresses && i % 17 === 3)
          input.push({ id: `a${i}`, address: (addresses[i % addresses.length] as { address: string }).address })
        else if (i % 3 !== 0) input.push({ id: `b${i}`, lng: 'x', lat })
        else input.push({ id: `p${i}`, lng, lat })
      }
      const past = parse(await batch(ndjson(input), 'application/x-ndjson', AS_OF))
      const today = parse(await batch(ndjson(input), 'application/x-ndjson'))
      expect(past.map((r) => r.id)).toEqual(input.map((r) => (r as { id: string }).id))
      expect(past.filter((r) => r.address).length).toBe(withAddresses ? 25 : 0)
      expect(past.map((r) => [r.grid?.code, r.dedicated, r.nearest?.code, r.address, r.error?.code])).toEqual(
        today.map((r) => [r.grid?.code, r.dedicated, r.nearest?.code, r.address, r.error?.code]),
      )
    }
  })

  it('the CSV fast path (answers written as bytes) and the general path write the same line for every point', async () => {
    // Plain decimals and printable ids take the byte path; "+113.1" (a number, but not a plain
    // decimal) and an id with a space take the general path for the same point.
    const plain = ['id,lng,lat']
    const general = ['id,lng,lat']
    for (const [i, [x, y]] of points.entries()) {
      // full precision (17 digits: Number()) and 7 decimals (parsed on the byte path)
      const [lng, lat] = i % 3 === 0 ? [x.toFixed(7), y.toFixed(7)] : [String(x), String(y)]
      plain.push(`p${i},${lng},${lat}`)
      general.push(i % 2 === 0 ? `p${i},+${lng},${lat}` : `"p${i} ",${lng},${lat}`)
    }
    const lines = (text: string) => text.trimEnd().split('\n')
    const [fast, slow] = [lines(await batch(plain.join('\n'), 'text/csv')), lines(await batch(general.join('\n'), 'text/csv'))]
    expect(fast).toHaveLength(points.length + 1)
    // the general path trims the id: "p1 " is written p1, like the fast path's
    expect(fast).toEqual(slow)
    // both kinds of answer occur: in a grid (with and without dedicated grids) and nearest
    expect(fast.filter((line) => /^\d+,p\d+,\d{15}/.test(line)).length).toBeGreaterThan(250)
    expect(fast.filter((line) => /^\d+,p\d+,,,,,,,\d{15},[0-9.]+,/.test(line)).length).toBeGreaterThanOrEqual(60)
    expect(fast.filter((line) => /,\d{15}(\|\d{15})*,,,,,,$/.test(line) && !/,,,,,,,$/.test(line)).length).toBeGreaterThan(5)
  })
})
