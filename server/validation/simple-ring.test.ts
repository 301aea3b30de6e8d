import { describe, expect, it } from 'vitest'
import { isCertainlySimpleRing, ringArea2 } from './simple-ring.js'

type P = [number, number]
const square: P[] = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
  [0, 0],
]

describe('simple ring prover (only ever says "certainly valid")', () => {
  it('proves a plain square, in either winding, with duplicate points', () => {
    expect(isCertainlySimpleRing(square)).toBe(true)
    expect(isCertainlySimpleRing([...square].reverse())).toBe(true)
    expect(
      isCertainlySimpleRing([
        [0, 0],
        [1, 0],
        [1, 0],
        [1, 1],
        [0, 1],
        [0, 0],
      ]),
    ).toBe(true)
  })

  it('refuses a bow-tie', () => {
    expect(
      isCertainlySimpleRing([
        [0, 0],
        [1, 1],
        [1, 0],
        [0, 1],
        [0, 0],
      ]),
    ).toBe(false)
  })

  it('refuses a spike that runs back along its own edge', () => {
    expect(
      isCertainlySimpleRing([
        [0, 0],
        [1, 0],
        [2, 0],
        [1, 0],
        [1, 1],
        [0, 1],
        [0, 0],
      ]),
    ).toBe(false)
    expect(
      isCertainlySimpleRing([
        [0, 0],
        [2, 0],
        [1, 0],
        [1, 1],
        [0, 1],
        [0, 0],
      ]),
    ).toBe(false)
  })

  it('refuses a ring touching itself at a vertex, and a collinear (zero-area) ring', () => {
    expect(
      isCertainlySimpleRing([
        [0, 0],
        [2, 0],
        [2, 2],
        [1, 0],
        [0, 2],
        [0, 0],
      ]),
    ).toBe(false)
    expect(
      isCertainlySimpleRing([
        [0, 0],
        [1, 0],
        [2, 0],
        [0, 0],
      ]),
    ).toBe(false)
    expect(
      ringArea2([
        [0, 0],
        [1, 0],
        [2, 0],
        [0, 0],
      ]),
    ).toBe(0)
  })

  it('accepts a collinear vertex on a straight edge (valid in OGC)', () => {
    expect(
      isCertainlySimpleRing([
        [0, 0],
        [0.5, 0],
        [1, 0],
        [1, 1],
        [0, 1],
        [0, 0],
      ]),
    ).toBe(true)
  })
})
