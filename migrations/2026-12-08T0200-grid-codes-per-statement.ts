import { type Kysely, sql } from 'kysely'

// Grid codes are registered once per INSERT statement instead of once per row: the row trigger
// (2026-11-25T0100-codes-and-proposals) inserted into grid_codes for each grid, which was half the
// time of writing an import of 100,000 grids on PGlite (measured: 10,000 grids, 2.6–3.2 s CPU with
// the row trigger, 1.0–1.7 s with these). Same rules, same errors: a first version may only take a
// code never seen before (grid_codes_never_reused, still checked per row before the insert, so it
// is the error a reused code meets first), a later version needs an active code
// (grid_codes_active, checked after the statement registered its new codes). The deferred foreign
// key grids_code_registered stays.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER grids_register_code ON grids`.execute(db)
  await sql`DROP FUNCTION grids_register_code()`.execute(db)
  await sql`
    CREATE FUNCTION grids_code_never_used() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.version = 1 AND EXISTS (SELECT 1 FROM grid_codes WHERE code = NEW.code) THEN
        RAISE EXCEPTION 'grid code % was used before and can never be given again', NEW.code
          USING ERRCODE = 'unique_violation', CONSTRAINT = 'grid_codes_never_reused';
      END IF;
      RETURN NEW;
    END $$`.execute(db)
  await sql`CREATE TRIGGER grids_code_never_used BEFORE INSERT ON grids
    FOR EACH ROW EXECUTE FUNCTION grids_code_never_used()`.execute(db)
  await sql`
    CREATE FUNCTION grids_register_codes() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      refused text;
    BEGIN
      INSERT INTO grid_codes (code, region_code, kind) SELECT code, region_code, kind FROM inserted WHERE version = 1;
      SELECT i.code INTO refused FROM inserted i
      WHERE i.version > 1 AND NOT EXISTS (SELECT 1 FROM grid_codes c WHERE c.code = i.code AND c.status = 'active') LIMIT 1;
      IF refused IS NOT NULL THEN
        RAISE EXCEPTION 'grid code % is not active: a new version needs an active code', refused
          USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'grid_codes_active';
      END IF;
      RETURN NULL;
    END $$`.execute(db)
  await sql`CREATE TRIGGER grids_register_codes AFTER INSERT ON grids
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION grids_register_codes()`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER grids_register_codes ON grids`.execute(db)
  await sql`DROP FUNCTION grids_register_codes()`.execute(db)
  await sql`DROP TRIGGER grids_code_never_used ON grids`.execute(db)
  await sql`DROP FUNCTION grids_code_never_used()`.execute(db)
  await sql`
    CREATE FUNCTION grids_register_code() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.version = 1 THEN
        IF EXISTS (SELECT 1 FROM grid_codes WHERE code = NEW.code) THEN
          RAISE EXCEPTION 'grid code % was used before and can never be given again', NEW.code
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'grid_codes_never_reused';
        END IF;
        INSERT INTO grid_codes (code, region_code, kind) VALUES (NEW.code, NEW.region_code, NEW.kind);
      ELSIF NOT EXISTS (SELECT 1 FROM grid_codes WHERE code = NEW.code AND status = 'active') THEN
        RAISE EXCEPTION 'grid code % is not active: a new version needs an active code', NEW.code
          USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'grid_codes_active';
      END IF;
      RETURN NEW;
    END $$`.execute(db)
  await sql`CREATE TRIGGER grids_register_code BEFORE INSERT ON grids
    FOR EACH ROW EXECUTE FUNCTION grids_register_code()`.execute(db)
}
