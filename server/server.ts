import path from 'node:path'
import { ConfigError, loadConfig } from './config.js'
import { openDatabase } from './db/connect.js'
import { DATA_FOLDER_LOCKED_EXIT_CODE, DataFolderLockedError } from './db/data-lock.js'
import { withQueryTimeout } from './db/bounded-pool.js'
import { createLogger } from './logger.js'

// Starts gridwork: configuration → database → migrations → demo data → web bundle → listen,
// logging each step so a person running `npm start` can follow it; closes gracefully on signals.
//
// Warm start: the rest of the server is imported while the database opens (PGlite's start waits
// on file reads and WebAssembly compilation off this thread), and the demo accounts' password
// hashing (scrypt, on the thread pool) runs while the app is built.

const loadServerModules = async () => {
  const [{ buildApp }, { seedDemoUsers }, { resolveSigningSecret }, { migrateToLatest }, { seedDemo }, { ensureWebBundle }] =
    await Promise.all([
      import('./app.js'),
      import('./auth/demo-users.js'),
      import('./auth/signing-secret.js'),
      import('./db/migrate.js'),
      import('./demo/seed.js'),
      import('./web-bundle.js'),
    ])
  return { buildApp, seedDemoUsers, resolveSigningSecret, migrateToLatest, seedDemo, ensureWebBundle }
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(2)
    }
    throw error
  }
  const log = createLogger(config.logLevel, config.logFormat)

  if (config.databaseUrl) {
    log.info(
      { replica: config.databaseReplicaUrl !== undefined },
      config.databaseReplicaUrl
        ? 'connecting to PostgreSQL + PostGIS (DATABASE_URL) and its read replica (DATABASE_REPLICA_URL)…'
        : 'connecting to PostgreSQL + PostGIS (DATABASE_URL)…',
    )
  } else {
    log.info(
      { dataDir: config.dataDir },
      'starting the embedded PGlite + PostGIS engine — the first start of a new data folder takes 10–20 s while PostGIS installs',
    )
  }
  const started = Date.now()
  const serverCommand = (port: number) =>
    `gridwork server (npm start) on ${port === 0 ? 'a port chosen at start (PORT=0)' : `port ${port}`}`
  const [database, { buildApp, seedDemoUsers, resolveSigningSecret, migrateToLatest, seedDemo, ensureWebBundle }] = await Promise.all([
    openDatabase({
      databaseUrl: config.databaseUrl,
      replicaUrl: config.databaseReplicaUrl,
      bounds: {
        connectTimeoutMs: config.databaseConnectTimeoutMs,
        queryTimeoutMs: config.databaseQueryTimeoutMs,
        keepAliveDelayMs: 10_000,
      },
      log: { warn: (message: string) => log.warn(message), info: (message: string) => log.info(message) },
      dataDir: config.dataDir,
      lock: { command: serverCommand(config.port), log: (message: string) => log.warn(message) },
    }),
    loadServerModules(),
  ])
  log.info(
    { engine: database.engine, postgres: database.capabilities.postgres, postgis: database.capabilities.postgis, ms: Date.now() - started },
    'database ready',
  )

  // A migration may rewrite a large table: not bounded by DATABASE_QUERY_TIMEOUT_MS (nothing is served yet).
  const applied = await withQueryTimeout(null, () => migrateToLatest(database.kysely))
  log.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date')

  const [accounts, app] = await Promise.all([
    config.production ? [] : seedDemoUsers(database.kysely, config.demoPassword),
    (async () => {
      if (!config.production && database.engine === 'pglite') {
        const summary = await seedDemo(database.kysely, { log: (message: string) => log.info(message) })
        log.info(summary.seeded ? 'demo county ready' : 'demo county already present')
      }
      await ensureWebBundle(config.webDir, log)
      const signingSecret = await resolveSigningSecret(database.kysely, config.jwtSecret)
      // Loaded only when configured: sql.js and pmtiles are not needed otherwise.
      const basemap = config.basemapFile ? await (await import('./basemap/basemap-file.js')).openBasemap(config.basemapFile) : null
      if (basemap) log.info({ file: basemap.file, ...basemap.info }, 'local basemap (GRIDWORK_BASEMAP)')
      const built = await buildApp({
        database,
        signingSecret,
        bodyLimitBytes: config.bodyLimitBytes,
        uploads: { root: path.join(config.dataDir, 'uploads') },
        webDir: config.webDir,
        tiandituKey: config.tiandituKey,
        basemap,
        lookupUserRateLimit: config.lookupUserRateLimit,
        // On PostgreSQL (one of several API nodes) listen at once and be ready when the index is built.
        indexAtStart: database.engine === 'postgres' ? 'background' : 'wait',
        logger: log,
      })
      await built.ready()
      return built
    })(),
  ])

  let closing = false
  const close = async (signal: string) => {
    if (closing) return
    closing = true
    // First stop looking ready, so a load balancer stops sending requests here; keep serving the
    // ones it still sends until it has noticed (SHUTDOWN_DRAIN_MS), then close as usual.
    app.readiness.beginShutdown()
    if (config.shutdownDrainMs > 0) {
      log.info(
        { signal, drainMs: config.shutdownDrainMs },
        'shutting down: /health/ready answers 503; still serving while the load balancer notices…',
      )
      await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs))
    }
    log.info({ signal }, 'shutting down: finishing requests in flight…')
    const force = setTimeout(() => {
      log.error('shutdown took over 10 s; exiting')
      process.exit(1)
    }, 10_000)
    force.unref()
    // Node's server.close() ends idle keep-alive connections, but not one whose request is still
    // running; answered later, that connection would stay open for keepAliveTimeout (72 s) and hold
    // the close past its deadline. So each connection is ended as soon as it goes idle.
    const endIdle = setInterval(() => app.server.closeIdleConnections(), 100)
    await app.close()
    clearInterval(endIdle)
    await database.close()
    log.info('stopped')
    process.exit(0)
  }
  process.on('SIGINT', () => void close('SIGINT'))
  process.on('SIGTERM', () => void close('SIGTERM'))

  await app.listen({ port: config.port, host: config.host })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  // Others refused by the folder's lock are pointed at this server.
  database.dataLock?.describe(serverCommand(port), `http://localhost:${port}/`)
  log.info(
    `gridwork is running: web editor http://localhost:${port}/ · API http://localhost:${port}/api/v1 · docs http://localhost:${port}/docs`,
  )
  if (accounts.length > 0) {
    const password = config.demoPassword === 'demo' ? 'demo' : 'the DEMO_PASSWORD you set'
    log.info(`demo accounts: ${accounts.join(', ')} — password ${password}`)
  }
}

main().catch((error: unknown) => {
  if (error instanceof DataFolderLockedError) {
    console.error(error.message)
    process.exit(DATA_FOLDER_LOCKED_EXIT_CODE)
  }
  console.error('gridwork failed to start:', error instanceof Error ? error.message : error)
  if (error instanceof Error && error.stack) console.error(error.stack)
  process.exit(1)
})
