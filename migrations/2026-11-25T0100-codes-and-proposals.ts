import { type Kysely, sql } from 'kysely'

// Codes, lineage and proposals (issue "Codes and the approval chain").
// - grid_codes holds every code ever given, active or retired, and is never deleted: a trigger on
//   grids refuses a new grid (version 1) whose code was ever used, so codes are never reused —
//   enforced by the database over all history, not only active rows.
// - grid_lineage records parent → child codes of splits and merges.
// - proposals are change sets moving through the profile's approval chain; proposal_events is
//   their timeline (every state change and comment, comments optionally pinned to a point).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE grid_codes (
      code          text PRIMARY KEY CHECK (code ~ '^[0-9]{12,24}$'),
      region_code   char(12) NOT NULL REFERENCES regions (code),
      province_code char(2) NOT NULL GENERATED ALWAYS AS (substr(region_code, 1, 2)) STORED,
      kind          text NOT NULL CHECK (kind IN ('comprehensive', 'dedicated', 'micro')),
      layout        text NOT NULL DEFAULT 'cn-stat-15',
      status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
      allocated_at  timestamptz NOT NULL DEFAULT now(),
      retired_on    date,
      proposal_id   bigint
    )`.execute(db)
  await sql`CREATE INDEX grid_codes_region_idx ON grid_codes (region_code)`.execute(db)

  // Every grid row's code is registered; a first version may only take a code never seen before.
  await sql`INSERT INTO grid_codes (code, region_code, kind, status)
    SELECT DISTINCT ON (code) code, region_code, kind,
           CASE WHEN bool_or(valid_to IS NULL) OVER (PARTITION BY code) THEN 'active' ELSE 'retired' END
    FROM grids ORDER BY code, version DESC`.execute(db)
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
  await sql`ALTER TABLE grids ADD CONSTRAINT grids_code_registered
    FOREIGN KEY (code) REFERENCES grid_codes (code) DEFERRABLE INITIALLY DEFERRED`.execute(db)

  await sql`
    CREATE TABLE grid_lineage (
      parent_code    text NOT NULL REFERENCES grid_codes (code),
      child_code     text NOT NULL REFERENCES grid_codes (code),
      relation       text NOT NULL CHECK (relation IN ('split', 'merge')),
      proposal_id    bigint,
      effective_date date NOT NULL,
      PRIMARY KEY (parent_code, child_code),
      CHECK (parent_code <> child_code)
    )`.execute(db)
  await sql`CREATE INDEX grid_lineage_child_idx ON grid_lineage (child_code)`.execute(db)

  await sql`
    CREATE TABLE proposals (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      region_code    char(12) NOT NULL REFERENCES regions (code),
      province_code  char(2) NOT NULL GENERATED ALWAYS AS (substr(region_code, 1, 2)) STORED,
      profile_id     text NOT NULL,
      title          text NOT NULL CHECK (length(title) > 0),
      reason         text NOT NULL CHECK (length(reason) > 0),
      state          text NOT NULL DEFAULT 'draft'
                     CHECK (state IN ('draft', 'submitted', 'reviewed', 'approved', 'filed', 'returned')),
      step           integer NOT NULL DEFAULT 0,
      changes        jsonb NOT NULL,
      base_versions  jsonb NOT NULL DEFAULT '{}'::jsonb,
      exceptions     jsonb NOT NULL DEFAULT '[]'::jsonb,
      validation     jsonb,
      stale          boolean NOT NULL DEFAULT false,
      document_no    text,
      effective_date date,
      applied_at     timestamptz,
      version        integer NOT NULL DEFAULT 1,
      created_by     text NOT NULL,
      created_at     timestamptz NOT NULL DEFAULT now(),
      updated_at     timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`CREATE INDEX proposals_region_idx ON proposals (region_code, state)`.execute(db)

  await sql`
    CREATE TABLE proposal_events (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      proposal_id    bigint NOT NULL REFERENCES proposals (id),
      region_code    char(12) NOT NULL,
      at             timestamptz NOT NULL DEFAULT now(),
      username       text NOT NULL,
      role           text NOT NULL,
      action         text NOT NULL,
      from_state     text,
      to_state       text,
      comment        text,
      location       geometry(Point, 4490),
      document_no    text,
      effective_date date
    )`.execute(db)
  await sql`CREATE INDEX proposal_events_proposal_idx ON proposal_events (proposal_id, at)`.execute(db)

  await sql`ALTER TABLE grids ADD COLUMN proposal_id bigint REFERENCES proposals (id)`.execute(db)
  await sql`ALTER TABLE grid_codes ADD CONSTRAINT grid_codes_proposal_fk FOREIGN KEY (proposal_id) REFERENCES proposals (id)`.execute(db)
  await sql`ALTER TABLE grid_lineage ADD CONSTRAINT grid_lineage_proposal_fk FOREIGN KEY (proposal_id) REFERENCES proposals (id)`.execute(
    db,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE grids DROP COLUMN IF EXISTS proposal_id`.execute(db)
  await sql`ALTER TABLE grids DROP CONSTRAINT IF EXISTS grids_code_registered`.execute(db)
  await sql`DROP TRIGGER IF EXISTS grids_register_code ON grids`.execute(db)
  await sql`DROP FUNCTION IF EXISTS grids_register_code()`.execute(db)
  for (const table of ['proposal_events', 'grid_lineage', 'grid_codes', 'proposals']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)} CASCADE`.execute(db)
  }
}
