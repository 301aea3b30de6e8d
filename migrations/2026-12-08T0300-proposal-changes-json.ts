import { type Kysely, sql } from 'kysely'

// A proposal's changes are stored as the text they came as (json), not parsed into jsonb: nothing
// queries inside them, and an import's draft carries a township's thousand grids (~1.5 MB), which
// PostgreSQL takes about twice as long to store as jsonb (measured on PGlite: 63–78 ms against
// 35–38 ms a draft; docs/engine-notes.md). Readers get the same objects back.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE proposals ALTER COLUMN changes TYPE json USING changes::json`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE proposals ALTER COLUMN changes TYPE jsonb USING changes::jsonb`.execute(db)
}
