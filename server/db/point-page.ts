import { type RawBuilder, sql } from 'kysely'
import type { Db } from './database.js'
import { bboxOf, meetsBox } from './geometry-sql.js'

/** [minLon, minLat, maxLon, maxLat] (the http layer's BBox; db may not import http). */
type BBox = [number, number, number, number]

// A page of a point table (buildings, addresses) for the OGC API, written once for both: rows
// under a region prefix, by bounding box and a condition on the table's columns (the OGC API's
// filters: CQL2 and the equality parameters, built with bound values), in id order (ids never
// change, so pages are stable), with how many match in all. The repository that owns the table
// names its columns; this only builds the statement.

export interface PointPageFilter {
  regionPrefix: string
  bbox?: BBox | undefined
  /** A condition on the table's columns (a filter, or `id = …` for one feature). */
  where?: RawBuilder<boolean> | undefined
  limit: number
  offset: number
}

export interface PointPage<R> {
  /** Each row with its id as text (bigint) and its point as GeoJSON text, every stored digit. */
  rows: (R & { id: string; geojson: string })[]
  matched: number
}

export async function findPointPage<R>(
  db: Db,
  table: 'buildings' | 'addresses',
  columns: readonly (keyof R & string)[],
  filter: PointPageFilter,
): Promise<PointPage<R>> {
  const conditions = [
    sql<boolean>`region_code LIKE ${`${filter.regionPrefix}%`}`,
    ...(filter.bbox ? [meetsBox('geom', filter.bbox)] : []),
    ...(filter.where ? [sql<boolean>`(${filter.where})`] : []),
  ]
  const where = sql.join(conditions, sql` AND `)
  const from = sql.table(table)
  const [page, counted] = await Promise.all([
    sql<R & { id: string; geojson: string }>`
      SELECT id::text AS id, ${sql.join(columns.map((column) => sql.ref(column)))}, ST_AsGeoJSON(geom, 15, 0) AS geojson
      FROM ${from} WHERE ${where} ORDER BY id LIMIT ${filter.limit} OFFSET ${filter.offset}`.execute(db),
    sql<{ n: number }>`SELECT count(*)::int AS n FROM ${from} WHERE ${where}`.execute(db),
  ])
  return { rows: page.rows, matched: counted.rows[0]?.n ?? 0 }
}

/** [minLon, minLat, maxLon, maxLat] of a point table's rows under a region prefix; null when none. */
export async function findPointsExtent(db: Db, table: 'buildings' | 'addresses', regionPrefix: string): Promise<BBox | null> {
  const { rows } = await sql<{ box: BBox | null }>`
    SELECT ${bboxOf('e')} AS box
    FROM (SELECT ST_Extent(geom) AS e FROM ${sql.table(table)} WHERE region_code LIKE ${`${regionPrefix}%`}) AS x`.execute(db)
  return rows[0]?.box ?? null
}
