import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { assertInScope } from '../auth/scope.js'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { badRequest, notFound } from '../http/errors.js'
import { FeatureCollectionOf, errorResponses } from '../http/schemas.js'
import { isRegionCode, isWithinScope, prefixOfCode } from './region-codes.js'
import { findAncestors, findChildren, findRegion } from './regions.repository.js'

const RegionSummary = Type.Object({
  code: Type.String({ description: '12-digit statistical division code' }),
  name: Type.String(),
  level: Type.Integer({ description: '1 province, 2 city, 3 county, 4 township, 5 village/community' }),
  parent_code: Type.Union([Type.String(), Type.Null()]),
  urban_rural: Type.Union([Type.String(), Type.Null()], { description: 'urban/rural class 111…220' }),
})

const Region = Type.Object({
  ...RegionSummary.properties,
  bbox: Type.Union([Type.Array(Type.Number()), Type.Null()]),
  ancestors: Type.Array(RegionSummary),
})

const CodeParams = Type.Object({ code: Type.String({ description: '12-digit region code' }) })

function parseCode(code: string): string {
  if (!isRegionCode(code)) throw badRequest('region_code_invalid', { code })
  return code
}

export const regionsRoutes: FastifyPluginAsyncTypebox<{ db: import('../db/database.js').Db }> = async (app, { db }) => {
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
      return { ...region, ancestors: await findAncestors(db, code) }
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
      if (!(await findRegion(db, code))) throw notFound('region_not_found', { code })
      const rows = await findChildren(db, code, prefix, request.query.descendants ?? false)
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
