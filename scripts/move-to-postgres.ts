// npm run move-to-postgres -- postgres://user:password@host:5432/database
//
// Moves everything from the embedded data folder (DATA_DIR, default ./data) to an empty
// PostgreSQL + PostGIS database, with the same code as backup and restore: the folder is brought
// to the current schema, dumped (the dump is kept in <DATA_DIR>/backups), restored into the
// target, and every table's row count and checksum compared on both sides. The data folder is
// left as it was. Prints the one setting to change.

import path from 'node:path'
import {
  CliRefusal,
  holdsEmbeddedDatabase,
  megabytes,
  openDataFolder,
  runCli,
  seconds,
  verdictLines,
} from '../server/backup/cli-support.js'
import { newDumpPath, writeDump } from '../server/backup/dump.js'
import { checkPostgresTarget, maskPassword } from '../server/backup/postgres-target.js'
import { describeHolding, restoreDump, verifyAgainstManifest } from '../server/backup/restore.js'
import { tablesHoldingRows } from '../server/backup/catalog.js'
import { loadConfig } from '../server/config.js'
import { type DatabaseHandle, openDatabase } from '../server/db/connect.js'
import { migrateToLatest } from '../server/db/migrate.js'

const USAGE = 'usage: npm run move-to-postgres -- postgres://user:password@host:5432/database'

runCli('move-to-postgres', async () => {
  const args = process.argv.slice(2)
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE)
    return 0
  }
  const databaseUrl = args[0]
  if (args.length !== 1 || !databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new CliRefusal(`move-to-postgres: name the target database as one postgres:// URL\n${USAGE}`, 2)
  }
  const started = performance.now()
  const shown = maskPassword(databaseUrl)
  // The source is always the embedded folder, whatever DATABASE_URL this shell has set.
  const config = loadConfig({ ...process.env, DATABASE_URL: '' })
  if (!holdsEmbeddedDatabase(config.dataDir)) {
    throw new CliRefusal(`There is no gridwork database in ${config.dataDir} to move (set DATA_DIR to the data folder).`)
  }

  // The target first: refusing it must not wait for a dump.
  const versions = await checkPostgresTarget(databaseUrl)
  const target = await openDatabase({ databaseUrl })
  try {
    const holding = await tablesHoldingRows(target.kysely)
    if (holding.length > 0) {
      throw new CliRefusal(
        `The target database already holds data (${describeHolding(holding)}). The move writes only into an empty database: create a new one (createdb, then CREATE EXTENSION postgis in it as a superuser) and name that one. Nothing was written.`,
      )
    }
    console.log(`move-to-postgres: from ${config.dataDir} to ${shown} (PostgreSQL ${versions.postgres}, PostGIS ${versions.postgis})`)

    // Held until the end, so that no server starts on the folder and changes it mid-move.
    const source = await openDataFolder(config.dataDir, 'move-to-postgres', config)
    try {
      return await move(source, target)
    } finally {
      await source.close()
    }
  } finally {
    await target.close()
  }

  async function move(source: DatabaseHandle, target: DatabaseHandle): Promise<number> {
    const applied = await migrateToLatest(source.kysely)
    if (applied.length > 0) console.log(`  the data folder was migrated to the current schema first: ${applied.join(', ')}`)
    const dump = await writeDump(source, newDumpPath(path.join(config.dataDir, 'backups')))
    console.log(`  dumped ${dump.manifest.tables.length} tables in ${seconds(dump.ms)} (${megabytes(dump.bytes)}): ${dump.file}`)

    const restored = await restoreDump(target, dump.file, { log: (message) => console.log(`  copied ${message}`) })
    console.log(`  restored in ${seconds(restored.ms)}`)
    // Both sides, each computed by SQL on its own engine and compared with the dump's manifest
    // (the source is still locked, so it cannot have changed since).
    const sourceVerdicts = await verifyAgainstManifest(source, dump.manifest)
    const verdicts = await verifyAgainstManifest(target, dump.manifest)
    for (const [side, sideVerdicts] of [
      ['data folder', sourceVerdicts],
      ['PostgreSQL database', verdicts],
    ] as const) {
      const wrong = sideVerdicts.filter((verdict) => !verdict.ok)
      if (wrong.length > 0) {
        console.error(verdictLines(wrong).join('\n'))
        throw new CliRefusal(`The ${side} does not match the dump (see above); keep using the data folder.`)
      }
    }
    const rows = verdicts.reduce((sum, verdict) => sum + verdict.rows, 0)
    console.log(
      `moved ${verdicts.length} tables, ${rows} rows in ${seconds(performance.now() - started)}; count and checksum of every table match on both sides:`,
    )
    console.log(verdictLines(verdicts).join('\n'))
    console.log('')
    console.log('To run gridwork on PostgreSQL from now on, set this one setting (and start as before, npm start):')
    console.log(`  DATABASE_URL=${shown}`)
    console.log(`The data folder ${config.dataDir} stays where it is (a dump of it is kept at ${dump.file});`)
    console.log('once the server runs on PostgreSQL, nothing reads it any more.')
    return 0
  }
})
