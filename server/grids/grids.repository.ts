import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.js'
import { asGeoJson } from '../db/geometry-sql.js'
import type { BBox } from '../http/query-params.js'

const GRID_COLUMNS = [
  'code',
  'name',
  'kind',
  'region_code',
  'parent_code',
  'households',
  'population',
  'count_date',
  'valid_from',
  'valid_to',
  'version',
  'attributes',
] as const

export interface GridFilter {
  regionPrefix: string
  asOf: string | undefined
  bbox?: BBox | undefined
}

/** The row of each grid in force on `asOf` (today when omitted): valid_from ≤ day < valid_to. */
function inForce(asOf: string | undefined) {
  const day = asOf === undefined ? sql`current_date` : sql`${asOf}::date`
  return sql<boolean>`valid_from <= ${day} AND (valid_to IS NULL OR valid_to > ${day})`
}

export function findGrids(db: Kysely<Database>, filter: GridFilter) {
  let query = db
    .selectFrom('grids')
    .select([...GRID_COLUMNS, asGeoJson('geom').as('geometry')])
    .where('region_code', 'like', `${filter.regionPrefix}%`)
    .where(inForce(filter.asOf))
  if (filter.bbox) {
    const [minLng, minLat, maxLng, maxLat] = filter.bbox
    query = query.where(sql<boolean>`geom && ST_MakeEnvelope(${minLng}, ${minLat}, ${maxLng}, ${maxLat}, 4490)`)
  }
  return query.orderBy('code').execute()
}

export function findGrid(db: Kysely<Database>, code: string, asOf: string | undefined) {
  return db
    .selectFrom('grids')
    .select([...GRID_COLUMNS, asGeoJson('geom').as('geometry')])
    .where('code', '=', code)
    .where(inForce(asOf))
    .executeTakeFirst()
}

/** Every version of a grid, oldest first, including retired ones. */
export function findGridHistory(db: Kysely<Database>, code: string) {
  return db
    .selectFrom('grids')
    .select([...GRID_COLUMNS, 'created_at', 'created_by', asGeoJson('geom').as('geometry')])
    .where('code', '=', code)
    .orderBy('version')
    .execute()
}

export type GridRow = Awaited<ReturnType<typeof findGrids>>[number]
