import { type RawBuilder, sql } from 'kysely'
import type { Db } from '../db/database.js'
import type { TileAddress } from '../geo/web-mercator.js'
import type { BBox } from '../http/query-params.js'
import type { LoadedIndex } from '../lookup/index/index-holder.js'
import type { Queryable, QueryableType } from './cql2/compile.js'
import type { JsonBytes } from './json-bytes.js'

// What an OGC API – Features collection is (collections.ts lists them; data-collections.ts,
// issues-collection.ts and index-items.ts make some), apart from the list, so that those files
// need not import the list that imports them.

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
}

/**
 * A page of features as the response body takes them: written straight into its bytes (today's
 * grids from the lookup's index, index-items.ts, without an Item per feature), or Items read.
 */
export interface WrittenPage {
  matched: number
  returned: number
  /**
   * Names the features exactly (the index build and what selected them): the page's ETag then
   * comes from it and the page's head, not from hashing ~10 MB of body. Absent: the body is hashed.
   */
  tag?: string
  write(out: JsonBytes): void
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
  /**
   * The page written from the lookup's index of today's grids (CRS84), when this collection and
   * query can be; undefined: read it with `page`.
   */
  indexPage?(index: LoadedIndex, query: ItemQuery): WrittenPage | undefined
  /** One feature by its id, in the caller's scope. */
  item(db: Db, scope: string, id: string): Promise<Item | undefined>
  /** The box of what the caller may see (lon/lat), null when nothing. */
  extent(db: Db, scope: string): Promise<BBox | null>
  /** Set when the collection is served as vector tiles too (server/tiles/). */
  tiles?: CollectionTiles
}

/** A collection served as vector tiles. */
export type TiledCollection = OgcCollection & { tiles: CollectionTiles }

/** A feature cut to a tile: its geometry as GeoJSON text in tile coordinates (tileGeoJson), and what it carries. */
export interface TileRow {
  geojson: string
  properties: Record<string, string | number | null>
}

export interface CollectionTiles {
  /** The properties a feature carries in a tile, by JSON type (TileJSON's fields and the OGC tileset's schema). */
  fields: Readonly<Record<string, 'string' | 'integer'>>
  /** Below this zoom the tiles are empty (a county's building footprints would not fit in a tile of a province). */
  minzoom: number
  /**
   * True when what the collection holds never changes under its id (a re-imported reference layer
   * gets a new id), so its tiles may be kept in memory with no way to go stale.
   */
  immutable: boolean
  /** The features of the caller's scope meeting the tile (on `asOf` for a temporal collection), cut to it. */
  rows(db: Db, scope: string, tile: TileAddress, asOf?: string): Promise<TileRow[]>
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
