import { sql } from 'kysely'
import type { Db } from '../db/database.js'
import { gridPageFromIndex } from './index-items.js'
import { findGridPage, findGridsExtent, findGridTile } from '../grids/grids.repository.js'
import {
  type ReferenceLayerRow,
  findReferenceExtent,
  findReferenceLayers,
  findReferencePage,
  findReferenceTile,
} from '../reference/reference.repository.js'
import { referenceTileMinZoom } from '../reference/reference.schemas.js'
import { findRegionPage, findRegionsExtent, findRegionTile } from '../regions/regions.repository.js'
import { GRID_TILE_FIELDS } from '../tiles/mvt.js'
import type { Queryable } from './cql2/compile.js'
import { columns, equal, type ItemQuery, type OgcCollection, type TileRow } from './collection.js'
import { dataCollections, type Viewer } from './data-collections.js'

// The layers gridwork serves as OGC API – Features collections: the grids (temporal: each version
// has its validity), the regions of each level, the buildings, addresses and validation issues
// (data-collections.ts) and the reference layers. Each reads its page through its own repository.

export { columns, equal, type Item, type ItemQuery, type OgcCollection } from './collection.js'

const GRID_COLUMNS = columns(
  {
    code: 'string',
    name: 'string',
    kind: 'string',
    region_code: 'string',
    parent_code: 'string',
    households: 'integer',
    population: 'integer',
    count_date: 'date',
    grid_head: 'string',
    valid_from: 'date',
    valid_to: 'date',
    version: 'integer',
  },
  'geom',
)
// The grid head is kept in the grid's attributes (JSON), as imports name it.
const GRID_QUERYABLES: Record<string, Queryable> = { ...GRID_COLUMNS, grid_head: { type: 'string', sql: sql`(attributes->>'grid_head')` } }

/** Rows with their geometry apart: what a tile carries of each. */
const tileRows = (rows: readonly ({ geojson: string } & TileRow['properties'])[]): TileRow[] =>
  rows.map(({ geojson, ...properties }) => ({ geojson, properties }))

const grids: OgcCollection = {
  id: 'grids',
  temporal: true,
  queryables: GRID_QUERYABLES,
  // Today's tiles are cut from the lookup's index (server/tiles/index-tiles.ts); these rows serve another day.
  tiles: {
    fields: GRID_TILE_FIELDS,
    minzoom: 0,
    immutable: false,
    rows: async (db, scope, tile, asOf) => tileRows(await findGridTile(db, scope, tile, asOf)),
  },
  extent: (db, scope) => findGridsExtent(db, scope),
  // A bare code is the grid in force today; code.version any version (all are looked through).
  item(db, scope, id) {
    const [code, version] = id.split('.')
    const versioned = version !== undefined && /^[0-9]+$/.test(version)
    const time = versioned ? { from: undefined, to: undefined } : undefined
    return itemBy(grids, db, { scope, time, where: equal('code', code ?? '') }, id, versioned ? 1000 : 1)
  },
  // Today's grids from the lookup's index when it is built (index-items.ts); otherwise PostGIS.
  // Filters run in SQL only (CQL2 and the equality parameters): a filtered page goes to PostGIS.
  indexPage: (index, query) => (query.time === undefined && query.where === undefined ? gridPageFromIndex(index, query) : undefined),
  async page(db, query) {
    const time = query.time
    const { rows, matched } = await findGridPage(db, {
      regionPrefix: query.scope,
      asOf: time && 'day' in time ? time.day : undefined,
      during: time && !('day' in time) ? time : undefined,
      bbox: query.bbox,
      where: query.where,
      limit: query.limit,
      offset: query.offset,
    })
    return {
      matched,
      // A past version has the same code as the grid in force: the id names the version.
      items: rows.map(({ geojson, attributes, ...row }) => ({
        id: query.time === undefined || (time && 'day' in time) ? row.code : `${row.code}.${row.version}`,
        geometryJson: geojson,
        properties: { ...row, grid_head: gridHead(attributes) },
      })),
    }
  },
}

/** The feature of `id` among the first page of a query that selects it (by its id property). */
async function itemBy(collection: OgcCollection, db: Db, query: Omit<ItemQuery, 'limit' | 'offset' | 'bbox'>, id: string, limit = 1) {
  const { items } = await collection.page(db, { ...query, bbox: undefined, limit, offset: 0 })
  return items.find((item) => item.id === id)
}

const gridHead = (attributes: unknown) => {
  const head = (attributes as Record<string, unknown> | null)?.grid_head
  return typeof head === 'string' ? head : null
}

const REGION_LEVELS = [
  ['provinces', 1],
  ['cities', 2],
  ['counties', 3],
  ['townships', 4],
  ['communities', 5],
] as const

const regionCollection = (id: string, level: number): OgcCollection => ({
  id,
  item(db, scope, code) {
    return itemBy(this, db, { scope, time: undefined, where: equal('code', code) }, code)
  },
  temporal: false,
  queryables: columns({ code: 'string', name: 'string', level: 'integer', parent_code: 'string', urban_rural: 'string' }, 'boundary'),
  extent: (db, scope) => findRegionsExtent(db, scope, level),
  tiles: {
    fields: { code: 'string', name: 'string', level: 'integer' },
    minzoom: 0,
    immutable: false,
    rows: async (db, scope, tile) => tileRows(await findRegionTile(db, scope, level, tile)),
  },
  async page(db, query) {
    const { rows, matched } = await findRegionPage(db, {
      prefix: query.scope,
      level,
      bbox: query.bbox,
      where: query.where,
      limit: query.limit,
      offset: query.offset,
    })
    return { matched, items: rows.map(({ geojson, ...row }) => ({ id: row.code, geometryJson: geojson, properties: row })) }
  },
})

/** A reference layer (roads, water, footprints…) the caller's region uses, as `reference-<layer id>`. */
const referenceCollection = (layer: ReferenceLayerRow): OgcCollection => ({
  id: `reference-${layer.id}`,
  title: layer.name,
  temporal: false,
  // The layer's own properties (JSON) differ from feature to feature and have no declared type:
  // only name and class, which every layer has as columns, can be filtered on.
  queryables: columns({ name: 'string', class: 'string' }, 'geom'),
  extent: (db) => findReferenceExtent(db, layer.id),
  tiles: {
    fields: { id: 'integer', name: 'string', class: 'string' },
    minzoom: referenceTileMinZoom(layer.kind),
    immutable: true,
    rows: async (db, _scope, tile) => tileRows(await findReferenceTile(db, layer.id, tile)),
  },
  item(db, scope, id) {
    return /^[0-9]{1,15}$/.test(id)
      ? itemBy(this, db, { scope, time: undefined, where: equal('id', Number(id)) }, id)
      : Promise.resolve(undefined)
  },
  async page(db, query) {
    const { rows, matched } = await findReferencePage(db, layer.id, {
      bbox: query.bbox,
      where: query.where,
      limit: query.limit,
      offset: query.offset,
    })
    return {
      matched,
      items: rows.map((row) => ({
        id: String(row.id),
        geometryJson: row.geojson,
        properties: { name: row.name, class: row.class, ...(row.properties as Record<string, unknown>) },
      })),
    }
  },
})

/** The collections of every caller: the grids and the regions of each level. */
export const FIXED_COLLECTIONS: readonly OgcCollection[] = [grids, ...REGION_LEVELS.map(([id, level]) => regionCollection(id, level))]

/**
 * The collections a caller of region `scope` sees: the fixed ones, those that depend on who asks
 * (only when `viewer` says who: without it they are not offered), and the reference layers its region uses.
 */
export async function collectionsFor(db: Db, scope: string, viewer?: Viewer): Promise<OgcCollection[]> {
  const data = viewer ? dataCollections(viewer) : []
  return [...FIXED_COLLECTIONS, ...data, ...(await findReferenceLayers(db, scope)).map(referenceCollection)]
}

/** One collection as `collectionsFor` lists it, or undefined. */
export async function collectionFor(db: Db, scope: string, id: string, viewer?: Viewer): Promise<OgcCollection | undefined> {
  const fixed = FIXED_COLLECTIONS.find((collection) => collection.id === id) ?? (viewer && dataCollections(viewer).find((c) => c.id === id))
  if (fixed || !/^reference-[0-9]{1,15}$/.test(id)) return fixed
  const layer = (await findReferenceLayers(db, scope)).find((row) => `reference-${row.id}` === id)
  return layer && referenceCollection(layer)
}
