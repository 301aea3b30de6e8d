import type { Language } from '../i18n/index.js'
import { translate } from '../i18n/index.js'
import type { OgcCollection } from './collection.js'
import { MAX_FILTER_LENGTH } from './cql2/ast.js'
import { CRS84, SUPPORTED_CRS } from './ogc-crs.js'
import { FILTER_LANGUAGES, queryableSchema, queryParameters } from './ogc-filter.js'
import { DEFAULT_LIMIT, MAX_LIMIT } from './ogc-params.js'
import { writeOperations } from './ogc-writes-openapi.js'

// The OGC API's own OpenAPI 3.0 document (the landing page's service-desc), relative to /ogc and
// with one path per collection, as the standard's clients read it: GDAL's OAPIF driver looks up
// `/collections/<id>/items` in it and sends a -where equality to the server only for a query
// parameter listed there; the limit's default and maximum are stated here. GDAL sends a -where
// as a CQL2 `filter` only when `filter-lang` lists `cql-text` here (not from /conformance), and
// names in it only properties that are query parameters here: so every queryable is one.

const GEOJSON = 'application/geo+json'
const JSON_TYPE = 'application/json'

const ref = (name: string) => ({ $ref: `#/components/parameters/${name}` })
const ok = (type: string, description: string) => ({ description, content: { [type]: { schema: { type: 'object' } } } })
const exception = {
  description: 'an OGC exception: { code, description }',
  content: { [JSON_TYPE]: { schema: { $ref: '#/components/schemas/exception' } } },
}
const errors = { 400: exception, 401: exception, 403: exception, 404: exception }

export function ogcOpenApi(base: string, collections: readonly OgcCollection[], language: Language) {
  const paths: Record<string, unknown> = {
    '/': {
      get: { summary: 'landing page', operationId: 'getLandingPage', responses: { 200: ok(JSON_TYPE, 'links to the API'), ...errors } },
    },
    '/conformance': {
      get: { summary: 'conformance classes', operationId: 'getConformance', responses: { 200: ok(JSON_TYPE, 'conformance'), ...errors } },
    },
    '/collections': {
      get: { summary: 'collections', operationId: 'getCollections', responses: { 200: ok(JSON_TYPE, 'collections'), ...errors } },
    },
  }
  for (const collection of collections) {
    const title = collection.title ?? translate(language, `ogc.collection.${collection.id}`)
    const filters = queryParameters(collection).map((name) => ({
      name,
      in: 'query',
      required: false,
      description: `${name} equals this value`,
      schema: queryableSchema(collection.queryables[name]?.type ?? 'string'),
      style: 'form',
      explode: false,
    }))
    const writes = writeOperations(collection)
    paths[`/collections/${collection.id}`] = {
      get: { summary: title, operationId: `describe_${collection.id}`, responses: { 200: ok(JSON_TYPE, 'the collection'), ...errors } },
    }
    paths[`/collections/${collection.id}/items`] = {
      get: {
        summary: `${title}: features`,
        operationId: `items_${collection.id}`,
        parameters: [
          ref('limit'),
          ref('offset'),
          ref('bbox'),
          ref('bbox-crs'),
          ref('crs'),
          ...(collection.temporal ? [ref('datetime')] : []),
          // A computed collection (validation-issues) takes no CQL2 filter: not offered, so GDAL does not send one.
          ...(collection.computed ? [] : [ref('filter'), ref('filter-lang'), ref('filter-crs')]),
          ...filters,
        ],
        responses: { 200: ok(GEOJSON, 'a page of features, with next/prev links'), ...errors },
      },
      ...writes.items,
    }
    paths[`/collections/${collection.id}/queryables`] = {
      get: {
        summary: `${title}: queryables`,
        operationId: `queryables_${collection.id}`,
        responses: { 200: ok('application/schema+json', 'the properties its items can be filtered on'), ...errors },
      },
    }
    paths[`/collections/${collection.id}/items/{featureId}`] = {
      get: {
        summary: `${title}: one feature`,
        operationId: `item_${collection.id}`,
        parameters: [{ name: 'featureId', in: 'path', required: true, schema: { type: 'string' } }, ref('crs')],
        responses: { 200: ok(GEOJSON, 'the feature'), ...errors },
      },
      ...writes.item,
    }
  }
  return {
    openapi: '3.0.3',
    info: { title: translate(language, 'ogc.title'), description: translate(language, 'ogc.description'), version: '1' },
    servers: [{ url: base }],
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: {
        exception: { type: 'object', required: ['code'], properties: { code: { type: 'string' }, description: { type: 'string' } } },
      },
      parameters: {
        limit: {
          name: 'limit',
          in: 'query',
          required: false,
          description: `features a page; a limit over ${MAX_LIMIT} is taken as ${MAX_LIMIT} and the response says so`,
          schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
          style: 'form',
          explode: false,
        },
        offset: {
          name: 'offset',
          in: 'query',
          required: false,
          description: 'features to skip, in the stable order (by code); the next and prev links set it',
          schema: { type: 'integer', minimum: 0, default: 0 },
          style: 'form',
          explode: false,
        },
        bbox: {
          name: 'bbox',
          in: 'query',
          required: false,
          description: 'four numbers in bbox-crs (CRS84 by default: minLon,minLat,maxLon,maxLat)',
          schema: { type: 'array', minItems: 4, maxItems: 4, items: { type: 'number' } },
          style: 'form',
          explode: false,
        },
        crs: {
          name: 'crs',
          in: 'query',
          required: false,
          description: 'the system to answer in, by URI; axis order as EPSG gives it (4490 lat,lon; Gauss-Krüger northing,easting)',
          schema: { type: 'string', format: 'uri', enum: [...SUPPORTED_CRS], default: CRS84 },
          style: 'form',
          explode: false,
        },
        'bbox-crs': {
          name: 'bbox-crs',
          in: 'query',
          required: false,
          description: 'the system of bbox, by URI, in its axis order',
          schema: { type: 'string', format: 'uri', enum: [...SUPPORTED_CRS], default: CRS84 },
          style: 'form',
          explode: false,
        },
        filter: {
          name: 'filter',
          in: 'query',
          required: false,
          description: `a CQL2 expression (filter-lang) on the queryables, at most ${MAX_FILTER_LENGTH} characters: comparisons, AND/OR/NOT, IS NULL, LIKE, BETWEEN, IN, DATE()/TIMESTAMP(), S_INTERSECTS(geometry, <WKT or BBOX>)`,
          schema: { type: 'string', maxLength: MAX_FILTER_LENGTH },
          style: 'form',
          explode: false,
        },
        'filter-lang': {
          name: 'filter-lang',
          in: 'query',
          required: false,
          description: 'the encoding of filter: cql2-text or cql2-json (cql-text, the draft name GDAL looks for, is read as cql2-text)',
          schema: { type: 'string', enum: [...FILTER_LANGUAGES], default: 'cql2-text' },
          style: 'form',
          explode: false,
        },
        'filter-crs': {
          name: 'filter-crs',
          in: 'query',
          required: false,
          description: 'the system of the geometries in filter, by URI, in its axis order',
          schema: { type: 'string', format: 'uri', enum: [...SUPPORTED_CRS], default: CRS84 },
          style: 'form',
          explode: false,
        },
        datetime: {
          name: 'datetime',
          in: 'query',
          required: false,
          description:
            'a day (the grids in force on it) or an interval start/end with .. for an open end (every version in force at some time in it)',
          schema: { type: 'string' },
          style: 'form',
          explode: false,
        },
      },
    },
  }
}
