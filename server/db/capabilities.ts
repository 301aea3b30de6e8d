import { sql } from 'kysely'
import type { Db } from './database.js'

// What the connected PostGIS can do. Later features pick a faster path only when the function
// exists (e.g. ST_CoverageInvalidEdges is PostGIS 3.4+: PGlite has it, Debian 12's 3.3 does not).
export interface Capabilities {
  postgres: string
  postgis: string
  geos: string
  functions: Record<OptionalFunction, boolean>
}

const OPTIONAL_FUNCTIONS = [
  'st_coverageinvalidedges',
  'st_coverageunion',
  'st_coveragesimplify',
  'st_asmvt',
  'st_asmvtgeom',
  'st_largestemptycircle',
] as const
export type OptionalFunction = (typeof OPTIONAL_FUNCTIONS)[number]

export async function detectCapabilities(db: Db): Promise<Capabilities> {
  const { rows } = await sql<{ postgres: string; postgis: string; geos: string }>`
    SELECT current_setting('server_version') AS postgres,
           postgis_lib_version() AS postgis,
           postgis_geos_version() AS geos`.execute(db)
  const versions = rows[0]
  if (!versions) throw new Error('PostGIS version query returned nothing')
  const found = await sql<{ name: string }>`
    SELECT DISTINCT lower(proname) AS name FROM pg_proc
    WHERE lower(proname) IN (${sql.join(OPTIONAL_FUNCTIONS.map((name) => sql.lit(name)))})`.execute(db)
  const present = new Set(found.rows.map((row) => row.name))
  const functions = Object.fromEntries(OPTIONAL_FUNCTIONS.map((name) => [name, present.has(name)])) as Record<OptionalFunction, boolean>
  // PGlite's PostGIS declares ST_AsMVT and ST_AsMVTGeom but is built without protobuf-c: calling
  // either fails. A function counts as present only when it answers.
  if (functions.st_asmvtgeom)
    functions.st_asmvtgeom = await answers(db, sql`SELECT ST_AsMVTGeom(ST_MakePoint(0, 0), ST_MakeEnvelope(-1, -1, 1, 1))`)
  if (functions.st_asmvt)
    functions.st_asmvt = await answers(
      db,
      sql`SELECT ST_AsMVT(t) FROM (SELECT 1 AS id, ST_AsMVTGeom(ST_MakePoint(0, 0), ST_MakeEnvelope(-1, -1, 1, 1)) AS geom) AS t`,
    )
  return { ...versions, functions }
}

async function answers(db: Db, query: ReturnType<typeof sql>): Promise<boolean> {
  try {
    await query.execute(db)
    return true
  } catch {
    return false
  }
}
