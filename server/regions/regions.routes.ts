import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { assertInScope } from '../auth/scope.js'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { badRequest, notFound } from '../http/errors.js'
import { FeatureCollectionOf, errorResponses } from '../http/schemas.js'
import { isRegionCode, isWithinScope, prefixOfCode } from './region-codes.js'
import { countActiveGrids, findAncestors, findChildren, findRegion } from './regions.repository.js'
import { Region, RegionSummary } from './regions.schemas.js'

const CodeParams = Type.Object({ code: Type.String({ description: '12-digit region code' }) })

function parseCode(code: string): string {
  if (!isRegionCode(code)) throw badRequest('region_code_invalid', { code })
  return code
}

/**
 * `reader` (the read replica when there is one) serves the region boundaries of
 * /regions/{code}/children — the heaviest read here, changed only by an import of regions, and a
 * moment's lag harms nobody. /regions/{code} counts the grids in force, which the page shows right
 * after an approval: primary.
 */
export const regionsRoutes: FastifyPluginAsyncTypebox<{
  db: import('../db/database.js').Db
  reader?: import('../db/database.js').Db
}> = async (app, { db, reader = db }) => {
  app.addHook('onRequest', app.authenticate)

  app.get(
    '/regions/:code',
    {
      schema: {
        tags: ['regions'],
        summary: 'One region with its bounding box and ancestors',
        security: [{ bearer: [] }],
        params: CodeParams,
        response: { 200: Region, ...errorResponses },
      },
    },
    async (request) => {
      const code = parseCode(request.params.code)
      const prefix = prefixOfCode(code)
      // A user may read its own region, the regions inside it, and the names of its ancestors.
      const user = request.user as TokenClaims
      if (!isWithinScope(prefix, user.region_prefix)) assertInScope(request, prefix)
      const region = await findRegion(db, code)
      if (!region) throw notFound('region_not_found', { code })
      return { ...region, ancestors: await findAncestors(db, code), grid_count: await countActiveGrids(db, prefix) }
    },
  )

  app.get(
    '/regions/:code/children',
    {
      schema: {
        tags: ['regions'],
        summary: 'Child regions (or all descendants) as a GeoJSON FeatureCollection of boundaries',
        security: [{ bearer: [] }],
        params: CodeParams,
        querystring: Type.Object({
          descendants: Type.Optional(Type.Boolean({ description: 'every level below, not only children' })),
        }),
        response: { 200: FeatureCollectionOf(RegionSummary), ...errorResponses },
      },
    },
    async (request) => {
      const code = parseCode(request.params.code)
      const prefix = prefixOfCode(code)
      assertInScope(request, prefix)
      if (!(await findRegion(reader, code))) throw notFound('region_not_found', { code })
      const rows = await findChildren(reader, code, prefix, request.query.descendants ?? false)
      return {
        type: 'FeatureCollection' as const,
        features: rows.map(({ geometry, ...properties }) => ({
          type: 'Feature' as const,
          id: properties.code,
          geometry: geometry ?? null,
          properties,
        })),
      }
    },
  )
}
