import jwt from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Role } from '../db/database.js'

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
  }
}

export const TOKEN_LIFETIME = '12h'

/** Most verified tokens remembered, and for how long at most (never past their expiry). */
const VERIFIED_TOKENS = 1000
const VERIFIED_TTL_MS = 10 * 60_000

/** Bearer-token (JWT) authentication; routes opt in with `onRequest: app.authenticate`. */
export async function registerAuth(app: FastifyInstance, secret: string): Promise<void> {
  await app.register(jwt, { secret, sign: { expiresIn: TOKEN_LIFETIME } })
  // Verified tokens are remembered by their exact header text: department systems reuse one token
  // for thousands of lookups, and decoding + HMAC (plus fast-jwt's own cache, which hashes the
  // token) was an eighth of the server's CPU in the lookup benchmark's profile. A hit is one Map
  // get; a token is re-verified after 10 minutes and never trusted past its `exp`.
  const verified = new Map<string, { claims: TokenClaims; until: number }>()
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization
    const now = Date.now()
    if (header !== undefined) {
      const hit = verified.get(header)
      if (hit !== undefined && hit.until > now) {
        request.user = hit.claims
        return
      }
    }
    await request.jwtVerify()
    if (header === undefined) return
    const exp = (request.user as TokenClaims & { exp?: number }).exp
    if (verified.size >= VERIFIED_TOKENS) verified.delete(verified.keys().next().value as string)
    verified.set(header, { claims: Object.freeze({ ...request.user }), until: Math.min(now + VERIFIED_TTL_MS, exp === undefined ? now : exp * 1000) })
  })
}
