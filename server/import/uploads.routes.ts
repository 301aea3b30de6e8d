import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TokenClaims } from '../auth/auth.plugin.js'
import type { DatabaseHandle } from '../db/connect.js'
import { AppError, requestLanguage } from '../http/errors.js'
import { errorResponses } from '../http/schemas.js'
import { assertMayImport, assertMayImportType, commitImport } from './commit.js'
import { previewImport } from './preview.js'
import { CommitRequest, CommitResponse, ImportChoices, PreviewResponse, UploadResponse } from './upload.schemas.js'
import { UploadStore } from './upload-store.js'

// The import wizard: upload the file(s) (raw bytes, one call per file), preview the import as
// chosen (nothing written), commit it. Uploads wait on disk (upload-store.ts) and belong to their account.

const NameQuery = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200, description: 'the file name, with its extension' }) })
const UploadParams = Type.Object({ id: Type.String({ maxLength: 64 }) })
const Refusals = { 413: Type.Ref('ErrorResponse'), 415: Type.Ref('ErrorResponse'), ...errorResponses }

const owner = (request: FastifyRequest) => (request.user as TokenClaims).sub

/** The request body as the raw byte stream; a JSON or empty body is not a file. */
function fileBytes(request: FastifyRequest): Readable {
  if (request.body instanceof Readable) return request.body
  throw new AppError(415, 'upload_not_bytes')
}

export const uploadsRoutes: FastifyPluginAsyncTypebox<{ database: DatabaseHandle; root: string; limitBytes: number }> = async (
  app,
  { database, root, limitBytes },
) => {
  const store = new UploadStore({ root, limitBytes })
  await store.sweep()
  app.addHook('onRequest', app.authenticate)
  // The bytes go to disk as they arrive (the store counts them against the limit), never into memory.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload))

  const uploadSchema = (summary: string) => ({
    tags: ['import'],
    summary,
    security: [{ bearer: [] }],
    querystring: NameQuery,
    consumes: ['application/octet-stream'],
    response: { 201: UploadResponse, ...Refusals },
  })

  app.post(
    '/uploads',
    { schema: uploadSchema('Upload a file to import (raw bytes); a zip, or the first file of a set') },
    async (request, reply) => {
      const user = request.user as TokenClaims
      // Read-only accounts may not start an import (the type and region are chosen later; grids is
      // the widest type). An administrator's scope is the whole country, which no region code names.
      assertMayImportType(user, 'grids')
      const upload = await store.create(owner(request), request.query.name, fileBytes(request))
      return reply.code(201).send(upload)
    },
  )

  app.post(
    '/uploads/:id/files',
    { schema: { ...uploadSchema('Add a file to an upload (.shp, .shx, .dbf, .prj, .cpg of one shapefile)'), params: UploadParams } },
    async (request, reply) => {
      const files = await store.add(request.params.id, owner(request), request.query.name, fileBytes(request))
      return reply.code(201).send({ id: request.params.id, files })
    },
  )

  app.post(
    '/uploads/:id/preview',
    {
      schema: {
        tags: ['import'],
        summary:
          'Read the upload as chosen and check it: fields, field map, CRS, problems, features and (grids) the validation report after import',
        security: [{ bearer: [] }],
        params: UploadParams,
        body: ImportChoices,
        response: { 200: PreviewResponse, ...errorResponses },
      },
    },
    async (request) => {
      assertMayImport(request.user as TokenClaims, request.body.type, request.body.region)
      const files = await store.read(request.params.id, owner(request))
      return previewImport(database, files, request.body, requestLanguage(request), request.user as TokenClaims)
    },
  )

  app.post(
    '/uploads/:id/commit',
    {
      schema: {
        tags: ['import'],
        summary:
          'Import the upload: grids as a draft proposal per township (or directly for an initial division), regions, buildings or a reference layer',
        security: [{ bearer: [] }],
        params: UploadParams,
        body: CommitRequest,
        response: { 200: CommitResponse, 409: Type.Ref('ErrorResponse'), 422: Type.Ref('ErrorResponse'), ...errorResponses },
      },
    },
    async (request) => {
      const files = await store.read(request.params.id, owner(request))
      const user = request.user as TokenClaims
      const result = await commitImport({ database, user, language: requestLanguage(request) }, files, request.body)
      await store.remove(request.params.id)
      return result
    },
  )
}
