import type { OgcCollection } from './collection.js'

// The write operations of /ogc/api (Part 4): only the grids take them. Listed so that a client
// reading the document (and a person) sees which collection can be written and with what.

const GEOJSON = 'application/geo+json'
const JSON_TYPE = 'application/json'
/** The collection writes go to (ogc-writes.routes.ts); every other one is read-only. */
export const WRITABLE_COLLECTION = 'grids'

const exception = (description: string) => ({
  description,
  content: { [JSON_TYPE]: { schema: { $ref: '#/components/schemas/exception' } } },
})
const feature = {
  description: 'a GeoJSON Feature (CRS84, or the system of Content-Crs)',
  required: true,
  content: { [GEOJSON]: { schema: { type: 'object' } } },
}
const header = (name: string, description: string) => ({ name, in: 'header', required: false, description, schema: { type: 'string' } })
const headers = [
  header('Content-Crs', 'the system of the coordinates sent, as <uri>; CRS84 by default'),
  header('If-Match', "the feature's ETag as read: a write over a changed feature is refused (412)"),
]
const refusals = {
  400: exception('a body that is not a feature, an unreadable geometry, a property that cannot be written'),
  403: exception('a role that does not propose grids here, a department key'),
  404: exception('no such feature'),
  409: exception('the change would add a gap, overlap, part outside or invalid geometry'),
  412: exception('If-Match does not match the feature’s ETag'),
}
const written = (status: number, description: string) => ({
  [status]: {
    description,
    headers: { 'X-Proposal-Id': { description: 'the draft proposal holding the change', schema: { type: 'integer' } } },
  },
})

/** The operations to add to the items path and to the item path of `collection`. */
export function writeOperations(collection: OgcCollection) {
  if (collection.id !== WRITABLE_COLLECTION) return { items: {}, item: {} }
  const id = collection.id
  const path = { name: 'featureId', in: 'path', required: true, schema: { type: 'string' } }
  return {
    items: {
      post: {
        summary: "add a grid to the caller's draft proposal",
        operationId: `create_${id}`,
        parameters: headers.slice(0, 1),
        requestBody: feature,
        responses: { ...written(201, 'added; Location names it (new-N@p<proposal>)'), ...refusals },
      },
    },
    item: {
      put: {
        summary: 'replace a grid in the draft',
        operationId: `replace_${id}`,
        parameters: [path, ...headers],
        requestBody: feature,
        responses: { ...written(200, 'the grid as the draft leaves it, with its ETag'), ...refusals },
      },
      patch: {
        summary: 'update a grid in the draft (JSON merge patch)',
        operationId: `update_${id}`,
        parameters: [path, ...headers],
        requestBody: { required: true, content: { 'application/merge-patch+json': { schema: { type: 'object' } } } },
        responses: { ...written(200, 'the grid as the draft leaves it, with its ETag'), ...refusals },
      },
      delete: {
        summary: 'delete a grid in the draft (merged into its longest-bordering neighbour)',
        operationId: `delete_${id}`,
        parameters: [path, headers[1]],
        responses: { ...written(204, 'deleted in the draft'), ...refusals },
      },
    },
  }
}
