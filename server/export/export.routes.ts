import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { assertInScope } from '../auth/scope.js'
import type { DatabaseHandle } from '../db/connect.js'
import { requestLanguage } from '../http/errors.js'
import { errorResponses } from '../http/schemas.js'
import { ExportQuery } from '../import/upload.schemas.js'
import { attachmentHeader, exportLayer } from './export.service.js'

// GET /api/v1/export: a region's grids, validation issues or a reference layer as a file. Any
// signed-in account (departments too) may export what it may read, authorised as GET /grids is.

const ExportFile = Type.Unsafe<Uint8Array>({
  type: 'string',
  format: 'binary',
  description:
    'the file: .geojson, .zip (shapefile with .cpg and .prj), .gpkg, .kml, .fgb, .csv or .xlsx; ' +
    "Content-Disposition names it (ASCII name and filename*=UTF-8'' Chinese name, e.g. 城关镇-网格-2026-12-07.zip)",
})

export const exportRoutes: FastifyPluginAsyncTypebox<{ database: DatabaseHandle }> = async (app, { database }) => {
  app.addHook('onRequest', app.authenticate)

  app.get(
    '/export',
    {
      schema: {
        tags: ['export'],
        summary: 'Download grids (in force today or as of a date), validation issues or a reference layer in a GIS format and CGCS2000 CRS',
        security: [{ bearer: [] }],
        querystring: ExportQuery,
        produces: ['application/octet-stream'],
        response: { 200: ExportFile, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { region, layer, format, crs, as_of, encoding } = request.query
      const result = await exportLayer(database, {
        region,
        layer,
        format,
        crs,
        asOf: as_of,
        encoding,
        language: requestLanguage(request),
        checkScope: (prefix) => assertInScope(request, prefix),
      })
      reply.header('content-type', result.file.contentType)
      reply.header('content-disposition', attachmentHeader(result))
      reply.header('x-feature-count', String(result.count))
      return reply.send(Buffer.from(result.file.bytes.buffer, result.file.bytes.byteOffset, result.file.bytes.byteLength))
    },
  )
}
