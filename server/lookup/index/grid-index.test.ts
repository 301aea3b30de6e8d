import { describe, expect, it } from 'vitest'
import type { GridKind } from '../../db/database.js'
import { seededRandom } from '../../demo/random.js'
import { GridIndexBuilder } from './grid-index-builder.js'
import { addWkb } from './wkb.js'

// The index on its own (no database): the documented rule for points on shared edges and
// vertices, holes, dedicated and micro grids, the nearest grid, and WKB input.

type Ring = number[][]
function build(grids: { code: string; kind?: GridKind; polygons: Ring[][] }[]) {
  const builder = new GridIndexBuilder()
  for (const g of grids) {
    builder.addGrid({
      code: g.code,
      name: `网格${g.code}`,
      kind: g.kind ?? 'comprehensive',
      region_code: g.code.slice(0, 12),
      households: 300,
      grid_head: null,
    })
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
    builder.addGrid({
      code: '990101001001001',
      name: 'a',
      kind: 'comprehensive',
      region_code: '990101001001',
      households: null,
      grid_head: null,
    })
    addWkb(builder, Uint8Array.from(bytes))
    const wkbIndex = builder.finish()
    expect(wkbIndex.partCount).toBe(2)
    expect(wkbIndex.lookup(5.5, 5.5).grid).toBe(0)
    expect(wkbIndex.lookup(3, 3).grid).toBe(-1)
  })

  it('the nearest grid and its distance: the same as measuring every edge of every grid', () => {
    // 16 × 10 cells of ~1 km near 28°N with wavy shared edges (10 vertices a side), a quarter of
    // them left out (a ragged outline and gaps inside), so points fall in empty lattice cells
    // (candidates per cell) and beyond the lattice (the tree walk).
    const rnd = seededRandom(11)
    const size = 0.01
    const per = 10
    const wobble = (key: string) => {
      let h = 0
      for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) | 0
      return (((Math.sin(h) * 43758.5453) % 1) - 0.5) * size * 0.1
    }
    const edge = (x0: number, y0: number, x1: number, y1: number, vertical: boolean): number[][] =>
      Array.from({ length: per }, (_, k) => {
        const f = k / per
        const w = k === 0 ? 0 : wobble(`${x0.toFixed(4)},${y0.toFixed(4)},${vertical},${k}`)
        return vertical ? [x0 + w, y0 + f * (y1 - y0)] : [x0 + f * (x1 - x0), y0 + w]
      })
    const cells: { code: string; polygons: Ring[][] }[] = []
    for (let j = 0; j < 10; j++) {
      for (let i = 0; i < 16; i++) {
        if (rnd() < 0.25) continue
        const [x0, y0, x1, y1] = [113 + i * size, 28 + j * size, 113 + (i + 1) * size, 28 + (j + 1) * size]
        const bottom = edge(x0, y0, x1, y0, false)
        const right = edge(x1, y0, x1, y1, true)
        const top = edge(x0, y1, x1, y1, false).reverse()
        const left = edge(x0, y0, x0, y1, true).reverse()
        // top and left run backwards: their first point is the far corner
        const ring = [...bottom, ...right, [x1, y1], ...top.slice(0, -1), [x0, y1], ...left.slice(0, -1), [x0, y0]]
        cells.push({ code: `990101001${String(j).padStart(3, '0')}${String(i).padStart(3, '0')}`, polygons: [[ring]] })
      }
    }
    const grid = build(cells)
    const DEG = Math.PI / 180
    const reference = (x: number, y: number) => {
      const kx = Math.cos(y * DEG) * 111_320
      const ky = 110_574
      let best = -1
      let bestD = Number.POSITIVE_INFINITY
      for (const [g, cell] of cells.entries()) {
        let min = Number.POSITIVE_INFINITY
        for (const polygon of cell.polygons) {
          for (const ring of polygon) {
            for (let v = 0; v + 1 < ring.length; v++) {
              const [ax0, ay0] = ring[v] as [number, number]
              const [bx0, by0] = ring[v + 1] as [number, number]
              const ax = (ax0 - x) * kx
              const ay = (ay0 - y) * ky
              const dx = (bx0 - x) * kx - ax
              const dy = (by0 - y) * ky - ay
              const len2 = dx * dx + dy * dy
              const t = Math.min(1, Math.max(0, len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0))
              min = Math.min(min, (ax + t * dx) ** 2 + (ay + t * dy) ** 2)
            }
          }
        }
        const d = Math.sqrt(min)
        if (d < bestD || (d === bestD && cell.code < (cells[best]?.code ?? ''))) {
          best = g
          bestD = d
        }
      }
      return { code: cells[best]?.code, d: bestD }
    }
    let outside = 0
    for (let n = 0; n < 3000; n++) {
      const x = 113 - 0.05 + rnd() * 0.26
      const y = 28 - 0.05 + rnd() * 0.2
      if (grid.lookupMain(x, y) >= 0) continue
      outside++
      const near = grid.nearest(x, y)
      const expected = reference(x, y)
      expect(code(grid, near?.grid ?? -1), `(${x}, ${y})`).toBe(expected.code)
      expect(near?.distanceM).toBe(expected.d)
    }
    expect(outside).toBeGreaterThan(1500)
  })
})
