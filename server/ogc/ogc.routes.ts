import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { createHash } from 'node:crypto'
import etag from '@fastify/etag'
import { Type } from 'typebox'
import { apiKeyCaller } from '../auth/api-key-caller.js'
import { ownScope } from '../auth/scope.js'
import type { TokenClaims } from '../auth/auth.plugin.js'
import type { DatabaseHandle } from '../db/connect.js'
import { notFound, requestLanguage } from '../http/errors.js'
import { answerErrorsAsOgcExceptions } from './ogc-errors.js'
import { TILES_CONFORMANCE, TILESETS_REL } from '../tiles/ogc-tiles.routes.js'
import { translate } from '../i18n/index.js'
import { collectionFor, collectionsFor, type OgcCollection } from './collections.js'
import type { Item, WrittenPage } from './collection.js'
import { JsonBytes } from './json-bytes.js'
import type { Viewer } from './data-collections.js'
import { MAX_SCOPE_GRIDS } from './issues-collection.js'
import { DEFAULT_LIMIT, MAX_LIMIT, parseItemParameters, singleValues } from './ogc-params.js'
import { CRS84, type OutputCrs, parseCrs, STORAGE_CRS, SUPPORTED_CRS } from './ogc-crs.js'
import { queryableSchema } from './ogc-filter.js'
import { ogcOpenApi } from './ogc-openapi.js'
import { featureJson } from './ogc-feature.js'
import { gridFeature } from './grid-drafts.js'
import { ogcWriteRoutes } from './ogc-writes.routes.js'
import { Collection, Collections, Conformance, FeatureCollection, LandingPage, OgcException, OgcFeature } from './ogc.schemas.js'

// OGC API – Features Part 1 (core, GeoJSON, OpenAPI 3.0) at /ogc, for QGIS, GDAL's OAPIF driver
// and OWSLib: the landing page, conformance, the collections (collections.ts) and their items,
// paged by offset with next/prev links. Errors are OGC exceptions: { code, description }.

const GEOJSON = 'application/geo+json'
const JSON_TYPE = 'application/json'
const SCHEMA_JSON = 'application/schema+json'

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
  // Part 3 filters in CQL2 (server/ogc/cql2/): both encodings, basic CQL2, LIKE/BETWEEN/IN, and
  // S_INTERSECTS with a point, a box or any other simple geometry (the "plus" class).
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  // The draft's name of basic-spatial-functions (S_INTERSECTS with a point or a box): QGIS before
  // 3.44 sends S_INTERSECTS only to a server listing this one.
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-operators',
  // Part 4 on the grids (ogc-writes.routes.ts); the standard is still a draft.
  'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete',
  'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update',
  'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags',
  ...TILES_CONFORMANCE,
]

const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }]
const errors = { 400: OgcException, 401: OgcException, 403: OgcException, 404: OgcException }
const tags = ['ogc']

/** The URL of the server as the client reached it: links must work from where the client is. */
const baseOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`

/** Rows a collection read, written as featureJson writes each feature; the ETag hashes the body. */
const itemsPage = ({ items, matched }: { items: Item[]; matched: number }, crs: OutputCrs): WrittenPage => ({
  matched,
  returned: items.length,
  write(out) {
    for (let i = 0; i < items.length; i++) {
      if (i > 0) out.ascii(',')
      out.text(featureJson(items[i] as Item, crs))
    }
  },
})

const CollectionParams = Type.Object({ collectionId: Type.String() })

/** The caller as the collections that depend on who asks see them (masking, language). */
const viewerOf = (database: DatabaseHandle, request: FastifyRequest): Viewer => ({
  role: (request.user as TokenClaims).role,
  language: requestLanguage(request),
  database,
})

export const ogcRoutes: FastifyPluginAsyncTypebox<{ database: DatabaseHandle }> = async (app, { database }) => {
  // Collections, extents and pages are read where reads may lag a moment (the read replica when
  // there is one); API keys and a grid as the caller's draft leaves it (read right after an OGC
  // write, with its ETag) come from the primary, and so do validation issues (computed with
  // scratch tables a standby cannot create).
  const db = database.kysely
  const reader = database.reader
  /** The collection of that id the caller sees, or a 404 naming it. */
  const collectionOrThrow = async (request: FastifyRequest, id: string): Promise<OgcCollection> => {
    const collection = await collectionFor(reader, ownScope(request), id, viewerOf(database, request))
    if (!collection) throw notFound('ogc_collection_not_found', { id })
    return collection
  }
  // Every answer carries an ETag of its body; If-None-Match with it gives 304, no body. Pages
  // carry no timeStamp, which would change the body (and the tag) on every request.
  await app.register(etag)
  // A login token, or a department system's key (X-API-Key) scoped to its region.
  app.addHook('onRequest', async (request) => {
    if ((await apiKeyCaller(db, request)) === undefined) await app.authenticate(request)
  })
  // Every error as an OGC exception: the code and the message the rest of the API would give.
  answerErrorsAsOgcExceptions(app)

  app.get(
    '/ogc',
    { schema: { tags, summary: 'OGC API – Features landing page', security, response: { 200: LandingPage, ...errors } } },
    async (request) => {
      const language = requestLanguage(request)
      const base = `${baseOf(request)}/ogc`
      return {
        title: translate(language, 'ogc.title'),
        description: translate(language, 'ogc.description'),
        links: [
          { href: base, rel: 'self', type: JSON_TYPE },
          { href: `${base}/api`, rel: 'service-desc', type: 'application/vnd.oai.openapi+json;version=3.0' },
          { href: `${baseOf(request)}/docs`, rel: 'service-doc', type: 'text/html' },
          { href: `${base}/conformance`, rel: 'conformance', type: JSON_TYPE },
          { href: `${base}/collections`, rel: 'data', type: JSON_TYPE },
        ],
      }
    },
  )

  app.get(
    '/ogc/api',
    { schema: { tags, summary: 'The OpenAPI 3.0 document of this OGC API (one path per collection)', security } },
    async (request, reply) => {
      // Written out: reply.type() would quote the version (version="3.0"), which GDAL does not match.
      reply.header('content-type', 'application/vnd.oai.openapi+json;version=3.0;charset=utf-8')
      return JSON.stringify(
        ogcOpenApi(
          `${baseOf(request)}/ogc`,
          await collectionsFor(reader, ownScope(request), viewerOf(database, request)),
          requestLanguage(request),
        ),
      )
    },
  )

  app.get(
    '/ogc/conformance',
    { schema: { tags, summary: 'Conformance classes implemented', security, response: { 200: Conformance, ...errors } } },
    async () => ({ conformsTo: CONFORMANCE }),
  )

  const describe = async (request: FastifyRequest, collection: OgcCollection) => {
    const base = `${baseOf(request)}/ogc/collections/${collection.id}`
    // What the caller may see; the whole world when nothing yet (a client zooms to this).
    const box = (await collection.extent(reader, ownScope(request))) ?? [-180, -90, 180, 90]
    return {
      id: collection.id,
      title: collection.title ?? translate(requestLanguage(request), `ogc.collection.${collection.id}`),
      itemType: 'feature' as const,
      crs: [...SUPPORTED_CRS],
      storageCrs: STORAGE_CRS,
      extent: {
        spatial: { bbox: [box], crs: CRS84 },
        ...(collection.temporal ? { temporal: { interval: [[null, null]] } } : {}),
      },
      links: [
        { href: base, rel: 'self', type: JSON_TYPE },
        { href: `${base}/items`, rel: 'items', type: GEOJSON },
        { href: `${base}/queryables`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables', type: SCHEMA_JSON },
        ...(collection.tiles ? [{ href: `${base}/tiles`, rel: TILESETS_REL, type: JSON_TYPE }] : []),
      ],
    }
  }

  app.get(
    '/ogc/collections',
    {
      schema: {
        tags,
        summary: 'The collections: grids, regions of each level, buildings, addresses, validation issues, reference layers',
        security,
        response: { 200: Collections, ...errors },
      },
    },
    async (request) => ({
      links: [{ href: `${baseOf(request)}/ogc/collections`, rel: 'self', type: JSON_TYPE }],
      collections: await Promise.all(
        (await collectionsFor(reader, ownScope(request), viewerOf(database, request))).map((collection) => describe(request, collection)),
      ),
    }),
  )

  app.get(
    '/ogc/collections/:collectionId',
    { schema: { tags, summary: 'One collection', security, params: CollectionParams, response: { 200: Collection, ...errors } } },
    async (request) => describe(request, await collectionOrThrow(request, request.params.collectionId)),
  )

  // Part 3: the properties a filter can name (CQL2 `filter`, and each but the geometry as an
  // equality query parameter), as a JSON Schema.
  app.get(
    '/ogc/collections/:collectionId/queryables',
    {
      schema: {
        tags,
        summary: 'The properties of a collection that filter its items (CQL2 filter and query parameters)',
        security,
        params: CollectionParams,
      },
    },
    async (request, reply) => {
      const collection = await collectionOrThrow(request, request.params.collectionId)
      const language = requestLanguage(request)
      reply.type(SCHEMA_JSON)
      return {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `${baseOf(request)}/ogc/collections/${collection.id}/queryables`,
        type: 'object',
        title: collection.title ?? translate(language, `ogc.collection.${collection.id}`),
        properties: Object.fromEntries(
          Object.entries(collection.queryables).map(([name, { type }]) => [
            name,
            { ...queryableSchema(type), title: translate(language, collection.propertyTitles?.[name] ?? `ogc.property.${name}`) },
          ]),
        ),
        additionalProperties: false,
      }
    },
  )

  app.get(
    '/ogc/collections/:collectionId/items',
    {
      schema: {
        tags,
        summary: 'Features of a collection, a page at a time',
        description: `Parameters: see /ogc/api, which lists them per collection. limit: ${DEFAULT_LIMIT} by default, at most ${MAX_LIMIT} (a larger limit is taken as ${MAX_LIMIT} and the response says so in notes). Features come in a stable order (by code; buildings and addresses by number); follow the next link for the following page. Each queryable (/ogc/collections/{id}/queryables) but the geometry is a query parameter (equality); filter takes a CQL2 expression (filter-lang cql2-text, the default, or cql2-json; geometries in filter-crs, CRS84 by default), e.g. filter=households > 100 AND S_INTERSECTS(geometry, BBOX(114.3,30.5,114.4,30.6)), on every collection but validation-issues (computed, not stored: a filter there is a 400), which takes region_code (a township: required when the caller's region holds over ${MAX_SCOPE_GRIDS} grids), code and severity.`,
        security,
        params: CollectionParams,
        // Written as bytes (JsonBytes); the schema documents its shape.
        response: { 200: Type.Unsafe<Buffer>(FeatureCollection), ...errors },
      },
    },
    async (request, reply) => {
      const collection = await collectionOrThrow(request, request.params.collectionId)
      const raw = singleValues(request.query)
      const { query, clamped, crs } = parseItemParameters(collection, raw)
      const scoped = { ...query, scope: ownScope(request) }
      // Today's grids in CRS84 can be written from the lookup's index (after a rebuild in
      // progress: never older than the last approval); otherwise the collection reads its rows.
      let fromIndex: WrittenPage | undefined
      if (collection.indexPage && crs.fromLonLat === null) {
        await app.gridIndex.settled()
        const index = app.gridIndex.currentFor(undefined)
        if (index) fromIndex = collection.indexPage(index, scoped)
      }
      const page = fromIndex ?? itemsPage(await collection.page(reader, scoped), crs)
      const { matched, returned } = page
      const url = (offset: number) => {
        const params = new URLSearchParams()
        for (const [name, value] of Object.entries(raw))
          if (value !== undefined && name !== 'offset' && name !== 'limit') params.set(name, value)
        params.set('limit', String(query.limit))
        params.set('offset', String(offset))
        return `${baseOf(request)}/ogc/collections/${collection.id}/items?${params}`
      }
      const links = [
        { href: url(query.offset), rel: 'self', type: GEOJSON },
        { href: `${baseOf(request)}/ogc/collections/${collection.id}`, rel: 'collection', type: JSON_TYPE },
      ]
      if (query.offset + returned < matched) links.push({ href: url(query.offset + returned), rel: 'next', type: GEOJSON })
      if (query.offset > 0) links.push({ href: url(Math.max(0, query.offset - query.limit)), rel: 'prev', type: GEOJSON })
      const language = requestLanguage(request)
      // Bytes, not a string (json-bytes.ts): the charset Fastify would add to a string's type is set here.
      reply.type(`${GEOJSON}; charset=utf-8`).header('content-crs', `<${crs.uri}>`)
      // Written as text (the shape of FeatureCollection in ogc.schemas.ts): see featureJson.
      const notes =
        clamped === null
          ? ''
          : `,"notes":${JSON.stringify([translate(language, 'ogc.limit_clamped', { requested: clamped, max: MAX_LIMIT })])}`
      const head = `{"type":"FeatureCollection","numberMatched":${matched},"numberReturned":${returned},"links":${JSON.stringify(links)}${notes}`
      // The body is the head and the features the tag names: the ETag is theirs (no SHA-1 of the
      // whole body), and @fastify/etag still answers a matching If-None-Match with a 304.
      if (page.tag !== undefined) reply.header('etag', `"${createHash('sha1').update(page.tag).update(head).digest('base64')}"`)
      return JsonBytes.write((out) => {
        out.text(head)
        out.ascii(',"features":[')
        page.write(out)
        out.ascii(']}')
      })
    },
  )

  app.get(
    '/ogc/collections/:collectionId/items/:featureId',
    {
      schema: {
        tags,
        summary:
          'One feature: a grid by code (code.version for a past version), a region by code, a building or address by number, an issue by <township code>.<n>',
        security,
        params: Type.Object({ collectionId: Type.String(), featureId: Type.String() }),
        response: { 200: Type.Unsafe<string>(OgcFeature), ...errors },
      },
    },
    async (request, reply) => {
      const collection = await collectionOrThrow(request, request.params.collectionId)
      const { featureId } = request.params
      const crs = parseCrs(singleValues(request.query).crs, 'crs')
      // A grid as the caller's draft leaves it, with an ETag naming its version (not the body's hash).
      const grid = collection.id === 'grids' ? await gridFeature(db, request.user as TokenClaims, featureId) : undefined
      const item = collection.id === 'grids' ? grid?.item : await collection.item(reader, ownScope(request), featureId)
      if (!item) throw notFound('ogc_feature_not_found', { collection: collection.id, id: featureId })
      if (grid) reply.header('etag', grid.tag)
      if (grid?.proposal !== undefined) reply.header('x-proposal-id', String(grid.proposal))
      reply.type(GEOJSON).header('content-crs', `<${crs.uri}>`)
      const base = `${baseOf(request)}/ogc/collections/${collection.id}`
      return featureJson(item, crs, [
        { href: `${base}/items/${encodeURIComponent(featureId)}`, rel: 'self', type: GEOJSON },
        { href: base, rel: 'collection', type: JSON_TYPE },
      ])
    },
  )

  await app.register(ogcWriteRoutes, { database })
}
