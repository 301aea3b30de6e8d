import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database, GridKind } from '../db/database.js'
import { asGeoJson, asWkbHex, bboxOf, ewkbRuns, meetsBox, meetsTile, tileGeoJson } from '../db/geometry-sql.js'
import type { TileAddress } from '../geo/web-mercator.js'
import type { BBox } from '../http/query-params.js'
import { type GridsTransaction, noteGridsWritten } from './grid-events.js'

// The grids table's reads and its only writers. Grid versions are written only here, inside a
// writeGrids() transaction (grid-events.ts), so every write is announced to the lookup index after
// it commits; server/grids/single-writer.test.ts keeps other modules from writing grids.

const GRID_COLUMNS = [
  'code',
  'name',
  'kind',
  'region_code',
  'parent_code',
  'households',
  'population',
  'count_date',
  'valid_from',
  'valid_to',
  'version',
  'attributes',
] as const

export interface GridFilter {
  regionPrefix: string
  asOf: string | undefined
  bbox?: BBox | undefined
}

/** The row of each grid in force on `asOf` (today when omitted): valid_from ≤ day < valid_to. */
function inForce(asOf: string | undefined) {
  const day = asOf === undefined ? sql`current_date` : sql`${asOf}::date`
  return sql<boolean>`valid_from <= ${day} AND (valid_to IS NULL OR valid_to > ${day})`
}

function gridsInForce(db: Kysely<Database>, filter: GridFilter) {
  let query = db
    .selectFrom('grids')
    .select(GRID_COLUMNS)
    .where('region_code', 'like', `${filter.regionPrefix}%`)
    .where(inForce(filter.asOf))
  if (filter.bbox) query = query.where(meetsBox('geom', filter.bbox))
  return query
}

export function findGrids(db: Kysely<Database>, filter: GridFilter) {
  return gridsInForce(db, filter).select(asGeoJson('geom').as('geometry')).orderBy('code').execute()
}

/** A page of grids for the OGC API: in force on a day or at any time in an interval, filtered by a condition. */
export interface GridPageFilter {
  regionPrefix: string
  /** In force on this day (today when neither this nor `during` is given). */
  asOf?: string | undefined
  /** In force at any time in [from, to] (either end open when undefined). */
  during?: { from: string | undefined; to: string | undefined } | undefined
  bbox?: BBox | undefined
  /** A condition on the grids' columns (the OGC API's filters, built from CQL2 with bound values). */
  where?: RawBuilder<boolean> | undefined
  limit: number
  offset: number
}

/**
 * One page of grids in code order (versions of one code in version order), with how many match
 * in all; geometry as GeoJSON text (`geojson`, 15 decimals: every stored digit), passed on as
 * text: PGlite's parse of a `json` column, not PostGIS, is what makes GeoJSON slow there
 * (docs/engine-notes.md).
 */
export async function findGridPage(db: Kysely<Database>, filter: GridPageFilter) {
  let query = db.selectFrom('grids').where('region_code', 'like', `${filter.regionPrefix}%`)
  if (filter.during) {
    const { from, to } = filter.during
    if (to !== undefined) query = query.where(sql<boolean>`valid_from <= ${to}::date`)
    if (from !== undefined) query = query.where(sql<boolean>`(valid_to IS NULL OR valid_to > ${from}::date)`)
  } else query = query.where(inForce(filter.asOf))
  if (filter.bbox) query = query.where(meetsBox('geom', filter.bbox))
  if (filter.where) query = query.where(filter.where)
  // The page's ids first, sorted alone; then their rows with the geometry, put in that order here:
  // a sort of rows carrying their geometries spills to disk on PGlite (see findGridsAsWkb).
  const [ids, counted] = await Promise.all([
    query.select('id').orderBy('code').orderBy('version').limit(filter.limit).offset(filter.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ])
  const order = new Map(ids.map((row, at) => [row.id, at]))
  const rows =
    ids.length === 0
      ? []
      : await db
          .selectFrom('grids')
          .select(['id', ...GRID_COLUMNS, sql<string>`ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 15, 0)`.as('geojson')])
          .where('id', '=', sql<number>`ANY(${`{${ids.map((row) => row.id).join(',')}}`}::bigint[])`)
          .execute()
  rows.sort((a, b) => (order.get(a.id) as number) - (order.get(b.id) as number))
  return { rows: rows.map(({ id: _id, ...row }) => row), matched: Number(counted.n) }
}

/**
 * The grids in force under a prefix meeting Web Mercator tile z/x/y, each in the tile's integer
 * coordinates (`extent` units, y down) and clipped to the tile with a `buffer`: what
 * ST_AsMVTGeom does, written out, because PGlite's PostGIS is built without protobuf-c and
 * refuses ST_AsMVTGeom as well as ST_AsMVT (docs/engine-notes.md).
 */
export async function findGridTile(db: Kysely<Database>, regionPrefix: string, tile: TileAddress, asOf?: string) {
  return db
    .selectFrom('grids')
    .select(['code', 'name', 'kind', 'region_code', 'households', tileGeoJson('geom', tile).as('geojson')])
    .where('region_code', 'like', `${regionPrefix}%`)
    .where(inForce(asOf))
    .where(meetsTile('geom', tile))
    .orderBy('code')
    .execute()
}

/** [minLon, minLat, maxLon, maxLat] of the grids in force under a prefix today; null when there are none. */
export async function findGridsExtent(db: Kysely<Database>, regionPrefix: string): Promise<BBox | null> {
  const { rows } = await sql<{ box: BBox | null }>`
    SELECT ${bboxOf('e')} AS box
    FROM (SELECT ST_Extent(geom) AS e FROM grids WHERE region_code LIKE ${`${regionPrefix}%`} AND ${inForce(undefined)}) AS x`.execute(db)
  return rows[0]?.box ?? null
}

/**
 * The same rows as findGrids with the geometry as hex WKB (`wkb`): what an export of 100,000 grids
 * reads fast. Sorted here, not by the database: a sort of the rows with their geometries spills
 * 130 MB to disk on PGlite (work_mem), one of the codes alone does not.
 */
export async function findGridsAsWkb(db: Kysely<Database>, filter: GridFilter) {
  const rows = await gridsInForce(db, filter).select(asWkbHex('geom').as('wkb')).execute()
  // Codes are digits: code-unit order is the database's order.
  return rows.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
}

export function findGrid(db: Kysely<Database>, code: string, asOf: string | undefined) {
  return db
    .selectFrom('grids')
    .select([...GRID_COLUMNS, asGeoJson('geom').as('geometry')])
    .where('code', '=', code)
    .where(inForce(asOf))
    .executeTakeFirst()
}

/** The proposal a grid version came from, with who approved it (or filed it, if the chain has no approve step). */
export interface VersionProposal {
  id: number
  /** Null when the author typed none: worded per reader (server/i18n/proposal-text.ts). */
  title: string | null
  region_code: string
  region_name: string | null
  document_no: string | null
  effective_date: string | null
  approved_by: string | null
  approved_at: Date | null
}

/**
 * Every version of a grid, oldest first, including retired ones; each with the proposal it came
 * from (grids.proposal_id; null for imported/seeded rows). The approver is the user of the
 * proposal's last 'approve' event, else of its last 'file' event (chains without an approve step).
 */
export async function findGridHistory(db: Kysely<Database>, code: string) {
  const rows = await db
    .selectFrom('grids as g')
    .leftJoin('proposals as p', 'p.id', 'g.proposal_id')
    .leftJoin('regions as pr', 'pr.code', 'p.region_code')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('proposal_events as e')
          .select(['e.username', 'e.at'])
          .whereRef('e.proposal_id', '=', 'g.proposal_id')
          .where('e.action', 'in', ['approve', 'file'])
          .orderBy(sql`e.action = 'approve'`, 'desc')
          .orderBy('e.at', 'desc')
          .orderBy('e.id', 'desc')
          .limit(1)
          .as('approval'),
      (join) => join.onTrue(),
    )
    .select([
      ...GRID_COLUMNS.map((column) => `g.${column}` as const),
      'g.created_at',
      'g.created_by',
      asGeoJson('g.geom').as('geometry'),
      'g.proposal_id',
      'p.title as proposal_title',
      'p.region_code as proposal_region_code',
      'pr.name as proposal_region_name',
      'p.document_no as proposal_document_no',
      'p.effective_date as proposal_effective_date',
      'approval.username as approved_by',
      'approval.at as approved_at',
    ])
    .where('g.code', '=', code)
    .orderBy('g.version')
    .execute()
  return rows.map(
    ({
      proposal_id,
      proposal_title,
      proposal_region_code,
      proposal_region_name,
      proposal_document_no,
      proposal_effective_date,
      approved_by,
      approved_at,
      ...row
    }) => ({
      ...row,
      proposal:
        proposal_id === null
          ? null
          : ({
              id: proposal_id,
              title: proposal_title ?? null,
              region_code: proposal_region_code ?? '',
              region_name: proposal_region_name ?? null,
              document_no: proposal_document_no ?? null,
              effective_date: proposal_effective_date ?? null,
              approved_by: approved_by ?? null,
              approved_at: approved_at ?? null,
            } satisfies VersionProposal),
    }),
  )
}

export interface LineageLink {
  code: string
  relation: 'split' | 'merge'
  effective_date: string
  proposal_id: number | null
}

/** Split/merge lineage of a code, both ways: the codes it came from and the codes it became. */
export async function findGridLineage(db: Kysely<Database>, code: string): Promise<{ parents: LineageLink[]; children: LineageLink[] }> {
  const rows = await db
    .selectFrom('grid_lineage')
    .select(['parent_code', 'child_code', 'relation', 'effective_date', 'proposal_id'])
    .where((eb) => eb.or([eb('parent_code', '=', code), eb('child_code', '=', code)]))
    .orderBy('effective_date')
    .orderBy('parent_code')
    .orderBy('child_code')
    .execute()
  const link = (other: string, row: (typeof rows)[number]): LineageLink => ({
    code: other,
    relation: row.relation,
    effective_date: row.effective_date,
    proposal_id: row.proposal_id,
  })
  return {
    parents: rows.filter((row) => row.child_code === code).map((row) => link(row.parent_code, row)),
    children: rows.filter((row) => row.parent_code === code).map((row) => link(row.child_code, row)),
  }
}

export type GridRow = Awaited<ReturnType<typeof findGrids>>[number]

/** A grid version to write; its geometry is GeoJSON, stored as a MultiPolygon in CGCS2000 (SRID 4490). */
export interface NewGridVersion {
  code: string
  version: number
  name: string
  kind: GridKind
  region_code: string
  parent_code: string | null
  geometry: unknown
  households: number | null
  population: number | null
  count_date: string | null
  valid_from: string
  attributes: Record<string, unknown>
  created_by: string | null
  proposal_id: number | null
}

/**
 * Inserts grid versions in the given order, in few statements (a handful of round trips matters on
 * PGlite; an import of 100,000 grids goes in statements of BULK_STATEMENT_VERTICES, geometry as hex
 * EWKB). Version 1 registers its code in grid_codes (a trigger, which also refuses a code used
 * before); a later version needs the code active.
 */
export async function insertGridVersions(trx: GridsTransaction, versions: readonly NewGridVersion[]): Promise<void> {
  if (versions.length === 0) return
  noteGridsWritten(trx)
  for (const run of ewkbRuns(versions, (version) => version.geometry)) {
    const records = run.map(({ item: { geometry: _geometry, ...version }, hex }) => ({ ...version, geom: hex }))
    await sql`
      INSERT INTO grids (code, version, name, kind, region_code, parent_code, geom, households, population,
                         count_date, valid_from, attributes, created_by, proposal_id)
      SELECT g.code, g.version, g.name, g.kind, g.region_code, g.parent_code,
             ST_Multi(g.geom::geometry), g.households, g.population,
             g.count_date, g.valid_from, g.attributes, g.created_by, g.proposal_id
      FROM json_to_recordset(${JSON.stringify(records)}::json)
        AS g(code text, version integer, name text, kind text, region_code text, parent_code text, geom text,
             households integer, population integer, count_date date, valid_from date, attributes jsonb,
             created_by text, proposal_id bigint)`.execute(trx)
  }
}

/** Ends the versions in force of `codes` on `validTo` (a version is in force until the day before). */
export async function closeGridVersions(trx: GridsTransaction, codes: readonly string[], validTo: string): Promise<void> {
  if (codes.length === 0) return
  noteGridsWritten(trx)
  await trx.updateTable('grids').set({ valid_to: validTo }).where('code', 'in', codes).where('valid_to', 'is', null).execute()
}

/** Deletes every version of every grid under a region prefix (the demo reset); returns how many. */
export async function deleteGridsUnder(trx: GridsTransaction, regionPrefix: string): Promise<number> {
  noteGridsWritten(trx)
  const result = await trx.deleteFrom('grids').where('region_code', 'like', `${regionPrefix}%`).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/**
 * The open versions under a region prefix, locked (FOR UPDATE) until the transaction ends: what
 * an approval compares with the versions its check saw (optimistic locking).
 */
export async function lockOpenVersions(trx: GridsTransaction, regionPrefix: string) {
  const { rows } = await sql<{ code: string; version: number; valid_from: string }>`
    SELECT code, version, valid_from FROM grids
    WHERE region_code LIKE ${`${regionPrefix}%`} AND valid_to IS NULL ORDER BY code FOR UPDATE`.execute(trx)
  return rows
}

/**
 * A stamp of the grids in force under a prefix that changes whenever they do: how many, the
 * newest version's id (every write adds versions or closes some) and the day (grids take effect
 * on a date). What is computed from those grids can be kept while the stamp stays the same.
 */
export async function gridsInForceStamp(db: Kysely<Database>, regionPrefix: string): Promise<string> {
  const { rows } = await sql<{ stamp: string }>`
    SELECT count(*) || '/' || coalesce(max(id), 0) || '/' || current_date AS stamp
    FROM grids WHERE region_code LIKE ${`${regionPrefix}%`} AND ${inForce(undefined)}`.execute(db)
  return rows[0]?.stamp ?? ''
}
