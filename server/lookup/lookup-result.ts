import type { GridKind } from '../db/database.js'
import type { CrsName } from '../geo/crs.js'
import type { RegionLink } from './index/index-holder.js'
import type { IndexedGrid } from './index/indexed-grid.js'

// What a point lookup is asked with and answers, whether the index or PostGIS answers it
// (lookup.service.ts, postgis-lookup.ts).

/** A grid as a lookup answers it: the index's record of it. */
export type LookupGrid = IndexedGrid

export interface LookupResult {
  query: { lng: number; lat: number; crs: CrsName; wgs84: [number, number] }
  grid: LookupGrid | null
  dedicated: { code: string; name: string; kind: GridKind }[]
  regions: RegionLink[]
  nearest: { code: string; name: string; distance_m: number } | null
  source: 'index' | 'postgis'
}

export interface LookupOptions {
  /** The caller's region prefix ('' = everything): the nearest grid is only named within it. */
  scope: string
  /** YYYY-MM-DD; a day other than the index's goes to PostGIS. */
  asOf?: string | undefined
}
