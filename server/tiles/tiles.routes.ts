import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { apiKeyCaller } from '../auth/api-key-caller.js'
import { ownScope } from '../auth/scope.js'
import type { Db } from '../db/database.js'
import type { TileAddress } from '../geo/web-mercator.js'
import { badRequest, notFound } from '../http/errors.js'
import type { TiledCollection } from '../ogc/collection.js'
import { collectionFor } from '../ogc/collections.js'
import { parseDatetime, singleValues } from '../ogc/ogc-params.js'
import { gridTileFromIndex } from './index-tiles.js'
import { encodeTile, MVT, TILE_BUFFER, TILE_EXTENT, tileFeatureOf } from './mvt.js'
import { ogcTilesRoutes } from './ogc-tiles.routes.js'
import { type CachedTile, TileCache, tileEtag } from './tile-cache.js'

// Vector tiles (Web Mercator, WebMercatorQuad numbering) of every collection that declares
// `tiles` (server/ogc/collections.ts: the grids, the regions of each level, the reference layers):
// /tiles/{collection}/{z}/{x}/{y}.mvt, one MVT layer named as the collection, and TileJSON 3.0 at
// /tiles/{collection}.json. Today's grids are cut from the lookup's in-memory index
// (index-tiles.ts) and cached until it is rebuilt; everything else is cut by PostGIS functions PGlite
// has (tileGeoJson). All encoded by mvt.ts: one path on both engines.

const MAX_ZOOM = 22
const MIN_ZOOM = 0
const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }]
/** Web Mercator stops short of the poles. */
const MAX_LAT = 85.0511

/** A day for `datetime` (a date, or a date-time whose day is taken); an interval is refused. */
function dayOf(value: string): string {
  const time = value.includes('/') ? undefined : parseDatetime(value, 'tile_datetime_invalid')
  if (time === undefined || !('day' in time)) throw badRequest('tile_datetime_invalid', { value })
  return time.day
}

const toBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** Cuts, encodes and keeps tiles: the grids' per index, the immutable collections' for good. */
class TileMaker {
  // Encoded tiles of today's grids cut from the index, per scope and tile (64 MB at most).
  private readonly grids = new TileCache(64 * 1024 * 1024)
  // Tiles of collections whose content never changes under their id (reference layers).
  private readonly immutable = new TileCache(32 * 1024 * 1024)
  private readonly forever = {}

  constructor(
    private readonly app: FastifyInstance,
    private readonly db: Db,
  ) {}

  async tile(collection: TiledCollection, scope: string, address: TileAddress, asOf: string | undefined): Promise<CachedTile> {
    const { id, tiles } = collection
    if (address.z < tiles.minzoom) return this.encoded(id, [])
    if (id === 'grids') {
      // A rebuild in progress (grids just changed) is awaited: a tile must not show the grids before an approval.
      await this.app.gridIndex.settled()
      const loaded = this.app.gridIndex.currentFor(asOf)
      if (loaded !== null) {
        const key = `${scope}/${address.z}/${address.x}/${address.y}`
        return this.grids.get(loaded, key) ?? this.grids.set(loaded, key, this.encode(id, gridTileFromIndex(loaded.index, scope, address)))
      }
    }
    // An immutable collection's features are the same for every caller who may see it.
    const key = `${id}/${address.z}/${address.x}/${address.y}`
    const kept = tiles.immutable ? this.immutable.get(this.forever, key) : undefined
    if (kept) return kept
    const rows = await tiles.rows(this.db, scope, address, asOf)
    const features = rows.map((row) => tileFeatureOf(JSON.parse(row.geojson), row.properties)).filter((feature) => feature !== null)
    return tiles.immutable ? this.immutable.set(this.forever, key, this.encode(id, features)) : this.encoded(id, features)
  }

  private encode(layer: string, features: Parameters<typeof encodeTile>[1]): Buffer {
    return toBuffer(encodeTile(layer, features))
  }

  private encoded(layer: string, features: Parameters<typeof encodeTile>[1]): CachedTile {
    const body = this.encode(layer, features)
    return { body, etag: tileEtag(body) }
  }
}

/**
 * `db` is the primary (API keys: a key just made must work at once); `reader` is where tiles and
 * collections are read — the read replica when there is one: a tile may lag a moment behind.
 * Today's grids come from the lookup index, which the primary's NOTIFY keeps current.
 */
export const tilesRoutes: FastifyPluginAsyncTypebox<{ db: Db; reader?: Db }> = async (app, { db, reader = db }) => {
  const maker = new TileMaker(app, reader)
  app.addHook('onRequest', async (request) => {
    if ((await apiKeyCaller(db, request)) === undefined) await app.authenticate(request)
  })

  /** The collection of that id with tiles that the caller may see, or a 404. */
  const tiledCollection = async (request: FastifyRequest, id: string): Promise<TiledCollection> => {
    const collection = await collectionFor(reader, ownScope(request), id)
    if (!collection?.tiles) throw notFound('ogc_tiles_not_found', { id })
    return collection as TiledCollection
  }

  /** The tile z/x/y of a collection (404 outside the tile grid), with its ETag; 304 for If-None-Match of it. */
  const answerTile = async (
    request: FastifyRequest,
    reply: FastifyReply,
    params: { collection: string; z: string; x: string; y: string },
  ) => {
    const collection = await tiledCollection(request, params.collection)
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
    if (datetime !== undefined && !collection.temporal) throw badRequest('tile_parameters_none', { name: 'datetime', id: collection.id })
    const asOf = datetime === undefined ? undefined : dayOf(datetime)
    const address = { z, x, y, extent: TILE_EXTENT, buffer: TILE_BUFFER }
    const tile = await maker.tile(collection, ownScope(request), address, asOf)
    reply.type(MVT).header('etag', tile.etag)
    if (request.headers['if-none-match'] === tile.etag) return reply.code(304).send()
    return tile.body
  }

  // The same tiles as OGC API – Tiles (ogc-tiles.routes.ts), with OGC exceptions for errors.
  await app.register(ogcTilesRoutes, { answerTile, tiledCollection, maxZoom: MAX_ZOOM })

  app.get(
    '/tiles/:collection.json',
    {
      schema: {
        tags: ['tiles'],
        summary: 'TileJSON 3.0 of a collection’s vector tiles (grids, provinces … communities, reference-<id>)',
        security,
        params: Type.Object({ collection: Type.String() }),
      },
    },
    async (request) => {
      const collection = await tiledCollection(request, request.params.collection)
      const { id, tiles } = collection
      const box = await collection.extent(reader, ownScope(request))
      return {
        tilejson: '3.0.0',
        name: id,
        tiles: [`${request.protocol}://${request.host}/tiles/${id}/{z}/{x}/{y}.mvt`],
        minzoom: tiles.minzoom,
        maxzoom: MAX_ZOOM,
        bounds: box ? [box[0], Math.max(box[1], -MAX_LAT), box[2], Math.min(box[3], MAX_LAT)] : [-180, -MAX_LAT, 180, MAX_LAT],
        vector_layers: [
          {
            id,
            minzoom: tiles.minzoom,
            maxzoom: MAX_ZOOM,
            // TileJSON names types as MVT readers do.
            fields: Object.fromEntries(Object.entries(tiles.fields).map(([name, type]) => [name, type === 'string' ? 'String' : 'Number'])),
          },
        ],
      }
    },
  )

  app.get(
    '/tiles/:collection/:z/:x/:y.mvt',
    {
      schema: {
        tags: ['tiles'],
        summary: 'One vector tile of a collection (one layer named as the collection)',
        security,
        params: Type.Object({ collection: Type.String(), z: Type.String(), x: Type.String(), y: Type.String() }),
      },
    },
    async (request, reply) => answerTile(request, reply, request.params),
  )
}
