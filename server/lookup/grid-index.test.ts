import { describe, expect, it } from 'vitest'
import type { GridKind } from '../db/database.js'
import { addWkb, GridIndexBuilder } from './grid-index.js'

// The index on its own (no database): the documented rule for points on shared edges and
// vertices, holes, dedicated and micro grids, the nearest grid, and WKB input.

type Ring = number[][]
function build(grids: { code: string; kind?: GridKind; polygons: Ring[][] }[]) {
  const builder = new GridIndexBuilder()
  for (const g of grids) {
    builder.addGrid({ code: g.code, name: `网格${g.code}`, kind: g.kind ?? 'comprehensive', region_code: g.code.slice(0, 12), households: 300, grid_head: null })
    for (const polygon of g.polygons) {
      builder.beginPart()
      for (const ring of polygon) builder.addRing(ring.flat())
    }
  }
  return builder.finish()
}
const box = (x0: number, y0: number, x1: number, y1: number): Ring => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
]
const code = (index: ReturnType<typeof build>, i: number) => (i < 0 ? null : index.grids[i]?.code)

describe('GridIndex', () => {
  // Four unit squares meeting at (1, 1); codes deliberately not in reading order.
  const index = build([
    { code: '990101001001004', polygons: [[box(0, 0, 1, 1)]] },
    { code: '990101001001002', polygons: [[box(1, 0, 2, 1)]] },
    { code: '990101001001003', polygons: [[box(0, 1, 1, 2)]] },
    { code: '990101001001001', polygons: [[box(1, 1, 2, 2)]] },
  ])

  it('finds the grid whose interior holds the point', () => {
    expect(code(index, index.lookup(0.5, 0.5).grid)).toBe('990101001001004')
    expect(code(index, index.lookup(1.5, 1.5).grid)).toBe('990101001001001')
  })

  it('a point on an edge shared by two grids belongs to the one with the smaller code', () => {
    expect(code(index, index.lookup(1, 0.5).grid)).toBe('990101001001002') // 004 | 002
    expect(code(index, index.lookup(0.5, 1).grid)).toBe('990101001001003') // 004 | 003
  })

  it('a vertex shared by four grids belongs to the smallest code; outer corners and edges are covered', () => {
    expect(code(index, index.lookup(1, 1).grid)).toBe('990101001001001')
    expect(code(index, index.lookup(0, 0).grid)).toBe('990101001001004')
    expect(code(index, index.lookup(2, 0.3).grid)).toBe('990101001001002')
  })

  it('outside every grid: -1 and the nearest grid with its distance in metres', () => {
    expect(index.lookup(2.001, 0.5).grid).toBe(-1)
    const near = index.nearest(2.001, 0.5)
    expect(code(index, near?.grid ?? -1)).toBe('990101001001002')
    // 0.001° of longitude at 0.5° N ≈ 111.3 m
    expect(near?.distanceM).toBeCloseTo(111.3, 0)
  })

  it('a hole is outside, its rim is covered; a micro grid beats the comprehensive grid around it; dedicated grids are listed apart', () => {
    const nested = build([
      { code: '990101001001001', polygons: [[box(0, 0, 4, 4), box(1, 1, 2, 2)]] },
      { code: '99010100100100101', kind: 'micro', polygons: [[box(3, 3, 4, 4)]] },
      { code: '990101001001902', kind: 'dedicated', polygons: [[box(0, 0, 4, 1)]] },
      { code: '990101001001901', kind: 'dedicated', polygons: [[box(0, 0, 1, 4)]] },
    ])
    expect(nested.lookup(1.5, 1.5).grid).toBe(-1)
    expect(code(nested, nested.lookup(1, 1.5).grid)).toBe('990101001001001')
    expect(code(nested, nested.lookup(3.5, 3.5).grid)).toBe('99010100100100101')
    const hit = nested.lookup(0.5, 0.5)
    expect(code(nested, hit.grid)).toBe('990101001001001')
    expect(hit.dedicated.map((i) => code(nested, i))).toEqual(['990101001001901', '990101001001902'])
    // the nearest grid is never a dedicated one
    expect(code(nested, nested.nearest(1.5, 1.5)?.grid ?? -1)).toBe('990101001001001')
    // 0.5° of latitude to the hole's rim (shorter than 0.5° of longitude at 1.5° N)
    expect(nested.nearest(1.5, 1.5)?.distanceM).toBeCloseTo(0.5 * 110_574, -1)
  })

  it('reads polygons and multipolygons from WKB (as PostGIS ST_AsBinary writes them)', () => {
    // MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((5 5,6 5,6 6,5 6,5 5))), little-endian
    const rings = [box(0, 0, 1, 1), box(5, 5, 6, 6)]
    const bytes: number[] = []
    const u32 = (n: number) => bytes.push(...new Uint8Array(Uint32Array.of(n).buffer))
    const f64 = (n: number) => bytes.push(...new Uint8Array(Float64Array.of(n).buffer))
    bytes.push(1)
    u32(6)
    u32(2)
    for (const ring of rings) {
      bytes.push(1)
      u32(3)
      u32(1)
      u32(ring.length)
      for (const [x, y] of ring) {
        f64(x as number)
        f64(y as number)
      }
    }
    const builder = new GridIndexBuilder()
    builder.addGrid({ code: '990101001001001', name: 'a', kind: 'comprehensive', region_code: '990101001001', households: null, grid_head: null })
    addWkb(builder, Uint8Array.from(bytes))
    const wkbIndex = builder.finish()
    expect(wkbIndex.partCount).toBe(2)
    expect(wkbIndex.lookup(5.5, 5.5).grid).toBe(0)
    expect(wkbIndex.lookup(3, 3).grid).toBe(-1)
  })
})
