-- gridwork: the application role on real PostgreSQL (not needed for the embedded PGlite engine).
--
-- The API server should connect as gridwork_app, not as the owner of the tables. The owner (or a
-- superuser) runs the migrations and this script; gridwork_app may read and write what the API
-- needs, but the audit log (audit_log) and the proposal timeline (proposal_events) are
-- append-only for it: SELECT and INSERT, never UPDATE, DELETE or TRUNCATE. Grids, regions and
-- proposals are never DELETEd (old grid versions are closed, never removed); only layers that an
-- import replaces wholesale (buildings, reference layers) are, each replacement audited.
-- The audit_log triggers refuse UPDATE/DELETE/TRUNCATE for everyone on both engines; these
-- grants add the second lock that a trigger cannot give: gridwork_app cannot disable triggers
-- or drop the table, because it owns nothing.
--
-- Run as the table owner or a superuser, with search_path set to gridwork's schema (default
-- public), after `npm run migrate`, and again after every migration that adds a table:
--
--   psql "$OWNER_DATABASE_URL" -v ON_ERROR_STOP=1 -f scripts/sql/app-role.sql
--   psql "$OWNER_DATABASE_URL" -c "ALTER ROLE gridwork_app PASSWORD '…'"
--
-- then start the server with DATABASE_URL=postgres://gridwork_app:…@host/db. The server checks
-- the migration table at start-up; with the schema up to date that needs only SELECT on it.
-- (Do not use the demo seeding with gridwork_app: `seed:demo --force` deletes demo rows.)
-- The script is idempotent: it revokes what it does not grant, so re-running it also repairs
-- drift.

-- The role (cluster-wide). It can log in once the operator gives it a password.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gridwork_app') THEN
    CREATE ROLE gridwork_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
  END IF;
END $$;

-- Use of gridwork's schema (the first in search_path) and of PostGIS (in public), no CREATE;
-- start from nothing on every table and sequence of gridwork's schema.
DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO gridwork_app', current_schema());
  EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM gridwork_app', current_schema());
  EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM gridwork_app', current_schema());
  EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM gridwork_app', current_schema());
END $$;
GRANT USAGE ON SCHEMA public TO gridwork_app;

-- Read and write (versions are closed with UPDATE valid_to; codes retired with UPDATE status).
GRANT SELECT, INSERT, UPDATE ON TABLE
  regions,
  grids,
  users,
  app_meta,
  grid_codes,
  grid_lineage,
  proposals,
  addresses,
  api_keys,
  import_field_maps
TO gridwork_app;

-- Replaced wholesale by an import (server/buildings, server/reference), so deleted as well.
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE buildings, reference_layers, reference_features TO gridwork_app;

-- Append-only: read and add, nothing else.
GRANT SELECT, INSERT ON TABLE audit_log, proposal_events, lookup_log TO gridwork_app;

-- The migration bookkeeping: read only (the server checks that the schema is up to date).
GRANT SELECT ON TABLE kysely_migration, kysely_migration_lock TO gridwork_app;

-- Identity columns draw their numbers without sequence privileges; no sequence grants needed.
