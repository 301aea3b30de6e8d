import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DATABASE_RETRY_AFTER_S, isDatabaseUnavailable } from '../db/unavailable.js'
import { type Language, type MessageParams, languageFrom, translate } from '../i18n/index.js'

// One error shape for every response: { error: { code, message, details? } }. The message is in
// the caller's language (Accept-Language; Chinese by default). Anything unexpected becomes a 500
// with a request id, logged with its stack, and never leaks internals to the client.

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly params: MessageParams = {},
    readonly details?: unknown,
  ) {
    super(`${code} ${JSON.stringify(params)}`)
  }
}

export const badRequest = (code: string, params?: MessageParams, details?: unknown) => new AppError(400, code, params, details)
export const notFound = (code: string, params?: MessageParams) => new AppError(404, code, params)
export const forbidden = (code: string, params?: MessageParams) => new AppError(403, code, params)

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown }
}

export function requestLanguage(request: FastifyRequest): Language {
  return languageFrom(request.headers['accept-language'])
}

/** The error shape of every response, the message in `language` (also for answers sent outside the error handler). */
export function errorBody(language: Language, code: string, params: MessageParams = {}, details?: unknown): ErrorBody {
  const message = translate(language, `error.${code}`, params)
  return { error: { code, message, ...(details === undefined ? {} : { details }) } }
}

type AjvError = { instancePath?: string; keyword?: string; params?: Record<string, unknown>; message?: string }

/** The values an enum, a const, or a union of consts (TypeBox literals: anyOf of const) allows. */
function allowedValues(errors: readonly AjvError[], first: AjvError): string | null {
  if (first.keyword === 'enum') return (first.params?.allowedValues as unknown[] | undefined)?.join(', ') ?? null
  if (first.keyword !== 'const') return null
  const sameField = errors.filter((e) => e.instancePath === first.instancePath)
  const consts = sameField.filter((e) => e.keyword === 'const')
  const union = sameField.some((e) => e.keyword === 'anyOf')
  if (union && consts.length + 1 !== sameField.length) return null
  return consts.map((e) => String(e.params?.allowedValue)).join(', ')
}

/** Turns Fastify/Ajv schema errors into one plain sentence naming the field. */
function describeValidation(language: Language, error: FastifyError): string {
  const first = (error.validation?.[0] ?? {}) as AjvError
  const where = error.validationContext ?? 'body'
  const path = `${where}${(first.instancePath ?? '').replaceAll('/', '.')}`
  const allowed = allowedValues(error.validation ?? [], first)
  if (allowed) return translate(language, 'error.field_one_of', { field: path, allowed })
  switch (first.keyword) {
    case 'required':
      return translate(language, 'error.field_required', { field: `${path}.${String(first.params?.missingProperty)}` })
    case 'type':
      return translate(language, 'error.field_type', { field: path, type: String(first.params?.type) })
    case 'additionalProperties':
      return translate(language, 'error.field_unknown', {
        field: `${path}.${String(first.params?.additionalProperty)}`,
      })
    case 'pattern':
    case 'format':
    case 'enum':
    case 'const':
    case 'minLength':
    case 'maxLength':
      return translate(language, 'error.field_format', { field: path })
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minItems':
    case 'maxItems':
      return translate(language, 'error.field_range', { field: path })
    default:
      return `${path} ${first.message ?? ''}`.trim()
  }
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    const language = requestLanguage(request)
    reply.code(404).send(errorBody(language, 'route_not_found', { method: request.method, url: request.url.split('?')[0] ?? '' }))
  })

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body, headers } = errorAnswer(app, error, request)
    if (headers) reply.headers(headers)
    return reply.code(status).send(body)
  })
}

/**
 * The status and body of the answer to any error: an AppError as it says, schema errors as one
 * sentence naming the field, Fastify's and the JWT plugin's errors by their codes, anything else a
 * logged 500 with a request id; a database that cannot be reached a 503 with Retry-After (headers
 * to send with the answer). Routes with another error format (OGC exceptions) reshape this.
 */
export function errorAnswer(
  app: FastifyInstance,
  error: FastifyError,
  request: FastifyRequest,
): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  const answer = (status: number, body: ErrorBody) => ({ status, body })
  const language = requestLanguage(request)
  if (error instanceof AppError) {
    return answer(error.statusCode, errorBody(language, error.code, error.params, error.details))
  }
  if (isDatabaseUnavailable(error)) {
    // Logged without a stack: it is the database's state, not a fault of this code.
    request.log.warn({ reason: error.message, code: error.code }, 'database unavailable: answered 503')
    const seconds = DATABASE_RETRY_AFTER_S
    return { ...answer(503, errorBody(language, 'database_unavailable', { seconds })), headers: { 'retry-after': String(seconds) } }
  }
  if (error.validation) {
    const detail = describeValidation(language, error)
    return answer(400, errorBody(language, 'invalid_request', { detail }))
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer(400, errorBody(language, 'invalid_json', { detail: error.message }))
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return answer(413, errorBody(language, 'body_too_large', { limit: `${Math.round((app.initialConfig.bodyLimit ?? 0) / 1048576)} MB` }))
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer(415, errorBody(language, 'unsupported_media_type', { type: String(request.headers['content-type'] ?? '') }))
  }
  if (error.code?.startsWith('FST_JWT_')) {
    const code = error.code === 'FST_JWT_NO_AUTHORIZATION_IN_HEADER' ? 'unauthorized' : 'token_invalid'
    return answer(401, errorBody(language, code))
  }
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return answer(400, errorBody(language, 'invalid_json', { detail: error.message }))
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return answer(error.statusCode, errorBody(language, 'invalid_request', { detail: error.message }))
  }
  request.log.error({ err: error }, 'unhandled error')
  return answer(500, errorBody(language, 'internal', { id: request.id }))
}
