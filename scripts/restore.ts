// npm run restore -- FILE [--replace]
//
// Restores a gridwork dump into the database named by the environment: DATABASE_URL, or else the
// embedded data folder DATA_DIR (default ./data; created when missing). The target must be empty
// unless --replace is given, which replaces everything in it within the same one transaction.
// The file is read through first: a file that is not a dump, is damaged or cut short, or comes
// from a newer gridwork is refused before anything is written. After loading, every table's row
// count and checksum is compared with the dump's; then the newer migrations run.

import path from 'node:path'
import { parseArgs } from 'node:util'
import { CliRefusal, openDataFolder, runCli, seconds, verdictLines } from '../server/backup/cli-support.js'
import { checkPostgresTarget, maskPassword } from '../server/backup/postgres-target.js'
import { checkDumpFile, restoreDump } from '../server/backup/restore.js'
import { loadConfig } from '../server/config.js'
import { openDatabase } from '../server/db/connect.js'

const USAGE = 'usage: npm run restore -- FILE [--replace]'

runCli('restore', async () => {
  const { values, positionals } = parseArguments()
  if (values.help) {
    console.log(`${USAGE}\n  --replace  replace everything the target database holds (one transaction: all or nothing)`)
    return 0
  }
  if (positionals.length !== 1) throw new CliRefusal(`restore: name one dump file\n${USAGE}`, 2)
  const file = path.resolve(positionals[0] as string)
  const config = loadConfig()
  const checked = await checkDumpFile(file)
  console.log(
    `restore: ${file} — schema ${checked.schemaVersion}, made ${checked.createdAt} on ${checked.source.engine} (PostgreSQL ${checked.source.postgres}, PostGIS ${checked.source.postgis})`,
  )
  let database: Awaited<ReturnType<typeof openDatabase>>
  if (config.databaseUrl) {
    await checkPostgresTarget(config.databaseUrl)
    console.log(`restore: into PostgreSQL ${maskPassword(config.databaseUrl)}`)
    database = await openDatabase({ databaseUrl: config.databaseUrl })
  } else {
    console.log(`restore: into the embedded data folder ${config.dataDir}`)
    database = await openDataFolder(config.dataDir, 'restore', config)
  }
  try {
    const summary = await restoreDump(database, file, {
      replace: values.replace === true,
      checked,
      log: (message) => console.log(`  loaded ${message}`),
    })
    const rows = summary.tables.reduce((sum, table) => sum + table.rows, 0)
    console.log(
      `restored ${summary.tables.length} tables, ${rows} rows in ${seconds(summary.ms)}; every count and checksum matches the dump:`,
    )
    for (const line of verdictLines(summary.tables)) console.log(line)
    if (summary.migratedAfterLoad.length > 0) console.log(`then migrated to the current schema: ${summary.migratedAfterLoad.join(', ')}`)
    return 0
  } finally {
    await database.close()
  }
})

function parseArguments() {
  try {
    return parseArgs({
      options: { replace: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new CliRefusal(`restore: ${(error as Error).message}\n${USAGE}`, 2)
  }
}
