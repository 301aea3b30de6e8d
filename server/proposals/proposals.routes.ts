import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { TokenClaims } from '../auth/auth.plugin.js'
import type { DatabaseHandle } from '../db/connect.js'
import { badRequest, requestLanguage } from '../http/errors.js'
import { EMPTY_BODY_IS_OBJECT } from '../http/json-body.js'
import { MAX_VERTICES_PER_PROPOSAL, assertVertexLimits, changeShapes } from '../http/limits.js'
import { parseDate } from '../http/query-params.js'
import { DateString, GeoJsonPoint, MAX_INT4, RowId, errorResponses } from '../http/schemas.js'
import { parseRegionPrefix } from '../regions/region-codes.js'
import { ChangePropertiesSchema } from './change-rules.js'
import type { Change } from './changes.js'
import type { Act } from './chain.js'
import {
  type ExceptionRequest,
  actOnProposal,
  commentOnProposal,
  createProposal,
  getProposal,
  listProposals,
  proposalDiff,
  rebaseProposal,
  updateProposal,
} from './proposals.service.js'

const GridCode = Type.String({ pattern: '^[0-9]{12,24}$', description: 'grid code' })

const ChangeSchema = Type.Object(
  {
    op: Type.Union(['create', 'reshape', 'split', 'merge', 'retire', 'update'].map((op) => Type.Literal(op))),
    grid: Type.Optional(GridCode),
    grids: Type.Optional(Type.Array(GridCode, { maxItems: 1000 })),
    geometry: Type.Optional(Type.Unknown({ description: 'GeoJSON Polygon or MultiPolygon (create, reshape)' })),
    line: Type.Optional(Type.Unknown({ description: 'GeoJSON LineString (split)' })),
    properties: Type.Optional(ChangePropertiesSchema),
    reason: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { description: 'one change: create | reshape | split (by a line) | merge | retire | update (attributes)' },
)

const ExceptionSchema = Type.Object({
  code: Type.String({ maxLength: 100, description: 'issue code the exception is for, e.g. households_above_max' }),
  feature_ids: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 1000 }),
  reason: Type.String({ minLength: 1, maxLength: 4000 }),
})

const IdParams = Type.Object({ id: RowId })
const Proposal = Type.Record(Type.String(), Type.Unknown())

export const proposalsRoutes: FastifyPluginAsyncTypebox<{ database: DatabaseHandle }> = async (app, { database }) => {
  app.addHook('onRequest', app.authenticate)
  // Vertex limits before any work (413, or 400 for absurd nesting): the geometries and split lines
  // of a draft's changes (create, update), the location of a comment or an act.
  app.addHook('preHandler', async (request) => {
    const body = request.body as { changes?: unknown; location?: unknown } | null | undefined
    if (typeof body !== 'object' || body === null) return
    assertVertexLimits([...changeShapes(Array.isArray(body.changes) ? body.changes : []), { shape: 'location', geometry: body.location }], MAX_VERTICES_PER_PROPOSAL)
  })
  const common = { tags: ['proposals'], security: [{ bearer: [] }] }
  const user = (request: { user: unknown }) => request.user as TokenClaims

  app.post(
    '/proposals',
    {
      schema: {
        ...common,
        summary: 'Draft a change set for a township or community; returns it with the validation of the township after the change',
        body: Type.Object({
          region: Type.String({ description: '12-digit township or community code' }),
          title: Type.String({ minLength: 1, maxLength: 200 }),
          reason: Type.String({ minLength: 1, maxLength: 4000 }),
          changes: Type.Array(ChangeSchema, { maxItems: 1000 }),
          exceptions: Type.Optional(Type.Array(ExceptionSchema, { maxItems: 1000 })),
          initial_division: Type.Optional(Type.Boolean({ description: 'the first division of the area (some profiles chain it differently)' })),
        }),
        response: { 200: Proposal, ...errorResponses },
      },
    },
    async (request) =>
      createProposal(
        database,
        user(request),
        { ...request.body, changes: request.body.changes as Change[], exceptions: request.body.exceptions as ExceptionRequest[] | undefined },
        requestLanguage(request),
      ),
  )

  app.get(
    '/proposals',
    {
      schema: {
        ...common,
        summary: 'Proposals in your scope, newest first; waiting_for_me marks your queue',
        querystring: Type.Object({
          region: Type.Optional(Type.String({ description: '12-digit region code or a 2/4/6/9-digit prefix' })),
          state: Type.Optional(Type.Union(['draft', 'submitted', 'reviewed', 'approved', 'filed', 'returned'].map((s) => Type.Literal(s)))),
        }),
      },
    },
    async (request) => {
      const { region } = request.query
      if (region !== undefined && parseRegionPrefix(region) === null) throw badRequest('region_prefix_invalid', { code: region })
      return { proposals: await listProposals(database.kysely, user(request), request.query as never) }
    },
  )

  app.get('/proposals/:id', { schema: { ...common, summary: 'One proposal: state, steps, changes, validation, timeline', params: IdParams } }, async (request) =>
    getProposal(database.kysely, user(request), request.params.id),
  )

  app.put(
    '/proposals/:id',
    {
      schema: {
        ...common,
        summary: 'Edit a draft or returned proposal (optimistic: send the version you edited)',
        params: IdParams,
        body: Type.Object({
          version: Type.Integer({ minimum: 1, maximum: MAX_INT4 }),
          title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          reason: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
          changes: Type.Optional(Type.Array(ChangeSchema, { maxItems: 1000 })),
          exceptions: Type.Optional(Type.Array(ExceptionSchema, { maxItems: 1000 })),
        }),
      },
    },
    async (request) =>
      updateProposal(
        database,
        user(request),
        request.params.id,
        { ...request.body, changes: request.body.changes as Change[] | undefined, exceptions: request.body.exceptions as ExceptionRequest[] | undefined },
        requestLanguage(request),
      ),
  )

  app.post('/proposals/:id/rebase', { config: EMPTY_BODY_IS_OBJECT, schema: { ...common, summary: 'Re-base a stale draft on the grids as they are now', params: IdParams } }, async (request) =>
    rebaseProposal(database, user(request), request.params.id, requestLanguage(request)),
  )

  const actBody = Type.Object({
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
    location: Type.Optional(GeoJsonPoint),
    document_no: Type.Optional(Type.String({ maxLength: 200 })),
    effective_date: Type.Optional(DateString),
  })
  for (const act of ['submit', 'approve', 'file', 'reject'] as Act[]) {
    app.post(
      `/proposals/:id/${act}`,
      {
        config: EMPTY_BODY_IS_OBJECT,
        schema: {
          ...common,
          summary:
            act === 'reject'
              ? 'Return the proposal to its author with a comment (optionally pinned to a map point)'
              : `${act} at the current step of the chain; the applying step needs document_no and effective_date`,
          params: IdParams,
          body: actBody,
        },
      },
      async (request) => {
        const body = request.body as { comment?: string; location?: unknown; document_no?: string; effective_date?: string }
        if (body.effective_date) parseDate(body.effective_date)
        return actOnProposal(database, user(request), request.params.id, act, body, requestLanguage(request))
      },
    )
  }

  app.post(
    '/proposals/:id/comments',
    {
      schema: {
        ...common,
        summary: 'Comment on a proposal, optionally pinned to a map location',
        params: IdParams,
        body: Type.Object({ comment: Type.String({ minLength: 1, maxLength: 4000 }), location: Type.Optional(GeoJsonPoint) }),
      },
    },
    async (request) => commentOnProposal(database, user(request), request.params.id, request.body),
  )

  app.get(
    '/proposals/:id/diff',
    { schema: { ...common, summary: 'Added, removed and changed geometry as a GeoJSON FeatureCollection (download)', params: IdParams } },
    async (request, reply) => {
      reply.header('content-disposition', `attachment; filename="proposal-${request.params.id}-diff.geojson"`)
      return proposalDiff(database, user(request), request.params.id)
    },
  )
}
