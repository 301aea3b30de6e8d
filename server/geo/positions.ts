import type { Geometry, Position } from 'geojson'

// Walking GeoJSON positions by geometry type. A walker that recurses and asks
// `Array.isArray(value[0])` reads rings and positions at one site, and V8 then turns every
// position it reads from an array of doubles (64 bytes) into an array of boxed numbers (96
// bytes): 130 MB more for a county's 4 million positions (docs/engine-notes.md). Read positions
// through these lists instead. Malformed coordinates (a file not yet checked) give no list.

const arrays = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])

/** The position lists of a geometry: its rings and lines, a multipoint's positions, a point's own position. */
export function positionLists(geometry: Geometry | null): Position[][] {
  if (geometry === null) return []
  switch (geometry.type) {
    case 'Point':
      return Array.isArray(geometry.coordinates) ? [[geometry.coordinates]] : []
    case 'MultiPoint':
    case 'LineString':
      return Array.isArray(geometry.coordinates) ? [geometry.coordinates] : []
    case 'MultiLineString':
    case 'Polygon':
      return arrays(geometry.coordinates).filter(Array.isArray) as Position[][]
    case 'MultiPolygon':
      return arrays(geometry.coordinates).flatMap((polygon) => arrays(polygon).filter(Array.isArray)) as Position[][]
    case 'GeometryCollection':
      return arrays(geometry.geometries).flatMap((inner) => positionLists(inner as Geometry))
    default:
      return []
  }
}
