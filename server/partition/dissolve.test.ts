import type { MultiPolygon, Polygon } from 'geojson'
import { describe, expect, it } from 'vitest'
import { matchEdges, type Position } from '../validation/edge-match.js'
import { isCertainlySimpleRing } from '../validation/simple-ring.js'
import { DissolveError, type DissolveUnit, dissolve } from './dissolve.js'

// The dissolve on a 3×3 lattice of unit squares, where grids can pinch: two squares meeting at a
// corner, and a hole touching the shell at a vertex. Each must come out as simple rings that
// touch only at vertices, built from the squares' own corners.

const square = (x: number, y: number): DissolveUnit => ({
  id: `${x},${y}`,
  polygon: [
    [
      [x, y],
      [x + 1, y],
      [x + 1, y + 1],
      [x, y + 1],
      [x, y],
    ],
  ],
})
const lattice = [0, 1, 2].flatMap((x) => [0, 1, 2].map((y) => square(x, y)))

/** Grid 1 for the listed squares, grid 2 for the rest. */
function assign(inGridOne: string[]): Record<string, number> {
  return Object.fromEntries(lattice.map((unit) => [unit.id, inGridOne.includes(unit.id) ? 1 : 2]))
}

const ringsOf = (geometry: Polygon | MultiPolygon): Position[][][] =>
  (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as Position[][][]

describe('dissolve', () => {
  it('cancels inner edges: the whole lattice is one square ring of its own corners', () => {
    const grid = dissolve(lattice, assign(lattice.map((unit) => unit.id))).get(1)
    expect(grid?.type).toBe('Polygon')
    const ring = ringsOf(grid as Polygon)[0]?.[0] ?? []
    expect(ring).toHaveLength(13) // 12 corners on the outline, closed
    expect(isCertainlySimpleRing(ring)).toBe(true)
  })

  it('keeps two squares meeting at a corner as two polygons', () => {
    const grid = dissolve(lattice, assign(['0,0', '1,1'])).get(1)
    expect(grid?.type).toBe('MultiPolygon')
    for (const polygon of ringsOf(grid as MultiPolygon)) {
      expect(polygon).toHaveLength(1)
      expect(isCertainlySimpleRing(polygon[0] as Position[])).toBe(true)
    }
  })

  it('splits a hole touching the shell at a vertex into a shell and a hole', async () => {
    // All but the centre and the top-right corner: the centre's hole touches the notch at (2, 2).
    const shapes = dissolve(lattice, assign(lattice.map((unit) => unit.id).filter((id) => id !== '1,1' && id !== '2,2')))
    const grid = shapes.get(1) as Polygon
    expect(grid.type).toBe('Polygon')
    expect(grid.coordinates).toHaveLength(2)
    for (const ring of ringsOf(grid)[0] ?? []) expect(isCertainlySimpleRing(ring)).toBe(true)
    // Both grids together are still a clean coverage of the lattice.
    const features = [...shapes.values()].map((shape, index) => ({ index, polygons: ringsOf(shape) }))
    expect((await matchEdges(features)).clean).toBe(true)
  })

  it('refuses overlapping units', () => {
    const units = [square(0, 0), { ...square(0, 0), id: 'again' }]
    expect(() => dissolve(units, { '0,0': 1, again: 1 })).toThrow(DissolveError)
  })
})
