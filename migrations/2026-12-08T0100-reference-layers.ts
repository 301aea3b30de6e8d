import { type Kysely, sql } from 'kysely'

// Reference layers: roads (with a class), water, building footprints or any other line/polygon
// layer a county imports, drawn under the grids and snapped to by the editor. A layer belongs to
// a region subtree (region_code is a significant prefix: county 990101, or wider) and is replaced
// as a whole by name. Written only by server/reference/reference.repository.ts.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE reference_layers (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      region_code   text NOT NULL CHECK (region_code ~ '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$'),
      name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
      kind          text NOT NULL CHECK (kind IN ('road', 'water', 'building', 'other')),
      feature_count integer NOT NULL DEFAULT 0 CHECK (feature_count >= 0),
      created_at    timestamptz NOT NULL DEFAULT now(),
      created_by    text NOT NULL,
      UNIQUE (region_code, name)
    )`.execute(db)
  await sql`CREATE INDEX reference_layers_region_idx ON reference_layers (region_code text_pattern_ops)`.execute(db)
  await sql`
    CREATE TABLE reference_features (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      layer_id   bigint NOT NULL REFERENCES reference_layers (id) ON DELETE CASCADE,
      name       text,
      class      text,
      properties jsonb NOT NULL DEFAULT '{}'::jsonb,
      geom       geometry(Geometry, 4490) NOT NULL
    )`.execute(db)
  await sql`CREATE INDEX reference_features_layer_idx ON reference_features (layer_id)`.execute(db)
  await sql`CREATE INDEX reference_features_geom_idx ON reference_features USING gist (geom)`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE reference_features`.execute(db)
  await sql`DROP TABLE reference_layers`.execute(db)
}
