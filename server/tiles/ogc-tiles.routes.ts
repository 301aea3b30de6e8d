import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { HALF_WORLD } from '../geo/web-mercator.js'
import { notFound, requestLanguage } from '../http/errors.js'
import { translate } from '../i18n/index.js'
import { answerErrorsAsOgcExceptions } from '../ogc/ogc-errors.js'
import { MVT } from './mvt.js'
import type { TiledCollection } from '../ogc/collection.js'

// OGC API – Tiles 1.0 over the grid tiles, for clients that find tiles through the OGC API (QGIS,
// GDAL's OGCAPI driver): the WebMercatorQuad tile matrix set, each tiled collection's tileset list
// and tileset, and its tiles at …/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol} — the
// same tiles as /tiles/{collection}/{z}/{x}/{y}.mvt (tileMatrix = z, tileRow = y, tileCol = x).
// GDAL 3.6.2's OGCAPI driver follows these links up to the tile matrix set but, as Debian builds it,
// has no vector branch at all; its MVT driver reads /tiles/{collection}/{z} instead (docs/ogc.md).

export const TILES_CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt',
]

const TMS_URI = 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad'
const CRS_3857 = 'http://www.opengis.net/def/crs/EPSG/0/3857'
const JSON_TYPE = 'application/json'
export const TILESETS_REL = 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector'
const TILING_SCHEME_REL = 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme'
const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }]
const tags = ['ogc']

type AnswerTile = (
  request: FastifyRequest,
  reply: FastifyReply,
  params: { collection: string; z: string; x: string; y: string },
) => Promise<unknown>
type FindTiled = (request: FastifyRequest, id: string) => Promise<TiledCollection>

/**
 * WebMercatorQuad as OGC 17-083r4 (2D Tile Matrix Set 2.0, JSON) defines it, zoom 0 to `maxZoom`,
 * with the members of the 1.0 encoding beside (type, identifier, supportedCRS, boundingBox,
 * topLeftCorner): Debian's GDAL 3.6 reads only those and takes a 2.0-only document for a tile
 * matrix set's name ("Invalid tiling matrix set name"; docs/engine-notes.md).
 */
export function webMercatorQuad(maxZoom: number) {
  // 0.28 mm pixels: the scale denominator of a 256-pixel tile matrix.
  const cellSize0 = (2 * HALF_WORLD) / 256
  return {
    id: 'WebMercatorQuad',
    title: 'Google Maps Compatible for the World',
    uri: TMS_URI,
    crs: CRS_3857,
    type: 'TileMatrixSetType',
    identifier: 'WebMercatorQuad',
    supportedCRS: CRS_3857,
    boundingBox: { type: 'BoundingBoxType', crs: CRS_3857, lowerCorner: [-HALF_WORLD, -HALF_WORLD], upperCorner: [HALF_WORLD, HALF_WORLD] },
    orderedAxes: ['X', 'Y'],
    wellKnownScaleSet: 'http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible',
    tileMatrices: Array.from({ length: maxZoom + 1 }, (_, z) => ({
      type: 'TileMatrixType',
      id: String(z),
      identifier: String(z),
      topLeftCorner: [-HALF_WORLD, HALF_WORLD],
      scaleDenominator: cellSize0 / 2 ** z / 0.00028,
      cellSize: cellSize0 / 2 ** z,
      cornerOfOrigin: 'topLeft',
      pointOfOrigin: [-HALF_WORLD, HALF_WORLD],
      tileWidth: 256,
      tileHeight: 256,
      matrixWidth: 2 ** z,
      matrixHeight: 2 ** z,
    })),
  }
}

const baseOf = (request: FastifyRequest) => `${request.protocol}://${request.host}/ogc`

export const ogcTilesRoutes: FastifyPluginAsync<{ answerTile: AnswerTile; tiledCollection: FindTiled; maxZoom: number }> = async (
  app,
  { answerTile, tiledCollection, maxZoom },
) => {
  answerErrorsAsOgcExceptions(app)
  const tileset = (request: FastifyRequest, collection: TiledCollection) => {
    const { id } = collection
    const base = `${baseOf(request)}/collections/${id}/tiles/WebMercatorQuad`
    return {
      title: collection.title ?? translate(requestLanguage(request), `ogc.collection.${id}`),
      dataType: 'vector',
      crs: CRS_3857,
      tileMatrixSetURI: TMS_URI,
      links: [
        { href: base, rel: 'self', type: JSON_TYPE },
        { href: `${baseOf(request)}/tileMatrixSets/WebMercatorQuad`, rel: TILING_SCHEME_REL, type: JSON_TYPE },
        { href: `${base}/{tileMatrix}/{tileRow}/{tileCol}`, rel: 'item', type: MVT, templated: true },
      ],
    }
  }

  app.get('/ogc/tileMatrixSets', { schema: { tags, summary: 'Tile matrix sets (WebMercatorQuad)', security } }, async (request) => ({
    tileMatrixSets: [
      {
        id: 'WebMercatorQuad',
        title: 'Google Maps Compatible for the World',
        uri: TMS_URI,
        links: [{ href: `${baseOf(request)}/tileMatrixSets/WebMercatorQuad`, rel: 'self', type: JSON_TYPE }],
      },
    ],
  }))

  app.get<{ Params: { id: string } }>(
    '/ogc/tileMatrixSets/:id',
    { schema: { tags, summary: 'A tile matrix set', security } },
    async (request) => {
      if (request.params.id !== 'WebMercatorQuad') throw notFound('ogc_tiles_not_found', { id: request.params.id })
      return webMercatorQuad(maxZoom)
    },
  )

  app.get<{ Params: { collectionId: string } }>(
    '/ogc/collections/:collectionId/tiles',
    { schema: { tags, summary: 'The tilesets of a collection (vector tiles)', security } },
    async (request) => {
      const collection = await tiledCollection(request, request.params.collectionId)
      return {
        links: [{ href: `${baseOf(request)}/collections/${collection.id}/tiles`, rel: 'self', type: JSON_TYPE }],
        tilesets: [tileset(request, collection)],
      }
    },
  )

  app.get<{ Params: { collectionId: string; tms: string } }>(
    '/ogc/collections/:collectionId/tiles/:tms',
    { schema: { tags, summary: 'A tileset of a collection', security } },
    async (request) => {
      const collection = await tiledCollection(request, request.params.collectionId)
      const { id, tiles } = collection
      if (request.params.tms !== 'WebMercatorQuad') throw notFound('ogc_tiles_not_found', { id: `${id}/${request.params.tms}` })
      return {
        ...tileset(request, collection),
        layers: [
          {
            id,
            dataType: 'vector',
            geometryDimension: 2,
            propertiesSchema: {
              type: 'object',
              properties: Object.fromEntries(Object.entries(tiles.fields).map(([name, type]) => [name, { type }])),
            },
          },
        ],
      }
    },
  )

  app.get<{ Params: { collectionId: string; tms: string; tileMatrix: string; tileRow: string; tileCol: string } }>(
    '/ogc/collections/:collectionId/tiles/:tms/:tileMatrix/:tileRow/:tileCol',
    { schema: { tags, summary: 'One vector tile (Mapbox Vector Tile) of a collection', security } },
    async (request, reply) => {
      const { collectionId, tms, tileMatrix, tileRow, tileCol } = request.params
      if (tms !== 'WebMercatorQuad') throw notFound('ogc_tiles_not_found', { id: `${collectionId}/${tms}` })
      return answerTile(request, reply, { collection: collectionId, z: tileMatrix, x: tileCol, y: tileRow })
    },
  )
}
