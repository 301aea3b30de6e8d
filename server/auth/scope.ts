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
    scope: user.region_prefix ? `${user.scope_name}（${user.region_prefix}）` : translate(language, 'scope.all'),
  })
}

/** The caller's own subtree, used when a request names no region. */
export function ownScope(request: FastifyRequest): string {
  return (request.user as TokenClaims).region_prefix
}
