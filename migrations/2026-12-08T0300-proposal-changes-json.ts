import { type Kysely, sql } from 'kysely'

// A proposal's changes are stored as the text they came as (json, not jsonb) and uncompressed
// (STORAGE EXTERNAL): nothing queries inside them, and an import's draft carries a township's
// thousand grids (~1.6 MB) whose parsing into jsonb and pglz compression cost more than sending
// them (measured on PGlite, per 1.6 MB draft: jsonb 63–78 ms, json 32–42 ms, json uncompressed
// 21–25 ms, the parameter alone 19 ms; docs/engine-notes.md). Readers get the same objects back.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE proposals ALTER COLUMN changes TYPE json USING changes::json`.execute(db)
  await sql`ALTER TABLE proposals ALTER COLUMN changes SET STORAGE EXTERNAL`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE proposals ALTER COLUMN changes SET STORAGE EXTENDED`.execute(db)
  await sql`ALTER TABLE proposals ALTER COLUMN changes TYPE jsonb USING changes::jsonb`.execute(db)
}
