import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { recordAudit } from '../audit/audit.repository.js'
import type { Db, Role } from '../db/database.js'
import { AppError, badRequest, forbidden, notFound, requestLanguage } from '../http/errors.js'
import { errorResponses } from '../http/schemas.js'
import { translate } from '../i18n/index.js'
import { codeOfPrefix, parseRegionPrefix } from '../regions/region-codes.js'
import { findRegionName } from '../regions/regions.repository.js'
import type { TokenClaims } from './auth.plugin.js'
import { findApiKey, forgetApiKeys, insertApiKey, listApiKeys, revokeApiKey } from './api-keys.repository.js'
import { assertInScope } from './scope.js'

// Department API keys (department access to the lookup). Administrators issue keys for any region;
// city and county users for regions within their own scope (a county issues keys to its county's
// departments). Township and department users cannot manage keys. The key is returned once, at
// issue; afterwards only its prefix is shown. Issue and revocation are written to the audit log.

export const API_KEY_MANAGER_ROLES: readonly Role[] = ['admin', 'city', 'county']
export const DEFAULT_KEY_RATE_LIMIT = 600
export const MAX_KEY_RATE_LIMIT = 100_000

const ApiKeyView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  department: Type.String(),
  key_prefix: Type.String({ description: 'first characters of the key, for telling keys apart' }),
  region_prefix: Type.String({ description: "region code prefix the key may look up ('' = all)" }),
  rate_limit_per_minute: Type.Integer(),
  created_by: Type.String(),
  created_at: Type.String(),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
  revoked_by: Type.Union([Type.String(), Type.Null()]),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
})

const IssuedKey = Type.Object({
  ...ApiKeyView.properties,
  key: Type.String({ description: 'the key itself: shown only in this response; send it as X-API-Key' }),
})

const MAX_LOG_LIMIT = 1000

const LogEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  api_key_id: Type.Union([Type.Integer(), Type.Null()]),
  username: Type.Union([Type.String(), Type.Null()]),
  region_code: Type.String({ description: "the caller's region prefix" }),
  kind: Type.String({ description: 'point | address | batch' }),
  query: Type.Union([Type.String(), Type.Null()], { description: 'masked address or point rounded to 3 decimals' }),
  grid_code: Type.Union([Type.String(), Type.Null()]),
  rows: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.Integer(),
  ms: Type.Union([Type.Number(), Type.Null()]),
})

const NewKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'what the key is for, e.g. 110 接警系统' }),
    department: Type.String({ minLength: 1, maxLength: 100, description: 'e.g. 县公安局' }),
    region_prefix: Type.String({ description: '12-digit region code or 2/4/6/9-digit prefix the key may look up' }),
    rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_KEY_RATE_LIMIT, default: DEFAULT_KEY_RATE_LIMIT })),
  },
  { additionalProperties: false },
)

function assertKeyManager(request: FastifyRequest): TokenClaims {
  const user = request.user as TokenClaims
  if (API_KEY_MANAGER_ROLES.includes(user.role)) return user
  throw forbidden('api_key_role', { role: translate(requestLanguage(request), `role.${user.role}`) })
}

const actorOf = (user: TokenClaims) => ({ username: user.sub, role: user.role, region_prefix: user.region_prefix })

export const apiKeysRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.addHook('onRequest', app.authenticate)

  app.post(
    '/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Issue an API key for a department (the key is shown once)',
        security: [{ bearer: [] }],
        body: NewKeyBody,
        response: { 201: IssuedKey, ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = assertKeyManager(request)
      const body = request.body
      const raw = body.region_prefix.trim()
      const prefix = raw === '' ? '' : parseRegionPrefix(raw)
      if (prefix === null) throw badRequest('region_prefix_invalid', { code: raw })
      if (prefix === '' && user.role !== 'admin') throw forbidden('api_key_region_all')
      assertInScope(request, prefix)
      if (prefix !== '' && (await findRegionName(db, codeOfPrefix(prefix))) === undefined) throw notFound('region_not_found', { code: raw })
      const name = body.name.trim()
      const department = body.department.trim()
      if (!name) throw badRequest('field_required', { field: 'body.name' })
      if (!department) throw badRequest('field_required', { field: 'body.department' })

      const issued = await db.transaction().execute(async (trx) => {
        const result = await insertApiKey(trx, {
          name,
          department,
          region_prefix: prefix,
          rate_limit_per_minute: body.rate_limit_per_minute ?? DEFAULT_KEY_RATE_LIMIT,
          created_by: user.sub,
        })
        // The audit entry never holds the key, only its view (prefix).
        await recordAudit(trx, actorOf(user), {
          action: 'api_key_issue',
          entity: 'api_key',
          entityId: String(result.view.id),
          regionCode: prefix,
          after: result.view,
        })
        return result
      })
      return reply.code(201).send({ ...issued.view, key: issued.key })
    },
  )

  app.get(
    '/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'API keys within your region (prefixes only, revoked ones included)',
        security: [{ bearer: [] }],
        response: { 200: Type.Object({ keys: Type.Array(ApiKeyView) }), ...errorResponses },
      },
    },
    async (request) => {
      const user = assertKeyManager(request)
      return { keys: await listApiKeys(db, user.region_prefix) }
    },
  )

  app.delete(
    '/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key (takes effect at once on this server, within 30 s on others)',
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String() }),
        response: { 200: ApiKeyView, ...errorResponses },
      },
    },
    async (request) => {
      const user = assertKeyManager(request)
      const id = /^[0-9]{1,15}$/.test(request.params.id) ? Number(request.params.id) : Number.NaN
      if (!Number.isSafeInteger(id)) throw notFound('api_key_not_found', { id: request.params.id })
      const existing = await findApiKey(db, id)
      if (!existing) throw notFound('api_key_not_found', { id })
      assertInScope(request, existing.region_prefix)
      if (existing.revoked_at !== null) return existing
      const revoked = await db.transaction().execute(async (trx) => {
        const revoked = await revokeApiKey(trx, id, user.sub)
        if (!revoked) throw new AppError(404, 'api_key_not_found', { id })
        await recordAudit(trx, actorOf(user), {
          action: 'api_key_revoke',
          entity: 'api_key',
          entityId: String(id),
          regionCode: existing.region_prefix,
          before: { revoked_at: null },
          after: { revoked_at: revoked.revoked_at, revoked_by: revoked.revoked_by },
        })
        return revoked
      })
      forgetApiKeys(db)
      return revoked
    },
  )
  app.get(
    '/lookup-log',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'The lookup access log within your region, newest first (addresses masked, coordinates rounded)',
        security: [{ bearer: [] }],
        querystring: Type.Object({
          key_id: Type.Optional(Type.String({ description: 'only lookups made with this API key' })),
          limit: Type.Optional(Type.String({ description: `entries, 1–${MAX_LOG_LIMIT}, default 100` })),
          before_id: Type.Optional(Type.String({ description: 'cursor: entries with a smaller id' })),
        }),
        response: {
          200: Type.Object({ entries: Type.Array(LogEntry), next_before_id: Type.Union([Type.Integer(), Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const user = assertKeyManager(request)
      const q = request.query
      const number = (value: string | undefined, field: string, max: number) => {
        if (value === undefined) return undefined
        const n = /^[0-9]{1,15}$/.test(value) ? Number(value) : Number.NaN
        if (!(n >= 1 && n <= max)) throw badRequest('field_range', { field: `querystring.${field}` })
        return n
      }
      const limit = number(q.limit, 'limit', MAX_LOG_LIMIT) ?? 100
      const keyId = number(q.key_id, 'key_id', Number.MAX_SAFE_INTEGER)
      const beforeId = number(q.before_id, 'before_id', Number.MAX_SAFE_INTEGER)
      let query = db
        .selectFrom('lookup_log')
        .select(['id', 'at', 'api_key_id', 'username', 'region_code', 'kind', 'query', 'grid_code', 'rows', 'status', 'ms'])
        .where('region_code', 'like', `${user.region_prefix}%`)
      if (keyId !== undefined) query = query.where('api_key_id', '=', keyId)
      if (beforeId !== undefined) query = query.where('id', '<', beforeId)
      const rows = await query
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute()
      const page = rows.slice(0, limit)
      return {
        entries: page.map((row) => ({ ...row, at: new Date(row.at).toISOString() })),
        next_before_id: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
      }
    },
  )
}
