// Bounding boxes of GeoJSON, shared by the server (exactness.ts) and the web page
// (web/src/map/geometry.ts), so this module imports nothing at run time.

export type BBox = [number, number, number, number]

/**
 * Bounding box of any GeoJSON geometry, feature or collection, or null when it has no positions.
 * Walked by geometry type, so each array read sees only rings or only positions: one read site
 * seeing both makes V8 turn every position it reads into an array of boxed numbers, 96 bytes
 * instead of 64 (docs/engine-notes.md).
 */
export function geometryBBox(geometry: unknown): BBox | null {
  const box: BBox = [Infinity, Infinity, -Infinity, -Infinity]
  const add = (positions: unknown): void => {
    if (!Array.isArray(positions)) return
    for (const p of positions as unknown[][]) {
      const [x, y] = p
      if (typeof x !== 'number' || typeof y !== 'number') continue
      if (x < box[0]) box[0] = x
      if (y < box[1]) box[1] = y
      if (x > box[2]) box[2] = x
      if (y > box[3]) box[3] = y
    }
  }
  const each = (list: unknown, inner: (item: unknown) => void) => {
    if (Array.isArray(list)) for (const item of list) inner(item)
  }
  const visit = (g: unknown): void => {
    if (!g || typeof g !== 'object') return
    const o = g as { type?: unknown; coordinates?: unknown; geometries?: unknown[]; geometry?: unknown; features?: unknown[] }
    if (o.features) for (const f of o.features) visit(f)
    else if (o.geometry !== undefined) visit(o.geometry)
    else if (o.geometries) for (const x of o.geometries) visit(x)
    else if (o.type === 'Point') add([o.coordinates])
    else if (o.type === 'MultiPoint' || o.type === 'LineString') add(o.coordinates)
    else if (o.type === 'MultiLineString' || o.type === 'Polygon') each(o.coordinates, add)
    else if (o.type === 'MultiPolygon') each(o.coordinates, (polygon) => each(polygon, add))
  }
  visit(geometry)
  return Number.isFinite(box[0]) ? box : null
}
