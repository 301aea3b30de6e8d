import { type Kysely, sql } from 'kysely'
import type { DatabaseHandle } from '../db/connect.js'
import {
  type ColumnShape,
  dropSchemaObjects,
  foreignKeys,
  type TableShape,
  tableNames,
  tablesHoldingRows,
  tablesToDump,
} from './catalog.js'
import { countAndChecksum, useNeutralTextSettings } from './checksums.js'
import { type DumpManifest, type DumpTable, type DumpValue, readDump, RestoreRefusal, storedColumns } from './dump-format.js'
import { appliedSchemaVersion, checkSchemaVersion, LATEST_SCHEMA_VERSION, migrateWithin } from './schema-version.js'

// Restores a dump into an empty database (or, with `replace`, over everything in it) in ONE
// transaction: the schema is built by the migrations up to the dump's schema version, the rows
// are loaded with user triggers off (the append-only and code-registering triggers would refuse
// or duplicate them) and foreign keys dropped (re-added afterwards, which checks every row), id
// sequences are set past the highest id, every table's count and checksum is compared with the
// manifest, and the newer migrations run last. Any failure rolls everything back. The file is
// read through once before the transaction starts, so a damaged or foreign file is refused
// without a single write.

// biome-ignore lint/suspicious/noExplicitAny: a transaction over the gridwork Database type
type AnyDb = Kysely<any>

export interface TableVerdict {
  table: string
  rows: number
  expectedRows: number
  checksum: string
  expectedChecksum: string
  ok: boolean
}

export interface RestoreSummary {
  manifest: DumpManifest
  /** Migrations run after the rows were loaded (the dump's schema was older than this code's). */
  migratedAfterLoad: string[]
  tables: TableVerdict[]
  ms: number
}

export interface RestoreOptions {
  /** Replace whatever the target holds (in the same one transaction). */
  replace?: boolean
  /** The manifest from an earlier read of the same file (skips the first read-through). */
  checked?: DumpManifest
  log?: (message: string) => void
}

/** Reads a dump through and checks that this code can restore it; throws RestoreRefusal otherwise. */
export async function checkDumpFile(file: string): Promise<DumpManifest> {
  const manifest = await readDump(file)
  checkSchemaVersion(file, manifest.schemaVersion)
  return manifest
}

export async function restoreDump(database: DatabaseHandle, file: string, options: RestoreOptions = {}): Promise<RestoreSummary> {
  const started = performance.now()
  const log = options.log ?? (() => {})
  const manifest = options.checked ?? (await checkDumpFile(file))
  return database.kysely.transaction().execute(async (trx) => {
    await useNeutralTextSettings(trx)
    if (!options.replace) {
      const holding = await tablesHoldingRows(trx)
      if (holding.length > 0) throw notEmpty(holding)
      // Empty tables of a gridwork schema are rebuilt; empty tables of something else are not ours to drop.
      const tables = await tableNames(trx)
      if (tables.length > 0 && !(await appliedSchemaVersion(trx))) throw foreignTables(tables)
    }
    await dropSchemaObjects(trx)
    await migrateWithin(trx, manifest.schemaVersion)
    const shapes = await tablesToDump(trx)
    checkShapes(file, manifest, shapes)

    const keys = await foreignKeys(trx)
    for (const key of keys) await sql`ALTER TABLE ${sql.table(key.table)} DROP CONSTRAINT ${sql.ref(key.name)}`.execute(trx)
    for (const table of manifest.tables) await sql`ALTER TABLE ${sql.table(table.name)} DISABLE TRIGGER USER`.execute(trx)
    const loaded = new Map<string, number>()
    await readDump(file, {
      async rows(table, rows) {
        await insertRows(trx, table, rows)
        const total = (loaded.get(table.name) ?? 0) + rows.length
        loaded.set(table.name, total)
        if (total === table.rows) log(`${table.name}: ${total} rows`)
      },
    })
    for (const table of manifest.tables) await sql`ALTER TABLE ${sql.table(table.name)} ENABLE TRIGGER USER`.execute(trx)
    for (const key of keys) {
      await sql`ALTER TABLE ${sql.table(key.table)} ADD CONSTRAINT ${sql.ref(key.name)} ${sql.raw(key.definition)}`.execute(trx)
    }
    await resetSequences(trx, manifest)

    const tables = await compareWithManifest(trx, manifest)
    const wrong = tables.filter((verdict) => !verdict.ok)
    if (wrong.length > 0) throw verificationFailed(file, wrong)
    const migratedAfterLoad = await migrateWithin(trx, LATEST_SCHEMA_VERSION)
    return { manifest, migratedAfterLoad, tables, ms: Math.round(performance.now() - started) }
  })
}

/** Counts and checksums of the database's tables against a dump's manifest (in the current schema version). */
export async function compareWithManifest(db: AnyDb, manifest: DumpManifest): Promise<TableVerdict[]> {
  const verdicts: TableVerdict[] = []
  for (const table of manifest.tables) {
    const { rows, checksum } = await countAndChecksum(db, table)
    verdicts.push({
      table: table.name,
      rows,
      expectedRows: table.rows,
      checksum,
      expectedChecksum: table.checksum,
      ok: rows === table.rows && checksum === table.checksum,
    })
  }
  return verdicts
}

/** The same comparison in a read-only transaction of its own, after a restore committed (move-to-postgres checks both sides). */
export async function verifyAgainstManifest(database: DatabaseHandle, manifest: DumpManifest): Promise<TableVerdict[]> {
  return database.kysely
    .transaction()
    .setAccessMode('read only')
    .execute(async (trx) => {
      await useNeutralTextSettings(trx)
      if ((await appliedSchemaVersion(trx)) !== manifest.schemaVersion) {
        throw new Error('the database has been migrated past the dump since: its tables cannot be compared with the dump')
      }
      return compareWithManifest(trx, manifest)
    })
}

/** `users: 6 rows, app_meta: 1 row` */
export const describeHolding = (holding: { table: string; rows: number }[]) =>
  holding.map(({ table, rows }) => `${table}: ${rows} ${rows === 1 ? 'row' : 'rows'}`).join(', ')

function notEmpty(holding: { table: string; rows: number }[]): RestoreRefusal {
  return new RestoreRefusal(
    'not_empty',
    `The target database already holds data (${describeHolding(holding)}). A restore writes only into an empty database: use an empty one, or run again with --replace to replace everything in it (in one transaction: all or nothing). Nothing was written.`,
  )
}

function foreignTables(tables: string[]): RestoreRefusal {
  return new RestoreRefusal(
    'not_empty',
    `The target database holds tables that gridwork did not make (${tables.join(', ')}). A restore writes only into an empty database: use an empty one, or run again with --replace to replace everything in it (in one transaction: all or nothing). Nothing was written.`,
  )
}

function verificationFailed(file: string, wrong: TableVerdict[]): RestoreRefusal {
  const list = wrong.map(
    (verdict) => `${verdict.table}: ${verdict.rows} rows loaded of ${verdict.expectedRows}, checksum ${verdict.ok ? 'same' : 'differs'}`,
  )
  return new RestoreRefusal(
    'verification_failed',
    `The rows restored from ${file} do not match its manifest (${list.join('; ')}). Nothing was written.`,
  )
}

const sameColumn = (a: ColumnShape, b: ColumnShape) =>
  a.name === b.name && a.type === b.type && a.generated === b.generated && a.identity === b.identity

/** The schema built by the migrations must be the one the dump was taken from, table by table and column by column. */
function checkShapes(file: string, manifest: DumpManifest, shapes: TableShape[]): void {
  const built = new Map(shapes.map((shape) => [shape.name, shape]))
  const problems: string[] = []
  for (const table of manifest.tables) {
    const shape = built.get(table.name)
    if (!shape) problems.push(`table ${table.name} is not in schema ${manifest.schemaVersion}`)
    else if (
      shape.columns.length !== table.columns.length ||
      !shape.columns.every((column, i) => sameColumn(column, table.columns[i] as ColumnShape))
    ) {
      problems.push(`table ${table.name} has other columns than schema ${manifest.schemaVersion} gives it`)
    }
    built.delete(table.name)
  }
  for (const name of built.keys()) problems.push(`table ${name} of schema ${manifest.schemaVersion} is missing from it`)
  if (problems.length > 0) {
    throw new RestoreRefusal('shape_mismatch', `${file} does not match the schema it names (${problems.join('; ')}). Nothing was restored.`)
  }
}

async function insertRows(trx: AnyDb, table: DumpTable, rows: DumpValue[][]): Promise<void> {
  const columns = storedColumns(table)
  const arrays = columns.map((_, i) => rows.map((row) => row[i] ?? null))
  const aliases = columns.map((_, i) => sql.ref(`c${i}`))
  const identity = columns.some((column) => column.identity)
  await sql`
    INSERT INTO ${sql.table(table.name)} (${sql.join(columns.map((column) => sql.ref(column.name)))})
    ${identity ? sql`OVERRIDING SYSTEM VALUE` : sql``}
    SELECT ${sql.join(columns.map((column, i) => sql`${sql.ref(`u.c${i}`)}::${sql.raw(column.type)}`))}
    FROM unnest(${sql.join(arrays.map((values) => sql`${values}::text[]`))}) AS u(${sql.join(aliases)})`.execute(trx)
}

/** Each id sequence continues after the highest id restored, and never below where the source's stood (when the dump knows). */
async function resetSequences(trx: AnyDb, manifest: DumpManifest): Promise<void> {
  for (const table of manifest.tables) {
    for (const column of storedColumns(table)) {
      const { rows } = await sql<{ sequence: string | null }>`
        SELECT pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident(${table.name}), ${column.name}) AS sequence`.execute(
        trx,
      )
      const sequence = rows[0]?.sequence
      if (!sequence) continue
      const highest = await sql<{
        id: number | null
      }>`SELECT max(${sql.ref(column.name)})::int8 AS id FROM ${sql.table(table.name)}`.execute(trx)
      const state = manifest.sequences.find((entry) => entry.table === table.name && entry.column === column.name)
      const dumped = state ? (state.isCalled ? state.lastValue : state.lastValue - 1) : 0
      const value = Math.max(dumped, Number(highest.rows[0]?.id ?? 0))
      if (value >= 1) await sql`SELECT setval(${sequence}, ${value}, true)`.execute(trx)
      else await sql`SELECT setval(${sequence}, 1, false)`.execute(trx)
    }
  }
}
