import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { apiKeyCaller } from '../auth/api-key-caller.js'
import { ownScope } from '../auth/scope.js'
import type { Db } from '../db/database.js'
import { findGridTile } from '../grids/grids.repository.js'
import { badRequest, notFound } from '../http/errors.js'
import type { TileAddress } from '../geo/web-mercator.js'
import { parseDatetime, singleValues } from '../ogc/ogc-params.js'
import { gridTileFromIndex } from './index-tiles.js'
import { ogcTilesRoutes } from './ogc-tiles.routes.js'
import { type CachedTile, TileCache, tileEtag } from './tile-cache.js'
import { encodeTile, GRID_TILE_FIELDS, MVT, TILE_BUFFER, TILE_EXTENT, tileFeatureOf } from './mvt.js'

// Vector tiles of the grids: /tiles/grids/{z}/{x}/{y}.mvt (Web Mercator, WebMercatorQuad numbering)
// and its TileJSON 3.0 at /tiles/grids.json. Today's grids are cut from the lookup's in-memory index
// (index-tiles.ts) and cached until it is rebuilt; another day's (`datetime`) by PostGIS functions
// PGlite has (findGridTile). Both encoded by mvt.ts: one path on both engines.

const MAX_ZOOM = 22
const MIN_ZOOM = 0
const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }]

/** A day for `datetime` (a date, or a date-time whose day is taken); an interval is refused. */
function dayOf(value: string): string {
  const time = value.includes('/') ? undefined : parseDatetime(value, 'tile_datetime_invalid')
  if (time === undefined || !('day' in time)) throw badRequest('tile_datetime_invalid', { value })
  return time.day
}

/**
 * One tile of the grids in force on `asOf` (absent: today). Today's come from the lookup's index
 * (index-tiles.ts) and are kept in the cache until the index is rebuilt; another day's, or any
 * while no index is built yet, from PostGIS (findGridTile).
 */
async function gridTile(
  app: FastifyInstance,
  cache: TileCache,
  db: Db,
  scope: string,
  address: TileAddress,
  asOf: string | undefined,
): Promise<CachedTile> {
  // A rebuild in progress (grids just changed) is awaited: a tile must not show the grids before an approval.
  await app.gridIndex.settled()
  const loaded = app.gridIndex.currentFor(asOf)
  const key = `${scope}/${address.z}/${address.x}/${address.y}`
  if (loaded !== null) {
    const cached = cache.get(loaded, key)
    if (cached) return cached
    return cache.set(loaded, key, toBuffer(encodeTile('grids', gridTileFromIndex(loaded.index, scope, address))))
  }
  const rows = await findGridTile(db, scope, address, asOf)
  const features = rows.map(({ geojson, ...properties }) => tileFeatureOf(JSON.parse(geojson), properties))
  const body = toBuffer(
    encodeTile(
      'grids',
      features.filter((feature) => feature !== null),
    ),
  )
  return { body, etag: tileEtag(body) }
}

const toBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

export const tilesRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  // Encoded tiles cut from the index, per scope and tile (64 MB at most).
  const cache = new TileCache(64 * 1024 * 1024)
  app.addHook('onRequest', async (request) => {
    if ((await apiKeyCaller(db, request)) === undefined) await app.authenticate(request)
  })

  /** The tile z/x/y of the grids (404 outside the tile grid), with its ETag; 304 for If-None-Match of it. */
  const answerTile = async (request: FastifyRequest, reply: FastifyReply, params: { z: string; x: string; y: string }) => {
    const [z, x, y] = [params.z, params.x, params.y].map((part) => (/^[0-9]{1,8}$/.test(part) ? Number(part) : -1)) as [
      number,
      number,
      number,
    ]
    const side = 2 ** z
    if (z < MIN_ZOOM || z > MAX_ZOOM || x < 0 || y < 0 || x >= side || y >= side)
      throw notFound('tile_out_of_range', { z: params.z, x: params.x, y: params.y, max: MAX_ZOOM })
    const { datetime, f, ...rest } = singleValues(request.query)
    const unknown = Object.keys(rest)[0] ?? (f === undefined || f === 'mvt' ? undefined : 'f')
    if (unknown !== undefined) throw badRequest('tile_parameter_unknown', { name: unknown })
    const asOf = datetime === undefined ? undefined : dayOf(datetime)
    const tile = await gridTile(app, cache, db, ownScope(request), { z, x, y, extent: TILE_EXTENT, buffer: TILE_BUFFER }, asOf)
    reply.type(MVT).header('etag', tile.etag)
    if (request.headers['if-none-match'] === tile.etag) return reply.code(304).send()
    return tile.body
  }

  // The same tiles as OGC API – Tiles (ogc-tiles.routes.ts), with OGC exceptions for errors.
  await app.register(ogcTilesRoutes, { answerTile, maxZoom: MAX_ZOOM })

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
        // TileJSON names types as MVT readers do.
        fields: Object.fromEntries(Object.entries(GRID_TILE_FIELDS).map(([name, type]) => [name, type === 'string' ? 'String' : 'Number'])),
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
    async (request, reply) => answerTile(request, reply, request.params),
  )
}
