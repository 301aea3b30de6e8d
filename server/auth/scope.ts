import type { FastifyRequest } from 'fastify'
import { forbidden } from '../http/errors.js'
import { languageFrom, translate } from '../i18n/index.js'
import { isWithinScope } from '../regions/region-codes.js'
import type { TokenClaims } from './auth.plugin.js'

/**
 * Refuses (403) a request for a region subtree outside the caller's scope. The message names the
 * caller's own scope only: the other region's code (e.g. where a looked-up point lies) is not theirs to learn.
 */
export function assertInScope(request: FastifyRequest, regionPrefix: string): void {
  const user = request.user as TokenClaims
  if (isWithinScope(user.region_prefix, regionPrefix)) return
  const language = languageFrom(request.headers['accept-language'])
  throw forbidden('forbidden_region', {
    role: translate(language, `role.${user.role}`),
    scope: scopeName(user) ?? translate(language, 'scope.all'),
  })
}

/** How a 403 names the caller's scope: "东湖街道（990101001）"; null for the whole country (admin). */
export function scopeName(user: TokenClaims): string | null {
  if (!user.region_prefix) return null
  return user.scope_name ? `${user.scope_name}（${user.region_prefix}）` : user.region_prefix
}

/** The caller's own subtree, used when a request names no region. */
export function ownScope(request: FastifyRequest): string {
  return (request.user as TokenClaims).region_prefix
}
