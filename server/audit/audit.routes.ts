import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { assertInScope, ownScope } from '../auth/scope.js'
import type { Db, Role } from '../db/database.js'
import { badRequest, forbidden, requestLanguage } from '../http/errors.js'
import { parseDate } from '../http/query-params.js'
import { errorResponses } from '../http/schemas.js'
import { translate } from '../i18n/index.js'
import { parseRegionPrefix } from '../regions/region-codes.js'
import { findAuditEntries } from './audit.repository.js'

// GET /api/v1/audit — the audit log for city and county administrators (and admin), within the
// caller's region scope, newest first, paged by an id cursor.

/** Roles that may read the audit log (named in audit.readers of the i18n files). Township and department users may not. */
export const AUDIT_READER_ROLES: readonly Role[] = ['admin', 'city', 'county']
export const AUDIT_DEFAULT_LIMIT = 100
export const AUDIT_MAX_LIMIT = 1000

const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ description: 'ISO 8601 timestamp' }),
  username: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.String(), Type.Null()]),
  region_code: Type.String({ description: 'region code or code prefix the entry belongs to; "" = system-wide' }),
  action: Type.String(),
  entity: Type.String(),
  entity_id: Type.Union([Type.String(), Type.Null()]),
  before: Type.Union([Type.Unknown(), Type.Null()]),
  after: Type.Union([Type.Unknown(), Type.Null()]),
})

const AuditPage = Type.Object({
  entries: Type.Array(AuditEntry),
  next_before_id: Type.Union([Type.Integer(), Type.Null()], {
    description: 'pass as before_id for the next (older) page; null when this is the last page',
  }),
})

// Numbers are taken as text and checked here, so a bad value gets a message that says what is
// allowed rather than a generic schema error.
const AuditQuery = Type.Object({
  region: Type.Optional(Type.String({ description: '12-digit region code or a 2/4/6/9-digit prefix; default: your own scope' })),
  from: Type.Optional(Type.String({ description: 'first day, YYYY-MM-DD (Beijing time), inclusive' })),
  to: Type.Optional(Type.String({ description: 'last day, YYYY-MM-DD (Beijing time), inclusive' })),
  action: Type.Optional(Type.String({ maxLength: 100, description: 'exact action, e.g. login, import_grids' })),
  entity: Type.Optional(Type.String({ maxLength: 100, description: 'exact entity, e.g. grid, proposal, user' })),
  limit: Type.Optional(Type.String({ description: `entries per page, 1–${AUDIT_MAX_LIMIT}, default ${AUDIT_DEFAULT_LIMIT}` })),
  before_id: Type.Optional(Type.String({ description: 'cursor: only entries with a smaller id (next_before_id of the previous page)' })),
})

function assertAuditReader(request: FastifyRequest): void {
  const user = request.user as TokenClaims
  if (AUDIT_READER_ROLES.includes(user.role)) return
  const language = requestLanguage(request)
  throw forbidden('audit_role_forbidden', { allowed: translate(language, 'audit.readers'), role: translate(language, `role.${user.role}`) })
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return AUDIT_DEFAULT_LIMIT
  const limit = /^[0-9]{1,7}$/.test(value) ? Number(value) : Number.NaN
  if (!(limit >= 1 && limit <= AUDIT_MAX_LIMIT)) throw badRequest('audit_limit_invalid', { value, max: AUDIT_MAX_LIMIT })
  return limit
}

function parseBeforeId(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const id = /^[0-9]{1,15}$/.test(value) ? Number(value) : Number.NaN
  if (!(id >= 1 && Number.isSafeInteger(id))) throw badRequest('audit_before_id_invalid', { value })
  return id
}

export const auditRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.addHook('onRequest', app.authenticate)

  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit log (admin, city and county users) within your region scope, newest first (by id, the order written)',
        security: [{ bearer: [] }],
        querystring: AuditQuery,
        response: { 200: AuditPage, ...errorResponses },
      },
    },
    async (request) => {
      assertAuditReader(request)
      const query = request.query
      const regionPrefix = query.region === undefined ? ownScope(request) : parseRegionPrefix(query.region)
      if (regionPrefix === null) throw badRequest('region_prefix_invalid', { code: query.region ?? '' })
      assertInScope(request, regionPrefix)
      const from = query.from === undefined ? undefined : parseDate(query.from)
      const to = query.to === undefined ? undefined : parseDate(query.to)
      if (from !== undefined && to !== undefined && from > to) throw badRequest('audit_range_invalid', { from, to })
      const limit = parseLimit(query.limit)
      const rows = await findAuditEntries(db, {
        regionPrefix,
        from,
        to,
        action: query.action,
        entity: query.entity,
        beforeId: parseBeforeId(query.before_id),
        limit,
      })
      const page = rows.slice(0, limit)
      return {
        entries: page.map((row) => ({ ...row, at: row.at.toISOString() })),
        next_before_id: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      }
    },
  )
}
