import type { Polygon } from 'geojson'
import { describe, expect, it } from 'vitest'
import { enclosedArea } from '../map/measure'
import { coverEstimate, shareHouseholds, splitEstimate } from './drawEstimate'

// A 0.01° × 0.01° square grid at 28°N (~1.1 km × ~0.98 km), corners counter-clockwise.
const square: Polygon = {
  type: 'Polygon',
  coordinates: [
    [
      [113, 28],
      [113.01, 28],
      [113.01, 28.01],
      [113, 28.01],
      [113, 28],
    ],
  ],
}
const squareArea = enclosedArea(square.coordinates[0]?.slice(0, -1) ?? [])
const near = (actual: number, expected: number, share = 0.005) => expect(Math.abs(actual - expected) / expected).toBeLessThan(share)

describe('split estimate', () => {
  it('splits households by area share, whole households adding up', () => {
    expect(shareHouseholds(759, [1, 1])).toEqual([380, 379])
    expect(shareHouseholds(100, [3, 1])).toEqual([75, 25])
    expect(shareHouseholds(10, [0, 0])).toEqual([0, 10])
  })

  it('gives each side of a line across the grid its area and households', () => {
    // A straight line a quarter of the way up: a quarter below, three quarters above.
    const estimate = splitEstimate(square, 759, [
      [112.99, 28.0025],
      [113.02, 28.0025],
    ])
    expect(estimate).not.toBeNull()
    const [one, two] = estimate?.areas ?? [0, 0]
    near(one + two, squareArea)
    near(two, squareArea / 4, 0.01) // the line runs east: the side to its left (north) comes first
    expect(estimate?.households?.reduce((a, b) => a + b)).toBe(759)
    expect(estimate?.households?.[1]).toBeGreaterThanOrEqual(188)
    expect(estimate?.households?.[1]).toBeLessThanOrEqual(192)
    // Drawn the other way round, the sides swap.
    const reversed = splitEstimate(square, 759, [
      [113.02, 28.0025],
      [112.99, 28.0025],
    ])
    near(reversed?.areas[0] ?? 0, squareArea / 4, 0.01)
  })

  it('follows a bent line, and one drawn from a corner (snapped) to the far side', () => {
    // From the south-west corner through the centre to the middle of the east side: a triangle and the rest.
    const bent = splitEstimate(square, 400, [
      [113, 28],
      [113.005, 28.005],
      [113.02, 28.005],
    ])
    const [one, two] = bent?.areas ?? [0, 0]
    near(one + two, squareArea)
    // Below the line: the triangle (0,0)-(1,0)-(1,.5)-(.5,.5) of the unit square = 0.375 (plane).
    near(Math.min(one, two), squareArea * 0.375, 0.01)
  })

  it('estimates nothing until the line is across, or when it cuts more than two parts', () => {
    expect(splitEstimate(square, 759, [[113.005, 28.005]])).toBeNull()
    expect(
      splitEstimate(square, 759, [
        [112.99, 28.005],
        [113.005, 28.005],
      ]),
    ).toBeNull()
    const zigzag = [
      [112.99, 28.002],
      [113.02, 28.002],
      [113.02, 28.008],
      [112.99, 28.008],
    ]
    expect(splitEstimate(square, 759, zigzag)).toBeNull()
  })

  it('has no households to share for a grid without a count', () => {
    const estimate = splitEstimate(square, null, [
      [113.005, 27.99],
      [113.005, 28.02],
    ])
    expect(estimate?.households).toBeNull()
    near(estimate?.areas[0] ?? 0, squareArea / 2)
  })
})

describe('cover estimate', () => {
  const east: Polygon = {
    type: 'Polygon',
    coordinates: [
      [
        [113.01, 28],
        [113.02, 28],
        [113.02, 28.01],
        [113.01, 28.01],
        [113.01, 28],
      ],
    ],
  }
  const far: Polygon = { type: 'Polygon', coordinates: [(east.coordinates[0] ?? []).map(([x = 0, y = 0]) => [x + 1, y])] }

  it('counts the households of the covered part of each grid', () => {
    // Half of the west square (200 households) and half of the east one (100); the far grid untouched.
    const shape = [
      [113.005, 28],
      [113.015, 28],
      [113.015, 28.01],
      [113.005, 28.01],
    ]
    const estimate = coverEstimate(shape, [
      { geometry: square, households: 200 },
      { geometry: east, households: 100 },
      { geometry: far, households: 1000 },
    ])
    expect(estimate?.grids).toBe(2)
    expect(estimate?.households).toBe(150)
    near(estimate?.area ?? 0, squareArea)
  })

  it('needs three corners', () => {
    expect(
      coverEstimate(
        [
          [113, 28],
          [113.01, 28],
        ],
        [],
      ),
    ).toBeNull()
  })
})
