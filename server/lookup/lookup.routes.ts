import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { noteLookup, registerLookupAccess } from './access/lookup-access.js'
import { assertInScope } from '../auth/scope.js'
import type { DatabaseHandle } from '../db/connect.js'
import { CRS_NAMES, type CrsName } from '../geo/crs.js'
import { badRequest, requestLanguage } from '../http/errors.js'
import { parseDate } from '../http/query-params.js'
import { errorResponses } from '../http/schemas.js'
import { LookupResponse, type LookupResponseBody } from './lookup.schemas.js'
import { lookupAddress } from '../addresses/address-lookup.js'
import { openBatch } from './batch/batch.js'
import { type BatchFormat, formatOf } from './batch/batch-format.js'
import { admitRows } from './batch/batch-budget.js'
import type { LookupResult } from './lookup-result.js'
import { checkPoint, chineseProfile, lookupPoint, toWgs84 } from './lookup.service.js'

// GET /lookup (point or address) and POST /lookup/batch. Access (JWT or X-API-Key, rate limit,
// access log) comes from registerLookupAccess; each answer is then checked against the caller's
// region prefix: a point whose grid lies outside it is refused with 403.

const LookupQuery = Type.Object({
  lng: Type.Optional(Type.String({ description: 'longitude' })),
  lat: Type.Optional(Type.String({ description: 'latitude' })),
  crs: Type.Optional(Type.String({ description: 'wgs84 (default) | cgcs2000 | gcj02 | bd09' })),
  as_of: Type.Optional(Type.String({ description: 'YYYY-MM-DD: grids in force that day (PostGIS); today or absent: in-memory index' })),
  address: Type.Optional(Type.String({ description: 'an address instead of lng/lat' })),
})

const BatchQuery = Type.Object({
  crs: Type.Optional(Type.String({ description: 'CRS of rows without a crs column (default wgs84)' })),
  as_of: Type.Optional(Type.String({ description: 'YYYY-MM-DD' })),
})

/** Up to 1 GB of rows (≈ 30 M point rows); the body is streamed, never buffered. */
const BATCH_BODY_LIMIT = 1024 * 1024 * 1024

function parseCrs(value: string | undefined): CrsName {
  if (value === undefined || value === '') return 'wgs84'
  const crs = value.trim().toLowerCase() as CrsName
  if (!CRS_NAMES.includes(crs)) throw badRequest('lookup_crs_invalid', { crs: value })
  return crs
}

const claims = (request: FastifyRequest) => request.user as TokenClaims

export const lookupRoutes: FastifyPluginAsyncTypebox<{ database: DatabaseHandle }> = async (api, { database }) => {
  const db = database.kysely
  // The PostGIS path of a point (a past day, or no index yet) may lag a moment: the read replica
  // when there is one. Addresses, API keys and the access log stay on the primary.
  const reader = database.reader
  const holder = api.gridIndex

  const access = await registerLookupAccess(api, { db })
  api.addSchema(LookupResponse)

  // Batch bodies are handed over as the raw stream; batch.ts parses them row by row.
  api.addContentTypeParser(['text/csv', 'application/x-ndjson', 'application/ndjson', 'application/jsonl'], (_request, payload, done) => {
    done(null, payload)
  })

  /** Looks a point up for the caller: 403 when its grid lies outside their region; noted for the access log. */
  const answerPoint = async (
    request: FastifyRequest,
    query: LookupResult['query'],
    asOf: string | undefined,
    kind: 'point' | 'address',
  ) => {
    const result = await lookupPoint(reader, holder, query, { scope: claims(request).region_prefix, asOf })
    if (result.grid) assertInScope(request, result.grid.region_code)
    noteLookup(request, { kind, gridCode: result.grid?.code ?? null })
    return result
  }

  const common = { tags: ['lookup'], security: [{ bearer: [] as string[] }, { apiKey: [] as string[] }] as Record<string, string[]>[] }

  api.get(
    '/lookup',
    {
      schema: {
        ...common,
        summary: 'Which grid is this point (or address) in: the grid, dedicated grids, region chain; nearest grid when outside',
        querystring: LookupQuery,
        response: { 200: Type.Ref('LookupResponse'), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query
      const user = claims(request)
      const asOf = q.as_of === undefined || q.as_of === '' ? undefined : parseDate(q.as_of)
      const crs = parseCrs(q.crs)
      if (q.address !== undefined && q.address.trim() !== '') {
        const found = await lookupAddress(db, q.address.trim(), { regionPrefix: user.region_prefix })
        if (!found.match) {
          return {
            query: null,
            grid: null,
            dedicated: [],
            regions: [],
            nearest: null,
            source: 'index',
            address: found,
          } satisfies LookupResponseBody
        }
        const point = {
          lng: found.match.lng,
          lat: found.match.lat,
          crs: 'wgs84' as const,
          wgs84: [found.match.lng, found.match.lat] as [number, number],
        }
        return { ...(await answerPoint(request, point, asOf, 'address')), address: found }
      }
      if ((q.lng === undefined || q.lng === '') && (q.lat === undefined || q.lat === '')) throw badRequest('lookup_point_missing')
      const checked = checkPoint(q.lng, q.lat, chineseProfile(user.region_prefix))
      if (!checked.ok) throw badRequest(checked.code, checked.params)
      const query: LookupResult['query'] = { lng: checked.lng, lat: checked.lat, crs, wgs84: toWgs84(crs, checked.lng, checked.lat) }
      return answerPoint(request, query, asOf, 'point')
    },
  )

  api.post(
    '/lookup/batch',
    {
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        ...common,
        summary: 'Many lookups: CSV (header lng,lat[,crs][,id] or address[,id]) or NDJSON in, the same format out, in order, streamed',
        description:
          'Bad rows come back inline with row number, error code and message; the batch goes on. CSV out columns: ' +
          'row,id,grid_code,grid_name,grid_kind,region_code,grid_head,dedicated,nearest_code,nearest_distance_m,match_address,match_score,error_code,error_message.',
        querystring: BatchQuery,
        consumes: ['text/csv', 'application/x-ndjson'],
      },
    },
    async (request, reply) => {
      const format = formatOf(request.headers['content-type']) as BatchFormat | null
      if (!format || !(request.body instanceof Readable))
        throw badRequest('lookup_batch_format', { type: String(request.headers['content-type'] ?? '') })
      const user = claims(request)
      const asOf = request.query.as_of === undefined || request.query.as_of === '' ? undefined : parseDate(request.query.as_of)
      let rows = 0
      noteLookup(request, { kind: 'batch', rows })
      const opened = openBatch(request.body, format, {
        db,
        reader,
        holder,
        scope: user.region_prefix,
        scopeName: user.scope_name,
        role: user.role,
        asOf,
        defaultCrs: parseCrs(request.query.crs),
        language: requestLanguage(request),
        china: chineseProfile(user.region_prefix),
      })
      // Refused before any row (not UTF-8, no header, a header of megabytes): close the connection
      // after the answer rather than read the rest of a body that may be a gigabyte.
      const { chunks, header } = await opened.catch((error: unknown) => {
        reply.header('connection', 'close')
        throw error
      })
      const body = Readable.from(
        (async function* () {
          if (header) yield header
          for await (const chunk of chunks) {
            // An API key's rows count against its per-minute limit, a chunk at a time.
            const admitted = admitRows(access, request, format, requestLanguage(request), chunk, rows + 1)
            if (admitted.rows > 0) yield admitted.bytes
            rows += admitted.rows
            if (admitted.closing !== null) {
              yield admitted.closing
              ;(request.body as Readable).resume() // discard the rest of the upload
              break
            }
          }
          noteLookup(request, { kind: 'batch', rows })
        })(),
        { objectMode: false, highWaterMark: 64 * 1024 },
      )
      reply.header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      return reply.send(body)
    },
  )
}
