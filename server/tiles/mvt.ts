import type { Geometry, Position } from 'geojson'
import { fromGeojsonVt, type TileFeature } from 'vt-pbf'
import { signedArea } from '../geo/ring-area.js'

// Mapbox Vector Tile encoding of features already in tile coordinates (findGridTile's output), by
// vt-pbf: gridwork's embedded PostGIS cannot run ST_AsMVT or ST_AsMVTGeom (built without
// protobuf-c), so the protobuf is written here on both engines.

export const TILE_EXTENT = 4096
export const TILE_BUFFER = 64

export interface TileInput {
  /** Integer tile coordinates, y down, as ST_AsMVTGeom gives them. */
  geometry: Geometry
  properties: Record<string, string | number | boolean | null>
}

/** The rings of a polygon as MVT wants them: exterior clockwise on screen, holes the other way (closed: vt-pbf drops the last point). */
function mvtRings(rings: readonly Position[][]): number[][][] {
  return rings.map((ring, index) => {
    // Positive: clockwise on screen (y down), as the MVT specification asks of an exterior ring.
    const clockwise = signedArea(ring) > 0
    return ((index === 0) === clockwise ? ring : [...ring].reverse()) as number[][]
  })
}

function toFeature(input: TileInput): TileFeature | null {
  const { geometry } = input
  if (geometry.type === 'Polygon') return { type: 3, geometry: mvtRings(geometry.coordinates), tags: input.properties }
  if (geometry.type === 'MultiPolygon')
    return { type: 3, geometry: geometry.coordinates.flatMap((polygon) => mvtRings(polygon)), tags: input.properties }
  return null
}

/** One tile with one layer of polygons. */
export function encodeTile(layer: string, inputs: readonly TileInput[]): Uint8Array {
  const features = inputs.map(toFeature).filter((feature): feature is TileFeature => feature !== null)
  return fromGeojsonVt({ [layer]: { features } }, { version: 2, extent: TILE_EXTENT })
}
