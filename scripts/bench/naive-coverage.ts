import { type Kysely, sql } from 'kysely'
import type { Db } from '../../server/db/database.js'
import type { Answers } from './report.js'

// The baseline for the coverage benchmark: the check a GIS analyst would write first in plain
// PostGIS, run on the same engine in the same process. Deliberately naive but not careless:
// one bulk load, a GiST index, one pass per question.
//
//   1. load the features into a temp table (timed: our engine also has to load them)
//   2. validity: ST_IsValid on every geometry
//   3. overlaps: self-join on ST_Intersects, ST_Intersection of each pair, keep pairs with area
//   4. gaps: ST_Difference(parent, ST_Union(all)) — or, with no parent, the union with its holes
//      filled minus the union (a hole may hold an island) — and the union's parts outside the parent
//
// Everything runs on one connection (temp tables are per connection on PostgreSQL).

/** The same answers the engine's report is reduced to (./report.ts), plus the feature count. */
export type NaiveAnswers = Answers & { features: number }

export interface NaiveResult {
  answers: NaiveAnswers
  /** Milliseconds per step; `total` is the baseline's figure. */
  ms: { load: number; validity: number; overlaps: number; gaps: number; total: number }
  /** Engine bugs worked around in this run (empty when none). */
  workarounds: string[]
}

const SRID = 4490

export async function naiveCoverage(db: Db, features: { features: unknown[] }, parent: unknown | undefined): Promise<NaiveResult> {
  return (db as unknown as Kysely<unknown>).connection().execute(async (conn) => {
    const ms = { load: 0, validity: 0, overlaps: 0, gaps: 0, total: 0 }
    const workarounds: string[] = []
    const started = performance.now()
    let step = started
    const lap = (name: keyof typeof ms) => {
      const now = performance.now()
      ms[name] = now - step
      step = now
    }

    // 1. Load. Ids as the engine reads them: feature.id, else properties.id, else the position.
    await sql`DROP TABLE IF EXISTS bench_naive_features`.execute(conn)
    await sql`CREATE TEMP TABLE bench_naive_features (id text PRIMARY KEY, geom geometry(Geometry, 4490) NOT NULL, valid boolean)`.execute(
      conn,
    )
    await sql`
      INSERT INTO bench_naive_features (id, geom)
      SELECT coalesce(f.feature ->> 'id', f.feature -> 'properties' ->> 'id', '#' || f.n),
             ST_SetSRID(ST_GeomFromGeoJSON(f.feature ->> 'geometry'), ${sql.lit(SRID)})
      FROM json_array_elements(${JSON.stringify(features.features)}::json) WITH ORDINALITY AS f(feature, n)`.execute(conn)
    await sql`CREATE INDEX ON bench_naive_features USING gist (geom)`.execute(conn)
    await sql`ANALYZE bench_naive_features`.execute(conn)
    lap('load')

    // 2. Validity, kept for the steps below.
    await sql`UPDATE bench_naive_features SET valid = ST_IsValid(geom)`.execute(conn)
    const validity = await sql<{ features: number; invalid: number }>`
      SELECT count(*)::int AS features, count(*) FILTER (WHERE NOT valid)::int AS invalid
      FROM bench_naive_features`.execute(conn)
    lap('validity')

    // 3. Overlaps: every intersecting pair, its intersection, and the area of that. Invalid
    //    geometries are left out (GEOS would throw on them), as a careful analyst would.
    const overlaps = await sql<{ overlaps: number; overlaps_ge_1m2: number; overlap_area_m2: number }>`
      WITH pairs AS (
        SELECT a.id AS a, b.id AS b, ST_Intersection(a.geom, b.geom) AS shared
        FROM bench_naive_features a
        JOIN bench_naive_features b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)
        WHERE a.valid AND b.valid
      ),
      overlapping AS (
        SELECT a, b, ST_Area(ST_CollectionExtract(shared, 3)::geography) AS area_m2
        FROM pairs
        WHERE ST_Area(shared) > 0
      )
      SELECT count(*)::int AS overlaps,
             count(*) FILTER (WHERE area_m2 >= 1)::int AS overlaps_ge_1m2,
             coalesce(sum(area_m2), 0)::float8 AS overlap_area_m2
      FROM overlapping`.execute(conn)
    lap('overlaps')

    // 4. Gaps (and parts outside the parent) from the union of all valid features.
    await sql`DROP TABLE IF EXISTS bench_naive_union`.execute(conn)
    await sql`CREATE TEMP TABLE bench_naive_union AS
      SELECT ST_Union(geom) AS geom FROM bench_naive_features WHERE valid`.execute(conn)
    let gaps = await gapsAndOutside(conn, parent, undefined)
    if (gaps.rows.length === 0) {
      // PGlite's PostGIS (3.6.2, GEOS 3.14, wasm) can lose a whole statement's result, with no
      // error, inside ST_Difference (seen when parent − union is empty and the union's outline
      // has many collinear vertices). A query that must return one row returned none: redo the
      // overlay on a 1e-12° grid (exact for these inputs), and say so.
      workarounds.push('ST_Difference returned no row (PGlite lost the result without an error); redone with gridSize 1e-12')
      gaps = await gapsAndOutside(conn, parent, 1e-12)
    }
    lap('gaps')
    ms.total = performance.now() - started
    await sql`DROP TABLE bench_naive_features`.execute(conn)
    await sql`DROP TABLE bench_naive_union`.execute(conn)

    const v = validity.rows[0]
    const o = overlaps.rows[0]
    const g = gaps.rows[0]
    if (!v || !o || !g) throw new Error('naive coverage check: a query returned no row')
    return {
      answers: {
        features: v.features,
        invalid: v.invalid,
        overlaps: o.overlaps,
        overlaps_ge_1m2: o.overlaps_ge_1m2,
        overlap_area_m2: Number(o.overlap_area_m2),
        gaps: g.gaps,
        gaps_ge_1m2: g.gaps_ge_1m2,
        gap_area_m2: Number(g.gap_area_m2),
        outside_area_m2: Number(g.outside_area_m2),
      },
      ms,
      workarounds,
    }
  })
}

interface GapRow {
  gaps: number
  gaps_ge_1m2: number
  gap_area_m2: number
  outside_area_m2: number
}

/**
 * Gaps: outline − union, in parts, where the outline is the parent or, without one, the union
 * with its holes filled (not the holes' own areas: a hole can hold an island of the union, as
 * Denver's does). Outside: union − parent. `gridSize` only for the PGlite workaround.
 */
function gapsAndOutside(conn: Kysely<unknown>, parent: unknown | undefined, gridSize: number | undefined) {
  const difference = (a: string, b: string) =>
    gridSize === undefined
      ? sql`ST_Difference(${sql.ref(a)}, ${sql.ref(b)})`
      : sql`ST_Difference(${sql.ref(a)}, ${sql.ref(b)}, ${sql.lit(gridSize)})`
  const outline = parent
    ? sql`SELECT ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(parent)}), ${sql.lit(SRID)}) AS geom`
    : sql`SELECT ST_Union(ST_MakePolygon(ST_ExteriorRing(part.geom))) AS geom
          FROM bench_naive_union AS everything, ST_Dump(ST_CollectionExtract(everything.geom, 3)) AS part`
  const outside = parent
    ? sql`SELECT coalesce(ST_Area(ST_CollectionExtract(${difference('everything.geom', 'outline.geom')}, 3)::geography), 0)::float8
          FROM bench_naive_union AS everything, outline`
    : sql`SELECT 0::float8`
  return sql<GapRow>`
    WITH outline AS (${outline}),
    gap_parts AS (
      SELECT ST_Area(part.geom::geography) AS area_m2
      FROM bench_naive_union AS everything, outline,
           ST_Dump(ST_CollectionExtract(${difference('outline.geom', 'everything.geom')}, 3)) AS part
    )
    SELECT (SELECT count(*)::int FROM gap_parts) AS gaps,
           (SELECT count(*)::int FROM gap_parts WHERE area_m2 >= 1) AS gaps_ge_1m2,
           (SELECT coalesce(sum(area_m2), 0)::float8 FROM gap_parts) AS gap_area_m2,
           (${outside}) AS outside_area_m2`.execute(conn)
}
