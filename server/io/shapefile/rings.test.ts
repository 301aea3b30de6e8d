import type { Position } from 'geojson'
import { describe, expect, it } from 'vitest'
import { boxPolygon } from '../../testing/shapes.js'
import { ringsToPolygon, signedArea } from './rings.js'

// Ring regrouping as the shapefile reader hands it over: rings reversed from file order, with
// whether each was clockwise (an outer ring) in the file.

const square = (x: number, y: number, size: number) => boxPolygon(x, y, x + size, y + size).coordinates[0] as Position[]
const reversed = (ring: Position[]) => [...ring].reverse()

describe('ringsToPolygon', () => {
  it('a hole goes to the outer ring that holds it, not to the first one', () => {
    const first = square(0, 0, 10)
    const second = square(20, 0, 10)
    const hole = reversed(square(22, 2, 2))
    const geometry = ringsToPolygon([first, second, hole], [true, true, false])
    expect(geometry).toEqual({ type: 'MultiPolygon', coordinates: [[first], [second, hole]] })
  })

  it('a hole inside an island inside a hole goes to the smallest outer ring around it', () => {
    const outer = square(0, 0, 100)
    const lake = reversed(square(10, 10, 80))
    const island = square(20, 20, 60)
    const pond = reversed(square(40, 40, 5))
    const geometry = ringsToPolygon([outer, lake, island, pond], [true, false, true, false])
    expect(geometry).toEqual({
      type: 'MultiPolygon',
      coordinates: [
        [outer, lake],
        [island, pond],
      ],
    })
  })

  it('rings written the wrong way round (all counter-clockwise in the file) are outer rings, counter-clockwise', () => {
    const a = reversed(square(0, 0, 1))
    const b = reversed(square(5, 0, 1))
    const geometry = ringsToPolygon([a, b], [false, false])
    expect(geometry.type).toBe('MultiPolygon')
    const rings = geometry.type === 'MultiPolygon' ? geometry.coordinates.map((polygon) => polygon[0] as Position[]) : []
    expect(rings.map((ring) => signedArea(ring) > 0)).toEqual([true, true])
    const single = ringsToPolygon([a], [false])
    expect(single.type === 'Polygon' && signedArea(single.coordinates[0] as Position[])).toBeGreaterThan(0)
  })
})
