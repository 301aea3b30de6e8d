import { type Kysely, sql } from 'kysely'

// Whether a proposal is the first division of its area (some profiles chain it differently)
// becomes a column of its own. It was kept as the key `__initial` inside base_versions, which
// otherwise maps grid codes to the versions the draft was computed on; existing rows move it over
// (only a JSON true counted, as before) and lose the key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE proposals ADD COLUMN initial_division boolean NOT NULL DEFAULT false`.execute(db)
  await sql`
    UPDATE proposals
    SET initial_division = (base_versions -> '__initial') = 'true'::jsonb,
        base_versions = base_versions - '__initial'
    WHERE base_versions ? '__initial'`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE proposals SET base_versions = base_versions || jsonb_build_object('__initial', initial_division)`.execute(db)
  await sql`ALTER TABLE proposals DROP COLUMN initial_division`.execute(db)
}
