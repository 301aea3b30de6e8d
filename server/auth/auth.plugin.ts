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

/** Bearer-token (JWT) authentication; routes opt in with `onRequest: app.authenticate`. */
export async function registerAuth(app: FastifyInstance, secret: string): Promise<void> {
  // Verified tokens are cached (LRU of 1,000, at most 10 min and never past their expiry): lookups
  // by department systems reuse one token for thousands of requests, and HMAC per request showed
  // in the lookup benchmark's profile.
  await app.register(jwt, { secret, sign: { expiresIn: TOKEN_LIFETIME }, verify: { cache: 1000 } })
  app.decorate('authenticate', async (request: FastifyRequest) => {
    await request.jwtVerify()
  })
}
