import { type Kysely, sql } from 'kysely'

// The audit log is append-only on both engines: the initial migration's row trigger refuses
// UPDATE and DELETE, but TRUNCATE fires no row triggers, so a statement-level trigger refuses it
// too. (On real PostgreSQL the app role also lacks UPDATE/DELETE/TRUNCATE grants:
// scripts/sql/app-role.sql. A table owner or superuser can still disable triggers; that is what
// the separate app role is for.)
// Also an index for GET /api/v1/audit: region prefix (LIKE 'prefix%', so text_pattern_ops) with
// the id cursor, newest first.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`.execute(db)
  await sql`CREATE INDEX audit_log_region_id_idx ON audit_log (region_code text_pattern_ops, id DESC)`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS audit_log_region_id_idx`.execute(db)
  await sql`DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log`.execute(db)
}
