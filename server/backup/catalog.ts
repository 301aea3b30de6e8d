import { type Kysely, sql } from 'kysely'

// What a dump carries, read from the database catalog rather than listed by hand, so that a table
// added by a later migration is dumped without anyone remembering to: every plain table of the
// current schema except PostGIS's own (extension members) and Kysely's migration bookkeeping.
// A table the dump cannot carry faithfully stops the backup with a sentence saying why.

/** Kysely's bookkeeping: rebuilt by the restore's own migrations, never dumped. */
export const MIGRATION_TABLES = ['kysely_migration', 'kysely_migration_lock'] as const

export interface ColumnShape {
  name: string
  /** format_type(): e.g. `geometry(MultiPolygon,4490)`, `character(12)`, `timestamp with time zone`. */
  type: string
  /** GENERATED ALWAYS AS (…) STORED: recomputed on restore, so not written to the dump. */
  generated: boolean
  /** An identity column (GENERATED … AS IDENTITY): restored with OVERRIDING SYSTEM VALUE. */
  identity: boolean
  /** Ordered with COLLATE "C" in checksums, so that both engines order text the same. */
  collatable: boolean
}

export interface TableShape {
  name: string
  columns: ColumnShape[]
  primaryKey: string[]
}

export class UncarriableTableError extends Error {}

// Types whose text form reads back to the same value on any PostgreSQL ≥ 15 with PostGIS (with
// the session settings of checksums.ts). Arrays of them too.
const CARRIABLE_TYPES = new Set([
  'bool',
  'int2',
  'int4',
  'int8',
  'float4',
  'float8',
  'numeric',
  'text',
  'varchar',
  'bpchar',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'interval',
  'json',
  'jsonb',
  'bytea',
  'uuid',
  'geometry',
  'geography',
])

// biome-ignore lint/suspicious/noExplicitAny: the catalog is read on any Kysely (Db, a Transaction)
type AnyDb = Kysely<any>

/** The oid of the schema in use (tests give each file a schema of its own). */
const currentSchemaOid = sql`(SELECT oid FROM pg_namespace WHERE nspname = current_schema())`
/** Not created by an extension (PostGIS's spatial_ref_sys and functions live in public too). */
const notFromExtension = (classTable: string) =>
  sql`NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = ${sql.lit(classTable)}::regclass AND d.objid = c.oid AND d.deptype = 'e')`

/** Every table of the current schema that a dump must carry, in name order, with its shape. */
export async function tablesToDump(db: AnyDb): Promise<TableShape[]> {
  const { rows } = await sql<{ oid: number; name: string; kind: string }>`
    SELECT c.oid::int8 AS oid, c.relname AS name, c.relkind::text AS kind FROM pg_class c
    WHERE c.relnamespace = ${currentSchemaOid} AND c.relkind IN ('r', 'p', 'm', 'f') AND NOT c.relispartition
      AND ${notFromExtension('pg_class')}
      AND c.relname NOT IN (${sql.join(MIGRATION_TABLES.map((name) => sql.lit(name)))})
    ORDER BY c.relname COLLATE "C"`.execute(db)
  const shapes: TableShape[] = []
  for (const table of rows) {
    const what = { p: 'a partitioned table', m: 'a materialized view', f: 'a foreign table' }[table.kind]
    if (what) throw new UncarriableTableError(`${table.name} is ${what}; a gridwork dump carries plain tables only.`)
    shapes.push(await shapeOf(db, Number(table.oid), table.name))
  }
  return shapes
}

async function shapeOf(db: AnyDb, oid: number, name: string): Promise<TableShape> {
  const columns = await sql<ColumnShape & { base: string }>`
    SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
           a.attgenerated <> '' AS generated, a.attidentity <> '' AS identity, a.attcollation <> 0 AS collatable,
           coalesce(e.typname, t.typname)::text AS base
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
    WHERE a.attrelid = ${oid}::oid AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum`.execute(db)
  for (const column of columns.rows) {
    if (!CARRIABLE_TYPES.has(column.base)) {
      throw new UncarriableTableError(
        `Table ${name} has column ${column.name} of type ${column.type}, which a gridwork dump cannot carry (it carries ${[...CARRIABLE_TYPES].join(', ')} and arrays of them).`,
      )
    }
  }
  const key = await sql<{ name: string }>`
    SELECT a.attname AS name
    FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, position), pg_attribute a
    WHERE i.indrelid = ${oid}::oid AND i.indisprimary AND a.attrelid = i.indrelid AND a.attnum = k.attnum
    ORDER BY k.position`.execute(db)
  if (key.rows.length === 0) {
    throw new UncarriableTableError(
      `Table ${name} has no primary key; a gridwork dump needs one to read and checksum its rows in a fixed order.`,
    )
  }
  return {
    name,
    columns: columns.rows.map(({ base: _, ...column }) => column),
    primaryKey: key.rows.map((row) => row.name),
  }
}

export interface ForeignKey {
  table: string
  name: string
  /** pg_get_constraintdef(): `FOREIGN KEY (code) REFERENCES grid_codes(code) DEFERRABLE INITIALLY DEFERRED`. */
  definition: string
}

/** Foreign keys between the current schema's tables (dropped while rows load, then re-added and so re-checked). */
export async function foreignKeys(db: AnyDb): Promise<ForeignKey[]> {
  const { rows } = await sql<ForeignKey>`
    SELECT c.relname AS table, co.conname AS name, pg_get_constraintdef(co.oid) AS definition
    FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
    WHERE co.contype = 'f' AND c.relnamespace = ${currentSchemaOid}
    ORDER BY c.relname, co.conname`.execute(db)
  return rows
}

export interface SequenceState {
  table: string
  column: string
  /** Schema-qualified, quoted as PostgreSQL gives it. */
  sequence: string
  lastValue: number
  isCalled: boolean
}

/** Where each identity/serial column's sequence stands, so a restore never hands out an id twice. */
export async function sequenceStates(db: AnyDb, tables: TableShape[]): Promise<SequenceState[]> {
  const states: SequenceState[] = []
  for (const table of tables) {
    for (const column of table.columns) {
      const found = await sql<{ sequence: string | null }>`
        SELECT pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident(${table.name}), ${column.name}) AS sequence`.execute(
        db,
      )
      const sequence = found.rows[0]?.sequence
      if (!sequence) continue
      // The API's role on PostgreSQL draws identity values without any right on the sequence
      // (scripts/sql/app-role.sql); a dump it makes leaves the sequence out, and the restore
      // continues after the highest id.
      const allowed = await sql<{ ok: boolean }>`SELECT has_sequence_privilege(${sequence}, 'SELECT') AS ok`.execute(db)
      if (!allowed.rows[0]?.ok) continue
      const { rows } = await sql<{ last_value: number; is_called: boolean }>`
        SELECT last_value, is_called FROM ${sql.raw(sequence)}`.execute(db)
      const state = rows[0]
      if (state)
        states.push({ table: table.name, column: column.name, sequence, lastValue: Number(state.last_value), isCalled: state.is_called })
    }
  }
  return states
}

/** Names of the current schema's tables (any, not only gridwork's; not PostGIS's, not Kysely's bookkeeping). */
export async function tableNames(db: AnyDb): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c
    WHERE c.relnamespace = ${currentSchemaOid} AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND ${notFromExtension('pg_class')}
      AND c.relname NOT IN (${sql.join(MIGRATION_TABLES.map((name) => sql.lit(name)))})
    ORDER BY c.relname COLLATE "C"`.execute(db)
  return rows.map((row) => row.name)
}

/** Tables of the current schema (any, not only gridwork's) that hold rows, with their counts. */
export async function tablesHoldingRows(db: AnyDb): Promise<{ table: string; rows: number }[]> {
  const holding: { table: string; rows: number }[] = []
  for (const name of await tableNames(db)) {
    const counted = await sql<{ rows: number }>`SELECT count(*)::int8 AS rows FROM ${sql.table(name)}`.execute(db)
    const count = Number(counted.rows[0]?.rows ?? 0)
    if (count > 0) holding.push({ table: name, rows: count })
  }
  return holding
}

/**
 * Drops everything of the current schema that is not an extension's: tables, views, sequences and
 * functions (the migrations create them again). For a restore into an empty or `--replace`d
 * database, inside the restore's transaction.
 */
export async function dropSchemaObjects(db: AnyDb): Promise<void> {
  const relations = await sql<{ name: string; kind: string }>`
    SELECT quote_ident(c.relname) AS name, c.relkind::text AS kind FROM pg_class c
    WHERE c.relnamespace = ${currentSchemaOid} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND ${notFromExtension('pg_class')}`.execute(
    db,
  )
  const dropOf: Record<string, string> = { r: 'TABLE', p: 'TABLE', v: 'VIEW', m: 'MATERIALIZED VIEW', f: 'FOREIGN TABLE', S: 'SEQUENCE' }
  for (const kind of ['v', 'm', 'f', 'r', 'p', 'S']) {
    const names = relations.rows.filter((row) => row.kind === kind).map((row) => row.name)
    if (names.length > 0) await sql.raw(`DROP ${dropOf[kind]} IF EXISTS ${names.join(', ')} CASCADE`).execute(db)
  }
  const functions = await sql<{ signature: string }>`
    SELECT format('%I.%I(%s)', current_schema(), c.proname, pg_get_function_identity_arguments(c.oid)) AS signature FROM pg_proc c
    WHERE c.pronamespace = ${currentSchemaOid} AND ${notFromExtension('pg_proc')}`.execute(db)
  for (const { signature } of functions.rows) await sql.raw(`DROP ROUTINE IF EXISTS ${signature} CASCADE`).execute(db)
}
