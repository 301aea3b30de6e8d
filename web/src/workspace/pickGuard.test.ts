import { describe, expect, it } from 'vitest'
import type { GridCollection, GridFeature } from '../api/types'
import { createPickGuard, resolveSelection } from './pickGuard'

const grid = (code: string, households: number): GridFeature =>
  ({
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [] },
    properties: { code, name: code, households },
  }) as unknown as GridFeature
const drawn = (...features: GridFeature[]): GridCollection => ({ type: 'FeatureCollection', features })

describe('info panel picks', () => {
  it('drops a late answer for an earlier pick', () => {
    const guard = createPickGuard()
    const lookup = guard.take() // an address lookup is sent
    const click = guard.take() // the user clicks a grid before the answer is back
    expect(guard.isLatest(lookup)).toBe(false)
    expect(guard.isLatest(click)).toBe(true)
  })

  it('keeps an answer when nothing was picked meanwhile', () => {
    const guard = createPickGuard()
    guard.take()
    const lookup = guard.take()
    expect(guard.isLatest(lookup)).toBe(true)
  })

  it('shows the grid as now drawn: a draft edit or a reload replaces it, a grid gone closes', () => {
    const before = grid('990101004007002', 759)
    const after = grid('990101004007002', 400)
    expect(resolveSelection(before, drawn(grid('x', 1), after), false)).toBe(after)
    expect(resolveSelection(before, drawn(grid('x', 1)), false)).toBeNull()
    expect(resolveSelection(null, drawn(after), false)).toBeNull()
  })

  it('keeps a grid panned out of a viewport load open', () => {
    const picked = grid('990101004007002', 759)
    expect(resolveSelection(picked, drawn(grid('x', 1)), true)).toBe(picked)
  })
})
