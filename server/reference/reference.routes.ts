import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { assertInScope, ownScope } from '../auth/scope.js'
import type { Db, Role } from '../db/database.js'
import { badRequest, forbidden, notFound, requestLanguage } from '../http/errors.js'
import { parseBBox } from '../http/query-params.js'
import { errorResponses } from '../http/schemas.js'
import { translate } from '../i18n/index.js'
import { isWithinScope, parseRegionPrefix } from '../regions/region-codes.js'
import {
  deleteReferenceLayer,
  findFeaturesInBox,
  findReferenceLayer,
  findReferenceLayers,
  type ReferenceLayerRow,
} from './reference.repository.js'
import {
  REFERENCE_FEATURE_CAP,
  ReferenceFeatureCollection,
  ReferenceFeaturesQuery,
  ReferenceIdParams,
  ReferenceLayerList,
  ReferenceListQuery,
} from './reference.schemas.js'

// Reference layers for the map and the editor: any signed-in user reads the layers of their own
// region and of the wider regions around it; admin and county users delete them. Imports write
// them (server/import, through replaceReferenceLayer).

const DELETER_ROLES: readonly Role[] = ['admin', 'county']
/** Simplification at a zoom: about one screen pixel of a 256-px tile, in degrees. */
const degreesPerPixel = (zoom: number) => 360 / (256 * 2 ** zoom)

function toLayer(row: ReferenceLayerRow) {
  return { ...row, created_at: row.created_at.toISOString() }
}

function parseLayerId(value: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(value)) throw badRequest('reference_id_invalid', { id: value })
  return Number(value)
}

function parseZoom(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const zoom = value.trim() === '' ? Number.NaN : Number(value)
  if (!(zoom >= 0 && zoom <= 24)) throw badRequest('reference_zoom_invalid', { value })
  return zoom
}

/** A layer the caller may see: it covers part of their scope or lies within it; else 404 / 403. */
async function visibleLayer(db: Db, request: FastifyRequest, idText: string): Promise<ReferenceLayerRow> {
  const id = parseLayerId(idText)
  const layer = await findReferenceLayer(db, id)
  if (!layer) throw notFound('reference_not_found', { id })
  const scope = (request.user as TokenClaims).region_prefix
  if (!isWithinScope(layer.region_code, scope)) assertInScope(request, layer.region_code)
  return layer
}

export const referenceRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.addHook('onRequest', app.authenticate)

  app.get(
    '/reference',
    {
      schema: {
        tags: ['reference'],
        summary: 'Reference layers (roads, water, footprints…) that apply to a region: its own, wider regions’ and those inside it',
        security: [{ bearer: [] }],
        querystring: ReferenceListQuery,
        response: { 200: ReferenceLayerList, ...errorResponses },
      },
    },
    async (request) => {
      const { region } = request.query
      const prefix = region === undefined ? ownScope(request) : parseRegionPrefix(region)
      if (prefix === null) throw badRequest('region_prefix_invalid', { code: region ?? '' })
      assertInScope(request, prefix)
      return { layers: (await findReferenceLayers(db, prefix)).map(toLayer) }
    },
  )

  app.get(
    '/reference/:id/features',
    {
      schema: {
        tags: ['reference'],
        summary: `Features of a reference layer in a box, as GeoJSON; at most ${REFERENCE_FEATURE_CAP}, simplified by zoom`,
        security: [{ bearer: [] }],
        params: ReferenceIdParams,
        querystring: ReferenceFeaturesQuery,
        response: { 200: ReferenceFeatureCollection, ...errorResponses },
      },
    },
    async (request) => {
      const bbox = parseBBox(request.query.bbox)
      const zoom = parseZoom(request.query.zoom)
      const layer = await visibleLayer(db, request, request.params.id)
      const found = await findFeaturesInBox(db, layer.id, bbox, {
        tolerance: zoom === undefined ? 0 : degreesPerPixel(zoom),
        limit: REFERENCE_FEATURE_CAP,
      })
      return {
        type: 'FeatureCollection' as const,
        features: found.features.map(({ id, geometry, name, class: roadClass }) => ({
          type: 'Feature' as const,
          id,
          geometry,
          properties: { name, class: roadClass },
        })),
        truncated: found.truncated,
      }
    },
  )

  app.delete(
    '/reference/:id',
    {
      schema: {
        tags: ['reference'],
        summary: 'Deletes a reference layer (admin, county users within their county)',
        security: [{ bearer: [] }],
        params: ReferenceIdParams,
        response: { 200: Type.Object({ deleted: Type.Integer(), features: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const user = request.user as TokenClaims
      if (!DELETER_ROLES.includes(user.role)) {
        const language = requestLanguage(request)
        throw forbidden('reference_role_forbidden', {
          allowed: translate(language, 'reference.deleters'),
          role: translate(language, `role.${user.role}`),
        })
      }
      const layer = await visibleLayer(db, request, request.params.id)
      assertInScope(request, layer.region_code)
      await deleteReferenceLayer(db, layer, { username: user.sub, role: user.role, region_prefix: user.region_prefix })
      return { deleted: layer.id, features: layer.feature_count }
    },
  )
}
