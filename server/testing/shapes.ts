import type { MultiPolygon, Polygon, Position } from 'geojson'

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

/** The polygons of a Polygon or MultiPolygon, each as its rings. */
export const polygonsOf = (geometry: Polygon | MultiPolygon): Position[][][] =>
  geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates

/** Rings rotated to start at their smallest vertex, so a chain's starting point does not matter. */
export function canonicalRings(geometry: Polygon | MultiPolygon): Position[][][] {
  return polygonsOf(geometry).map((polygon) =>
    polygon.map((ring) => {
      const open = ring.slice(0, -1)
      let start = 0
      for (const [i, p] of open.entries()) {
        const best = open[start] as Position
        if ((p[0] as number) < (best[0] as number) || (p[0] === best[0] && (p[1] as number) < (best[1] as number))) start = i
      }
      const rotated = [...open.slice(start), ...open.slice(0, start)]
      return [...rotated, rotated[0] as Position]
    }),
  )
}
