import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import { interiorPoints } from '../db/geometry-sql.js'

// The interior point PostGIS gave a file's feature when its region was looked up (preview.ts),
// kept for code allocation (geojson-import.ts): an import of 100,000 grids then goes through
// ST_PointOnSurface once, not twice. Noding between the two moves a vertex by at most NODING_EPS
// (≈ 1 mm) or adds one on an edge, so the point stays inside the grid and in its reading order.

const known = new WeakMap<object, [number, number]>()

export function rememberInteriorPoint(feature: object, point: [number, number]): void {
  known.set(feature, point)
}

/** Each item's interior point: the one remembered for its feature, else ST_PointOnSurface of its geometry. */
export async function interiorPointsOf<T>(
  db: Kysely<Database>,
  items: readonly T[],
  featureOf: (item: T) => object,
  geometryOf: (item: T) => unknown,
): Promise<[number, number][]> {
  const unknown = items.filter((item) => !known.has(featureOf(item)))
  const computed = await interiorPoints(db, unknown.map(geometryOf))
  unknown.forEach((item, i) => {
    rememberInteriorPoint(featureOf(item), computed[i] ?? [0, 0])
  })
  return items.map((item) => known.get(featureOf(item)) ?? [0, 0])
}
