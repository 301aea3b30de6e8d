import { readFileSync } from 'node:fs'
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { projectOntoSegment } from '../geo/segment.js'
import { openTestDatabase } from '../testing/database.js'
import { canonicalRings } from '../testing/shapes.js'
import { matchEdges, type OutlineRing, type PolygonRings, type Position } from '../validation/edge-match.js'
import { type AreaLayoutOptions, areaLayout } from './area-layouts.js'
import { partitionArea, unitPolygonsAsInput } from './area.js'
import { localProjection, polygonMeasures } from './unit-measures.js'
import { type AreaInput, buildUnits } from './units.js'
import { PartitionInputError } from './types.js'

// Property tests over random areas with fixed seeds, on the engine the run asks for: the units
// tile the boundary exactly and the dissolved grids form a coverage with the same outline — all
// proved by edge matching at tolerance 0 (identical coordinates), never by an overlay.

const RANGE = { min: 150, max: 400 }

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
})
afterAll(async () => database?.close())

const polygonsOf = (geometry: Polygon | MultiPolygon): PolygonRings[] =>
  (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as PolygonRings[]

const vertexKeys = (polygons: readonly PolygonRings[]) => new Set(polygons.flat(2).map((p) => `${p[0]},${p[1]}`))

async function expectExactArea(input: AreaInput): Promise<void> {
  const result = await partitionArea(database.kysely, { ...input, range: RANGE, seed: 3, seeds: 2, timeBudgetMs: 1000 })
  const { units } = result.units

  // Units tile the boundary: a clean coverage whose outline holds every boundary vertex and whose
  // area is the boundary's to floating rounding.
  const unitMatch = await matchEdges(units.map((unit, index) => ({ index, polygons: [unit.polygon] })))
  expect(unitMatch.clean).toBe(true)
  if (!unitMatch.clean) return
  expectOutlineOnBoundary(unitMatch.rings, input.boundary)
  const project = localProjection(input.boundary)
  const boundaryArea = polygonsOf(input.boundary).reduce((sum, polygon) => sum + polygonMeasures(polygon, project).area, 0)
  const outlineArea = unitMatch.union.reduce((sum, polygon) => sum + polygonMeasures(polygon, project).area, 0)
  const unitArea = units.reduce((sum, unit) => sum + unit.area, 0)
  expect(Math.abs(unitArea - outlineArea)).toBeLessThanOrEqual(
    shoelaceRounding(
      units.map((unit) => unit.polygon),
      project,
    ),
  )
  // The outline differs from the boundary only by nodes within 0.1 µm of its edges: 0.1 µm × 10 km.
  expect(Math.abs(outlineArea - boundaryArea)).toBeLessThan(1e-3)
  expect(unitMatch.union.length).toBe(polygonsOf(input.boundary).length)
  expect(unitMatch.union.map((polygon) => polygon.length).sort()).toEqual(
    polygonsOf(input.boundary)
      .map((p) => p.length)
      .sort(),
  )

  // Every building's households counted once.
  const counted = units.flatMap((unit) => unit.buildings).sort((a, b) => a - b)
  expect(counted).toEqual(input.buildings.map((_, index) => index))
  const households = input.buildings.reduce((sum, building) => sum + building.households, 0)
  expect(units.reduce((sum, unit) => sum + unit.households, 0)).toBe(households)

  // Grids: a clean coverage of the same outline, made of the units' coordinates only, with no
  // node left on the boundary but where two grids meet (the passing ones are dropped).
  const grids = result.grids.features
  expect(grids.reduce((sum, grid) => sum + grid.properties.households, 0)).toBe(households)
  const gridMatch = await matchEdges(grids.map((grid, index) => ({ index, polygons: polygonsOf(grid.geometry) })))
  expect(gridMatch.clean).toBe(true)
  if (!gridMatch.clean) return
  expectOutlineOnBoundary(gridMatch.rings, input.boundary)
  const boundaryVertices = vertexKeys(polygonsOf(input.boundary))
  const gridsAt = new Map<string, number>()
  for (const grid of grids) for (const key of vertexKeys(polygonsOf(grid.geometry))) gridsAt.set(key, (gridsAt.get(key) ?? 0) + 1)
  for (const { ring } of gridMatch.rings)
    for (const p of ring) if (!boundaryVertices.has(`${p[0]},${p[1]}`)) expect(gridsAt.get(`${p[0]},${p[1]}`)).toBeGreaterThan(1)
  const unitVertices = vertexKeys(units.map((unit) => unit.polygon))
  for (const grid of grids) for (const key of vertexKeys(polygonsOf(grid.geometry))) expect(unitVertices.has(key)).toBe(true)
  const gridArea = grids.reduce((sum, grid) => sum + polygonsOf(grid.geometry).reduce((s, p) => s + polygonMeasures(p, project).area, 0), 0)
  // Dropping a node within 1e-12° of the line through its neighbours moves at most 0.1 µm × its edge.
  expect(Math.abs(gridArea - unitArea)).toBeLessThan(1e-3)
  // Each grid holds exactly its units' households and is a valid polygon for PostGIS.
  for (const grid of grids) {
    const members = units.filter((unit) => result.assignment[unit.id] === grid.properties.number)
    expect(members.reduce((sum, unit) => sum + unit.households, 0)).toBe(grid.properties.households)
  }
  const invalid = await sql<{ number: number; reason: string }>`
    SELECT g.number, ST_IsValidReason(ST_GeomFromGeoJSON(g.geojson)) AS reason
    FROM jsonb_to_recordset(${JSON.stringify(grids.map((grid) => ({ number: grid.properties.number, geojson: JSON.stringify(grid.geometry) })))}::jsonb)
      AS g(number int, geojson text)
    WHERE NOT ST_IsValid(ST_GeomFromGeoJSON(g.geojson))`.execute(database.kysely)
  expect(invalid.rows).toEqual([])
}

/**
 * The units' outline is the boundary: every boundary vertex on it, in the same order, and every
 * other outline vertex a node within the noding grid's reach (1e-12°) of the boundary edge it splits.
 */
function expectOutlineOnBoundary(rings: readonly OutlineRing[], boundary: Polygon | MultiPolygon): void {
  const boundaryRings = polygonsOf(boundary).flat()
  expect(rings.length).toBe(boundaryRings.length)
  for (const boundaryRing of boundaryRings) {
    const keys = boundaryRing.map((p) => `${p[0]},${p[1]}`)
    const outline = rings.find(({ ring }) => ring.some((p) => `${p[0]},${p[1]}` === keys[0]))
    expect(outline).toBeDefined()
    if (!outline) return
    const ring = outline.ring.slice(0, -1)
    const start = ring.findIndex((p) => `${p[0]},${p[1]}` === keys[0])
    const rotated = [...ring.slice(start), ...ring.slice(0, start), ring[start] as Position]
    // Walk the boundary in the outline's direction.
    const sameWay = ringArea2Of(boundaryRing) > 0 === ringArea2Of(rotated) > 0
    const walk = sameWay ? boundaryRing : [...boundaryRing].reverse()
    let next = 1
    for (const p of rotated.slice(1)) {
      const target = walk[next] as Position
      if (p[0] === target[0] && p[1] === target[1]) {
        next++
        continue
      }
      expect(projectOntoSegment(p, walk[next - 1] as Position, target).distance).toBeLessThan(1e-12)
    }
    expect(next).toBe(walk.length)
  }
}

/**
 * A bound on the rounding of shoelace sums: inner edges cancel exactly (the same products with
 * the opposite sign), so the sums differ only by rounding, at most a few ulps of each product.
 */
function shoelaceRounding(polygons: readonly PolygonRings[], project: (p: Position) => Position): number {
  let magnitude = 0
  for (const ring of polygons.flat()) {
    const points = ring.map(project)
    for (let i = 1; i < points.length; i++) {
      const [x0, y0] = points[i - 1] as [number, number]
      const [x1, y1] = points[i] as [number, number]
      magnitude += Math.abs(x0 * y1) + Math.abs(x1 * y0)
    }
  }
  return 4 * Number.EPSILON * magnitude
}

const ringArea2Of = (ring: readonly Position[]) =>
  ring.slice(1).reduce((sum, p, i) => sum + (ring[i]?.[0] ?? 0) * p[1] - p[0] * (ring[i]?.[1] ?? 0), 0)

const LAYOUTS: [string, AreaLayoutOptions][] = [
  ['a square with roads', { shape: 'square', roads: 3, buildings: 100, clusters: 4 }],
  ['an irregular boundary with a river', { shape: 'irregular', roads: 2, river: true, buildings: 100, clusters: 5 }],
  ['an enclave, roads and a river', { shape: 'square', enclave: true, roads: 3, river: true, buildings: 120, clusters: 6 }],
  ['a boundary in two parts, one empty', { shape: 'square', detached: true, roads: 2, buildings: 80, clusters: 3 }],
  ['an irregular boundary without roads', { shape: 'irregular', roads: 0, buildings: 80, clusters: 3 }],
]

describe('units and grids from geometry tile the boundary exactly', () => {
  for (const [name, options] of LAYOUTS) {
    for (const seed of [1, 2]) {
      it(`${name} (seed ${seed})`, async () => {
        await expectExactArea(areaLayout(seed * 101 + name.length, options))
      })
    }
  }
})

describe('grids for a draft: cuts meeting the boundary move to its corners', () => {
  for (const [name, options] of LAYOUTS) {
    it(`${name}: the outline is the boundary's own edges, and every building is counted in the grid holding it`, async () => {
      const input = areaLayout(211 + name.length, options)
      const result = await partitionArea(database.kysely, {
        ...input,
        range: RANGE,
        seed: 3,
        seeds: 2,
        timeBudgetMs: 1000,
        cutsToCorners: true,
      })
      const grids = result.grids.features
      const gridMatch = await matchEdges(grids.map((grid, index) => ({ index, polygons: polygonsOf(grid.geometry) })))
      expect(gridMatch.clean).toBe(true)
      if (!gridMatch.clean) return
      // A cut between two others on one boundary edge has no free corner: it stays, said as such.
      const kept = new Set(result.explanations.flatMap((e) => (e.code === 'boundary_node_kept' ? [`${e.node}`] : [])))
      expect(kept.size).toBeLessThanOrEqual(1)
      const boundaryEdges = polygonsOf(input.boundary).flatMap((polygon) =>
        polygon.flatMap((ring) => ring.slice(1).map((p, i) => [ring[i] as Position, p])),
      )
      const undirected = (a: Position, b: Position) => [`${a}`, `${b}`].sort().join('>')
      if (kept.size === 0) {
        expect(gridMatch.rings.flatMap(({ ring }) => ring.slice(1).map((p, i) => undirected(ring[i] as Position, p))).sort()).toEqual(
          boundaryEdges.map(([a, b]) => undirected(a as Position, b as Position)).sort(),
        )
      }
      const boundaryVertices = vertexKeys(polygonsOf(input.boundary))
      for (const { ring } of gridMatch.rings) for (const p of ring) expect(boundaryVertices.has(`${p}`) || kept.has(`${p}`)).toBe(true)
      const rows = JSON.stringify(grids.map((grid) => ({ number: grid.properties.number, geojson: JSON.stringify(grid.geometry) })))
      const points = JSON.stringify(input.buildings.map((b, i) => ({ i, households: b.households, geojson: JSON.stringify(b.geometry) })))
      const counted = await sql<{ number: number; households: number; valid: boolean }>`
        WITH g AS (SELECT number, ST_GeomFromGeoJSON(geojson) AS geom FROM jsonb_to_recordset(${rows}::jsonb) AS g(number int, geojson text)),
        b AS (SELECT i, households, ST_PointOnSurface(ST_GeomFromGeoJSON(geojson)) AS geom FROM jsonb_to_recordset(${points}::jsonb) AS b(i int, households int, geojson text)),
        home AS (SELECT DISTINCT ON (b.i) b.i, b.households, g.number FROM b JOIN g ON ST_Covers(g.geom, b.geom) ORDER BY b.i, g.number)
        SELECT g.number, coalesce((SELECT sum(households) FROM home WHERE home.number = g.number), 0)::int AS households, ST_IsValid(g.geom) AS valid
        FROM g ORDER BY g.number`.execute(database.kysely)
      expect(counted.rows).toEqual(
        grids.map((grid) => ({ number: grid.properties.number, households: grid.properties.households, valid: true })),
      )
    })
  }
})

describe('a hand-made area (fixtures/partition)', () => {
  it('two blocks either side of a road become the two grids, vertex for vertex', async () => {
    const input = JSON.parse(readFileSync('fixtures/partition/two-blocks.input.geojson', 'utf8'))
    const expected = JSON.parse(readFileSync('fixtures/partition/two-blocks.expected.geojson', 'utf8')) as FeatureCollection<Polygon>
    const result = await partitionArea(database.kysely, { ...input, seed: 1 })
    const got = result.grids.features.map((grid) => ({
      number: grid.properties.number,
      households: grid.properties.households,
      units: grid.properties.units,
      geometry: canonicalRings(grid.geometry),
    }))
    expect(got).toEqual(expected.features.map((feature) => ({ ...feature.properties, geometry: canonicalRings(feature.geometry) })))
    expect(result.summary.in_range_pct).toBe(100)
    expect(result.summary.road_boundary_share).toBe(1)
  })
})

describe('units given as polygons (blocks with households)', () => {
  it('groups whole blocks: every grid is a union of given blocks, vertex for vertex', async () => {
    const side = 0.002
    const blocks: { geometry: Polygon; households: number }[] = []
    for (let row = 0; row < 4; row++)
      for (let column = 0; column < 4; column++) {
        const [x, y] = [116.4 + column * side, 39.9 + row * side].map((v) => Math.round(v * 1e9) / 1e9) as [number, number]
        const [x2, y2] = [x + side, y + side].map((v) => Math.round(v * 1e9) / 1e9) as [number, number]
        const ring: Position[] = [
          [x, y],
          [x2, y],
          [x2, y2],
          [x, y2],
          [x, y],
        ]
        blocks.push({ geometry: { type: 'Polygon', coordinates: [ring] }, households: 60 + ((row * 7 + column * 13) % 5) * 15 })
      }
    const boundary: Polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [116.4, 39.9],
          [116.408, 39.9],
          [116.408, 39.908],
          [116.4, 39.908],
          [116.4, 39.9],
        ],
      ],
    }
    const result = await partitionArea(database.kysely, {
      boundary,
      ...unitPolygonsAsInput(blocks),
      range: { min: 200, max: 500 },
      seed: 1,
    })
    expect(result.units.units).toHaveLength(16)
    const blockVertices = vertexKeys(blocks.map((block) => block.geometry.coordinates as PolygonRings))
    for (const grid of result.grids.features)
      for (const key of vertexKeys(polygonsOf(grid.geometry))) expect(blockVertices.has(key)).toBe(true)
    expect(result.grids.features.reduce((sum, grid) => sum + grid.properties.units, 0)).toBe(16)
    expect(result.grids.features.every((grid) => grid.properties.in_range)).toBe(true)
    const total = blocks.reduce((sum, block) => sum + block.households, 0)
    expect(result.grids.features.reduce((sum, grid) => sum + grid.properties.households, 0)).toBe(total)
    const match = await matchEdges(result.grids.features.map((grid, index) => ({ index, polygons: polygonsOf(grid.geometry) })))
    expect(match.clean).toBe(true)
  })
})

describe('bad input', () => {
  const layout = areaLayout(5, { shape: 'square', roads: 1, buildings: 20, clusters: 2 })
  const problemsOf = async (input: AreaInput) => {
    try {
      await buildUnits(database.kysely, input)
    } catch (error) {
      if (error instanceof PartitionInputError) return error.problems
      throw error
    }
    return []
  }

  it('refuses a boundary that is not a polygon', async () => {
    const boundary = {
      type: 'LineString',
      coordinates: [
        [116, 39],
        [117, 40],
      ],
    } as unknown as Polygon
    expect(await problemsOf({ ...layout, boundary })).toEqual([{ code: 'boundary_not_polygon', type: 'LineString' }])
  })

  it('lists the buildings outside the boundary', async () => {
    const far: Position = [117, 41]
    const buildings = [...layout.buildings, { geometry: { type: 'Point' as const, coordinates: far }, households: 3 }]
    expect(await problemsOf({ ...layout, buildings })).toEqual([
      { code: 'buildings_outside_boundary', buildings: [layout.buildings.length] },
    ])
  })

  it('refuses an area without households', async () => {
    const buildings = layout.buildings.map((building) => ({ ...building, households: 0 }))
    expect(await problemsOf({ ...layout, buildings })).toEqual([{ code: 'no_households' }])
  })

  it('refuses a self-intersecting boundary with the reason', async () => {
    const bowtie: Polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [116, 39],
          [116.01, 39.01],
          [116.01, 39],
          [116, 39.01],
          [116, 39],
        ],
      ],
    }
    const problems = await problemsOf({ ...layout, boundary: bowtie })
    expect(problems.map((problem) => problem.code)).toEqual(['boundary_invalid'])
  })
})
