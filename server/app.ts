import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Ajv } from 'ajv'
import Fastify, { type FastifyBaseLogger, type FastifySchemaCompiler } from 'fastify'
import { auditRoutes } from './audit/audit.routes.js'
import type { Basemap } from './basemap/basemap-file.js'
import { basemapRoutes } from './basemap/basemap.routes.js'
import { apiKeysRoutes } from './auth/api-keys.routes.js'
import { registerAuth } from './auth/auth.plugin.js'
import { authRoutes } from './auth/auth.routes.js'
import { codesRoutes } from './coding/codes.routes.js'
import { exportRoutes } from './export/export.routes.js'
import { DEFAULT_LOOKUP_USER_RATE_LIMIT } from './config.js'
import type { DatabaseHandle } from './db/connect.js'
import { gridsRoutes } from './grids/grids.routes.js'
import { healthRoutes } from './health.routes.js'
import { registerErrorHandling } from './http/errors.js'
import { finiteNumbersOnly } from './http/finite-numbers.js'
import { registerJsonBodyParser } from './http/json-body.js'
import { CONNECTION_TIMEOUT_MS, REQUEST_TIMEOUT_MS, UPLOAD_LIMIT_BYTES } from './http/limits.js'
import { checkRequestLine, clientErrorHandler, frameworkErrors } from './http/request-line.js'
import { ErrorResponse } from './http/schemas.js'
import { uploadsRoutes } from './import/uploads.routes.js'
import { registerGridIndex } from './lookup/index/index-holder.js'
import { ogcRoutes } from './ogc/ogc.routes.js'
import { partitionRoutes } from './partition/partition.routes.js'
import { tilesRoutes } from './tiles/tiles.routes.js'
import { lookupRoutes } from './lookup/lookup.routes.js'
import { proposalsRoutes } from './proposals/proposals.routes.js'
import { Readiness } from './readiness.js'
import { referenceRoutes } from './reference/reference.routes.js'
import { regionsRoutes } from './regions/regions.routes.js'
import { validateRoutes } from './validation/validate.routes.js'

// Query strings and path parameters arrive as text, so their validator coerces ('true' → true);
// JSON bodies are checked strictly, so { "households": "300" } is an error, not a silent fix.
// strictNumbers: Infinity (JSON 1e999, query "Infinity") and NaN are not numbers.
const coercing = new Ajv({
  coerceTypes: 'array',
  useDefaults: true,
  removeAdditional: false,
  allErrors: false,
  strict: false,
  strictNumbers: true,
})
const strict = new Ajv({
  coerceTypes: false,
  useDefaults: true,
  removeAdditional: false,
  allErrors: false,
  strict: false,
  strictNumbers: true,
})
const compileValidator: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  httpPart === 'body' ? strict.compile(schema) : finiteNumbersOnly(coercing.compile(schema))

export interface AppOptions {
  database: DatabaseHandle
  signingSecret: string
  bodyLimitBytes?: number
  /** Folder of the built web bundle; served at / when it exists. */
  webDir?: string
  /** Tianditu browser key: adds 天地图 tiles under the offline basemap (TIANDITU_KEY). */
  tiandituKey?: string | null
  /** The local basemap file (GRIDWORK_BASEMAP), opened; none: the page draws no basemap of its own. */
  basemap?: Basemap | null
  /** Lookups per minute for a logged-in account (LOOKUP_USER_RATE_LIMIT); 600,000 when absent. */
  lookupUserRateLimit?: number
  /** pino logger of the process; none in tests. */
  logger?: FastifyBaseLogger
  /**
   * 'wait' (default): the app is built once the lookup index is; 'background': the index builds
   * while the server starts listening, and /health/ready answers 503 until it is built (several
   * API nodes behind a load balancer: a node is live at once, ready when it can serve).
   */
  indexAtStart?: 'wait' | 'background'
  /** Connection timeouts (default: server/http/limits.ts); tests shorten them. */
  timeouts?: { requestMs?: number; connectionMs?: number; checkIntervalMs?: number }
  /** Folder of import uploads (`${DATA_DIR}/uploads`) and their size limit (default: server/http/limits.ts). */
  uploads?: { root?: string; limitBytes?: number }
}

/** Builds the Fastify app (plugins, routes); listening and shutdown are server.ts's job. */
export async function buildApp(options: AppOptions) {
  const requestMs = options.timeouts?.requestMs ?? REQUEST_TIMEOUT_MS
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes ?? 20 * 1024 * 1024,
    // Request-line errors (bad percent-encoding, over-long URL or headers) in our error shape.
    frameworkErrors,
    clientErrorHandler,
    // A client that trickles its request (408 once it has not arrived in full) or leaves the
    // connection silent cannot hold it forever; Node checks the request deadline every 30 s.
    requestTimeout: requestMs,
    connectionTimeout: options.timeouts?.connectionMs ?? CONNECTION_TIMEOUT_MS,
    http: { headersTimeout: Math.min(60_000, requestMs), connectionsCheckingInterval: options.timeouts?.checkIntervalMs ?? 30_000 },
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(compileValidator)
  app.decorate('lookupUserRateLimit', options.lookupUserRateLimit ?? DEFAULT_LOOKUP_USER_RATE_LIMIT)

  registerErrorHandling(app)
  registerJsonBodyParser(app)
  app.addHook('onRequest', checkRequestLine)
  app.addSchema(ErrorResponse)

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'gridwork API',
        description: '网格化服务管理 — grids, regions, validation, proposals and lookup',
        version: '1',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  await registerAuth(app, options.signingSecret, options.database.kysely)
  const db = options.database.kysely
  await registerGridIndex(app, options.database, { wait: options.indexAtStart !== 'background' })
  app.decorate('readiness', new Readiness(options.database, app.gridIndex))
  await app.register(healthRoutes, { database: options.database, tiandituKey: options.tiandituKey })
  await app.register(basemapRoutes, { basemap: options.basemap ?? null })
  await app.register(ogcRoutes, { database: options.database })
  await app.register(tilesRoutes, { db: options.database.kysely, reader: options.database.reader })
  await app.register(
    async (api) => {
      await api.register(authRoutes, { db })
      await api.register(regionsRoutes, { db, reader: options.database.reader })
      await api.register(gridsRoutes, { db, reader: options.database.reader })
      await api.register(codesRoutes, { db })
      await api.register(validateRoutes, { database: options.database })
      await api.register(proposalsRoutes, { database: options.database })
      await api.register(partitionRoutes, { database: options.database })
      await api.register(auditRoutes, { db })
      await api.register(apiKeysRoutes, { db })
      await api.register(lookupRoutes, { database: options.database })
      await api.register(referenceRoutes, { db })
      await api.register(uploadsRoutes, {
        database: options.database,
        root: options.uploads?.root ?? path.join(os.tmpdir(), 'gridwork-uploads'),
        limitBytes: options.uploads?.limitBytes ?? UPLOAD_LIMIT_BYTES,
      })
      await api.register(exportRoutes, { database: options.database })
    },
    { prefix: '/api/v1' },
  )

  if (options.webDir && existsSync(options.webDir)) {
    await app.register(fastifyStatic, { root: options.webDir, prefix: '/', wildcard: false })
  }
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
