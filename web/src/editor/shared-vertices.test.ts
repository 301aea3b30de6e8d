import type { Polygon } from 'geojson'
import { describe, expect, it } from 'vitest'
import { type EditableGrid, gridsTouching, moveSharedVertex, nearestWithin, verticesOf } from './shared-vertices'

// Two unit squares side by side share the edge x = 1; a third grid's edge passes through (1, 0.5)
// without a vertex there (a T-junction, as a split leaves next to its neighbours).
const square = (x0: number, y0: number, size = 1): Polygon => ({
  type: 'Polygon',
  coordinates: [
    [
      [x0, y0],
      [x0 + size, y0],
      [x0 + size, y0 + size],
      [x0, y0 + size],
      [x0, y0],
    ],
  ],
})
const grids: EditableGrid[] = [
  { id: 'A', geometry: square(0, 0) },
  { id: 'B', geometry: square(1, 0) },
  {
    id: 'C',
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [1, 0],
          [1, 1],
          [2, 1],
          [1, 0],
        ],
      ],
    },
  },
]

describe('moveSharedVertex', () => {
  it('moves a corner shared by two grids in both, so their common edge stays common', () => {
    const changed = moveSharedVertex(grids.slice(0, 2), [1, 1], [1.2, 1.1])
    expect(changed.map((g) => g.id)).toEqual(['A', 'B'])
    for (const g of changed) expect(verticesOf(g.geometry)).toContainEqual([1.2, 1.1])
    expect(verticesOf(changed[0]!.geometry)).not.toContainEqual([1, 1])
  })

  it('inserts the vertex into a neighbour whose edge passes through it (T-junction) before moving it', () => {
    const withMidpoint: EditableGrid = {
      id: 'D',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 0.5],
            [1, 1],
            [0, 1],
            [0, 0],
          ],
        ],
      },
    }
    const changed = moveSharedVertex([withMidpoint, grids[1]!], [1, 0.5], [1.1, 0.5])
    expect(changed.map((g) => g.id)).toEqual(['D', 'B'])
    const ringB = (changed[1]!.geometry as Polygon).coordinates[0]!
    expect(ringB).toHaveLength(6)
    expect(ringB).toContainEqual([1.1, 0.5])
    // B's ring runs (1,1) → (1.1,0.5) → (1,0) along its former west edge, now bent like D's east edge.
    const i = ringB.findIndex((p) => p[0] === 1.1)
    expect([ringB[i - 1], ringB[i + 1]]).toEqual([
      [1, 1],
      [1, 0],
    ])
  })

  it('leaves grids that do not touch the vertex alone', () => {
    expect(moveSharedVertex(grids, [5, 5], [6, 6])).toEqual([])
    expect(gridsTouching(grids, [1, 1])).toEqual(['A', 'B', 'C'])
    expect(gridsTouching(grids, [0, 0])).toEqual(['A'])
  })
})

describe('nearestWithin', () => {
  it('snaps to the closest candidate inside the radius and to nothing outside it', () => {
    const d = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!)
    expect(
      nearestWithin(
        [0.1, 0],
        [
          [0, 0],
          [0.15, 0],
        ],
        d,
        0.2,
      ),
    ).toEqual([0.15, 0])
    expect(nearestWithin([1, 1], [[0, 0]], d, 0.2)).toBeNull()
  })
})
