import type { MultiPolygon } from 'geojson'
import { sql } from 'kysely'
import { systemActor } from '../audit/audit.repository.js'
import type { Db } from '../db/database.js'
import { findReferenceLayers, replaceReferenceLayer } from '../reference/reference.repository.js'
import { COUNTY_CODE } from './county.js'
import { demoReferenceLayers } from './roads.js'

// Seeds the demo county's reference layers 道路 (roads) and 水系 (water), built from the region
// and seeded grid boundaries as stored (roads.ts), once: a data dir seeded before reference layers existed gets
// them at its next start, like the address registry.

export const DEMO_ROADS_LAYER = '道路'
export const DEMO_WATER_LAYER = '水系'
const COUNTY_PREFIX = COUNTY_CODE.slice(0, 6)

export async function seedDemoReferenceLayers(
  db: Db,
  log: (message: string) => void = () => {},
): Promise<{ roads: number; water: number } | null> {
  const written = await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('gridwork:seed-demo-reference'))`.execute(trx)
    const present = await findReferenceLayers(trx, COUNTY_PREFIX)
    if (present.some((layer) => layer.region_code === COUNTY_PREFIX && layer.name === DEMO_ROADS_LAYER)) return null
    const regions = await sql<{ code: string; level: number; boundary: MultiPolygon }>`
      SELECT code, level, ST_AsGeoJSON(boundary, 9, 0)::json AS boundary FROM regions
      WHERE code LIKE ${`${COUNTY_PREFIX}%`} AND level >= 3 AND boundary IS NOT NULL ORDER BY code`.execute(trx)
    if (regions.rows.length === 0) return null
    // The grids as seeded (version 1), so the streets do not depend on later edits.
    const grids = await sql<{ code: string; boundary: MultiPolygon }>`
      SELECT code, ST_AsGeoJSON(geom, 9, 0)::json AS boundary FROM grids
      WHERE code LIKE ${`${COUNTY_PREFIX}%`} AND version = 1 AND created_by = 'demo-seed' AND kind = 'comprehensive'
      ORDER BY code`.execute(trx)
    const layers = demoReferenceLayers(regions.rows, grids.rows)
    const actor = systemActor('seed-demo')
    const roads = await replaceReferenceLayer(trx, {
      region: COUNTY_PREFIX,
      name: DEMO_ROADS_LAYER,
      kind: 'road',
      features: layers.roads,
      actor,
    })
    const water = await replaceReferenceLayer(trx, {
      region: COUNTY_PREFIX,
      name: DEMO_WATER_LAYER,
      kind: 'water',
      features: layers.water,
      actor,
    })
    return { roads: roads.count, water: water.count }
  })
  if (written) log(`inserted the demo reference layers: ${written.roads} roads (道路), ${written.water} water features (水系)`)
  return written
}
