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
import type { Language } from '../i18n/index.js'
import { readableReason, readableTitle } from '../i18n/proposal-text.js'
import { renderReport, type StoredReport } from '../validation/issue-messages.js'
import { type Change, ChangeRequest, ExceptionRequest } from './change.schemas.js'
import {
  actOnProposal,
  commentOnProposal,
  createProposal,
  getProposal,
  listProposals,
  proposalDiff,
  rebaseProposal,
  updateProposal,
} from './proposals.service.js'
import { ProposalAct, ProposalDiff, ProposalList, ProposalState, ProposalView } from './proposals.schemas.js'

const IdParams = Type.Object({ id: RowId })

/** A timestamp as JSON writes it (the drivers read timestamps as Date). */
const iso = (at: Date | string) => (at instanceof Date ? at.toISOString() : at)

/**
 * A proposal as the service reads it, as the API answers it: its JSON columns are written only from
 * checked bodies; the report's messages are rendered in the reader's language from the stored codes.
 */
function answer(proposal: Awaited<ReturnType<typeof getProposal>>, language: Language): ProposalView {
  const report = proposal.validation as StoredReport | null
  return {
    ...proposal,
    title: readableTitle(proposal, language),
    reason: readableReason(proposal.reason, language),
    changes: proposal.changes as Change[],
    exceptions: proposal.exceptions as ExceptionRequest[],
    validation: report && renderReport(report, language),
    applied_at: proposal.applied_at === null ? null : iso(proposal.applied_at),
    created_at: iso(proposal.created_at),
    updated_at: iso(proposal.updated_at),
    events: proposal.events.map((event) => ({ ...event, at: iso(event.at) })),
  }
}

export const proposalsRoutes: FastifyPluginAsyncTypebox<{ database: DatabaseHandle }> = async (app, { database }) => {
  app.addHook('onRequest', app.authenticate)
  // Vertex limits before any work (413, or 400 for absurd nesting): the geometries and split lines
  // of a draft's changes (create, update), the location of a comment or an act.
  app.addHook('preHandler', async (request) => {
    const body = request.body as { changes?: unknown; location?: unknown } | null | undefined
    if (typeof body !== 'object' || body === null) return
    assertVertexLimits(
      [...changeShapes(Array.isArray(body.changes) ? body.changes : []), { shape: 'location', geometry: body.location }],
      MAX_VERTICES_PER_PROPOSAL,
    )
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
          title: Type.Optional(
            Type.String({ minLength: 1, maxLength: 200, description: "default: a title worded in each reader's language" }),
          ),
          reason: Type.Optional(
            Type.String({ minLength: 1, maxLength: 4000, description: "default: a reason worded in each reader's language" }),
          ),
          changes: Type.Array(ChangeRequest, { maxItems: 1000 }),
          exceptions: Type.Optional(Type.Array(ExceptionRequest, { maxItems: 1000 })),
          initial_division: Type.Optional(
            Type.Boolean({ description: 'the first division of the area (some profiles chain it differently)' }),
          ),
        }),
        response: { 200: ProposalView, ...errorResponses },
      },
    },
    async (request) =>
      answer(await createProposal(database, user(request), request.body, requestLanguage(request)), requestLanguage(request)),
  )

  app.get(
    '/proposals',
    {
      schema: {
        ...common,
        summary: 'Proposals in your scope, newest first; waiting_for_me marks your queue',
        querystring: Type.Object({
          region: Type.Optional(Type.String({ description: '12-digit region code or a 2/4/6/9-digit prefix' })),
          state: Type.Optional(ProposalState),
        }),
        response: { 200: ProposalList, ...errorResponses },
      },
    },
    async (request) => {
      const { region } = request.query
      if (region !== undefined && parseRegionPrefix(region) === null) throw badRequest('region_prefix_invalid', { code: region })
      const proposals = await listProposals(database.kysely, user(request), request.query)
      const language = requestLanguage(request)
      return {
        proposals: proposals.map((row) => ({
          ...row,
          title: readableTitle(row, language),
          created_at: iso(row.created_at),
          updated_at: iso(row.updated_at),
        })),
      }
    },
  )

  app.get(
    '/proposals/:id',
    {
      schema: {
        ...common,
        summary: 'One proposal: state, steps, changes, validation, timeline',
        params: IdParams,
        response: { 200: ProposalView, ...errorResponses },
      },
    },
    async (request) => answer(await getProposal(database.kysely, user(request), request.params.id), requestLanguage(request)),
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
          changes: Type.Optional(Type.Array(ChangeRequest, { maxItems: 1000 })),
          exceptions: Type.Optional(Type.Array(ExceptionRequest, { maxItems: 1000 })),
        }),
        response: { 200: ProposalView, ...errorResponses },
      },
    },
    async (request) =>
      answer(
        await updateProposal(database, user(request), request.params.id, request.body, requestLanguage(request)),
        requestLanguage(request),
      ),
  )

  app.post(
    '/proposals/:id/rebase',
    {
      config: EMPTY_BODY_IS_OBJECT,
      schema: {
        ...common,
        summary: 'Re-base a stale draft on the grids as they are now',
        params: IdParams,
        response: { 200: ProposalView, ...errorResponses },
      },
    },
    async (request) =>
      answer(await rebaseProposal(database, user(request), request.params.id, requestLanguage(request)), requestLanguage(request)),
  )

  const actBody = Type.Object({
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
    location: Type.Optional(GeoJsonPoint),
    document_no: Type.Optional(Type.String({ maxLength: 200 })),
    effective_date: Type.Optional(DateString),
  })
  for (const act of ProposalAct.anyOf.map((literal) => literal.const)) {
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
          response: { 200: ProposalView, ...errorResponses },
        },
      },
      async (request) => {
        const body = request.body
        if (body.effective_date) parseDate(body.effective_date)
        return answer(
          await actOnProposal(database, user(request), request.params.id, act, body, requestLanguage(request)),
          requestLanguage(request),
        )
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
        response: { 200: ProposalView, ...errorResponses },
      },
    },
    async (request) => answer(await commentOnProposal(database, user(request), request.params.id, request.body), requestLanguage(request)),
  )

  app.get(
    '/proposals/:id/diff',
    {
      schema: {
        ...common,
        summary: 'Added, removed and changed geometry as a GeoJSON FeatureCollection (download)',
        params: IdParams,
        response: { 200: ProposalDiff, ...errorResponses },
      },
    },
    async (request, reply) => {
      reply.header('content-disposition', `attachment; filename="proposal-${request.params.id}-diff.geojson"`)
      return proposalDiff(database, user(request), request.params.id)
    },
  )
}
