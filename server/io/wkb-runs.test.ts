import type { Geometry, Position } from 'geojson'
import { describe, expect, it } from 'vitest'
import { boxPolygon } from '../testing/shapes.js'
import { crsByCode } from './crs.js'
import { mapGeometry } from './read.js'
import { projectWkb, runSignedArea, type WkbRun, viewOf, wkbEnvelope, wkbFeature, wkbRuns, wkbTypeName } from './wkb-runs.js'
import { envelopeOf, writeWkb } from './wkb.js'

// The WKB walker against the GeoJSON it was written from: every run holds the positions of one
// ring, line or point, in order, and a polygon's first ring is its outer ring.

const square = (x: number, y: number, size: number) => boxPolygon(x, y, x + size, y + size).coordinates[0] as Position[]
const geometries: Geometry[] = [
  { type: 'Point', coordinates: [117.1, 31.2] },
  { type: 'LineString', coordinates: square(117, 31, 0.01).slice(0, 3) },
  { type: 'Polygon', coordinates: [square(117, 31, 0.01), square(117.002, 31.002, 0.001).reverse()] },
  {
    type: 'MultiPolygon',
    coordinates: [[square(117, 31, 0.01), square(117.002, 31.002, 0.001).reverse()], [square(117.1, 31, 0.01)]],
  },
  {
    type: 'GeometryCollection',
    geometries: [
      { type: 'Point', coordinates: [1, 2] },
      {
        type: 'LineString',
        coordinates: [
          [1, 2],
          [3, 4],
        ],
      },
    ],
  },
]

/** The runs' positions, as lists of [x, y]. */
function runPositions(wkb: Uint8Array): { positions: Position[]; outer: boolean }[] {
  const view = viewOf(wkb)
  return wkbRuns(wkb).map((run) => ({
    outer: run.outer,
    positions: Array.from({ length: run.count }, (_, i) => [
      view.getFloat64(run.offset + 16 * i, true),
      view.getFloat64(run.offset + 16 * i + 8, true),
    ]),
  }))
}

describe('wkbRuns', () => {
  it('finds every ring, line and point of each geometry type in order, outer rings marked', () => {
    const [point, line, polygon, multi, collection] = geometries.map((geometry) => runPositions(writeWkb(geometry)))
    expect(point).toEqual([{ outer: false, positions: [[117.1, 31.2]] }])
    expect(line).toEqual([{ outer: false, positions: square(117, 31, 0.01).slice(0, 3) }])
    expect(polygon).toEqual([
      { outer: true, positions: square(117, 31, 0.01) },
      { outer: false, positions: square(117.002, 31.002, 0.001).reverse() },
    ])
    expect(multi?.map((run) => run.outer)).toEqual([true, false, true])
    expect(multi?.[2]?.positions).toEqual(square(117.1, 31, 0.01))
    expect(collection?.map((run) => run.positions.length)).toEqual([1, 2])
  })

  it('gives the type, the envelope, the orientation and a lazily decoded GeoJSON geometry', () => {
    const multi = geometries[3] as Geometry
    const wkb = writeWkb(multi)
    expect(wkbTypeName(wkb)).toBe('MultiPolygon')
    expect(wkbEnvelope(wkb)).toEqual(envelopeOf(multi))
    const [outer, hole] = wkbRuns(wkb)
    expect(runSignedArea(viewOf(wkb), outer as WkbRun) > 0).toBe(true)
    expect(runSignedArea(viewOf(wkb), hole as WkbRun) < 0).toBe(true)
    expect(wkbFeature(wkb, {}).geometry).toEqual(multi)
  })

  it('reprojects in a copy, position by position as mapGeometry does', () => {
    const multi = geometries[3] as Geometry
    const wkb = writeWkb(multi)
    const before = Uint8Array.from(wkb)
    const zone = crsByCode('EPSG:4527')
    const projected = wkbFeature(projectWkb(wkb, zone.fromLonLat), {}).geometry
    expect(projected).toEqual(mapGeometry(multi, zone.fromLonLat))
    expect(Uint8Array.from(wkb)).toEqual(before)
  })
})
