import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.js'
import { asGeoJson, bboxOf } from '../db/geometry-sql.js'

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
