import { type RawBuilder, sql } from 'kysely'
import type { Db } from '../db/database.js'
import type { LoadedIndex } from '../lookup/index/index-holder.js'
import { gridPageFromIndex } from './index-items.js'
import { findGridPage, findGridsExtent } from '../grids/grids.repository.js'
import type { BBox } from '../http/query-params.js'
import { type ReferenceLayerRow, findReferenceExtent, findReferenceLayers, findReferencePage } from '../reference/reference.repository.js'
import { findRegionPage, findRegionsExtent } from '../regions/regions.repository.js'
import type { Queryable, QueryableType } from './cql2/compile.js'
import { dataCollections, type Viewer } from './data-collections.js'

// The layers gridwork serves as OGC API – Features collections: the grids (temporal: each version
// has its validity), the regions of each level, the buildings, addresses and validation issues
// (data-collections.ts) and the reference layers. Each reads its page through its own repository.

export interface ItemQuery {
  /** The caller's region prefix: nothing outside it is served. */
  scope: string
  bbox: BBox | undefined
  /** A day, or an interval of days (open ends undefined); only temporal collections use it. */
  time: { day: string } | { from: string | undefined; to: string | undefined } | undefined
  /** The filter (CQL2 and the equality query parameters) as a condition on the collection's table. */
  where: RawBuilder<boolean> | undefined
  /**
   * The equality query parameters by name, for a collection computed in JS (`computed`), whose
   * `where` is always undefined; undefined for the others, which read them in `where`.
   */
  equals?: Readonly<Record<string, string>>
  limit: number
  offset: number
  /** The lookup's index of today's grids, when the features may be written from it (CRS84). */
  index?: LoadedIndex | null
}

export interface Item {
  id: string
  /** The geometry as GeoJSON text, lon/lat, as PostGIS wrote it (null: none). */
  geometryJson: string | null
  properties: Record<string, unknown>
}

export interface OgcCollection {
  id: string
  /** The title when it is data (a reference layer's name); else `ogc.collection.<id>` in the caller's language. */
  title?: string
  temporal: boolean
  /**
   * What a filter can name (Part 3 queryables): each property of its features that has a column,
   * and `geometry`; each but `geometry` is also a query parameter (equality).
   */
  queryables: Record<string, Queryable>
  /**
   * Set when the features are computed in JS, not read from a table (the validation issues): the
   * equality query parameters come as `ItemQuery.equals`, and a CQL2 `filter` is refused (400),
   * never ignored. Its queryables' `sql` is then never compiled.
   */
  computed?: true
  /** i18n keys of the titles of properties that mean something else here than `ogc.property.<name>` says. */
  propertyTitles?: Readonly<Record<string, string>>
  page(db: Db, query: ItemQuery): Promise<{ items: Item[]; matched: number }>
  /** One feature by its id, in the caller's scope. */
  item(db: Db, scope: string, id: string): Promise<Item | undefined>
  /** The box of what the caller may see (lon/lat), null when nothing. */
  extent(db: Db, scope: string): Promise<BBox | null>
}

/** Columns of the collection's table by type, and the geometry's column, as queryables. */
export function columns(types: Record<string, Exclude<QueryableType, 'geometry'>>, geometryColumn: string): Record<string, Queryable> {
  const queryables: Record<string, Queryable> = {}
  for (const [name, type] of Object.entries(types)) queryables[name] = { type, sql: sql.ref(name) }
  queryables.geometry = { type: 'geometry', sql: sql.ref(geometryColumn) }
  return queryables
}

/** `column = value`: how a collection finds one feature by its id. */
export const equal = (column: string, value: string | number) => sql<boolean>`${sql.ref(column)} = ${value}`

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

const grids: OgcCollection = {
  id: 'grids',
  temporal: true,
  queryables: GRID_QUERYABLES,
  extent: (db, scope) => findGridsExtent(db, scope),
  // A bare code is the grid in force today; code.version any version (all are looked through).
  item(db, scope, id) {
    const [code, version] = id.split('.')
    const versioned = version !== undefined && /^[0-9]+$/.test(version)
    const time = versioned ? { from: undefined, to: undefined } : undefined
    return itemBy(grids, db, { scope, time, where: equal('code', code ?? '') }, id, versioned ? 1000 : 1)
  },
  async page(db, query) {
    const time = query.time
    // Today's grids from the lookup's index when it is built (index-items.ts); otherwise PostGIS.
    // Filters run in SQL only (CQL2 and the equality parameters): a filtered page goes to PostGIS.
    if (time === undefined && query.where === undefined && query.index) return gridPageFromIndex(query.index, query)
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
