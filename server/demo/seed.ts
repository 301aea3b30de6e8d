import { sql } from 'kysely'
import { recordAudit, systemActor } from '../audit/audit.repository.js'
import { deleteBuildingsUnder, insertBuildings } from '../buildings/buildings.repository.js'
import type { Db } from '../db/database.js'
import { seedDemoAddresses } from '../addresses/address-import.js'
import { type GridsTransaction, writeGrids } from '../grids/grid-events.js'
import { deleteGridsUnder, insertGridVersions } from '../grids/grids.repository.js'
import { deleteProposalsUnder } from '../proposals/proposals.repository.js'
import { deleteReferenceLayersUnder } from '../reference/reference.repository.js'
import { type DemoCounty, type DemoFaults, DEMO_SEED, generateDemoCounty } from './generate.js'
import { seedDemoReferenceLayers } from './reference-layers.js'

// Loads the demo county 示范县 (990101) into the database: regions, comprehensive grids and
// building points, in one transaction, once. `app_meta` key 'demo_seeded' records the summary;
// when it exists the seed returns early (unless `force`, which first removes every row under the
// demo province prefix 99).
//
// Writes go through json_to_recordset: one statement per table (buildings in chunks, through
// server/buildings/buildings.repository.ts), geometry
// as GeoJSON text through ST_GeomFromGeoJSON — a handful of round trips, which matters on PGlite.

export const DEMO_META_KEY = 'demo_seeded'
const DEMO_PREFIX = '99'

export interface DemoSummary {
  /** True when this call wrote the demo county; false when it was already there. */
  seeded: boolean
  message: string
  seed: string
  county: { code: string; name: string }
  townships: number
  communities: number
  grids: number
  buildings: number
  /** Households of all building points (the county's true count). */
  households: number
  /** Sum of the grids' households (differs from `households` by the deliberate gap/overlap). */
  gridHouseholds: number
  population: number
  countDate: string
  validFrom: string
  /** The deliberate faults, all in one township, for validation to find. */
  faults: DemoFaults
  seededAt: string
  ms: number
}

export interface SeedDemoOptions {
  /** Remove existing demo rows (prefix 99) and seed again. */
  force?: boolean
  log?: (message: string) => void
  /** Seed string for the generator (tests); defaults to DEMO_SEED. */
  seed?: string
}

export async function seedDemo(db: Db, options: SeedDemoOptions = {}): Promise<DemoSummary> {
  const log = options.log ?? (() => {})
  const started = performance.now()

  const existing = await readSummary(db)
  if (existing && !options.force) {
    const skipped = alreadySeeded(existing)
    log(skipped.message)
    await seedDemoAddresses(db, log) // a data dir seeded before the address registry existed
    await seedDemoReferenceLayers(db, log) // … or before reference layers existed
    return skipped
  }

  log('generating the demo county 示范县 (990101)…')
  const county = generateDemoCounty(options.seed ?? DEMO_SEED)
  const generatedMs = Math.round(performance.now() - started)

  // Written grids are announced to the lookup index after the commit (writeGrids).
  const summary = await writeGrids(db, async (trx) => {
    // One seeder at a time (two servers starting together); then re-check, another process may
    // have seeded meanwhile.
    await sql`SELECT pg_advisory_xact_lock(hashtext('gridwork:seed-demo'))`.execute(trx)
    const again = await readSummary(trx)
    if (again && !options.force) return alreadySeeded(again)
    if (options.force) {
      const removed = await removeDemoRows(trx)
      if (removed > 0) log(`removed ${removed} existing demo rows (--force)`)
    } else {
      const stray = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM regions WHERE code LIKE ${`${DEMO_PREFIX}%`}`.execute(trx)
      if ((stray.rows[0]?.n ?? 0) > 0) {
        throw new Error(
          `regions under the demo prefix ${DEMO_PREFIX} exist but app_meta '${DEMO_META_KEY}' does not: ` +
            'refusing to seed over them; run `npm run seed:demo -- --force` to replace them',
        )
      }
    }
    await insertCounty(trx, county, log)
    const result = summarise(county, started)
    await recordAudit(trx, systemActor('seed-demo'), {
      action: options.force ? 'seed_demo_forced' : 'seed_demo',
      entity: 'region',
      entityId: result.county.code,
      regionCode: DEMO_PREFIX,
      after: { townships: result.townships, communities: result.communities, grids: result.grids, buildings: result.buildings },
    })
    await trx
      .insertInto('app_meta')
      .values({ key: DEMO_META_KEY, value: JSON.stringify(result) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(result) }))
      .execute()
    return result
  })
  await seedDemoAddresses(db, log)
  await seedDemoReferenceLayers(db, log)
  if (summary.seeded) {
    summary.ms = Math.round(performance.now() - started)
    log(
      `demo county seeded in ${summary.ms} ms (generation ${generatedMs} ms): ${summary.townships} townships, ` +
        `${summary.communities} communities, ${summary.grids} grids, ${summary.buildings} buildings, ` +
        `${summary.households} households; deliberate faults in ${summary.faults.township.code} ${summary.faults.township.name}`,
    )
  }
  return summary
}

async function readSummary(db: Db): Promise<DemoSummary | undefined> {
  const row = await db.selectFrom('app_meta').select('value').where('key', '=', DEMO_META_KEY).executeTakeFirst()
  if (!row) return undefined
  const value = typeof row.value === 'string' ? JSON.parse(row.value) : row.value
  return value as DemoSummary
}

function alreadySeeded(stored: DemoSummary): DemoSummary {
  return {
    ...stored,
    seeded: false,
    message: `demo county already seeded on ${stored.seededAt} (app_meta '${DEMO_META_KEY}'); use --force to seed again`,
  }
}

async function removeDemoRows(trx: GridsTransaction): Promise<number> {
  const like = `${DEMO_PREFIX}%`
  // A reset of the demo data only: everything under the demo prefix goes, codes and proposals too.
  await trx.deleteFrom('grid_lineage').where('child_code', 'like', like).execute()
  const grids = await deleteGridsUnder(trx, DEMO_PREFIX)
  await trx.deleteFrom('grid_codes').where('region_code', 'like', like).execute()
  await deleteProposalsUnder(trx, DEMO_PREFIX) // after grids and codes, which refer to them
  await trx.deleteFrom('addresses').where('region_code', 'like', like).execute()
  await deleteReferenceLayersUnder(trx, DEMO_PREFIX)
  const buildings = await deleteBuildingsUnder(trx, DEMO_PREFIX)
  // One statement: the parent_code references are checked at its end, when all are gone.
  const regions = await trx.deleteFrom('regions').where('code', 'like', like).executeTakeFirst()
  await trx.deleteFrom('app_meta').where('key', '=', DEMO_META_KEY).execute()
  return grids + buildings + Number(regions.numDeletedRows)
}

async function insertCounty(trx: GridsTransaction, county: DemoCounty, log: (message: string) => void): Promise<void> {
  const regions = county.regions.map((r) => ({
    code: r.code,
    name: r.name,
    level: r.level,
    parent_code: r.parentCode,
    urban_rural: r.urbanRural,
    boundary: JSON.stringify(r.boundary),
  }))
  // Parents precede children in one statement; foreign keys are checked at its end.
  await sql`
    INSERT INTO regions (code, name, level, parent_code, urban_rural, boundary)
    SELECT r.code, r.name, r.level, r.parent_code, r.urban_rural,
           ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(r.boundary), 4490))
    FROM json_to_recordset(${JSON.stringify(regions)}::json)
      AS r(code text, name text, level smallint, parent_code text, urban_rural text, boundary text)
    ORDER BY r.level, r.code`.execute(trx)
  log(`inserted ${regions.length} regions`)

  // In code order, as one statement (the grids' ids follow their codes).
  const grids = [...county.grids]
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .map((g) => ({
      code: g.code,
      version: 1,
      name: g.name,
      kind: 'comprehensive' as const,
      region_code: g.regionCode,
      parent_code: null,
      geometry: g.geom,
      households: g.households,
      population: g.population,
      count_date: county.countDate,
      valid_from: county.validFrom,
      attributes: g.attributes,
      created_by: 'demo-seed',
      proposal_id: null,
    }))
  await insertGridVersions(trx, grids)
  log(`inserted ${grids.length} grids`)

  const buildings = county.buildings.map((b) => ({
    regionCode: b.regionCode,
    address: b.address,
    households: b.households,
    geometry: { type: 'Point' as const, coordinates: [b.lon, b.lat] },
  }))
  await insertBuildings(trx, DEMO_PREFIX, buildings)
  log(`inserted ${county.buildings.length} buildings`)
}

function summarise(county: DemoCounty, started: number): DemoSummary {
  const countyRegion = county.regions.find((r) => r.level === 3)
  if (!countyRegion) throw new Error('demo generator returned no county')
  return {
    seeded: true,
    message: `demo county ${countyRegion.name} (${countyRegion.code}) seeded`,
    seed: county.seed,
    county: { code: countyRegion.code, name: countyRegion.name },
    townships: county.regions.filter((r) => r.level === 4).length,
    communities: county.regions.filter((r) => r.level === 5).length,
    grids: county.grids.length,
    buildings: county.buildings.length,
    households: county.buildings.reduce((sum, b) => sum + b.households, 0),
    gridHouseholds: county.grids.reduce((sum, g) => sum + g.households, 0),
    population: county.grids.reduce((sum, g) => sum + g.population, 0),
    countDate: county.countDate,
    validFrom: county.validFrom,
    faults: county.faults,
    seededAt: new Date().toISOString(),
    ms: Math.round(performance.now() - started),
  }
}
