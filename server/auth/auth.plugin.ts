import jwt from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Db, Role } from '../db/database.js'
import { AppError } from '../http/errors.js'
import { AccountStatusCache, claimsHold } from './account-status.js'

export interface TokenClaims {
  sub: string
  role: Role
  region_prefix: string
  scope_name: string
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims
    user: TokenClaims
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest) => Promise<void>
    /** What each token's account is now (cached briefly); `forget(username)` after changing one. */
    accountStatus: AccountStatusCache
  }
}

export const TOKEN_LIFETIME = '12h'

/** Most verified tokens remembered, and for how long at most (never past their expiry). */
const VERIFIED_TOKENS = 1000
const VERIFIED_TTL_MS = 10 * 60_000

/**
 * Bearer-token (JWT) authentication; routes opt in with `onRequest: app.authenticate`. A token is
 * accepted only while its account exists, is active and keeps the role and scope it was signed with.
 */
export async function registerAuth(app: FastifyInstance, secret: string, db: Db): Promise<void> {
  // HS256 only: a token naming another algorithm (RS256, none) is refused, never tried.
  await app.register(jwt, { secret, sign: { expiresIn: TOKEN_LIFETIME, algorithm: 'HS256' }, verify: { algorithms: ['HS256'] } })
  const accounts = new AccountStatusCache(db)
  app.decorate('accountStatus', accounts)
  // Verified tokens are remembered by their exact header text: department systems reuse one token
  // for thousands of lookups, and decoding + HMAC (plus fast-jwt's own cache, which hashes the
  // token) was an eighth of the server's CPU in the lookup benchmark's profile. A hit is one Map
  // get; a token is re-verified after 10 minutes and never trusted past its `exp`.
  const verified = new Map<string, { claims: TokenClaims; until: number }>()
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization
    const now = Date.now()
    const hit = header === undefined ? undefined : verified.get(header)
    let claims: TokenClaims
    if (hit !== undefined && hit.until > now) {
      claims = hit.claims
    } else {
      claims = await verifyToken(request)
      if (header !== undefined) {
        const exp = (claims as TokenClaims & { exp?: number }).exp
        if (verified.size >= VERIFIED_TOKENS) verified.delete(verified.keys().next().value as string)
        verified.set(header, {
          claims: Object.freeze({ ...claims }),
          until: Math.min(now + VERIFIED_TTL_MS, exp === undefined ? now : exp * 1000),
        })
      }
    }
    const status = accounts.get(claims.sub)
    if (!claimsHold(claims, status instanceof Promise ? await status : status)) throw new AppError(401, 'token_invalid')
    request.user = claims
  })
}

/**
 * The token's claims, or a 401 in the documented error shape for anything wrong with it: no header,
 * not a Bearer token, garbage, a bad signature, another algorithm, expired, not yet valid (nbf),
 * or claims that are not ours. (fast-jwt's own errors for some of these carry no HTTP status.)
 */
async function verifyToken(request: FastifyRequest): Promise<TokenClaims> {
  if (request.headers.authorization === undefined) throw new AppError(401, 'unauthorized')
  let claims: unknown
  try {
    claims = await request.jwtVerify()
  } catch {
    throw new AppError(401, 'token_invalid')
  }
  const c = claims as Partial<TokenClaims> | null
  if (
    c === null ||
    typeof c !== 'object' ||
    typeof c.sub !== 'string' ||
    typeof c.role !== 'string' ||
    typeof c.region_prefix !== 'string'
  ) {
    throw new AppError(401, 'token_invalid')
  }
  return c as TokenClaims
}
