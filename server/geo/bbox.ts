// Bounding boxes of GeoJSON, shared by the server (exactness.ts) and the web page
// (web/src/map/geometry.ts), so this module imports nothing at run time.

export type BBox = [number, number, number, number]

/** Bounding box of any GeoJSON geometry, feature or collection, or null when it has no positions. */
export function geometryBBox(geometry: unknown): BBox | null {
  const box: BBox = [Infinity, Infinity, -Infinity, -Infinity]
  const walk = (c: unknown): void => {
    if (!Array.isArray(c)) return
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      box[0] = Math.min(box[0], c[0])
      box[1] = Math.min(box[1], c[1])
      box[2] = Math.max(box[2], c[0])
      box[3] = Math.max(box[3], c[1])
      return
    }
    for (const x of c) walk(x)
  }
  const visit = (g: unknown): void => {
    if (!g || typeof g !== 'object') return
    const o = g as { coordinates?: unknown; geometries?: unknown[]; geometry?: unknown; features?: unknown[] }
    if (o.features) for (const f of o.features) visit(f)
    else if (o.geometry !== undefined) visit(o.geometry)
    else if (o.geometries) for (const x of o.geometries) visit(x)
    else walk(o.coordinates)
  }
  visit(geometry)
  return Number.isFinite(box[0]) ? box : null
}
