import type { FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import { AppError } from '../http/errors.js'
import { displayPrefix, type VerifiedApiKey, verifyApiKey } from './api-keys.repository.js'

// A department system's key (X-API-Key) as the caller of a request: the routes that take keys
// (lookup, the OGC API) accept one instead of a login token, scoped to the key's region.

/**
 * The verified key of the request, which then acts as a `department` user of the key's region;
 * undefined when the request carries none; a 401 (`api_key_invalid`) when it is wrong, after
 * `onWrong` has seen the key's display prefix (for an access log).
 */
export async function apiKeyCaller(
  db: Kysely<Database>,
  request: FastifyRequest,
  onWrong: (prefix: string) => void = () => undefined,
): Promise<VerifiedApiKey | undefined> {
  const header = request.headers['x-api-key']
  if (header === undefined) return undefined
  const value = (Array.isArray(header) ? (header[0] ?? '') : header).trim()
  const key = await verifyApiKey(db, value)
  if (!key) {
    onWrong(displayPrefix(value))
    throw new AppError(401, 'api_key_invalid')
  }
  request.user = { sub: `apikey:${key.id}`, role: 'department', region_prefix: key.region_prefix, scope_name: key.scope_name }
  return key
}
