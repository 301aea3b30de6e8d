import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errorAnswer } from '../http/errors.js'

/** Every error of the routes of `app` as an OGC exception: the code and the message the rest of the API would give. */
export function answerErrorsAsOgcExceptions(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body, headers } = errorAnswer(app, error, request)
    if (headers) reply.headers(headers)
    return reply.code(status).type('application/json').send({ code: body.error.code, description: body.error.message })
  })
}
