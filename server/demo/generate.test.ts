import { createHash } from 'node:crypto'
import type { MultiPolygon, Position } from 'geojson'
import { beforeAll, describe, expect, it } from 'vitest'
import { type DemoCounty, FAULTY_TOWNSHIP_CODE, generateDemoCounty } from './generate.js'
import { pointInRing } from './lattice.js'

// The pure generator, no database: determinism, codes and names, ranges, and exact tiling checked
// edge by edge (every boundary edge of a part is either shared — reversed — with exactly one
// sibling or lies on the parent's boundary).

let county: DemoCounty

beforeAll(() => {
  county = generateDemoCounty()
})

const key = (p: Position): string => `${p[0]},${p[1]}`

/** Directed boundary edges "x1,y1>x2,y2" of a multipolygon. */
function edges(geom: MultiPolygon): string[] {
  const out: string[] = []
  for (const polygon of geom.coordinates) {
    for (const ring of polygon) {
      for (let i = 0; i + 1 < ring.length; i++) out.push(`${key(ring[i] as Position)}>${key(ring[i + 1] as Position)}`)
    }
  }
  return out
}

const reverse = (edge: string): string => edge.split('>').reverse().join('>')

/** Problems with `parts` tiling `parent` exactly, by shared edges; [] when they do. */
function tilingProblems(parent: MultiPolygon, parts: MultiPolygon[]): string[] {
  const outer = new Set(edges(parent))
  const owner = new Map<string, number>()
  const problems: string[] = []
  parts.forEach((part, i) => {
    for (const edge of edges(part)) {
      if (owner.has(edge)) problems.push(`edge ${edge} used twice in the same direction (overlap)`)
      owner.set(edge, i)
    }
  })
  for (const [edge, i] of owner) {
    if (outer.has(edge)) continue
    const other = owner.get(reverse(edge))
    if (other === undefined) problems.push(`edge ${edge} of part ${i} is neither shared nor on the parent boundary`)
    else if (other === i) problems.push(`edge ${edge} of part ${i} is shared with itself`)
  }
  for (const edge of outer) if (!owner.has(edge)) problems.push(`parent edge ${edge} is not covered by any part`)
  return problems
}

describe('demo county generator', () => {
  it('is deterministic: the same seed gives the same county, another seed another one', () => {
    const again = generateDemoCounty()
    expect(JSON.stringify(again)).toBe(JSON.stringify(county))
    const other = generateDemoCounty('another seed')
    expect(other.grids.map((g) => g.households)).not.toEqual(county.grids.map((g) => g.households))
  })

  it('gives byte for byte the county it always gave for the default seed', () => {
    // Pins the whole output (regions, grids, buildings, faults): a refactor of the generator must
    // not move a vertex or rename a grid. Change this hash only with a deliberate change of the county.
    const sha256 = createHash('sha256').update(JSON.stringify(county)).digest('hex')
    expect(sha256).toBe('af0d47716168e7394046142ae2e05a05a9d7ccaf74ae79a9447fdd17a730532e')
  })

  it('has the required hierarchy, counts and codes', () => {
    const level = (n: number) => county.regions.filter((r) => r.level === n)
    expect(level(1).map((r) => [r.code, r.name])).toEqual([['990000000000', '示范省']])
    expect(level(2).map((r) => [r.code, r.name, r.parentCode])).toEqual([['990100000000', '示范市', '990000000000']])
    expect(level(3).map((r) => [r.code, r.name, r.parentCode])).toEqual([['990101000000', '示范县', '990100000000']])

    const townships = level(4)
    expect(townships.length).toBeGreaterThanOrEqual(6)
    expect(townships.length).toBeLessThanOrEqual(10)
    townships.forEach((t, i) => {
      expect(t.code).toBe(`990101${String(i + 1).padStart(3, '0')}000`)
      expect(t.name).toMatch(/(镇|乡|街道)$/)
      expect(t.parentCode).toBe('990101000000')
    })

    const communities = level(5)
    expect(communities.length).toBeGreaterThanOrEqual(40)
    expect(communities.length).toBeLessThanOrEqual(80)
    for (const t of townships) {
      const mine = communities.filter((c) => c.parentCode === t.code)
      expect(mine.length).toBeGreaterThan(0)
      expect(mine.map((c) => c.code)).toEqual(mine.map((_, i) => `${t.code.slice(0, 9)}${String(i + 1).padStart(3, '0')}`))
    }
    for (const c of communities) {
      expect(['111', '112', '121', '122', '210', '220']).toContain(c.urbanRural)
      expect(c.name).toMatch(c.urbanRural?.startsWith('1') ? /社区$/ : /村$/)
    }
    expect(new Set(communities.map((c) => c.name)).size).toBe(communities.length)

    expect(county.grids.length).toBeGreaterThanOrEqual(200)
    expect(county.grids.length).toBeLessThanOrEqual(400)
    expect(new Set(county.grids.map((g) => g.code)).size).toBe(county.grids.length)
    for (const c of communities) {
      const mine = county.grids.filter((g) => g.regionCode === c.code)
      expect(mine.length, `grids of ${c.code}`).toBeGreaterThan(0)
      mine.forEach((g, i) => {
        expect(g.code).toBe(`${c.code}${String(i + 1).padStart(3, '0')}`)
        expect(g.name.startsWith(`${c.name}第`) && g.name.endsWith('网格')).toBe(true)
      })
    }
    expect(county.grids.find((g) => g.code.endsWith('001'))?.name).toMatch(/第一网格$/)
  })

  it('sits around lon 113.0, lat 28.2 and spans about 30 × 25 km', () => {
    const ring = county.regions.find((r) => r.level === 3)?.boundary.coordinates.flat(2) ?? []
    const lons = ring.map((p) => p[0] as number)
    const lats = ring.map((p) => p[1] as number)
    const widthKm = (Math.max(...lons) - Math.min(...lons)) * 111.32 * Math.cos((28.2 * Math.PI) / 180)
    const heightKm = (Math.max(...lats) - Math.min(...lats)) * 110.85
    expect(widthKm).toBeGreaterThan(25)
    expect(widthKm).toBeLessThan(34)
    expect(heightKm).toBeGreaterThan(20)
    expect(heightKm).toBeLessThan(29)
    expect(Math.abs((Math.max(...lons) + Math.min(...lons)) / 2 - 113.0)).toBeLessThan(0.05)
    expect(Math.abs((Math.max(...lats) + Math.min(...lats)) / 2 - 28.2)).toBeLessThan(0.05)
  })

  it('tiles exactly: shared boundaries are identical vertex for vertex', () => {
    const byCode = new Map(county.regions.map((r) => [r.code, r]))
    const countyRegion = byCode.get('990101000000')
    if (!countyRegion) throw new Error('no county')
    const townships = county.regions.filter((r) => r.level === 4)
    expect(
      tilingProblems(
        countyRegion.boundary,
        townships.map((t) => t.boundary),
      ),
    ).toEqual([])
    for (const t of townships) {
      const communities = county.regions.filter((r) => r.parentCode === t.code)
      expect(
        tilingProblems(
          t.boundary,
          communities.map((c) => c.boundary),
        ),
        t.code,
      ).toEqual([])
    }
    for (const c of county.regions.filter((r) => r.level === 5 && !r.code.startsWith(FAULTY_TOWNSHIP_CODE.slice(0, 9)))) {
      const grids = county.grids.filter((g) => g.regionCode === c.code)
      expect(
        tilingProblems(
          c.boundary,
          grids.map((g) => g.geom),
        ),
        c.code,
      ).toEqual([])
    }
  })

  it('gives grids households mostly within 200–500, urban grids small and rural ones large', () => {
    const normal = county.grids.filter((g) => !g.regionCode.startsWith(FAULTY_TOWNSHIP_CODE.slice(0, 9)))
    const inRange = normal.filter((g) => g.households >= 200 && g.households <= 500)
    expect(inRange.length / normal.length).toBeGreaterThanOrEqual(0.9)
    for (const g of county.grids) {
      expect(g.population / g.households).toBeGreaterThanOrEqual(2.59)
      expect(g.population / g.households).toBeLessThanOrEqual(3.01)
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const urban = county.grids.filter((g) => g.urbanRural === '111')
    const rural = county.grids.filter((g) => g.urbanRural === '220')
    expect(urban.length).toBeGreaterThan(10)
    expect(rural.length).toBeGreaterThan(10)
    expect(mean(urban.map((g) => g.areaKm2)) * 5).toBeLessThan(mean(rural.map((g) => g.areaKm2)))
    expect(mean(urban.map((g) => g.households / g.areaKm2))).toBeGreaterThan(5 * mean(rural.map((g) => g.households / g.areaKm2)))
  })

  it('counts households from buildings: a grid has the households of the buildings inside it', () => {
    // Cheap exact check on a sample of grids (the database test checks all of them).
    for (const g of county.grids.filter((_, i) => i % 25 === 0)) {
      const polygonHas = (p: Position) =>
        g.geom.coordinates.some((poly) => pointInRing(p, poly[0] as Position[]) && !poly.slice(1).some((hole) => pointInRing(p, hole)))
      const inside = county.buildings.filter((b) => b.regionCode === g.regionCode && polygonHas([b.lon, b.lat]))
      expect(
        inside.reduce((s, b) => s + b.households, 0),
        g.code,
      ).toBe(g.households)
    }
    expect(county.buildings.every((b) => b.households >= 1 && b.address.startsWith('示范县'))).toBe(true)
    expect(new Set(county.buildings.map((b) => b.address)).size).toBe(county.buildings.length)
  })

  it('puts the faults where the header of generate.ts says (default seed)', () => {
    expect(county.faults).toEqual({
      township: { code: '990101004000', name: '白沙镇' },
      gap: {
        regionCode: '990101004005',
        grid: '990101004005004',
        neighbours: ['990101004005001', '990101004005002'],
        point: [112.9679804, 28.2640212],
        areaM2: 31332,
        households: 14,
      },
      overlap: {
        regionCode: '990101004008',
        grids: ['990101004008001', '990101004008003'],
        point: [113.0184355, 28.2431771],
        areaM2: 32959,
        households: 14,
      },
      oversized: { regionCode: '990101004007', grid: '990101004007002', households: 759 },
    })
  })

  it('places the three deliberate faults in the faulty township', () => {
    const { faults } = county
    expect(faults.township.code).toBe(FAULTY_TOWNSHIP_CODE)
    const prefix = FAULTY_TOWNSHIP_CODE.slice(0, 9)
    const grid = (code: string) => county.grids.find((g) => g.code === code)
    for (const code of [faults.gap.grid, ...faults.gap.neighbours, ...faults.overlap.grids, faults.oversized.grid]) {
      expect(grid(code), code).toBeDefined()
      expect(code.startsWith(prefix)).toBe(true)
    }
    expect(faults.gap.areaM2).toBeGreaterThan(10_000)
    expect(faults.gap.households).toBeGreaterThan(0)
    expect(faults.overlap.areaM2).toBeGreaterThan(10_000)
    expect(grid(faults.oversized.grid)?.households).toBeGreaterThan(500)
    expect(faults.oversized.households).toBe(grid(faults.oversized.grid)?.households)
    // The tiling check sees them: the gap's and the overlap's communities do not tile.
    for (const code of [faults.gap.regionCode, faults.overlap.regionCode]) {
      const community = county.regions.find((r) => r.code === code)
      if (!community) throw new Error(`no community ${code}`)
      const grids = county.grids.filter((g) => g.regionCode === code)
      expect(
        tilingProblems(
          community.boundary,
          grids.map((g) => g.geom),
        ).length,
        code,
      ).toBeGreaterThan(0)
    }
  })
})
