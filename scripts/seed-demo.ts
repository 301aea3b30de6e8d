// npm run seed:demo [-- --force]
//
// Seeds the demo county 示范县 (990101) into the database named by the environment:
// DATABASE_URL (PostgreSQL + PostGIS) or else the embedded PGlite in DATA_DIR (default ./data).
// Runs pending migrations first. Without --force an already seeded database is left alone.
// Prints a summary, including where the deliberate faults are; exits non-zero on any failure.

import path from 'node:path'
import { openDatabase } from '../server/db/connect.js'
import { DATA_FOLDER_LOCKED_EXIT_CODE, DataFolderLockedError } from '../server/db/data-lock.js'
import { migrateToLatest } from '../server/db/migrate.js'
import { seedDemo } from '../server/demo/seed.js'

const USAGE = 'usage: npm run seed:demo [-- --force]'

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`${USAGE}\n  --force  remove the existing demo rows (codes 99…) and seed again`)
    return 0
  }
  const unknown = args.filter((arg) => arg !== '--force')
  if (unknown.length > 0) {
    console.error(`seed-demo: unknown argument(s) ${unknown.join(' ')}\n${USAGE}`)
    return 2
  }
  const force = args.includes('--force')
  const databaseUrl = process.env.DATABASE_URL?.trim() || undefined
  const dataDir = databaseUrl ? undefined : path.resolve(process.env.DATA_DIR ?? 'data')
  console.log(databaseUrl ? 'seed-demo: PostgreSQL (DATABASE_URL)' : `seed-demo: embedded PGlite in ${dataDir}`)

  const started = performance.now()
  const database = await openDatabase({ databaseUrl, dataDir })
  try {
    const applied = await migrateToLatest(database.kysely)
    if (applied.length > 0) console.log(`seed-demo: applied migrations ${applied.join(', ')}`)
    const summary = await seedDemo(database.kysely, { force, log: (message) => console.log(`seed-demo: ${message}`) })
    const { faults } = summary
    console.log(
      [
        summary.seeded ? `seeded ${summary.county.name} ${summary.county.code}` : summary.message,
        `  townships ${summary.townships}, communities ${summary.communities}, grids ${summary.grids}, buildings ${summary.buildings}`,
        `  households ${summary.households} (grids count ${summary.gridHouseholds}), population ${summary.population}, count date ${summary.countDate}`,
        `  deliberate faults in ${faults.township.code} ${faults.township.name}:`,
        `    gap       in ${faults.gap.regionCode}: a ${faults.gap.areaM2} m² cell with ${faults.gap.households} households dropped from grid ${faults.gap.grid} (next to ${faults.gap.neighbours.join(', ')}) at ${faults.gap.point.join(', ')}`,
        `    overlap   in ${faults.overlap.regionCode}: grids ${faults.overlap.grids.join(' and ')} share a ${faults.overlap.areaM2} m² cell at ${faults.overlap.point.join(', ')}`,
        `    oversized in ${faults.oversized.regionCode}: grid ${faults.oversized.grid} has ${faults.oversized.households} households`,
        `  total ${Math.round(performance.now() - started)} ms (seed ${summary.seeded ? summary.ms : 0} ms)`,
      ].join('\n'),
    )
    return 0
  } finally {
    await database.close()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof DataFolderLockedError) {
      console.error(`seed-demo: ${error.message}`)
      process.exit(DATA_FOLDER_LOCKED_EXIT_CODE)
    }
    console.error('seed-demo FAILED:', error instanceof Error ? (error.stack ?? error.message) : error)
    process.exit(1)
  },
)
