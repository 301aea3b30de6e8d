import pg from 'pg'
import { RestoreRefusal } from './dump-format.js'

// Checks a PostgreSQL database before a restore or a move opens it (openDatabase would create the
// PostGIS extension itself where it may): that it answers, and that PostGIS is there. Plain
// sentences for a person at a terminal; nothing is written.

/** `postgres://user:****@host:5432/db`: the URL to print, password masked. */
export function maskPassword(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl)
    if (url.password) url.password = '****'
    return url.toString()
  } catch {
    return databaseUrl.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:****@')
  }
}

export async function checkPostgresTarget(databaseUrl: string): Promise<{ postgres: string; postgis: string }> {
  const shown = maskPassword(databaseUrl)
  const client = new pg.Client({ connectionString: databaseUrl })
  try {
    await client.connect()
  } catch (error) {
    throw new RestoreRefusal('cannot_connect', `Could not connect to ${shown}: ${(error as Error).message}. Nothing was written.`)
  }
  try {
    const { rows } = await client.query<{ database: string; postgres: string; installed: string | null; available: string | null }>(`
      SELECT current_database() AS database, current_setting('server_version') AS postgres,
             (SELECT extversion FROM pg_extension WHERE extname = 'postgis') AS installed,
             (SELECT default_version FROM pg_available_extensions WHERE name = 'postgis') AS available`)
    const found = rows[0]
    if (!found?.available) {
      throw new RestoreRefusal(
        'no_postgis',
        `The PostgreSQL server of ${shown} has no PostGIS (gridwork needs PostGIS 3.3 or later): install it (Debian 12: apt-get install postgresql-15-postgis-3), run CREATE EXTENSION postgis in database ${found?.database} as a superuser, then run this again. Nothing was written.`,
      )
    }
    if (!found.installed) {
      throw new RestoreRefusal(
        'no_postgis',
        `Database ${found.database} of ${shown} does not have PostGIS: run CREATE EXTENSION postgis in it as a superuser (psql -d ${found.database} -c 'CREATE EXTENSION postgis'), then run this again. Nothing was written.`,
      )
    }
    return { postgres: found.postgres, postgis: found.installed }
  } finally {
    await client.end()
  }
}
