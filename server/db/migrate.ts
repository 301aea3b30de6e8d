import { type Migration, type MigrationProvider, type MigrationResultSet, Migrator, sql } from 'kysely'
import { migrations } from '../../migrations/index.js'
import type { Db } from './database.js'

const provider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => migrations,
}

async function migratorOf(db: Db): Promise<Migrator> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one; name the
  // current schema so databases that hold several (e.g. one per test file) do not mix them up.
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db)
  return new Migrator({ db, provider, migrationTableSchema: rows[0]?.schema ?? 'public' })
}

/** Applies every pending migration in `migrations/`; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  return outcome(await (await migratorOf(db)).migrateToLatest())
}

/** Migrates up or down until `name` is the last applied (tests of a migration on older data). */
export async function migrateTo(db: Db, name: string): Promise<string[]> {
  return outcome(await (await migratorOf(db)).migrateTo(name))
}

function outcome({ error, results = [] }: MigrationResultSet): string[] {
  const failed = results.find((result) => result.status === 'Error')
  if (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`, { cause: error })
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName)
}
