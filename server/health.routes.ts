import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type } from 'typebox'
import type { DatabaseHandle } from './db/connect.js'

export const healthRoutes: FastifyPluginAsyncTypebox<{ database: DatabaseHandle }> = async (app, { database }) => {
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
