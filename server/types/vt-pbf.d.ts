declare module 'vt-pbf' {
  /** A feature as geojson-vt gives it: tile coordinates (0…extent, y down), polygons as rings. */
  export interface TileFeature {
    type: 1 | 2 | 3
    geometry: number[][][]
    tags: Record<string, string | number | boolean | null>
    id?: number
  }
  export function fromGeojsonVt(
    layers: Record<string, { features: TileFeature[] }>,
    options?: { version?: number; extent?: number },
  ): Uint8Array
}
