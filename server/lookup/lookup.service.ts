import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import { type CrsName, toLonLat } from '../geo/crs.js'
import type { MessageParams } from '../i18n/index.js'
import { profileForRegion, type RuleProfile } from '../profiles/profiles.js'
import { isWithinScope } from '../regions/region-codes.js'
import type { GridIndex } from './index/grid-index.js'
import { roundDistanceM } from './index/indexed-grid.js'
import { type IndexHolder, type LoadedIndex, type RegionLink, regionChains } from './index/index-holder.js'
import type { LookupOptions, LookupResult } from './lookup-result.js'
import { lookupManyInPostgis, type PostgisAnswer } from './postgis-lookup.js'

// Point → grid. Today's grids come from the in-memory index; past dates (as_of), and any time the
// index is not built yet, go to PostGIS (ST_Covers on the versioned rows), which is also the
// reference the tests compare the index with. Both apply the same rule for a point covered by
// several grids (see grid-index.ts): micro before comprehensive, then the shortest/smallest code;
// dedicated grids are listed apart.
//
// Grid head (attributes.grid_head): every caller who gets an answer may see it — a lookup of a
// point whose grid lies outside the caller's region prefix (JWT user or API key alike) is refused
// with 403, so a department's key only ever sees grid heads within its region.

export type PointCheck = { ok: true; lng: number; lat: number } | { ok: false; code: string; params: MessageParams }

const CHINA = { minLng: 73, maxLng: 136, minLat: 3, maxLat: 54 }

/** Inside China's rough bounding box (lon 73–136, lat 3–54). */
export function inChina(lng: number, lat: number): boolean {
  return lng >= CHINA.minLng && lng <= CHINA.maxLng && lat >= CHINA.minLat && lat <= CHINA.maxLat
}

/** Longitude within ±180 and latitude within ±90 (false for NaN). */
export function inLonLatRange(lng: number, lat: number): boolean {
  return lng >= -180 && lng <= 180 && lat >= -90 && lat <= 90
}

/** Whether a profile governs regions in China: its bounds lie within China's box (all shipped profiles do). */
export function governsChina(profile: RuleProfile): boolean {
  const [west, south, east, north] = profile.bounds
  return inChina(west, south) && inChina(east, north)
}

/** Whether lookups by a caller of `regionPrefix` get the China checks of checkPoint (by the profile governing it). */
export function chineseProfile(regionPrefix: string): boolean {
  return governsChina(profileForRegion(regionPrefix))
}

/** Parses a coordinate given as text or number; NaN for anything that is not a finite number. */
export function coordinate(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN
  if (typeof value !== 'string') return Number.NaN
  const n = Number(value)
  // Number('') and Number('  ') are 0: only then is the text worth trimming (hot path of batches)
  if (n === 0 && value.trim() === '') return Number.NaN
  return Number.isFinite(n) ? n : Number.NaN
}

/**
 * Checks a coordinate pair before any lookup: numbers, in range, and — when the profile is
 * Chinese — inside China's rough bounding box, saying so when lng/lat look swapped.
 */
export function checkPoint(lngRaw: unknown, latRaw: unknown, china: boolean): PointCheck {
  const lng = coordinate(lngRaw)
  const lat = coordinate(latRaw)
  if (Number.isNaN(lng)) return { ok: false, code: 'lookup_coordinate_invalid', params: { field: 'lng', value: String(lngRaw ?? '') } }
  if (Number.isNaN(lat)) return { ok: false, code: 'lookup_coordinate_invalid', params: { field: 'lat', value: String(latRaw ?? '') } }
  if (!inLonLatRange(lng, lat)) {
    if (china && inChina(lat, lng)) return { ok: false, code: 'lookup_coordinates_swapped', params: { longitude: lng, latitude: lat } }
    return { ok: false, code: 'lookup_coordinate_out_of_range', params: { longitude: lng, latitude: lat } }
  }
  if (china && !inChina(lng, lat)) {
    if (inChina(lat, lng)) return { ok: false, code: 'lookup_coordinates_swapped', params: { longitude: lng, latitude: lat } }
    return { ok: false, code: 'lookup_outside_china', params: { longitude: lng, latitude: lat } }
  }
  return { ok: true, lng, lat }
}

const converters = new Map<CrsName, (position: readonly number[]) => [number, number]>()
/** WGS84/CGCS2000 lon/lat of a point given in `crs`. */
export function toWgs84(crs: CrsName, lng: number, lat: number): [number, number] {
  if (crs === 'wgs84' || crs === 'cgcs2000') return [lng, lat]
  let convert = converters.get(crs)
  if (!convert) {
    convert = toLonLat(crs)
    converters.set(crs, convert)
  }
  return convert([lng, lat])
}

/** Looks a WGS84 point up: index when it holds the day asked for, else PostGIS. */
export async function lookupPoint(
  db: Kysely<Database>,
  holder: IndexHolder | null,
  query: LookupResult['query'],
  options: LookupOptions,
): Promise<LookupResult> {
  const loaded = holder?.currentFor(options.asOf) ?? null
  if (loaded) return lookupInIndex(loaded, query, options.scope)
  return lookupInPostgis(db, query, options, holder?.current() ?? null)
}

/** The index path: synchronous, no database round trip. */
export function lookupInIndex(loaded: LoadedIndex, query: LookupResult['query'], scope: string): LookupResult {
  const { index } = loaded
  const [x, y] = query.wgs84
  const hit = index.lookup(x, y)
  const grid = hit.grid >= 0 ? (index.grids[hit.grid] ?? null) : null
  let nearest: LookupResult['nearest'] = null
  if (!grid) {
    const near = index.nearest(x, y)
    const g = near ? index.grids[near.grid] : undefined
    if (near && g && isWithinScope(scope, g.region_code))
      nearest = { code: g.code, name: g.name, distance_m: roundDistanceM(near.distanceM) }
  }
  return {
    query,
    grid: grid ? { ...grid } : null,
    dedicated: hit.dedicated.map((i) => dedicatedOf(index, i)),
    regions: grid ? (loaded.chains.get(grid.region_code) ?? []) : [],
    nearest,
    source: 'index',
  }
}

function dedicatedOf(index: GridIndex, i: number) {
  const g = index.grids[i] as LookupResult['grid'] & object
  return { code: g.code, name: g.name, kind: g.kind }
}

/** The PostGIS path: ST_Covers on the rows in force on `asOf` (today when absent) — a set of one point for lookupManyInPostgis. */
export async function lookupInPostgis(
  db: Kysely<Database>,
  query: LookupResult['query'],
  options: LookupOptions,
  loaded: LoadedIndex | null = null,
): Promise<LookupResult> {
  const [answer] = await lookupManyInPostgis(db, [query.wgs84], options)
  const { grid, dedicated, nearest } = answer as PostgisAnswer
  let regions: RegionLink[] = []
  if (grid) {
    regions = loaded?.chains.get(grid.region_code) ?? (await regionChains(db, [grid.region_code])).get(grid.region_code) ?? []
  }
  return { query, grid, dedicated, regions, nearest, source: 'postgis' }
}
