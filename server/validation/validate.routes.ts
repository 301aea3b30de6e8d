import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { assertInScope } from '../auth/scope.js'
import type { DatabaseHandle } from '../db/connect.js'
import { CRS_NAMES, toLonLat } from '../geo/crs.js'
import { badRequest, requestLanguage } from '../http/errors.js'
import { assertVertexLimits } from '../http/limits.js'
import { errorResponses } from '../http/schemas.js'
import { translate } from '../i18n/index.js'
import { isRegionCode, prefixOfCode } from '../regions/region-codes.js'
import type { Position } from './edge-match.js'
import { checkPolygonFeature } from './geometry-structure.js'
import { reasonOf } from './geometry-validity.js'
import { repairPolygon } from './repair.repository.js'
import { InvalidGeometryReason, ValidationReport } from './report.schemas.js'
import { validate, validationShapes } from './validate.service.js'

const Crs = Type.Union(
  CRS_NAMES.map((name) => Type.Literal(name)),
  { description: 'coordinate system of the input (default wgs84)' },
)

const RepairChanges = Type.Object(
  {
    parts_before: Type.Integer(),
    parts_after: Type.Integer(),
    vertices_before: Type.Integer(),
    vertices_after: Type.Integer(),
    area_before_m2: Type.Number(),
    area_after_m2: Type.Number(),
  },
  { description: 'what the repair changes' },
)

/**
 * Aborted when the client's connection closes before the answer is sent: a long validation then
 * stops at its next slice instead of running on for nobody. (Fastify's request.signal cannot be
 * used: on Node 20 it aborts as soon as a POST body has been read.)
 */
function goneSignal(reply: FastifyReply): AbortSignal {
  const gone = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort()
  })
  return gone.signal
}

export const validateRoutes: FastifyPluginAsyncTypebox<{ database: DatabaseHandle }> = async (app, { database }) => {
  app.addHook('onRequest', app.authenticate)

  app.post(
    '/validate',
    {
      schema: {
        tags: ['validation'],
        summary: 'Validate grids: geometry, coverage of the parent (gaps, overlaps, outside), nesting, households',
        security: [{ bearer: [] }],
        body: Type.Object({
          features: Type.Unknown({ description: 'GeoJSON FeatureCollection of grids' }),
          parent: Type.Optional(Type.Unknown({ description: '12-digit region code, or a GeoJSON Polygon/MultiPolygon' })),
          profile: Type.Optional(Type.String({ description: 'rule profile id (default cn-default)' })),
          crs: Type.Optional(Crs),
          sliver_tolerance_m2: Type.Optional(Type.Number({ minimum: 0, description: 'gaps/overlaps below this are warnings (default 1)' })),
        }),
        response: { 200: ValidationReport, 413: Type.Ref('ErrorResponse'), ...errorResponses },
      },
    },
    async (request, reply) => {
      assertVertexLimits(validationShapes(request.body))
      const { parent } = request.body
      if (typeof parent === 'string' && isRegionCode(parent)) assertInScope(request, prefixOfCode(parent))
      const signal = goneSignal(reply)
      try {
        return await validate(database, request.body, requestLanguage(request), { signal })
      } catch (error) {
        if (!signal.aborted) throw error
        // The client has gone: nothing to answer, nothing to log.
        reply.hijack()
        return undefined
      }
    },
  )

  app.post(
    '/repair',
    {
      schema: {
        tags: ['validation'],
        summary: 'Suggest a repair (ST_MakeValid) of one polygon and say what it changes; nothing is stored',
        security: [{ bearer: [] }],
        body: Type.Object({ geometry: Type.Unknown({ description: 'GeoJSON Polygon or MultiPolygon' }), crs: Type.Optional(Crs) }),
        response: {
          200: Type.Object({
            valid_before: Type.Boolean(),
            reason: Type.Union([InvalidGeometryReason, Type.Null()]),
            geometry: Type.Unknown(),
            changes: RepairChanges,
            message: Type.String(),
          }),
          413: Type.Ref('ErrorResponse'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const language = requestLanguage(request)
      const { geometry } = request.body
      assertVertexLimits([{ shape: 'geometry', geometry }])
      const problems = checkPolygonFeature({ type: 'Feature', properties: {}, geometry })
      const first = problems[0]
      if (first) throw badRequest('repair_unreadable', { reason: translate(language, `validation.reason.${first.code}`) })
      const convert = toLonLat(request.body.crs)
      const { type, coordinates } = geometry as { type: string; coordinates: unknown }
      const polygons = (type === 'Polygon' ? [coordinates] : coordinates) as Position[][][]
      const result = await repairPolygon(
        database,
        polygons.map((rings) => rings.map((ring) => ring.map(convert))),
      )
      const reason = result.reason_before === null ? null : reasonOf(result.reason_before)
      const changes = {
        parts_before: result.parts_before,
        parts_after: result.parts_after,
        vertices_before: result.vertices_before,
        vertices_after: result.vertices_after,
        area_before_m2: result.area_before_m2,
        area_after_m2: result.area_after_m2,
      }
      const message = result.valid_before
        ? translate(language, 'validation.repair_not_needed')
        : translate(language, 'validation.repair_suggested', {
            reason: translate(language, `validation.reason.${reason}`),
            parts: result.parts_after,
            area: Math.round(result.area_after_m2),
          })
      return { valid_before: result.valid_before, reason, geometry: result.geometry, changes, message }
    },
  )
}
