import { type Kysely, sql } from 'kysely'

// The initial schema. Written as plain SQL so it reads like the PostGIS it runs on; it must run
// unchanged on PostgreSQL 15 + PostGIS 3.3 and on PGlite (PostgreSQL 18 + PostGIS 3.6).
// Every table carries the region code it belongs to, so the data can later be partitioned by
// province (DESIGN.md, "Beyond one machine").
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS postgis`.execute(db)

  // 行政区划: 12-digit statistical division codes. level 1 province … 5 village/community.
  await sql`
    CREATE TABLE regions (
      code          char(12) PRIMARY KEY CHECK (code ~ '^[0-9]{12}$'),
      name          text NOT NULL CHECK (length(name) > 0),
      level         smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
      parent_code   char(12) REFERENCES regions (code),
      urban_rural   char(3) CHECK (urban_rural ~ '^[12][0-9]{2}$'),
      province_code char(2) NOT NULL GENERATED ALWAYS AS (substr(code, 1, 2)) STORED,
      boundary      geometry(MultiPolygon, 4490),
      created_at    timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`CREATE INDEX regions_parent_idx ON regions (parent_code)`.execute(db)
  await sql`CREATE INDEX regions_boundary_idx ON regions USING gist (boundary)`.execute(db)

  // Grids keep every version as its own row: a change closes valid_to and opens a new row with
  // version + 1. At most one open row per code. Rows are never deleted.
  await sql`
    CREATE TABLE grids (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      code          text NOT NULL CHECK (code ~ '^[0-9]{12,24}$'),
      version       integer NOT NULL CHECK (version >= 1),
      name          text NOT NULL CHECK (length(name) > 0),
      kind          text NOT NULL CHECK (kind IN ('comprehensive', 'dedicated', 'micro')),
      region_code   char(12) NOT NULL REFERENCES regions (code),
      province_code char(2) NOT NULL GENERATED ALWAYS AS (substr(region_code, 1, 2)) STORED,
      parent_code   text,
      geom          geometry(MultiPolygon, 4490) NOT NULL,
      households    integer CHECK (households >= 0),
      population    integer CHECK (population >= 0),
      count_date    date,
      valid_from    date NOT NULL,
      valid_to      date,
      attributes    jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at    timestamptz NOT NULL DEFAULT now(),
      created_by    text,
      UNIQUE (code, version),
      CHECK (valid_to IS NULL OR valid_to > valid_from),
      CHECK ((kind = 'comprehensive') = (parent_code IS NULL))
    )`.execute(db)
  await sql`CREATE UNIQUE INDEX grids_one_open_row_idx ON grids (code) WHERE valid_to IS NULL`.execute(db)
  await sql`CREATE INDEX grids_region_idx ON grids (region_code)`.execute(db)
  await sql`CREATE INDEX grids_geom_idx ON grids USING gist (geom)`.execute(db)
  await sql`CREATE INDEX grids_valid_idx ON grids (valid_from, valid_to)`.execute(db)

  // Building points with household counts (the demo county has them; imports may add them).
  await sql`
    CREATE TABLE buildings (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      region_code   char(12) NOT NULL REFERENCES regions (code),
      province_code char(2) NOT NULL GENERATED ALWAYS AS (substr(region_code, 1, 2)) STORED,
      address       text,
      households    integer NOT NULL CHECK (households >= 0),
      geom          geometry(Point, 4490) NOT NULL
    )`.execute(db)
  await sql`CREATE INDEX buildings_region_idx ON buildings (region_code)`.execute(db)
  await sql`CREATE INDEX buildings_geom_idx ON buildings USING gist (geom)`.execute(db)

  // Users are scoped to a region code prefix: '' (all), '99' province … '990101001' township.
  await sql`
    CREATE TABLE users (
      id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.-]{2,64}$'),
      display_name  text NOT NULL,
      password_hash text NOT NULL,
      role          text NOT NULL CHECK (role IN ('admin', 'city', 'county', 'township', 'department')),
      region_prefix text NOT NULL CHECK (region_prefix ~ '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})?$'),
      disabled      boolean NOT NULL DEFAULT false,
      created_at    timestamptz NOT NULL DEFAULT now()
    )`.execute(db)

  // Append-only audit log: who, when, what, before/after. A trigger refuses UPDATE and DELETE on
  // both engines; on real PostgreSQL the app role should also lack those grants.
  await sql`
    CREATE TABLE audit_log (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at            timestamptz NOT NULL DEFAULT now(),
      username      text,
      role          text,
      region_code   text NOT NULL DEFAULT '',
      action        text NOT NULL,
      entity        text NOT NULL,
      entity_id     text,
      before        jsonb,
      after         jsonb
    )`.execute(db)
  await sql`CREATE INDEX audit_log_region_idx ON audit_log (region_code, at)`.execute(db)
  await sql`
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db)
  await sql`
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`.execute(db)

  // Small key/value facts about this database: demo seeded, signing secret, …
  await sql`
    CREATE TABLE app_meta (
      key   text PRIMARY KEY,
      value jsonb NOT NULL
    )`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['app_meta', 'audit_log', 'users', 'buildings', 'grids', 'regions']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)} CASCADE`.execute(db)
  }
  await sql`DROP FUNCTION IF EXISTS audit_log_append_only()`.execute(db)
}
