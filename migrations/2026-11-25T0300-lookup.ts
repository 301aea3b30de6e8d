import { type Kysely, sql } from 'kysely'

// The lookup service's tables (issue 7): the standard-address registry (地址库), department API
// keys, and the append-only lookup access log. Plain SQL that runs on PostgreSQL 15 + PostGIS 3.3
// and on PGlite. Address matching needs no extension: pg_trgm splits text on non-alphanumeric
// characters of the database locale, so it does not give trigrams of Chinese text reliably on
// both engines. Matching is exact on `normalised` plus prefix/substring candidates scored in the
// application (server/addresses/address-lookup.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per standard address. `normalised` is the address with full-width folded, region-name
  // prefixes removed and number variants unified; region_code is the finest region the address
  // (or its point) names, county or finer, and scopes the row. Re-imports upsert on
  // (region_code, normalised), so a rerun never duplicates.
  await sql`
    CREATE TABLE addresses (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      region_code   char(12) NOT NULL REFERENCES regions (code),
      province_code char(2) NOT NULL GENERATED ALWAYS AS (substr(region_code, 1, 2)) STORED,
      address       text NOT NULL CHECK (length(address) > 0),
      normalised    text NOT NULL CHECK (length(normalised) > 0),
      geom          geometry(Point, 4490) NOT NULL,
      source        text,
      imported_at   timestamptz NOT NULL DEFAULT now(),
      UNIQUE (region_code, normalised)
    )`.execute(db)
  // Exact and prefix (LIKE 'x%') matching on the normalised text, any region; region filter after.
  await sql`CREATE INDEX addresses_normalised_idx ON addresses (normalised text_pattern_ops)`.execute(db)
  await sql`CREATE INDEX addresses_region_idx ON addresses (region_code)`.execute(db)

  // Department API keys. Only a SHA-256 of the key is stored (the key is 190 random bits, so a
  // slow hash adds nothing); key_prefix is shown in lists so people can tell keys apart.
  await sql`
    CREATE TABLE api_keys (
      id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      department            text NOT NULL CHECK (length(department) BETWEEN 1 AND 100),
      key_hash              text NOT NULL UNIQUE,
      key_prefix            text NOT NULL,
      region_prefix         text NOT NULL CHECK (region_prefix ~ '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})?$'),
      province_code         text NOT NULL GENERATED ALWAYS AS (substr(region_prefix, 1, 2)) STORED,
      rate_limit_per_minute integer NOT NULL DEFAULT 600 CHECK (rate_limit_per_minute BETWEEN 1 AND 1000000),
      created_by            text NOT NULL,
      created_at            timestamptz NOT NULL DEFAULT now(),
      revoked_at            timestamptz,
      revoked_by            text,
      last_used_at          timestamptz
    )`.execute(db)
  await sql`CREATE INDEX api_keys_region_idx ON api_keys (region_prefix text_pattern_ops)`.execute(db)

  // Who asked what, when, with what result. Addresses are stored masked and coordinates rounded
  // (people's addresses are sensitive). Append-only like audit_log: triggers on both engines,
  // and SELECT/INSERT-only grants for the app role (scripts/sql/app-role.sql).
  await sql`
    CREATE TABLE lookup_log (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at            timestamptz NOT NULL DEFAULT now(),
      api_key_id    bigint REFERENCES api_keys (id),
      username      text,
      region_code   text NOT NULL DEFAULT '',
      province_code text NOT NULL GENERATED ALWAYS AS (substr(region_code, 1, 2)) STORED,
      kind          text NOT NULL CHECK (kind IN ('point', 'address', 'batch')),
      query         text,
      grid_code     text,
      rows          integer CHECK (rows >= 0),
      status        smallint NOT NULL,
      ms            real,
      CHECK (api_key_id IS NOT NULL OR username IS NOT NULL)
    )`.execute(db)
  await sql`CREATE INDEX lookup_log_key_idx ON lookup_log (api_key_id, at)`.execute(db)
  await sql`CREATE INDEX lookup_log_region_idx ON lookup_log (region_code text_pattern_ops, at)`.execute(db)
  await sql`
    CREATE FUNCTION lookup_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'lookup_log is append-only' USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db)
  await sql`
    CREATE TRIGGER lookup_log_append_only BEFORE UPDATE OR DELETE ON lookup_log
    FOR EACH ROW EXECUTE FUNCTION lookup_log_append_only()`.execute(db)
  await sql`
    CREATE TRIGGER lookup_log_no_truncate BEFORE TRUNCATE ON lookup_log
    FOR EACH STATEMENT EXECUTE FUNCTION lookup_log_append_only()`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['lookup_log', 'api_keys', 'addresses']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)} CASCADE`.execute(db)
  }
  await sql`DROP FUNCTION IF EXISTS lookup_log_append_only()`.execute(db)
}
