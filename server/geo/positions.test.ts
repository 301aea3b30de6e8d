import type { Geometry } from 'geojson'
import { describe, expect, it } from 'vitest'
import { geometryBBox } from './bbox.js'
import { positionLists } from './positions.js'

// positionLists and geometryBBox walk positions by geometry type (see positions.ts for why);
// these check that every type is walked, and that unchecked input gives nothing rather than a crash.

const square = [
  [0, 0],
  [2, 0],
  [2, 1],
  [0, 1],
  [0, 0],
]
const far = square.map(([x, y]) => [(x as number) + 10, (y as number) + 5])

describe('positionLists', () => {
  it('gives every ring, line and point of each geometry type', () => {
    expect(positionLists({ type: 'Point', coordinates: [3, 4] })).toEqual([[[3, 4]]])
    expect(positionLists({ type: 'LineString', coordinates: square })).toEqual([square])
    expect(positionLists({ type: 'Polygon', coordinates: [square, far] })).toEqual([square, far])
    expect(positionLists({ type: 'MultiPolygon', coordinates: [[square], [far]] })).toEqual([square, far])
    const collection: Geometry = {
      type: 'GeometryCollection',
      geometries: [
        { type: 'Point', coordinates: [3, 4] },
        { type: 'LineString', coordinates: far },
      ],
    }
    expect(positionLists(collection)).toEqual([[[3, 4]], far])
    expect(positionLists(null)).toEqual([])
  })

  it('returns the positions themselves, so a reprojection in place reaches the geometry', () => {
    const polygon: Geometry = { type: 'Polygon', coordinates: [square.map((p) => [...p])] }
    for (const list of positionLists(polygon)) for (const position of list) position[0] = (position[0] as number) * 2
    expect(polygon.coordinates[0]?.[1]).toEqual([4, 0])
  })

  it('skips coordinates that are not arrays (a file not yet checked) instead of failing', () => {
    expect(positionLists({ type: 'Polygon', coordinates: [1, 2] } as unknown as Geometry)).toEqual([])
    expect(positionLists({ type: 'MultiPolygon', coordinates: [[square], 7] } as unknown as Geometry)).toEqual([square])
    expect(positionLists({ type: 'Curve', coordinates: [] } as unknown as Geometry)).toEqual([])
  })
})

describe('geometryBBox', () => {
  it('boxes geometries, features and collections of every type', () => {
    expect(geometryBBox({ type: 'Point', coordinates: [3, 4] })).toEqual([3, 4, 3, 4])
    expect(geometryBBox({ type: 'MultiPolygon', coordinates: [[square], [far]] })).toEqual([0, 0, 12, 6])
    const features = [
      { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: square } },
      { type: 'Feature', properties: {}, geometry: { type: 'GeometryCollection', geometries: [{ type: 'Polygon', coordinates: [far] }] } },
    ]
    expect(geometryBBox({ type: 'FeatureCollection', features })).toEqual([0, 0, 12, 6])
  })

  it('has no box without positions, and ignores what is not a position', () => {
    expect(geometryBBox(null)).toBeNull()
    expect(geometryBBox({ type: 'Polygon', coordinates: [] })).toBeNull()
    expect(
      geometryBBox({
        type: 'LineString',
        coordinates: [
          [1, 'x'],
          [2, 3],
        ],
      }),
    ).toEqual([2, 3, 2, 3])
  })
})
