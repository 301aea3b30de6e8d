import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { apiKeyCaller } from '../auth/api-key-caller.js'
import { ownScope } from '../auth/scope.js'
import type { Db } from '../db/database.js'
import { findGridTile } from '../grids/grids.repository.js'
import { notFound } from '../http/errors.js'
import { encodeTile, TILE_BUFFER, TILE_EXTENT } from './mvt.js'

// Vector tiles of the grids in force: /tiles/grids/{z}/{x}/{y}.mvt (Web Mercator, WebMercatorQuad
// numbering) and its TileJSON 3.0 at /tiles/grids.json. Projected, clipped and quantised by PostGIS
// functions PGlite has (findGridTile), encoded by vt-pbf (mvt.ts): one path on both engines.

const MAX_ZOOM = 22
const MIN_ZOOM = 0
const MVT = 'application/vnd.mapbox-vector-tile'
const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }]

export const tilesRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.addHook('onRequest', async (request) => {
    if ((await apiKeyCaller(db, request)) === undefined) await app.authenticate(request)
  })

  app.get('/tiles/grids.json', { schema: { tags: ['tiles'], summary: 'TileJSON 3.0 of the grid tiles', security } }, async (request) => ({
    tilejson: '3.0.0',
    name: 'grids',
    tiles: [`${request.protocol}://${request.host}/tiles/grids/{z}/{x}/{y}.mvt`],
    minzoom: MIN_ZOOM,
    maxzoom: MAX_ZOOM,
    bounds: [-180, -85.0511, 180, 85.0511],
    vector_layers: [
      {
        id: 'grids',
        description: 'grids in force',
        minzoom: MIN_ZOOM,
        maxzoom: MAX_ZOOM,
        fields: { code: 'String', name: 'String', kind: 'String', region_code: 'String', households: 'Number' },
      },
    ],
  }))

  app.get(
    '/tiles/grids/:z/:x/:y.mvt',
    {
      schema: {
        tags: ['tiles'],
        summary: 'One vector tile of the grids in force (layer "grids")',
        security,
        params: Type.Object({ z: Type.String(), x: Type.String(), y: Type.String() }),
      },
    },
    async (request, reply) => {
      const [z, x, y] = [request.params.z, request.params.x, request.params.y].map((part) =>
        /^[0-9]{1,8}$/.test(part) ? Number(part) : -1,
      ) as [number, number, number]
      const side = 2 ** z
      if (z < MIN_ZOOM || z > MAX_ZOOM || x < 0 || y < 0 || x >= side || y >= side)
        throw notFound('tile_out_of_range', { z: request.params.z, x: request.params.x, y: request.params.y, max: MAX_ZOOM })
      const rows = await findGridTile(db, ownScope(request), { z, x, y, extent: TILE_EXTENT, buffer: TILE_BUFFER })
      const tile = encodeTile(
        'grids',
        rows.map((row) => ({
          geometry: JSON.parse(row.geojson),
          properties: { code: row.code, name: row.name, kind: row.kind, region_code: row.region_code, households: row.households },
        })),
      )
      reply.type(MVT)
      return Buffer.from(tile.buffer, tile.byteOffset, tile.byteLength)
    },
  )
}
