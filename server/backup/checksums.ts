import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { ColumnShape, TableShape } from './catalog.js'

// Row counts and checksums computed by SQL, the same statement on both engines, so that a dump
// made on PGlite (PostgreSQL 18, PostGIS 3.6) and restored on PostgreSQL 15 (PostGIS 3.3), or the
// other way, can be compared table by table. The checksum is md5 over the md5 of each row's text
// (all columns, generated ones included) in primary-key order; text sorts by byte (COLLATE "C")
// whatever the database's locale. The session settings below fix every text form that depends on
// them; the dump writes values in the same settings.

// biome-ignore lint/suspicious/noExplicitAny: used on a Db and inside transactions
type AnyDb = Kysely<any>

export interface TableCount {
  rows: number
  checksum: string
}

/** Fixes the text forms of times, dates, floats and bytes for this transaction (SET LOCAL). */
export async function useNeutralTextSettings(trx: AnyDb): Promise<void> {
  await sql`SET LOCAL TimeZone = 'UTC'`.execute(trx)
  await sql`SET LOCAL DateStyle = 'ISO, YMD'`.execute(trx)
  await sql`SET LOCAL IntervalStyle = 'postgres'`.execute(trx)
  await sql`SET LOCAL extra_float_digits = 1`.execute(trx)
  await sql`SET LOCAL bytea_output = 'hex'`.execute(trx)
}

/** `ORDER BY` of a table's primary key, text in byte order. */
export function primaryKeyOrder(table: TableShape): RawBuilder<unknown> {
  const byName = new Map(table.columns.map((column) => [column.name, column]))
  return sql.join(table.primaryKey.map((name) => (byName.get(name)?.collatable ? sql`${sql.ref(name)} COLLATE "C"` : sql.ref(name))))
}

/** Count and checksum of one table, over `columns` (in that order; default: all of the table's). */
export async function countAndChecksum(db: AnyDb, table: TableShape, columns: ColumnShape[] = table.columns): Promise<TableCount> {
  const row = sql`ROW(${sql.join(columns.map((column) => sql.ref(column.name)))})::text`
  const { rows } = await sql<TableCount>`
    SELECT count(*)::int8 AS rows,
           md5(coalesce(string_agg(md5(${row}), '' ORDER BY ${primaryKeyOrder(table)}), '')) AS checksum
    FROM ${sql.table(table.name)}`.execute(db)
  const result = rows[0]
  if (!result) throw new Error(`no count for ${table.name}`)
  // int8 arrives as text unless the connection parses it (engines.ts does; a plain pg pool does not).
  return { rows: Number(result.rows), checksum: result.checksum }
}
