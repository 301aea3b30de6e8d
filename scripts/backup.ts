// npm run backup [-- --out FILE|DIR]
//
// Writes a gridwork dump (server/backup/dump-format.ts) of the database named by the environment:
// DATABASE_URL, or else the embedded data folder DATA_DIR (default ./data). Without --out the dump
// goes to BACKUP_DIR (default <DATA_DIR>/backups on the embedded engine, else the current folder)
// as gridwork-<YYYYMMDD-HHMMSS>.gwdump (UTC). The embedded folder is refused while the server
// holds it: the server's scheduled backups are the way then.

import { statSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { CliRefusal, holdsEmbeddedDatabase, megabytes, openDataFolder, runCli, seconds } from '../server/backup/cli-support.js'
import { newDumpPath, writeDump } from '../server/backup/dump.js'
import { checkPostgresTarget, maskPassword } from '../server/backup/postgres-target.js'
import { loadConfig } from '../server/config.js'
import { openDatabase } from '../server/db/connect.js'

const USAGE = 'usage: npm run backup [-- --out FILE|DIR]'

runCli('backup', async () => {
  const { values } = parseArguments()
  if (values.help) {
    console.log(`${USAGE}\n  --out FILE|DIR  where to write the dump (a folder gets gridwork-<YYYYMMDD-HHMMSS>.gwdump)`)
    return 0
  }
  const config = loadConfig()
  const file = outputFile(values.out, config.backupDir)
  let database: Awaited<ReturnType<typeof openDatabase>>
  if (config.databaseUrl) {
    await checkPostgresTarget(config.databaseUrl)
    console.log(`backup: PostgreSQL ${maskPassword(config.databaseUrl)}`)
    database = await openDatabase({ databaseUrl: config.databaseUrl })
  } else {
    if (!holdsEmbeddedDatabase(config.dataDir)) {
      throw new CliRefusal(
        `There is no gridwork database in ${config.dataDir} (set DATA_DIR to the data folder, or DATABASE_URL for PostgreSQL).`,
      )
    }
    console.log(`backup: embedded data folder ${config.dataDir}`)
    database = await openDataFolder(config.dataDir, 'backup', config)
  }
  try {
    const { file: written, bytes, ms, manifest } = await writeDump(database, file)
    const rows = manifest.tables.reduce((sum, table) => sum + table.rows, 0)
    console.log(`backup written: ${written}`)
    console.log(`  ${megabytes(bytes)} in ${seconds(ms)}; schema ${manifest.schemaVersion}; ${manifest.tables.length} tables, ${rows} rows`)
    for (const table of manifest.tables)
      console.log(`  ${table.name.padEnd(20)} ${String(table.rows).padStart(9)} rows  md5 ${table.checksum}`)
    return 0
  } finally {
    await database.close()
  }
})

function parseArguments() {
  try {
    return parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true })
  } catch (error) {
    throw new CliRefusal(`backup: ${(error as Error).message}\n${USAGE}`, 2)
  }
}

/** --out FILE, --out DIR (existing, or written with a trailing /), or BACKUP_DIR / the current folder. */
function outputFile(out: string | undefined, backupDir: string | null): string {
  if (out === undefined) return newDumpPath(backupDir ?? process.cwd())
  const resolved = path.resolve(out)
  const isFolder = out.endsWith('/') || (statSync(resolved, { throwIfNoEntry: false })?.isDirectory() ?? false)
  return isFolder ? newDumpPath(resolved) : resolved
}
