import { type Kysely, sql } from 'kysely'

// A proposal's title and reason may be NULL: the author has not typed one, and each reader gets a
// default worded in their own language (server/i18n/proposal-text.ts) instead of one stored in the
// language of whoever started the draft. A typed one still may not be empty.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE proposals ALTER COLUMN title DROP NOT NULL, ALTER COLUMN reason DROP NOT NULL`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE proposals SET title = coalesce(title, '网格调整'), reason = coalesce(reason, '网格调整')`.execute(db)
  await sql`ALTER TABLE proposals ALTER COLUMN title SET NOT NULL, ALTER COLUMN reason SET NOT NULL`.execute(db)
}
