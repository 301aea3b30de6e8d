import { type Kysely, sql } from 'kysely'

// The address registry's points by bounding box: the OGC API's addresses collection takes `bbox`,
// and a map client sends one on every pan. The buildings table has had this index from the start.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX addresses_geom_idx ON addresses USING gist (geom)`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS addresses_geom_idx`.execute(db)
}
