import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { notFound } from '../http/errors.js'
import type { Basemap } from './basemap-file.js'
import { BASEMAP_ARCHIVE_PATH, BASEMAP_TILE_PATH, BasemapInfoResponse } from './basemap.schemas.js'

// The local basemap, public like the page itself (no internet needed, nothing secret): its
// description, the PMTiles archive by byte range, or MBTiles tiles by z/x/y.

/** The one range of a `Range: bytes=…` header within a file of `size` bytes; null when unsatisfiable. */
export function parseRange(header: string, size: number): { start: number; end: number } | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return null
  const [first, last] = [match[1] ?? '', match[2] ?? '']
  const start = first === '' ? Math.max(0, size - Number(last)) : Number(first)
  const end = first === '' || last === '' ? size - 1 : Math.min(Number(last), size - 1)
  return start <= end && start < size ? { start, end } : null
}

async function sendFileRange(reply: FastifyReply, file: string, range: string | undefined) {
  const { size, mtimeMs } = await stat(file)
  reply.header('accept-ranges', 'bytes').header('etag', `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`)
  reply.header('content-type', 'application/octet-stream').header('cache-control', 'public, max-age=3600')
  if (range === undefined) return reply.header('content-length', size).send(createReadStream(file))
  const part = parseRange(range, size)
  if (!part) return reply.status(416).header('content-range', `bytes */${size}`).send()
  reply
    .status(206)
    .header('content-range', `bytes ${part.start}-${part.end}/${size}`)
    .header('content-length', part.end - part.start + 1)
  return reply.send(createReadStream(file, { start: part.start, end: part.end }))
}

const TileParams = Type.Object({
  z: Type.Integer({ minimum: 0, maximum: 30 }),
  x: Type.Integer({ minimum: 0 }),
  y: Type.Integer({ minimum: 0 }),
})

export const basemapRoutes: FastifyPluginAsyncTypebox<{ basemap: Basemap | null }> = async (app, { basemap }) => {
  app.get(
    '/basemap',
    {
      schema: {
        tags: ['basemap'],
        summary: 'The local basemap file (GRIDWORK_BASEMAP), or null when none is configured (public)',
        response: { 200: BasemapInfoResponse },
      },
    },
    async () => ({
      basemap: basemap && { ...basemap.info, url: basemap.info.format === 'pmtiles' ? BASEMAP_ARCHIVE_PATH : BASEMAP_TILE_PATH },
    }),
  )
  if (basemap?.info.format === 'pmtiles') {
    app.get(BASEMAP_ARCHIVE_PATH, { schema: { hide: true } }, async (request, reply) =>
      sendFileRange(reply, basemap.file, request.headers.range),
    )
  }
  if (basemap?.info.format === 'mbtiles') {
    app.get('/basemap/tiles/:z/:x/:y', { schema: { hide: true, params: TileParams } }, async (request, reply) => {
      const { z, x, y } = request.params
      if (x >= 2 ** z || y >= 2 ** z) throw notFound('route_not_found', { method: 'GET', url: request.url })
      const tile = basemap.tile(z, x, y)
      reply.header('cache-control', 'public, max-age=3600')
      // No tile there: 204, which the map draws as empty rather than as an error.
      if (!tile) return reply.status(204).send()
      if (tile.gzip) reply.header('content-encoding', 'gzip')
      return reply.type(tile.type).send(Buffer.from(tile.data))
    })
  }
}
