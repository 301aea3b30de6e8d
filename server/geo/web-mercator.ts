// Web Mercator tiles (EPSG:3857, WebMercatorQuad numbering: z/x/y, y down from the north).

export interface TileAddress {
  z: number
  x: number
  y: number
  extent: number
  buffer: number
}

/** EPSG:3857's sphere and half its width in metres. */
export const EARTH_RADIUS = 6378137
export const HALF_WORLD = Math.PI * EARTH_RADIUS
const DEG = Math.PI / 180

/** The tile's buffered box in lon/lat, for the index's tree. */
export function tileLonLatBox({ z, x, y, extent, buffer }: TileAddress): [number, number, number, number] {
  const margin = buffer / extent
  const side = 2 ** z
  const lonOf = (tx: number) => Math.min(180, Math.max(-180, (tx / side) * 360 - 180))
  const latOf = (ty: number) => {
    const clamped = Math.min(side, Math.max(0, ty))
    return Math.atan(Math.sinh(Math.PI * (1 - (2 * clamped) / side))) / DEG
  }
  return [lonOf(x - margin), latOf(y + 1 + margin), lonOf(x + 1 + margin), latOf(y - margin)]
}
