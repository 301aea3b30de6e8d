import type { Geometry } from 'geojson'
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely'
import { type Actor, recordAudit } from '../audit/audit.repository.js'
import type { Database } from '../db/database.js'
import { bboxOf, meetsBox, meetsTile, tileGeoJson } from '../db/geometry-sql.js'
import type { TileAddress } from '../geo/web-mercator.js'
import { badRequest } from '../http/errors.js'
import type { BBox } from '../http/query-params.js'
import { REFERENCE_KINDS, type ReferenceKind } from '../import/upload.schemas.js'
import type { PropertyValue } from '../io/types.js'
import { enclosingPrefixes, parseRegionPrefix } from '../regions/region-codes.js'

// Reference layers (roads with a class, water, building footprints, any other line/polygon layer)
// drawn under the grids and snapped to by the editor. This module is the only writer of their
// tables (migrations/2026-12-08T0100-reference-layers.ts).

export interface ReferenceFeatureInput {
  geometry: Geometry
  name: string | null
  /** Road class (国道, 省道, 县道, 乡道, 城市道路…) or another layer's category. */
  class: string | null
  properties: Record<string, PropertyValue>
}

export interface ReferenceLayerInput {
  /** The county (or wider) region the layer belongs to: a 12-digit code or its significant prefix. */
  region: string
  name: string
  kind: ReferenceKind
  features: ReferenceFeatureInput[]
  actor: Actor
}

export const REFERENCE_NAME_MAX = 60
/** Features per INSERT: one JSON parameter each, a few round trips for a county road network. */
const FEATURE_CHUNK = 5_000

/** The stored region prefix of a layer, or a 400 naming the bad value. */
function layerRegion(region: string): string {
  const prefix = parseRegionPrefix(region)
  if (prefix === null) throw badRequest('reference_region_invalid', { region })
  return prefix
}

function checkLayer(input: Pick<ReferenceLayerInput, 'name' | 'kind'>): string {
  const name = input.name.trim()
  if (name.length < 1 || [...name].length > REFERENCE_NAME_MAX) throw badRequest('reference_name_invalid', { max: REFERENCE_NAME_MAX })
  if (!REFERENCE_KINDS.includes(input.kind))
    throw badRequest('reference_kind_invalid', { kind: String(input.kind), kinds: REFERENCE_KINDS.join(', ') })
  return name
}

/** Runs `work` in a transaction, or in the caller's (the demo seed writes inside its own). */
function inTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute((trx: Transaction<Database>) => work(trx))
}

/** Replaces the layer of that name in that region (a new import of the same layer supersedes the old). */
export async function replaceReferenceLayer(db: Kysely<Database>, input: ReferenceLayerInput): Promise<{ id: number; count: number }> {
  const region = layerRegion(input.region)
  const name = checkLayer(input)
  return inTransaction(db, async (trx) => {
    const previous = await trx
      .deleteFrom('reference_layers')
      .where('region_code', '=', region)
      .where('name', '=', name)
      .returning(['id', 'feature_count'])
      .executeTakeFirst()
    const layer = await trx
      .insertInto('reference_layers')
      .values({ region_code: region, name, kind: input.kind, feature_count: input.features.length, created_by: input.actor.username })
      .returning('id')
      .executeTakeFirstOrThrow()
    for (let i = 0; i < input.features.length; i += FEATURE_CHUNK) {
      const chunk = input.features.slice(i, i + FEATURE_CHUNK).map((f) => ({
        n: f.name,
        c: f.class,
        p: f.properties,
        g: f.geometry,
      }))
      // Z and M are dropped: the editor snaps in 2-D and the column is plain 2-D geometry.
      await sql`
        INSERT INTO reference_features (layer_id, name, class, properties, geom)
        SELECT ${layer.id}, f.n, f.c, coalesce(f.p, '{}'::jsonb), ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(f.g::text), 4490))
        FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS f(n text, c text, p jsonb, g jsonb)`.execute(trx)
    }
    await recordAudit(trx, input.actor, {
      action: 'replace_reference_layer',
      entity: 'reference_layer',
      entityId: String(layer.id),
      regionCode: region,
      before: previous ? { id: previous.id, features: previous.feature_count } : undefined,
      after: { name, kind: input.kind, features: input.features.length },
    })
    return { id: layer.id, count: input.features.length }
  })
}

export interface ReferenceLayerContent {
  name: string
  kind: ReferenceKind
  features: ReferenceFeatureInput[]
}

/** A layer as stored, for export; null when the region has no layer of that name. */
export async function readReferenceLayer(db: Kysely<Database>, region: string, name: string): Promise<ReferenceLayerContent | null> {
  const layer = await db
    .selectFrom('reference_layers')
    .select(['id', 'name', 'kind'])
    .where('region_code', '=', layerRegion(region))
    .where('name', '=', name.trim())
    .executeTakeFirst()
  if (!layer) return null
  const rows = await sql<{ name: string | null; class: string | null; properties: Record<string, PropertyValue>; geometry: Geometry }>`
    SELECT name, class, properties, ST_AsGeoJSON(geom, 8, 0)::json AS geometry
    FROM reference_features WHERE layer_id = ${layer.id} ORDER BY id`.execute(db)
  return { name: layer.name, kind: layer.kind, features: rows.rows.map((row) => ({ ...row })) }
}

export interface ReferenceLayerRow {
  id: number
  region_code: string
  name: string
  kind: ReferenceKind
  feature_count: number
  created_at: Date
  created_by: string
}

/** The layers that apply to a region prefix: its own, those of the wider regions around it and those inside it. */
export async function findReferenceLayers(db: Kysely<Database>, regionPrefix: string): Promise<ReferenceLayerRow[]> {
  const wider = enclosingPrefixes(regionPrefix)
  return (
    db
      .selectFrom('reference_layers')
      .select(['id', 'region_code', 'name', 'kind', 'feature_count', 'created_at', 'created_by'])
      // The whole country ('') has no wider region: `in ()` is no SQL.
      .where((eb) => eb.or([...(wider.length > 0 ? [eb('region_code', 'in', wider)] : []), eb('region_code', 'like', `${regionPrefix}%`)]))
      .orderBy('region_code')
      .orderBy('name')
      .execute()
  )
}

export async function findReferenceLayer(db: Kysely<Database>, id: number): Promise<ReferenceLayerRow | undefined> {
  return db
    .selectFrom('reference_layers')
    .select(['id', 'region_code', 'name', 'kind', 'feature_count', 'created_at', 'created_by'])
    .where('id', '=', id)
    .executeTakeFirst()
}

export interface FeaturesInBox {
  features: { id: number; name: string | null; class: string | null; geometry: Geometry }[]
  /** True when more features lie in the box than `limit`. */
  truncated: boolean
}

/**
 * The features of a layer meeting a box, simplified by `tolerance` degrees (0 = as stored) and at
 * most `limit` of them (longest/largest first, so a capped road network keeps its main roads).
 */
export async function findFeaturesInBox(
  db: Kysely<Database>,
  layerId: number,
  bbox: BBox,
  options: { tolerance: number; limit: number },
): Promise<FeaturesInBox> {
  const rows = await sql<{ id: number; name: string | null; class: string | null; geometry: Geometry }>`
    SELECT id, name, class,
           ST_AsGeoJSON(CASE WHEN ${options.tolerance}::float8 > 0 THEN ST_SimplifyPreserveTopology(geom, ${options.tolerance}::float8) ELSE geom END, 7, 0)::json
             AS geometry
    FROM reference_features
    WHERE layer_id = ${layerId} AND ${meetsBox('geom', bbox)}
    ORDER BY ST_Length(geom) + sqrt(ST_Area(geom)) DESC, id
    LIMIT ${options.limit + 1}`.execute(db)
  return { features: rows.rows.slice(0, options.limit), truncated: rows.rows.length > options.limit }
}

/** A page of a layer's features for the OGC API, in id order, with how many match in all; geometry as GeoJSON text. */
export async function findReferencePage(
  db: Kysely<Database>,
  layerId: number,
  filter: { bbox?: BBox | undefined; where?: RawBuilder<boolean> | undefined; limit: number; offset: number },
) {
  let query = db.selectFrom('reference_features').where('layer_id', '=', layerId)
  if (filter.bbox) query = query.where(meetsBox('geom', filter.bbox))
  if (filter.where) query = query.where(filter.where)
  const [rows, counted] = await Promise.all([
    query
      .select(['id', 'name', 'class', 'properties', sql<string>`ST_AsGeoJSON(geom, 15, 0)`.as('geojson')])
      .orderBy('id')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ])
  return { rows, matched: Number(counted.n) }
}

/** A layer's features meeting a vector tile, cut to it (tileGeoJson), in id order. */
export function findReferenceTile(db: Kysely<Database>, layerId: number, tile: TileAddress) {
  return db
    .selectFrom('reference_features')
    .select(['id', 'name', 'class', tileGeoJson('geom', tile).as('geojson')])
    .where('layer_id', '=', layerId)
    .where(meetsTile('geom', tile))
    .orderBy('id')
    .execute()
}

/** [minLon, minLat, maxLon, maxLat] of a layer's features; null when it has none. */
export async function findReferenceExtent(db: Kysely<Database>, layerId: number): Promise<BBox | null> {
  const { rows } = await sql<{ box: BBox | null }>`
    SELECT ${bboxOf('e')} AS box
    FROM (SELECT ST_Extent(geom) AS e FROM reference_features WHERE layer_id = ${layerId}) AS x`.execute(db)
  return rows[0]?.box ?? null
}

/** Deletes a layer and its features (cascade); audited. */
export async function deleteReferenceLayer(db: Kysely<Database>, layer: ReferenceLayerRow, actor: Actor): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx.deleteFrom('reference_layers').where('id', '=', layer.id).execute()
    await recordAudit(trx, actor, {
      action: 'delete_reference_layer',
      entity: 'reference_layer',
      entityId: String(layer.id),
      regionCode: layer.region_code,
      before: { name: layer.name, kind: layer.kind, features: layer.feature_count },
    })
  })
}

/** Removes every layer under a prefix without an audit entry: the demo reset (seed --force) only. */
export async function deleteReferenceLayersUnder(db: Kysely<Database>, prefix: string): Promise<number> {
  const result = await db.deleteFrom('reference_layers').where('region_code', 'like', `${prefix}%`).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/**
 * The lines (roads, rivers) of the layers of `kinds` that apply to a region prefix, meeting a
 * boundary (GeoJSON, lon/lat), as stored (not clipped: the caller nodes them with the boundary).
 */
export async function findLinesMeeting(db: Kysely<Database>, regionPrefix: string, kinds: readonly ReferenceKind[], boundary: Geometry) {
  const layers = (await findReferenceLayers(db, regionPrefix)).filter((layer) => kinds.includes(layer.kind)).map((layer) => layer.id)
  if (layers.length === 0) return []
  const { rows } = await sql<{ geometry: Geometry }>`
    SELECT ST_AsGeoJSON(f.geom, 15, 0)::json AS geometry
    FROM reference_features f, (SELECT ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(boundary)}), 4490) AS g) AS area
    WHERE f.layer_id IN (${sql.join(layers)}) AND ST_Dimension(f.geom) = 1 AND f.geom && area.g AND ST_Intersects(f.geom, area.g)
    ORDER BY f.id`.execute(db)
  return rows.map((row) => row.geometry)
}
