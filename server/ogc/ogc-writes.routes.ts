import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { ownScope } from '../auth/scope.js'
import type { DatabaseHandle } from '../db/connect.js'
import { AppError, forbidden, notFound, requestLanguage } from '../http/errors.js'
import { addJsonBodyParser } from '../http/json-body.js'
import { assertMayPropose } from '../proposals/proposals.service.js'
import { collectionFor } from './collections.js'
import { type GridFeature, gridInForce, townshipOf } from './grid-drafts.js'
import { type GridWrite, writeGrid } from './grid-writes.js'
import { CRS84, parseCrs } from './ogc-crs.js'
import { featureJson } from './ogc-feature.js'
import { OgcException, OgcFeature } from './ogc.schemas.js'

// OGC API – Features Part 4 (create, replace, update, delete; optimistic locking by ETag) at
// /ogc/collections/grids/items: each write goes into the caller's draft proposal (grid-writes.ts).
// Registered inside the OGC routes, so it shares their authentication and OGC exceptions. The
// other collections are read-only: a write there is a 405 with the methods they allow.

const GEOJSON = 'application/geo+json'
const MERGE_PATCH = 'application/merge-patch+json'
const READ = ['GET', 'HEAD']
const ITEMS_WRITE = ['POST']
const ITEM_WRITE = ['PUT', 'PATCH', 'DELETE']

const security: Record<string, string[]>[] = [{ bearer: [] }]
const tags = ['ogc']
const errors = { 400: OgcException, 401: OgcException, 403: OgcException, 404: OgcException, 405: OgcException, 409: OgcException }
const lockErrors = { ...errors, 412: OgcException }
const ItemsParams = Type.Object({ collectionId: Type.String() })
const ItemParams = Type.Object({ collectionId: Type.String(), featureId: Type.String() })
const Body = Type.Unknown({ description: 'a GeoJSON Feature (a merge patch for PATCH)' })
const ifMatch = Type.Object({
  'if-match': Type.Optional(Type.String({ description: "the feature's ETag: the write is refused (412) if the feature changed since" })),
  'content-crs': Type.Optional(
    Type.String({ description: "the coordinates' system, e.g. <http://www.opengis.net/def/crs/EPSG/0/4549>; CRS84 if absent" }),
  ),
})

const baseOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`
const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : value)

export const ogcWriteRoutes: FastifyPluginAsyncTypebox<{ database: DatabaseHandle }> = async (app, { database }) => {
  const db = database.kysely
  // Part 4 asks for GeoJSON bodies and JSON merge patches; plain JSON is taken for both too.
  addJsonBodyParser(app, [GEOJSON, MERGE_PATCH])

  /** The grids collection, or the answer for another one: 404 when the caller has none of that id, else 405. */
  const assertGrids = async (request: FastifyRequest, reply: FastifyReply, collectionId: string) => {
    const collection = await collectionFor(db, ownScope(request), collectionId)
    if (!collection) throw notFound('ogc_collection_not_found', { id: collectionId })
    if (collection.id !== 'grids') {
      reply.header('allow', READ.join(', '))
      throw new AppError(405, 'ogc_method_not_allowed', { method: request.method, allow: READ.join(', ') })
    }
  }

  /** Whether the caller may write grids of `region` (a key never: department systems read). */
  const mayWrite = (request: FastifyRequest, region: string) => {
    if (request.headers['x-api-key'] !== undefined) return false
    try {
      assertMayPropose(request.user as TokenClaims, region, false, requestLanguage(request))
      return true
    } catch {
      return false
    }
  }

  const write = async (request: FastifyRequest, reply: FastifyReply, collectionId: string, operation: GridWrite) => {
    await assertGrids(request, reply, collectionId)
    if (request.headers['x-api-key'] !== undefined) throw forbidden('ogc_key_read_only')
    const contentCrs = single(request.headers['content-crs'])
      ?.trim()
      .replace(/^<(.*)>$/, '$1')
    const crs = parseCrs(contentCrs, 'Content-Crs')
    const language = requestLanguage(request)
    const context = { database, user: request.user as TokenClaims, language, crs, ifMatch: single(request.headers['if-match']) }
    const { feature, proposal } = await writeGrid(context, operation)
    const base = `${baseOf(request)}/ogc/collections/grids`
    const links: unknown[] = []
    if (proposal !== undefined) {
      const href = `${baseOf(request)}/api/v1/proposals/${proposal}`
      reply.header('link', `<${href}>; rel="related"`).header('x-proposal-id', String(proposal))
      links.push({ href, rel: 'related', type: 'application/json', title: `proposal ${proposal}` })
    }
    if (!feature) return reply.code(204).send()
    const self = `${base}/items/${encodeURIComponent(feature.item.id)}`
    reply.header('etag', feature.tag).type(GEOJSON).header('content-crs', `<${CRS84}>`)
    if (operation.op === 'create') reply.code(201).header('location', self)
    return reply.send(answerJson(feature, self, base, links))
  }

  const answerJson = (feature: GridFeature, self: string, base: string, links: unknown[]) =>
    featureJson(feature.item, parseCrs(undefined, 'crs'), [
      { href: self, rel: 'self', type: GEOJSON },
      { href: base, rel: 'collection', type: 'application/json' },
      ...links,
    ])

  const bodyTypes = [GEOJSON, 'application/json']
  app.post(
    '/ogc/collections/:collectionId/items',
    {
      schema: {
        tags,
        summary: "Add a grid to the caller's draft proposal of its township (201, Location: the new grid, new-N@p<proposal>)",
        security,
        params: ItemsParams,
        headers: ifMatch,
        body: Body,
        response: { 201: Type.Unsafe<string>(OgcFeature), ...errors },
      },
    },
    (request, reply) => write(request, reply, request.params.collectionId, { op: 'create', body: request.body }),
  )

  app.put(
    '/ogc/collections/:collectionId/items/:featureId',
    {
      schema: {
        tags,
        summary: "Replace a grid (geometry and properties) in the caller's draft proposal of its township",
        security,
        params: ItemParams,
        headers: ifMatch,
        body: Body,
        response: { 200: Type.Unsafe<string>(OgcFeature), ...lockErrors },
      },
    },
    (request, reply) =>
      write(request, reply, request.params.collectionId, { op: 'replace', id: request.params.featureId, body: request.body }),
  )

  app.patch(
    '/ogc/collections/:collectionId/items/:featureId',
    {
      schema: {
        tags,
        summary: "Update a grid by a JSON merge patch (properties and/or geometry) in the caller's draft proposal",
        security,
        params: ItemParams,
        headers: ifMatch,
        body: Body,
        response: { 200: Type.Unsafe<string>(OgcFeature), ...lockErrors },
      },
    },
    (request, reply) =>
      write(request, reply, request.params.collectionId, { op: 'update', id: request.params.featureId, patch: request.body }),
  )

  app.delete(
    '/ogc/collections/:collectionId/items/:featureId',
    {
      schema: {
        tags,
        summary: "Delete a grid in the caller's draft proposal: merged into its longest-bordering neighbour of the same community",
        security,
        params: ItemParams,
        headers: ifMatch,
        response: { 204: Type.Null(), ...lockErrors },
      },
    },
    (request, reply) => write(request, reply, request.params.collectionId, { op: 'delete', id: request.params.featureId }),
  )

  /** OPTIONS: the methods the caller may use here, and the bodies writes take. */
  const options = (reply: FastifyReply, allow: string[]) => {
    reply.header('allow', allow.join(', '))
    if (allow.includes('POST')) reply.header('accept-post', bodyTypes.join(', '))
    if (allow.includes('PATCH')) reply.header('accept-patch', [MERGE_PATCH, 'application/json'].join(', '))
    return reply.code(200).send()
  }

  app.options(
    '/ogc/collections/:collectionId/items',
    { schema: { tags, summary: 'The methods allowed on the items (POST for those who may propose grids)', security, params: ItemsParams } },
    async (request, reply) => {
      const collection = await collectionFor(db, ownScope(request), request.params.collectionId)
      if (!collection) throw notFound('ogc_collection_not_found', { id: request.params.collectionId })
      const user = request.user as TokenClaims
      const writable = collection.id === 'grids' && mayWrite(request, user.region_prefix.padEnd(12, '0'))
      return options(reply, writable ? [...READ, ...ITEMS_WRITE] : READ)
    },
  )

  app.options(
    '/ogc/collections/:collectionId/items/:featureId',
    {
      schema: {
        tags,
        summary: 'The methods allowed on a feature (PUT, PATCH, DELETE for those who may propose it)',
        security,
        params: ItemParams,
      },
    },
    async (request, reply) => {
      const { collectionId, featureId } = request.params
      const collection = await collectionFor(db, ownScope(request), collectionId)
      if (!collection) throw notFound('ogc_collection_not_found', { id: collectionId })
      const item = collection.id === 'grids' ? await gridInForce(db, ownScope(request), featureId) : undefined
      const region = item ? townshipOf(String(item.properties.region_code)).padEnd(12, '0') : ownScope(request).padEnd(12, '0')
      const writable = collection.id === 'grids' && mayWrite(request, region)
      return options(reply, writable ? [...READ, ...ITEM_WRITE] : READ)
    },
  )
}
