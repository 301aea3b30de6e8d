import type { Socket } from 'node:net'
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { type Language, languageFrom } from '../i18n/index.js'
import { AppError, errorBody, requestLanguage } from './errors.js'
import { assertStorableText } from './text-checks.js'

// Errors in the request line and headers, in the documented { error: { code, message } } shape.
// Some are answered by Fastify before routing (a path with broken percent-encoding, a path
// parameter longer than the router allows), some by Node's HTTP parser before Fastify sees a
// request at all (headers over Node's 16 KB, which includes the request line; unreadable HTTP).

/** Longest URL (path and query) served; longer ones get 414 rather than reaching a handler. */
export const MAX_URL_LENGTH = 8192
/** Node's default limit on the request line and headers together (http.maxHeaderSize). */
const NODE_MAX_HEADER_BYTES = 16 * 1024

/**
 * Root onRequest hook: a URL over MAX_URL_LENGTH → 414; a query parameter with broken
 * percent-encoding → 400 naming it (Fastify's parser would pass "%E0%A4%A" on as literal text);
 * NUL or an unpaired surrogate in a query or path parameter → 400 naming it.
 */
export async function checkRequestLine(request: FastifyRequest): Promise<void> {
  const url = request.raw.url ?? ''
  if (url.length > MAX_URL_LENGTH) throw new AppError(414, 'uri_too_long', { limit: MAX_URL_LENGTH })
  const queryStart = url.indexOf('?')
  if (queryStart >= 0 && url.includes('%', queryStart)) {
    for (const pair of url.slice(queryStart + 1).split('&')) {
      try {
        decodeURIComponent(pair.replaceAll('+', ' '))
      } catch {
        const name = pair.split('=')[0] ?? ''
        throw new AppError(400, 'query_encoding_invalid', { field: `querystring.${name}` })
      }
    }
  }
  assertStorableText(request.query, 'querystring')
  assertStorableText(request.params, 'params')
}

/** Fastify's frameworkErrors option: errors raised while routing, before any hook runs. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const language = requestLanguage(request)
  const path = (request.raw.url ?? '').split('?')[0] ?? ''
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      reply.code(400).send(errorBody(language, 'url_invalid', { url: path.slice(0, 200) }))
      return
    case 'FST_ERR_MAX_PARAM_LENGTH':
      reply.code(414).send(errorBody(language, 'path_parameter_too_long', { limit: request.server.initialConfig.maxParamLength ?? 100 }))
      return
    default:
      request.log.error({ err: error }, 'framework error')
      reply.code(500).send(errorBody(language, 'internal', { id: request.id }))
  }
}

// Node attaches the bytes it was parsing as a Buffer (Fastify's types describe its JSON form).
type ClientError = Error & { code?: string; rawPacket?: unknown }

/** The language asked for in raw request bytes, when the Accept-Language header got through. */
function languageOfRawRequest(packet: Buffer | undefined): Language {
  const header = packet?.toString('latin1').match(/\r\naccept-language:([^\r\n]*)/i)
  return languageFrom(header?.[1])
}

/** Whether the request line alone is what overflowed Node's header limit. */
function requestLineOverflows(packet: Buffer | undefined): boolean {
  if (!packet) return false
  const lineEnd = packet.indexOf('\r\n')
  return lineEnd === -1 || lineEnd > MAX_URL_LENGTH
}

/** Fastify's clientErrorHandler option: Node's HTTP parser refused the request. */
export function clientErrorHandler(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const packet = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : undefined
  const language = languageOfRawRequest(packet)
  let status = 400
  let body = errorBody(language, 'request_malformed')
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408
    body = errorBody(language, 'request_timeout')
  } else if (error.code === 'HPE_HEADER_OVERFLOW' && requestLineOverflows(packet)) {
    status = 414
    body = errorBody(language, 'uri_too_long', { limit: MAX_URL_LENGTH })
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431
    body = errorBody(language, 'headers_too_large', { limit: `${NODE_MAX_HEADER_BYTES / 1024} KB` })
  }
  if (socket.writable) {
    const text = JSON.stringify(body)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    )
  }
  socket.destroy(error)
}
