import type { Polygon } from 'geojson'

/** An axis-aligned rectangle as a GeoJSON Polygon (counter-clockwise, closed). */
export function boxPolygon(west: number, south: number, east: number, north: number): Polygon {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [west, south],
        [east, south],
        [east, north],
        [west, north],
        [west, south],
      ],
    ],
  }
}
