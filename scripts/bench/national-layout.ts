import { type Kysely, sql } from 'kysely'
import type { Database } from '../../server/db/database.js'
import { PROVINCE_CODES } from '../../server/coding/layouts.js'

// The province-partitioned study layout of scripts/bench/national.ts, in a schema of its own
// (STUDY_SCHEMA; the real schema and its migrations are not touched). The grids table is copied
// from public.grids with LIKE — so it follows the real columns — and partitioned by LIST of the
// 2-digit province code, with the keys a real migration would need: the partition key in the
// primary key and in every unique constraint, and province_code a plain column checked against
// the region code (PostgreSQL refuses a generated column as a partition key).

export const STUDY_SCHEMA = 'gridwork_national'

/** The 31 provincial-level divisions of mainland China by their 2-digit codes (GB/T 2260): the coding rules' list without Taiwan, Hong Kong, Macao and the demo province. */
const NOT_MAINLAND = new Set(['71', '81', '82', '99'])
export const PROVINCES: readonly string[] = [...PROVINCE_CODES].filter((code) => !NOT_MAINLAND.has(code))

/** Cells of 0.01° per province block: COLUMNS wide, grids / COLUMNS high. */
export const COLUMNS = 200
export const CELL = 0.01
/** Province blocks laid 7 to a row from (75° E, 20° N); 4 of the 35 slots stay empty (the sea). */
const PER_ROW = 7

export interface ProvinceBlock {
  code: string
  x0: number
  y0: number
  x1: number
  y1: number
}

export function provinceBlocks(gridsPerProvince: number): ProvinceBlock[] {
  const rows = Math.ceil(gridsPerProvince / COLUMNS)
  return PROVINCES.map((code, k) => {
    const x0 = 75 + (k % PER_ROW) * COLUMNS * CELL
    const y0 = 20 + Math.floor(k / PER_ROW) * rows * CELL
    return { code, x0, y0, x1: x0 + COLUMNS * CELL, y1: y0 + rows * CELL }
  })
}

/** What PostgreSQL said to the layouts a real migration cannot use (kept in the figures). */
export interface Refusals {
  generated_partition_key: string
  unique_without_partition_key: string
  primary_key_without_partition_key: string
}

async function refusal(db: Kysely<Database>, statement: ReturnType<typeof sql>): Promise<string> {
  try {
    await db.transaction().execute(async (trx) => {
      await statement.execute(trx)
      throw new Error('accepted')
    })
    return 'accepted'
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** Drops and re-creates the study schema: regions (plain) and grids partitioned by province. */
export async function createLayout(db: Kysely<Database>): Promise<Refusals> {
  const s = sql.id(STUDY_SCHEMA)
  await dropLayout(db)
  await sql`CREATE SCHEMA ${s}`.execute(db)
  await sql`CREATE TABLE ${s}.regions (LIKE public.regions INCLUDING ALL)`.execute(db)
  const refusals: Refusals = {
    generated_partition_key: await refusal(
      db,
      sql`CREATE TABLE ${s}.refused (LIKE public.grids INCLUDING ALL) PARTITION BY LIST (province_code)`,
    ),
    unique_without_partition_key: '',
    primary_key_without_partition_key: '',
  }
  // LIKE without INCLUDING GENERATED: province_code becomes a plain column, checked below.
  await sql`CREATE TABLE ${s}.grids (LIKE public.grids INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)
            PARTITION BY LIST (province_code)`.execute(db)
  refusals.unique_without_partition_key = await refusal(db, sql`ALTER TABLE ${s}.grids ADD UNIQUE (code, version)`)
  refusals.primary_key_without_partition_key = await refusal(db, sql`ALTER TABLE ${s}.grids ADD PRIMARY KEY (id)`)
  await sql`ALTER TABLE ${s}.grids ADD CHECK (province_code = substr(region_code, 1, 2))`.execute(db)
  await sql`ALTER TABLE ${s}.grids ADD PRIMARY KEY (province_code, id)`.execute(db)
  await sql`ALTER TABLE ${s}.grids ADD FOREIGN KEY (region_code) REFERENCES ${s}.regions (code)`.execute(db)
  for (const code of PROVINCES) {
    await sql`CREATE TABLE ${sql.id(STUDY_SCHEMA, `grids_p${code}`)} PARTITION OF ${s}.grids FOR VALUES IN (${sql.lit(code)})`.execute(db)
  }
  return refusals
}

export async function dropLayout(db: Kysely<Database>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS ${sql.id(STUDY_SCHEMA)} CASCADE`.execute(db)
  for (const code of PROVINCES) await sql`DROP SCHEMA IF EXISTS ${sql.id(provinceSchema(code))} CASCADE`.execute(db)
}

/**
 * One province's regions (the province and a community per 4 grids) and grids: a block of
 * COLUMNS × n/COLUMNS squares of 0.01° (~1 km), each side split into 20 segments (81 vertices,
 * as the lookup figures' grids), in one INSERT … SELECT.
 */
export async function fillProvince(db: Kysely<Database>, block: ProvinceBlock, grids: number): Promise<void> {
  const s = sql.id(STUDY_SCHEMA)
  const p = block.code
  await sql`INSERT INTO ${s}.regions (code, name, level, parent_code)
            VALUES (${`${p}0000000000`}, ${`省${p}`}, 1, NULL)`.execute(db)
  await sql`INSERT INTO ${s}.regions (code, name, level, parent_code)
            SELECT ${p} || lpad(k::text, 10, '0'), '社区' || k, 5, ${`${p}0000000000`}
            FROM generate_series(1, ${Math.ceil(grids / 4)}) k`.execute(db)
  await sql`
    INSERT INTO ${s}.grids (code, version, name, kind, region_code, province_code, geom, households, valid_from)
    SELECT ${p} || lpad((c / 4 + 1)::text, 10, '0') || lpad((c % 4 + 1)::text, 3, '0'), 1, '网格' || c, 'comprehensive',
           ${p} || lpad((c / 4 + 1)::text, 10, '0'), ${p},
           ST_Multi(ST_Segmentize(ST_MakeEnvelope(
             ${block.x0} + (c % ${COLUMNS}) * ${CELL}::numeric, ${block.y0} + (c / ${COLUMNS}) * ${CELL}::numeric,
             ${block.x0} + (c % ${COLUMNS} + 1) * ${CELL}::numeric, ${block.y0} + (c / ${COLUMNS} + 1) * ${CELL}::numeric, 4490),
             ${(CELL / 20) * 1.002})),
           300, current_date - 1
    FROM generate_series(0, ${grids - 1}) c`.execute(db)
}

/** The secondary indexes of public.grids, on the partitioned table (each partition gets its own). */
export async function indexLayout(db: Kysely<Database>): Promise<void> {
  const s = sql.id(STUDY_SCHEMA)
  // Unique per partition is unique nationwide: a grid code starts with its province's code.
  await sql`ALTER TABLE ${s}.grids ADD UNIQUE (province_code, code, version)`.execute(db)
  await sql`CREATE UNIQUE INDEX ON ${s}.grids (province_code, code) WHERE valid_to IS NULL`.execute(db)
  await sql`CREATE INDEX ON ${s}.grids (region_code)`.execute(db)
  await sql`CREATE INDEX ON ${s}.grids USING gist (geom)`.execute(db)
  await sql`CREATE INDEX ON ${s}.grids (valid_from, valid_to)`.execute(db)
  await sql`ANALYZE ${s}.grids`.execute(db)
  await sql`ANALYZE ${s}.regions`.execute(db)
}

/**
 * A schema per province whose `grids` is the partitioned table filtered to that province: with
 * search_path = (it, STUDY_SCHEMA), the server's own loadIndex() reads one province, unchanged.
 */
export function provinceSchema(code: string): string {
  return `${STUDY_SCHEMA}_p${code}`
}

export async function createProvinceViews(db: Kysely<Database>): Promise<void> {
  for (const code of PROVINCES) {
    const schema = sql.id(provinceSchema(code))
    await sql`CREATE SCHEMA ${schema}`.execute(db)
    await sql`CREATE VIEW ${schema}.grids AS SELECT * FROM ${sql.id(STUDY_SCHEMA)}.grids WHERE province_code = ${sql.lit(code)}`.execute(db)
  }
}

/** Partitions a statement's plan reads (EXPLAIN, no ANALYZE): relation names under the plan. */
export async function partitionsScanned(db: Kysely<Database>, query: ReturnType<typeof sql>): Promise<string[]> {
  const result = await sql<{ 'QUERY PLAN': unknown }>`EXPLAIN (FORMAT JSON) ${query}`.execute(db)
  const relations = new Set<string>()
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>
      if (typeof record['Relation Name'] === 'string') relations.add(record['Relation Name'])
      for (const value of Object.values(record)) walk(value)
    }
  }
  walk(result.rows[0]?.['QUERY PLAN'])
  return [...relations].filter((name) => name.startsWith('grids_p')).sort()
}

/** Heap + TOAST + indexes of each partition, in bytes. */
export async function partitionSizes(db: Kysely<Database>): Promise<{ code: string; rows: number; table: number; indexes: number }[]> {
  const result = await sql<{ name: string; rows: number; table: number; indexes: number }>`
    SELECT c.relname AS name, c.reltuples::bigint AS rows, pg_table_size(c.oid) AS table, pg_indexes_size(c.oid) AS indexes
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = ${`${STUDY_SCHEMA}.grids`}::regclass ORDER BY c.relname`.execute(db)
  return result.rows.map((row) => ({
    code: row.name.slice(-2),
    rows: Number(row.rows),
    table: Number(row.table),
    indexes: Number(row.indexes),
  }))
}
