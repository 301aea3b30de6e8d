import { findAddressPage, findAddressesExtent } from '../addresses/addresses.repository.js'
import { maskAddress } from '../addresses/address-normalise.js'
import { findBuildingPage, findBuildingsExtent } from '../buildings/buildings.repository.js'
import type { DatabaseHandle } from '../db/connect.js'
import type { Db, Role } from '../db/database.js'
import type { PointPage, PointPageFilter } from '../db/point-page.js'
import type { BBox } from '../http/query-params.js'
import type { Language } from '../i18n/index.js'
import { columns, equal, type ItemQuery, type OgcCollection } from './collection.js'
import type { QueryableType } from './cql2/compile.js'
import { issuesCollection } from './issues-collection.js'

// The collections whose content depends on who asks, beyond the region: the building points and
// the standard addresses (people's addresses: masked for departments, below) and the validation
// issues (computed, messages in the caller's language).

/** Who asks, as far as these collections need to know. */
export interface Viewer {
  role: Role
  language: Language
  /** The handle, not only its Kysely instance: validation asks which engine it runs on. */
  database: DatabaseHandle
}

/**
 * What a caller sees of an address. The lookup gives a department the address it asked for, one
 * at a time (a match, at most 20 candidates), and masks every address it records (access log,
 * request log) with maskAddress. A collection hands over a region's whole registry at once, so a
 * department — its API key or its account — gets each address as the access log keeps it:
 * the first 6 characters, every number masked. Grid staff (admin, city, county, township) keep
 * and correct these records and see them in full.
 */
export function addressShownTo(role: Role): (address: string) => string {
  return role === 'department' ? maskAddress : (address) => address
}

/**
 * The columns of a point table a filter may name, for this caller: an address a department sees
 * masked is no queryable for it, since a filter on the full text (LIKE '%12号%', or an equality
 * tried value by value) would tell what the mask hides.
 */
function pointQueryables(types: Record<string, Exclude<QueryableType, 'geometry'>>, role: Role) {
  const shown = role === 'department' ? Object.fromEntries(Object.entries(types).filter(([name]) => name !== 'address')) : types
  return columns(shown, 'geom')
}

interface PointCollection<R> {
  id: string
  queryables: OgcCollection['queryables']
  propertyTitles?: OgcCollection['propertyTitles']
  page: (db: Db, filter: PointPageFilter) => Promise<PointPage<R>>
  extent: (db: Db, scope: string) => Promise<BBox | null>
  /** The row as the feature's properties, for this caller. */
  show: (row: R) => Record<string, unknown>
}

/** A point table as a collection: paged, filtered and counted in SQL by its repository; a feature's id is the row's id. */
function pointCollection<R>(table: PointCollection<R>): OgcCollection {
  const page = async (db: Db, query: Omit<ItemQuery, 'time'>) => {
    const { rows, matched } = await table.page(db, {
      regionPrefix: query.scope,
      bbox: query.bbox,
      where: query.where,
      limit: query.limit,
      offset: query.offset,
    })
    return { matched, items: rows.map((row) => ({ id: row.id, geometryJson: row.geojson, properties: table.show(row) })) }
  }
  return {
    id: table.id,
    temporal: false,
    queryables: table.queryables,
    ...(table.propertyTitles ? { propertyTitles: table.propertyTitles } : {}),
    extent: table.extent,
    page,
    async item(db, scope, id) {
      if (!/^[0-9]{1,15}$/.test(id)) return undefined
      const { items } = await page(db, { scope, bbox: undefined, where: equal('id', id), limit: 1, offset: 0 })
      return items[0]
    },
  }
}

/** The collections of these kinds a viewer sees. */
export function dataCollections(viewer: Viewer): OgcCollection[] {
  const shown = addressShownTo(viewer.role)
  return [
    pointCollection({
      id: 'buildings',
      queryables: pointQueryables({ region_code: 'string', address: 'string', households: 'integer' }, viewer.role),
      page: findBuildingPage,
      extent: findBuildingsExtent,
      show: (row) => ({
        region_code: row.region_code,
        address: row.address === null ? null : shown(row.address),
        households: row.households,
      }),
    }),
    pointCollection({
      id: 'addresses',
      queryables: pointQueryables({ region_code: 'string', address: 'string', source: 'string' }, viewer.role),
      propertyTitles: { region_code: 'ogc.property_of_address.region_code' },
      page: findAddressPage,
      extent: findAddressesExtent,
      show: (row) => ({ region_code: row.region_code, address: shown(row.address), source: row.source }),
    }),
    issuesCollection(viewer.database, viewer.language),
  ]
}
