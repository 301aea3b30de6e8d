import { type Kysely, type RawBuilder, sql } from 'kysely'
import { type Actor, recordAudit } from '../audit/audit.repository.js'
import type { Database } from '../db/database.js'
import { asGeoJson, bboxOf, meetsBox, meetsTile, tileGeoJson } from '../db/geometry-sql.js'
import type { TileAddress } from '../geo/web-mercator.js'
import { polygonsOf } from '../geo/ewkb.js'
import type { LocatedRegion } from './region-locator.js'

export interface RegionRow {
  code: string
  name: string
  level: number
  parent_code: string | null
  urban_rural: string | null
}

const REGION_COLUMNS = ['code', 'name', 'level', 'parent_code', 'urban_rural'] as const

export function findRegion(db: Kysely<Database>, code: string) {
  return db
    .selectFrom('regions')
    .select([...REGION_COLUMNS, bboxOf('boundary').as('bbox')])
    .where('code', '=', code)
    .executeTakeFirst()
}

/** Ancestors from the province down to the parent, walked with a recursive CTE. */
export async function findAncestors(db: Kysely<Database>, code: string): Promise<RegionRow[]> {
  const { rows } = await sql<RegionRow & { depth: number }>`
    WITH RECURSIVE chain AS (
      SELECT r.code, r.name, r.level, r.parent_code, r.urban_rural, 0 AS depth
      FROM regions r WHERE r.code = (SELECT parent_code FROM regions WHERE code = ${code})
      UNION ALL
      SELECT p.code, p.name, p.level, p.parent_code, p.urban_rural, chain.depth + 1
      FROM regions p JOIN chain ON p.code = chain.parent_code
    )
    SELECT * FROM chain ORDER BY depth DESC`.execute(db)
  return rows.map(({ depth: _depth, ...region }) => region)
}

/** Children of a region (or every descendant), with boundaries as GeoJSON. */
export function findChildren(db: Kysely<Database>, code: string, prefix: string, descendants: boolean) {
  let query = db.selectFrom('regions').select([...REGION_COLUMNS, asGeoJson('boundary').as('geometry')])
  query = descendants ? query.where('code', 'like', `${prefix}%`).where('code', '<>', code) : query.where('parent_code', '=', code)
  return query.orderBy('level').orderBy('code').execute()
}

export async function findRegionName(db: Kysely<Database>, code: string): Promise<string | undefined> {
  const row = await db.selectFrom('regions').select('name').where('code', '=', code).executeTakeFirst()
  return row?.name
}

/** Grids in force today under a region prefix. */
export async function countActiveGrids(db: Kysely<Database>, prefix: string): Promise<number> {
  const row = await db
    .selectFrom('grids')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('region_code', 'like', `${prefix}%`)
    .where('valid_to', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

/** Urban–rural code (城乡分类代码) of every region under a prefix. */
export async function findUrbanRuralUnder(db: Kysely<Database>, prefix: string): Promise<Map<string, string | null>> {
  const rows = await db.selectFrom('regions').select(['code', 'urban_rural']).where('code', 'like', `${prefix}%`).execute()
  return new Map(rows.map((row) => [row.code, row.urban_rural]))
}

/** A region to write: `boundary` is a GeoJSON (Multi)Polygon, or null for a code-list entry. */
export interface NewRegion extends RegionRow {
  boundary: unknown
}

const boundarySql = (boundary: unknown) =>
  sql`ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${boundary === null ? null : JSON.stringify(boundary)}::text), 4490))`

/** Inserts regions, parents first so the foreign key holds among them; returns their codes in that order. */
export async function insertRegions(db: Kysely<Database>, rows: readonly NewRegion[]): Promise<string[]> {
  const ordered = [...rows].sort((a, b) => a.level - b.level || a.code.localeCompare(b.code))
  for (const row of ordered) {
    await sql`
      INSERT INTO regions (code, name, level, parent_code, urban_rural, boundary)
      VALUES (${row.code}, ${row.name}, ${row.level}, ${row.parent_code}, ${row.urban_rural}, ${boundarySql(row.boundary)})`.execute(db)
  }
  return ordered.map((row) => row.code)
}

/**
 * Gives regions imported from a code list (no boundary yet) their boundary, one audit entry each.
 * A region that has a boundary by now is left alone; returns the codes that were set.
 */
export async function setMissingBoundaries(
  db: Kysely<Database>,
  rows: readonly Pick<NewRegion, 'code' | 'boundary'>[],
  actor: Actor,
): Promise<string[]> {
  const set: string[] = []
  for (const row of rows) {
    const { rows: updated } = await sql<{ code: string }>`
      UPDATE regions SET boundary = ${boundarySql(row.boundary)}
      WHERE code = ${row.code} AND boundary IS NULL RETURNING code`.execute(db)
    if (updated.length === 0) continue
    await recordAudit(db, actor, {
      action: 'set_region_boundary',
      entity: 'region',
      entityId: row.code,
      regionCode: row.code,
      before: { boundary: null },
      after: { boundary: row.boundary },
    })
    set.push(row.code)
  }
  return set
}

/** Which of these codes exist, and whether each has a boundary. */
export async function findRegionCodes(db: Kysely<Database>, codes: readonly string[]): Promise<Map<string, { hasBoundary: boolean }>> {
  if (codes.length === 0) return new Map()
  const rows = await db
    .selectFrom('regions')
    .select(['code', (eb) => eb('boundary', 'is not', null).as('has_boundary')])
    .where('code', 'in', [...new Set(codes)])
    .execute()
  return new Map(rows.map((row) => [row.code.trim(), { hasBoundary: Boolean(row.has_boundary) }]))
}

/**
 * The boundaries of the regions under `prefix` from `minLevel` down, exact: 15 decimals is the
 * shortest text that gives PostGIS's doubles back (PostGIS ≥ 3.1 prints shortest round-trip).
 */
export async function findBoundariesUnder(db: Kysely<Database>, prefix: string, minLevel: number): Promise<LocatedRegion[]> {
  const { rows } = await sql<{ code: string; level: number; boundary: { type: string; coordinates: unknown } }>`
    SELECT code, level, ST_AsGeoJSON(boundary, 15, 0)::json AS boundary FROM regions
    WHERE code LIKE ${`${prefix}%`} AND level >= ${minLevel} AND boundary IS NOT NULL ORDER BY code`.execute(db)
  return rows.map((row) => ({ code: row.code.trim(), level: row.level, polygons: polygonsOf(row.boundary) }))
}

export interface TownshipRegions {
  codes: Set<string>
  /** Some community (level 5) of the township has a boundary a new grid can lie in. */
  bounded: boolean
}

/** A township's regions (itself and its villages/communities: tens of rows). */
export async function findTownshipRegions(db: Kysely<Database>, townshipPrefix: string): Promise<TownshipRegions> {
  const rows = await db
    .selectFrom('regions')
    .select(['code', 'level', sql<boolean>`boundary IS NOT NULL`.as('bounded')])
    .where('code', 'like', `${townshipPrefix}%`)
    .execute()
  return { codes: new Set(rows.map((row) => row.code)), bounded: rows.some((row) => row.level === 5 && row.bounded) }
}

/** The township's community (level 5) whose boundary holds most of `geometry` (GeoJSON), if any meets it. */
export async function findCommunityHoldingMost(db: Kysely<Database>, townshipPrefix: string, geometry: unknown): Promise<string | null> {
  const { rows } = await sql<{ code: string }>`
    SELECT code FROM regions
    WHERE code LIKE ${`${townshipPrefix}%`} AND level = 5 AND boundary IS NOT NULL
      AND ST_Intersects(boundary, ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4490))
    ORDER BY ST_Area(ST_Intersection(boundary, ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4490))) DESC
    LIMIT 1`.execute(db)
  return rows[0]?.code ?? null
}

/** A page of regions for the OGC API: one level, under a prefix, filtered by a condition. */
export interface RegionPageFilter {
  prefix: string
  level: number
  bbox?: [number, number, number, number] | undefined
  /** A condition on the regions' columns (the OGC API's filters, built from CQL2 with bound values). */
  where?: RawBuilder<boolean> | undefined
  limit: number
  offset: number
}

/** One page of regions of a level in code order, with how many match in all; boundaries as GeoJSON text (null when none yet). */
export async function findRegionPage(db: Kysely<Database>, filter: RegionPageFilter) {
  let query = db.selectFrom('regions').where('level', '=', filter.level).where('code', 'like', `${filter.prefix}%`)
  if (filter.bbox) query = query.where(meetsBox('boundary', filter.bbox))
  if (filter.where) query = query.where(filter.where)
  const [rows, counted] = await Promise.all([
    query
      .select([...REGION_COLUMNS, sql<string | null>`ST_AsGeoJSON(ST_ForcePolygonCCW(boundary), 15, 0)`.as('geojson')])
      .orderBy('code')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ])
  return { rows, matched: Number(counted.n) }
}

/** [minLon, minLat, maxLon, maxLat] of the boundaries of a level under a prefix; null when none has one. */
export async function findRegionsExtent(
  db: Kysely<Database>,
  prefix: string,
  level: number,
): Promise<[number, number, number, number] | null> {
  const { rows } = await sql<{ box: [number, number, number, number] | null }>`
    SELECT ${bboxOf('e')} AS box
    FROM (SELECT ST_Extent(boundary) AS e FROM regions WHERE level = ${level} AND code LIKE ${`${prefix}%`}) AS x`.execute(db)
  return rows[0]?.box ?? null
}

/** The regions of a level under a prefix, in code order, and whether each has a boundary. */
export async function findRegionsOfLevel(db: Kysely<Database>, prefix: string, level: number) {
  const rows = await db
    .selectFrom('regions')
    .select(['code', sql<boolean>`boundary IS NOT NULL`.as('has_boundary')])
    .where('level', '=', level)
    .where('code', 'like', `${prefix}%`)
    .orderBy('code')
    .execute()
  return rows.map((row) => ({ code: row.code, hasBoundary: Boolean(row.has_boundary) }))
}

/** The boundaries of a level under a prefix meeting a vector tile, cut to it (tileGeoJson), in code order. */
export function findRegionTile(db: Kysely<Database>, prefix: string, level: number, tile: TileAddress) {
  return db
    .selectFrom('regions')
    .select(['code', 'name', 'level', tileGeoJson('boundary', tile).as('geojson')])
    .where('level', '=', level)
    .where('code', 'like', `${prefix}%`)
    .where(meetsTile('boundary', tile))
    .orderBy('code')
    .execute()
}
