import type { FastifyInstance } from 'fastify'
import { badRequest } from './errors.js'
import { assertStorableText, mayHoldUnstorableText } from './text-checks.js'

// Every JSON body goes through one parser: the bytes must be UTF-8 (GBK from a Windows tool
// would otherwise be decoded as U+FFFD and stored as ����), nesting is bounded (deeper input
// overflows recursive code further on: JSON.stringify, jsonb, GeoJSON walkers), and strings
// PostgreSQL cannot store are refused with the field named. Parsing itself is Fastify's own
// (secure-json-parse: __proto__ and constructor.prototype keys are refused), as is the body limit.

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route's body parameters are all optional (an action such as submit or rebase): a request
     * without a body, or with an empty application/json one, is read as {}.
     */
    emptyBodyIsObject?: boolean
  }
}

/** Route config of actions whose parameters are all optional (see emptyBodyIsObject). */
export const EMPTY_BODY_IS_OBJECT = { emptyBodyIsObject: true } as const

/** Deepest nesting of arrays and objects a JSON body may have (GeoJSON in a request needs ~10). */
export const MAX_JSON_DEPTH = 64

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Whether JSON bytes nest arrays/objects deeper than `limit` (strings are skipped). */
export function nestsDeeperThan(bytes: Uint8Array, limit: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]
    if (inString) {
      if (byte === 0x5c) i++
      else if (byte === 0x22) inString = false
    } else if (byte === 0x22) inString = true
    else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > limit) return true
    } else if (byte === 0x5d || byte === 0x7d) depth--
  }
  return false
}

export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  addJsonBodyParser(app, 'application/json')
  // No Content-Type and no body: no parser runs, so the body is filled in before validation.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.config.emptyBodyIsObject) request.body = {}
  })
}

/** Reads bodies of these JSON media types (e.g. application/geo+json) with the checks above. */
export function addJsonBodyParser(app: FastifyInstance, types: string | string[]): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser(types, { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer
    if (bytes.length === 0 && request.routeOptions.config.emptyBodyIsObject) {
      done(null, {})
      return
    }
    let text: string
    try {
      text = utf8.decode(bytes)
    } catch {
      done(badRequest('body_not_utf8'), undefined)
      return
    }
    if (nestsDeeperThan(bytes, MAX_JSON_DEPTH)) {
      done(badRequest('body_too_deep', { limit: MAX_JSON_DEPTH }), undefined)
      return
    }
    parse(request, text, (error, value) => {
      if (error) return done(error, undefined)
      try {
        if (mayHoldUnstorableText(text)) assertStorableText(value, 'body')
      } catch (refused) {
        return done(refused as Error, undefined)
      }
      done(null, value)
    })
  })
}
