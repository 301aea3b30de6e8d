import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type } from 'typebox'
import type { DatabaseHandle } from './db/connect.js'
import { requestLanguage } from './http/errors.js'
import { translate } from './i18n/index.js'

export const healthRoutes: FastifyPluginAsyncTypebox<{ database: DatabaseHandle; tiandituKey?: string | null }> = async (
  app,
  { database, tiandituKey },
) => {
  // What the web page needs to know before signing in: an optional Tianditu browser key (the
  // default basemap is our own layers and works offline; the key only adds 天地图 tiles under them).
  app.get(
    '/client-config',
    {
      schema: {
        tags: ['health'],
        summary: 'Settings for the web page (public)',
        response: { 200: Type.Object({ tianditu_key: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async () => ({ tianditu_key: tiandituKey ?? null }),
  )

  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness and engine: 200 when the database answers, 503 otherwise',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            engine: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
            postgis: Type.String(),
            capabilities: Type.Record(Type.String(), Type.Boolean()),
          }),
        },
      },
    },
    async () => {
      await sql`SELECT 1`.execute(database.kysely)
      return {
        status: 'ok' as const,
        engine: database.engine,
        postgis: database.capabilities.postgis,
        capabilities: database.capabilities.functions,
      }
    },
  )

  // Liveness: the process's event loop answers. Never touches the database, so a database outage
  // does not make an orchestrator restart healthy processes.
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: 200 while the process answers (never asks the database)',
        response: { 200: Type.Object({ status: Type.Literal('live') }) },
      },
    },
    async () => ({ status: 'live' as const }),
  )

  // Readiness (server/readiness.ts): what a load balancer checks before sending requests here.
  const Reason = Type.Object({ code: Type.String(), message: Type.String() })
  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary:
          'Readiness: 200 when this node can serve (database answers within 1 s, migrations applied, lookup index built, not shutting down); 503 naming the reasons otherwise',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), message: Type.String() }),
          503: Type.Object({ status: Type.Literal('not_ready'), message: Type.String(), reasons: Type.Array(Reason) }),
        },
      },
    },
    async (request, reply) => {
      const language = requestLanguage(request)
      const reasons = (await app.readiness.reasons()).map(({ code, params }) => ({
        code,
        message: translate(language, `health.reason.${code}`, params),
      }))
      if (reasons.length === 0) return { status: 'ready' as const, message: translate(language, 'health.ready') }
      const joined = reasons.map((reason) => reason.message).join(language === 'en' ? '; ' : '；')
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .send({ status: 'not_ready' as const, message: translate(language, 'health.not_ready', { reasons: joined }), reasons })
    },
  )
}
