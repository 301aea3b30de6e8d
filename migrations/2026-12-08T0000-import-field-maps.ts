import { type Kysely, sql } from 'kysely'

// The field map of the last import per region and import type (server/import/field-maps.repository.ts):
// the next preview of a file from the same office suggests it again.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE import_field_maps (
      region_code  text NOT NULL,
      import_type  text NOT NULL CHECK (import_type IN ('regions', 'grids', 'buildings', 'reference')),
      field_map    jsonb NOT NULL,
      updated_by   text NOT NULL,
      updated_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (region_code, import_type)
    )`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE import_field_maps`.execute(db)
}
