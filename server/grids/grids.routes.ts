import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { assertInScope, ownScope } from '../auth/scope.js'
import type { Db } from '../db/database.js'
import { badRequest, notFound, requestLanguage } from '../http/errors.js'
import { proposalOfVersion } from '../i18n/proposal-text.js'
import { parseBBox, parseDate } from '../http/query-params.js'
import { DateString, FeatureCollectionOf, errorResponses } from '../http/schemas.js'
import { NATIONAL_DEFAULT_RANGE, householdFit } from '../profiles/household-range.js'
import { parseRegionPrefix, prefixOfCode } from '../regions/region-codes.js'
import { type GridRow, findGrid, findGridHistory, findGridLineage, findGrids } from './grids.repository.js'
import { GridFeature, GridProperties, HistoryProperties } from './grids.schemas.js'

const CodeParams = Type.Object({ code: Type.String({ description: 'grid code, 12–24 digits' }) })

function parseGridCode(code: string): string {
  if (!/^[0-9]{12,24}$/.test(code)) throw badRequest('grid_code_invalid', { code })
  return code
}

function toFeature<T extends GridRow>({ geometry, ...row }: T) {
  const range = NATIONAL_DEFAULT_RANGE
  return {
    type: 'Feature' as const,
    id: row.code,
    geometry,
    properties: {
      ...row,
      attributes: (row.attributes ?? {}) as Record<string, unknown>,
      fit: householdFit(row.households, range),
      households_min: range.min,
      households_max: range.max,
    },
  }
}

/** Today as YYYY-MM-DD in the server's time zone (the day the lookup index holds). */
function localToday(): string {
  const now = new Date()
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`
}

/**
 * `reader` (the read replica when there is one) serves the grids of a past day (as_of before
 * today): history, which a save does not change under the editor. Today's grids and a grid's
 * history are read from the primary: the editor reloads them right after an approval.
 */
export const gridsRoutes: FastifyPluginAsyncTypebox<{ db: Db; reader?: Db }> = async (app, { db, reader = db }) => {
  app.addHook('onRequest', app.authenticate)
  const forDay = (asOf: string | undefined) => (asOf !== undefined && asOf < localToday() ? reader : db)

  app.get(
    '/grids',
    {
      schema: {
        tags: ['grids'],
        summary: 'Grids in force on a day, as an RFC 7946 FeatureCollection',
        security: [{ bearer: [] }],
        querystring: Type.Object({
          region: Type.Optional(Type.String({ description: '12-digit region code or a 2/4/6/9-digit prefix' })),
          bbox: Type.Optional(Type.String({ description: 'minLng,minLat,maxLng,maxLat' })),
          as_of: Type.Optional(DateString),
        }),
        response: { 200: FeatureCollectionOf(GridProperties), ...errorResponses },
      },
    },
    async (request) => {
      const { region, bbox, as_of } = request.query
      const regionPrefix = region === undefined ? ownScope(request) : parseRegionPrefix(region)
      if (regionPrefix === null) throw badRequest('region_prefix_invalid', { code: region ?? '' })
      assertInScope(request, regionPrefix)
      const asOf = as_of === undefined ? undefined : parseDate(as_of)
      const rows = await findGrids(forDay(asOf), {
        regionPrefix,
        asOf,
        bbox: bbox === undefined ? undefined : parseBBox(bbox),
      })
      return { type: 'FeatureCollection' as const, features: rows.map(toFeature) }
    },
  )

  app.get(
    '/grids/:code',
    {
      schema: {
        tags: ['grids'],
        summary: 'One grid: the version in force on as_of (default today), else its last version',
        security: [{ bearer: [] }],
        params: CodeParams,
        querystring: Type.Object({ as_of: Type.Optional(DateString) }),
        response: { 200: GridFeature, ...errorResponses },
      },
    },
    async (request) => {
      const code = parseGridCode(request.params.code)
      const asOf = request.query.as_of === undefined ? undefined : parseDate(request.query.as_of)
      const row = (await findGrid(forDay(asOf), code, asOf)) ?? (asOf ? undefined : (await findGridHistory(db, code)).at(-1))
      if (!row) throw notFound('grid_not_found', { code })
      assertInScope(request, prefixOfCode(row.region_code))
      return toFeature(row)
    },
  )

  app.get(
    '/grids/:code/history',
    {
      schema: {
        tags: ['grids'],
        summary: 'Every version of a grid, oldest first, with the proposal (document number, approver) and lineage, as a FeatureCollection',
        security: [{ bearer: [] }],
        params: CodeParams,
        response: { 200: FeatureCollectionOf(HistoryProperties), ...errorResponses },
      },
    },
    async (request) => {
      const code = parseGridCode(request.params.code)
      const rows = await findGridHistory(db, code)
      const language = requestLanguage(request)
      const last = rows.at(-1)
      if (!last) throw notFound('grid_not_found', { code })
      assertInScope(request, prefixOfCode(last.region_code))
      const lineage = await findGridLineage(db, code)
      return {
        type: 'FeatureCollection' as const,
        features: rows.map(({ proposal, ...row }) => {
          const feature = toFeature(row)
          return {
            ...feature,
            id: `${row.code}@${row.version}`,
            properties: {
              ...feature.properties,
              created_at: row.created_at.toISOString(),
              proposal: proposal && proposalOfVersion(proposal, language),
              lineage,
            },
          }
        }),
      }
    },
  )
}
