import { type Kysely, sql } from 'kysely'
import { migrations } from '../../migrations/index.js'
import { RestoreRefusal } from './dump-format.js'

// A dump's schema version is the name of the last migration applied to its source. A restore
// builds the same schema by running those migrations, loads the rows, then runs the newer ones —
// all inside the restore's one transaction. Kysely's Migrator opens a transaction of its own (it
// cannot run inside one), so the migrations run here directly and are recorded in Kysely's
// bookkeeping tables exactly as its Migrator records them; later `migrateToLatest` continues from
// there.

// biome-ignore lint/suspicious/noExplicitAny: migrations run on any Kysely (here a Transaction)
type AnyDb = Kysely<any>

/** Every migration this code knows, oldest first (their names sort by time). */
export const KNOWN_SCHEMA_VERSIONS = Object.keys(migrations).sort()
export const LATEST_SCHEMA_VERSION = KNOWN_SCHEMA_VERSIONS[KNOWN_SCHEMA_VERSIONS.length - 1] as string

/** The last migration applied to the current schema; null when it has none (not a gridwork database). */
export async function appliedSchemaVersion(db: AnyDb): Promise<string | null> {
  const { rows } = await sql<{ present: boolean }>`SELECT to_regclass('kysely_migration') IS NOT NULL AS present`.execute(db)
  if (!rows[0]?.present) return null
  const last = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name COLLATE "C" DESC LIMIT 1`.execute(db)
  return last.rows[0]?.name ?? null
}

/** Refuses a dump whose schema this code cannot build. */
export function checkSchemaVersion(file: string, version: string): void {
  if (KNOWN_SCHEMA_VERSIONS.includes(version)) return
  if (version > LATEST_SCHEMA_VERSION) {
    throw new RestoreRefusal(
      'newer_schema',
      `${file} was made by a newer gridwork: schema ${version}; this version knows up to ${LATEST_SCHEMA_VERSION}; update gridwork first.`,
    )
  }
  throw new RestoreRefusal(
    'unknown_schema',
    `${file} has schema ${version}, which this version of gridwork does not know (it knows ${KNOWN_SCHEMA_VERSIONS[0]} … ${LATEST_SCHEMA_VERSION}). Nothing was restored.`,
  )
}

/** Applies the known migrations up to and including `until` that are not applied yet; returns their names. */
export async function migrateWithin(trx: AnyDb, until: string): Promise<string[]> {
  await sql`CREATE TABLE IF NOT EXISTS kysely_migration (name varchar(255) NOT NULL PRIMARY KEY, timestamp varchar(255) NOT NULL)`.execute(
    trx,
  )
  await sql`CREATE TABLE IF NOT EXISTS kysely_migration_lock (id varchar(255) NOT NULL PRIMARY KEY, is_locked integer NOT NULL DEFAULT 0)`.execute(
    trx,
  )
  await sql`INSERT INTO kysely_migration_lock (id, is_locked) VALUES ('migration_lock', 0) ON CONFLICT (id) DO NOTHING`.execute(trx)
  const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(trx)
  const applied = new Set(rows.map((row) => row.name))
  const done: string[] = []
  for (const name of KNOWN_SCHEMA_VERSIONS) {
    if (name > until) break
    if (applied.has(name)) continue
    await (migrations[name] as (typeof migrations)[string]).up(trx)
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${name}, ${new Date().toISOString()})`.execute(trx)
    done.push(name)
  }
  return done
}
