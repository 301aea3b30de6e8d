import { describe, expect, it } from 'vitest'
import { enclosedArea, pathLength, perimeter, showArea, showLength } from './measure'

// One degree of latitude is ~111.2 km on Turf's sphere (radius 6371008.8 m).
const DEGREE_M = (Math.PI / 180) * 6371008.8

describe('measure', () => {
  it('measures a polyline along the sphere, segment by segment', () => {
    expect(pathLength([])).toBe(0)
    expect(pathLength([[113, 28]])).toBe(0)
    expect(
      pathLength([
        [113, 28],
        [113, 28.001],
      ]),
    ).toBeCloseTo(DEGREE_M / 1000, 3)
    expect(
      pathLength([
        [113, 28],
        [113, 28.001],
        [113, 28.002],
      ]),
    ).toBeCloseTo((2 * DEGREE_M) / 1000, 3)
  })

  it('measures the area a ring encloses, closing it itself', () => {
    expect(
      enclosedArea([
        [113, 28],
        [113.001, 28],
      ]),
    ).toBe(0)
    // A 0.001° square at 28°N: ~111.2 m × ~98.2 m.
    const square = [
      [113, 28],
      [113.001, 28],
      [113.001, 28.001],
      [113, 28.001],
    ]
    const expected = (DEGREE_M / 1000) * (DEGREE_M / 1000) * Math.cos((28.0005 * Math.PI) / 180)
    expect(Math.abs(enclosedArea(square) - expected) / expected).toBeLessThan(0.01)
    expect(perimeter(square)).toBeGreaterThan(4 * 98)
    expect(perimeter(square)).toBeLessThan(4 * 112)
  })

  it('shows metres, then kilometres', () => {
    expect(showLength(0)).toEqual({ value: '0', unit: 'm' })
    expect(showLength(380.4)).toEqual({ value: '380', unit: 'm' })
    expect(showLength(999.4)).toEqual({ value: '999', unit: 'm' })
    expect(showLength(1234)).toEqual({ value: '1.23', unit: 'km' })
    expect(showLength(123_456)).toEqual({ value: '123.5', unit: 'km' })
  })

  it('shows square metres, then hectares, then square kilometres', () => {
    expect(showArea(850.2)).toEqual({ value: '850', unit: 'm2' })
    expect(showArea(25_000)).toEqual({ value: '2.50', unit: 'ha' })
    expect(showArea(999_000)).toEqual({ value: '99.90', unit: 'ha' })
    expect(showArea(1_200_000)).toEqual({ value: '1.20', unit: 'km2' })
  })
})
