import { describe, expect, it } from 'vitest'
import { snapPoint, type SnapTargets } from './snapping'

// A plain screen: 1 degree = 1000 pixels, y up (the sign does not matter for distances).
const toScreen = (p: number[]) => [(p[0] ?? 0) * 1000, (p[1] ?? 0) * 1000] as [number, number]
const road = {
  name: 'X001',
  coordinates: [
    [0, 0],
    [0.1, 0],
    [0.1, 0.1],
  ],
}

describe('snapPoint', () => {
  it('snaps onto the nearest point of a road centre line within the radius', () => {
    const snap = snapPoint([0.05, 0.005], { corners: [], lines: [road] }, toScreen, 12, 0.05)
    expect(snap?.kind).toBe('reference-line')
    expect(snap?.name).toBe('X001')
    expect(snap?.point[0]).toBeCloseTo(0.05, 12)
    expect(snap?.point[1]).toBeCloseTo(0, 12)
  })

  it('prefers a line vertex to a point along the line, and a grid corner to both', () => {
    expect(snapPoint([0.098, 0.004], { corners: [], lines: [road] }, toScreen, 12, 0.05)).toEqual({
      point: [0.1, 0],
      kind: 'reference-vertex',
      name: 'X001',
    })
    const targets: SnapTargets = { corners: [[0.05, 0.011]], lines: [road] }
    expect(snapPoint([0.05, 0.003], targets, toScreen, 12, 0.05)).toEqual({ point: [0.05, 0.011], kind: 'corner', name: null })
  })

  it('snaps to nothing beyond the radius, or outside the reach box', () => {
    expect(snapPoint([0.05, 0.02], { corners: [], lines: [road] }, toScreen, 12, 0.05)).toBeNull()
    // 5 pixels from the line, but its segment lies outside the 0.001° box around the target.
    expect(
      snapPoint(
        [0.05, 0.005],
        {
          corners: [],
          lines: [
            {
              name: null,
              coordinates: [
                [0, 0],
                [0.04, 0],
              ],
            },
          ],
        },
        toScreen,
        12,
        0.001,
      ),
    ).toBeNull()
  })
})
