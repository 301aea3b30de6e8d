import { runScript, withDatabase } from './cli.js'

// npm run migrate — applies pending migrations to the configured engine (DATABASE_URL or ./data).
runScript(() =>
  withDatabase(async (database, applied) => {
    console.log(`${database.engine}: ${applied.length ? `applied ${applied.join(', ')}` : 'schema already up to date'}`)
    return 0
  }),
)
