import { describe, expect, it } from 'vitest'
import { type Position, matchEdges } from './edge-match.js'

const box = (x: number, y: number, w = 1, h = 1): Position[][] => [
  [
    [x, y],
    [x + w, y],
    [x + w, y + h],
    [x, y + h],
    [x, y],
  ],
]
const input = (...polygons: Position[][][]) => polygons.map((polygon, index) => ({ index, polygons: [polygon] }))

describe('coverage by edge matching', async () => {
  it('proves a 2×2 tiling clean, with one shell and no gaps', async () => {
    const result = await matchEdges(input(box(0, 0), box(1, 0), box(0, 1), box(1, 1)))
    expect(result.clean).toBe(true)
    if (result.clean) {
      expect(result.rings.map((r) => r.shell)).toEqual([true])
      expect(result.outlineFeatures).toEqual([0, 1, 2, 3])
    }
  })

  it('finds the hole a missing cell leaves, and who borders it', async () => {
    const cells = [0, 1, 2].flatMap((x) => [0, 1, 2].map((y) => box(x, y))).filter((_, i) => i !== 4)
    const result = await matchEdges(input(...cells))
    expect(result.clean).toBe(true)
    if (result.clean) {
      const gaps = result.rings.filter((r) => !r.shell)
      expect(gaps).toHaveLength(1)
      expect(gaps[0]?.features).toEqual([1, 3, 4, 6])
    }
  })

  it('does not prove a coverage with a duplicated polygon or a crossing one', async () => {
    expect((await matchEdges(input(box(0, 0), box(0, 0)))).clean).toBe(false)
    expect((await matchEdges(input(box(0, 0), box(0.5, 0)))).clean).toBe(false)
  })

  it('accepts separate islands, and an island inside a gap, but not a shell inside a shell', async () => {
    expect((await matchEdges(input(box(0, 0), box(5, 5)))).clean).toBe(true)
    const ring = [0, 1, 2, 3, 4]
      .flatMap((x) => [0, 1, 2, 3, 4].map((y) => box(x, y)))
      .filter((_, i) => ![6, 7, 8, 11, 12, 13, 16, 17, 18].includes(i))
    expect((await matchEdges(input(...ring, box(2.25, 2.25, 0.5, 0.5)))).clean).toBe(true)
    expect((await matchEdges(input(box(0, 0, 4, 4), box(1, 1)))).clean).toBe(false)
  })

  it('accepts a T-junction (a vertex on the neighbour’s edge) inside the coverage', async () => {
    const centre: Position[][] = [
      [
        [1, 1],
        [2, 1],
        [2, 1.5],
        [2, 2],
        [1, 2],
        [1, 1],
      ],
    ]
    const cells = [0, 1, 2].flatMap((x) => [0, 1, 2].map((y) => (x === 1 && y === 1 ? centre : box(x, y))))
    const result = await matchEdges(input(...cells))
    expect(result.clean).toBe(true)
    if (result.clean) expect(result.rings.filter((r) => !r.shell)).toEqual([])
  })
})
