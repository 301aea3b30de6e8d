import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { TokenClaims } from '../../auth/auth.plugin.js'
import { apiKeyCaller } from '../../auth/api-key-caller.js'
import type { VerifiedApiKey } from '../../auth/api-keys.repository.js'
import type { Database } from '../../db/database.js'
import { AppError, requestLanguage } from '../../http/errors.js'
import { translate } from '../../i18n/index.js'
import { AccessLog, entryFor, type LookupNote, serializeMaskedRequest } from './access-log.js'
import { LookupBudget } from './lookup-budget.js'

// Department access to the lookup routes: registered inside the lookup routes' plugin,
// before its routes, it adds to that scope only
// - authentication by `X-API-Key: gwk_…` (verified against api_keys, cached briefly in memory) or
//   a JWT bearer; request.user gets TokenClaims (keys: sub 'apikey:<id>', role 'department');
// - a rate limit per key (the key's rate_limit_per_minute) or per account (LOOKUP_USER_RATE_LIMIT
//   per minute, default 600,000: staff are trusted, and the HTTP benchmark runs with a login);
//   a key's batch rows count against it too (chargeRows), an account's do not;
// - the access log (lookup_log) and request logging with queries masked (access-log.ts).

const RATE_WINDOW_MS = 60_000

// Per-request state lives on the request (decorated below), not in WeakMaps: set and read for
// every lookup, and WeakMap entries showed in the HTTP benchmark's profile.
declare module 'fastify' {
  interface FastifyInstance {
    /** Lookups per minute for a logged-in account (Config.lookupUserRateLimit), decorated by buildApp. */
    lookupUserRateLimit: number
  }
  interface FastifyRequest {
    lookupNote: LookupNote | null
    lookupApiKey: VerifiedApiKey | null
    /** Display prefix of an X-API-Key that failed verification (for the access log). */
    lookupKeyAttempted: string | null
  }
}

/** Tells the access log what a lookup route answered. */
export function noteLookup(request: FastifyRequest, note: LookupNote): void {
  request.lookupNote = request.lookupNote === null ? note : { ...request.lookupNote, ...note }
}

/** The API key that authenticated a request, if one did. */
export function apiKeyOf(request: FastifyRequest): VerifiedApiKey | undefined {
  return request.lookupApiKey ?? undefined
}

/** Rows a batch may send now; when not all, the API key's limit and the seconds until it refills. */
export interface RowsCharged {
  rows: number
  refused: { max: number; after: number } | null
}

export interface LookupAccess {
  /**
   * Charges rows a batch is about to send to the caller's per-minute budget, as many as fit
   * (API keys only; accounts are trusted staff and are not charged per row).
   */
  chargeRows(request: FastifyRequest, rows: number): RowsCharged
}

export async function registerLookupAccess(scope: FastifyInstance, options: { db: Kysely<Database> }): Promise<LookupAccess> {
  const { db } = options
  const userLimit = scope.lookupUserRateLimit
  scope.decorateRequest('lookupNote', null)
  scope.decorateRequest('lookupApiKey', null)
  scope.decorateRequest('lookupKeyAttempted', null)

  // No raw address or precise point in the request log lines of these routes.
  scope.addHook('onRoute', (route) => {
    route.logSerializers = { ...(route.logSerializers ?? {}), req: serializeMaskedRequest }
  })

  scope.addHook('onRequest', async (request) => {
    const key = await apiKeyCaller(db, request, (prefix) => {
      request.lookupKeyAttempted = prefix
    })
    if (key) {
      request.lookupApiKey = key
      return
    }
    if (!request.headers.authorization) throw new AppError(401, 'lookup_unauthorized')
    await scope.authenticate(request)
  })

  // Runs after the hook above (route-level onRequest hooks follow the scope's), so it can key by
  // the caller rather than by IP address. Its counters are shared with the batch route's row charges.
  const budget = new LookupBudget()
  const callerOf = (request: FastifyRequest) => (request.user as TokenClaims | undefined)?.sub ?? request.ip
  await scope.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: RATE_WINDOW_MS,
    store: budget.constructorForPlugin,
    keyGenerator: callerOf,
    max: (request) => request.lookupApiKey?.rate_limit_per_minute ?? userLimit,
    errorResponseBuilder: (request, context) => {
      const language = requestLanguage(request)
      return new AppError(429, 'rate_limited', {
        max: context.max,
        after: Math.max(1, Math.ceil(context.ttl / 1000)),
        who: translate(language, request.lookupApiKey !== null ? 'access.who.key' : 'access.who.user'),
      })
    },
  })

  const log = new AccessLog(db, scope)
  scope.addHook('onResponse', async (request, reply) => {
    log.push(entryFor(request, reply))
  })
  scope.addHook('onClose', async () => {
    await log.close()
  })

  return {
    chargeRows(request, rows) {
      const key = request.lookupApiKey
      if (key === null) return { rows, refused: null }
      const { charged, waitMs } = budget.charge(callerOf(request), rows, RATE_WINDOW_MS, key.rate_limit_per_minute)
      return { rows: charged, refused: waitMs === 0 ? null : { max: key.rate_limit_per_minute, after: Math.ceil(waitMs / 1000) } }
    },
  }
}
