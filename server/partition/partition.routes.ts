import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { TokenClaims } from '../auth/auth.plugin.js'
import type { DatabaseHandle } from '../db/connect.js'
import { requestLanguage } from '../http/errors.js'
import { errorResponses } from '../http/schemas.js'
import { MAX_BUILDINGS, MAX_UNITS } from './units.js'
import { MAX_PARTITION_TIME_BUDGET_MS, PartitionRequest, PartitionResponse } from './partition.schemas.js'
import { runPartition } from './partition.service.js'

// The auto-partition over HTTP (the logic is in partition.service.ts). The body is limited by the
// server's bodyLimit (BODY_LIMIT_MB, 20 MB by default): 5,000 footprints of 10 vertices with
// 12-decimal coordinates are about 2.6 MB of JSON, so the largest partition allowed fits.

export const partitionRoutes: FastifyPluginAsyncTypebox<{ database: DatabaseHandle }> = async (app, { database }) => {
  app.addHook('onRequest', app.authenticate)

  app.post(
    '/partition',
    {
      schema: {
        tags: ['partition'],
        summary: 'Propose the grids of a community (or township, or any boundary) from its buildings, households and roads',
        description: [
          'Give `region` (the recorded boundary, buildings, roads and grids are used; `buildings`/`roads` replace the recorded ones)',
          'or `boundary` with `buildings` and a `range`. The range defaults to the region’s rule profile.',
          `At most ${MAX_BUILDINGS.toLocaleString('en-US')} buildings and ${MAX_UNITS.toLocaleString('en-US')} units (413 above);`,
          `time_budget_ms at most ${MAX_PARTITION_TIME_BUDGET_MS.toLocaleString('en-US')}.`,
          'Grids out of range come with explanations (codes, parameters and a message in the caller’s language).',
          'Running a partition writes nothing; `create_draft` (region only) saves the grids as a draft proposal,',
          'for accounts with a role in the region’s approval chain.',
        ].join(' '),
        security: [{ bearer: [] }],
        body: PartitionRequest,
        response: {
          200: PartitionResponse,
          ...errorResponses,
          413: Type.Ref('ErrorResponse'),
          422: Type.Ref('ErrorResponse'),
        },
      },
    },
    async (request) => runPartition(database, request.user as TokenClaims, request.body, requestLanguage(request)),
  )
}
