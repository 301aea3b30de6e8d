import { type Kysely, sql } from 'kysely'
import type { Db } from '../../server/db/database.js'

// The second baseline of the coverage figures: PostGIS's own coverage functions (3.4+, GEOS
// 3.12+), which do in C what our edge match does in JS — ST_CoverageInvalidEdges (a window
// function: per polygon, the edges that do not match a neighbour's exactly) and ST_CoverageUnion
// (an aggregate: the union of a valid coverage by dropping the shared edges). PGlite has them
// (PostGIS 3.6.2); Debian 12's PostGIS 3.3 has not, and the figure is skipped with a message.
//
//   1. load the features into a temp table (timed: our engine also reads them)
//   2. invalid edges: ST_CoverageInvalidEdges(geom, 0) OVER () — the grids with any, and the edges
//   3. union: ST_CoverageUnion(geom) — the gaps are its holes (no parent), counted with their area

export interface PostgisCoverageResult {
  ms: { load: number; invalid_edges: number; union: number; total: number }
  answers: {
    /** Grids with at least one edge that does not match its neighbour's. */
    grids_with_invalid_edges: number
    invalid_edges: number
    /** Polygons of the coverage union, and the holes in them (the gaps, with no parent). */
    union_polygons: number
    holes: number
    holes_ge_1m2: number
    hole_area_m2: number
  }
}

/** Why the functions cannot run on this engine, or null when they can. */
export async function postgisCoverageUnavailable(db: Db): Promise<string | null> {
  // Counted in pg_proc: to_regproc() answers NULL for a name with several signatures.
  const { rows } = await sql<{ functions: number; version: string }>`
    SELECT count(DISTINCT proname)::int AS functions, postgis_lib_version() AS version
    FROM pg_proc WHERE proname IN ('st_coverageinvalidedges', 'st_coverageunion')`.execute(db)
  const row = rows[0]
  if (row?.functions === 2) return null
  return `PostGIS ${row?.version ?? '?'} has no ST_CoverageInvalidEdges / ST_CoverageUnion (PostGIS 3.4+ with GEOS 3.12+)`
}

export async function postgisCoverage(db: Db, features: { features: unknown[] }): Promise<PostgisCoverageResult> {
  return (db as unknown as Kysely<unknown>).connection().execute(async (conn) => {
    const ms = { load: 0, invalid_edges: 0, union: 0, total: 0 }
    const started = performance.now()
    let step = started
    const lap = (name: keyof typeof ms) => {
      const now = performance.now()
      ms[name] = now - step
      step = now
    }
    await sql`DROP TABLE IF EXISTS bench_coverage_features`.execute(conn)
    await sql`CREATE TEMP TABLE bench_coverage_features (n int PRIMARY KEY, geom geometry NOT NULL)`.execute(conn)
    await sql`
      INSERT INTO bench_coverage_features (n, geom)
      SELECT f.n, ST_SetSRID(ST_GeomFromGeoJSON(f.feature ->> 'geometry'), 4490)
      FROM json_array_elements(${JSON.stringify(features.features)}::json) WITH ORDINALITY AS f(feature, n)`.execute(conn)
    lap('load')

    const edges = await sql<{ grids: number; edges: number }>`
      SELECT count(*) FILTER (WHERE e IS NOT NULL)::int AS grids, coalesce(sum(ST_NumGeometries(e)), 0)::int AS edges
      FROM (SELECT ST_CoverageInvalidEdges(geom, 0) OVER () AS e FROM bench_coverage_features) AS w`.execute(conn)
    lap('invalid_edges')

    const union = await sql<{ polygons: number; holes: number; holes_ge_1m2: number; hole_area_m2: number }>`
      WITH u AS (SELECT ST_CoverageUnion(geom) AS geom FROM bench_coverage_features),
           parts AS (SELECT (ST_Dump(geom)).geom FROM u),
           holes AS (
             SELECT ST_Area(ST_SetSRID(ST_MakePolygon(ST_InteriorRingN(p.geom, i)), 4490)::geography) AS area_m2
             FROM parts p CROSS JOIN LATERAL generate_series(1, ST_NumInteriorRings(p.geom)) AS i)
      SELECT (SELECT count(*) FROM parts)::int AS polygons, count(*)::int AS holes,
             count(*) FILTER (WHERE area_m2 >= 1)::int AS holes_ge_1m2, coalesce(sum(area_m2), 0)::float8 AS hole_area_m2
      FROM holes`.execute(conn)
    lap('union')
    ms.total = performance.now() - started
    await sql`DROP TABLE IF EXISTS bench_coverage_features`.execute(conn)
    const e = edges.rows[0]
    const u = union.rows[0]
    return {
      ms,
      answers: {
        grids_with_invalid_edges: e?.grids ?? 0,
        invalid_edges: e?.edges ?? 0,
        union_polygons: u?.polygons ?? 0,
        holes: u?.holes ?? 0,
        holes_ge_1m2: u?.holes_ge_1m2 ?? 0,
        hole_area_m2: Math.round((u?.hole_area_m2 ?? 0) * 100) / 100,
      },
    }
  })
}
