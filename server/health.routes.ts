import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type } from 'typebox'
import type { DatabaseHandle } from './db/connect.js'

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
}
