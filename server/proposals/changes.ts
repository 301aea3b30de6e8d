import { type Kysely, sql } from 'kysely'
import type { Database, GridKind } from '../db/database.js'
import { badRequest, notFound } from '../http/errors.js'
import { checkPolygonFeature } from '../validation/geometry-structure.js'
import { checkChangeShape } from './change-rules.js'
import { type ChangeProperties, type ChangeRequest, NEW_GRID_ID } from './change.schemas.js'
import { nodeTownship, type PolygonGeometry } from './noding.js'
import { findCommunityHoldingMost, findTownshipRegions, type TownshipRegions } from '../regions/regions.repository.js'

// A proposal's change set, applied in memory to the grids in force in its township, giving the
// township "as it would be after the change". Splits and merges are computed in PostGIS
// (ST_Split, ST_Union) so the parts share edges exactly with their neighbours; households of
// split parts are recounted from the building points inside them (or shared by area without).

export interface GridState {
  /** The grid's code, or `new-N` for a grid this proposal creates (its code comes at approval). */
  id: string
  code: string | null
  version: number | null
  name: string
  kind: GridKind
  region_code: string
  parent_code: string | null
  households: number | null
  population: number | null
  count_date: string | null
  attributes: Record<string, unknown>
  geometry: unknown
}

export interface AfterState {
  grids: Map<string, GridState>
  /** Codes of grids this proposal ends (retire, split, merge). */
  removed: Set<string>
  /** Codes of grids that get a new version (reshape, update). */
  changed: Set<string>
  /** Ids of new grids (`new-N`), with the codes they come from (split/merge) for lineage. */
  added: Map<string, { from: string[]; relation: 'split' | 'merge' | null }>
  /** Version of every grid in force in the township when computed (optimistic locking). */
  baseVersions: Record<string, number>
}

const EDITABLE = ['name', 'households', 'population', 'count_date', 'attributes'] as const

export async function currentGrids(db: Kysely<Database>, townshipPrefix: string): Promise<GridState[]> {
  const { rows } = await sql<Omit<GridState, 'id'> & { code: string; version: number }>`
    SELECT code, version, name, kind, region_code, parent_code, households, population, count_date, attributes,
           ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 9, 0)::json AS geometry
    FROM grids WHERE region_code LIKE ${`${townshipPrefix}%`} AND valid_to IS NULL ORDER BY code`.execute(db)
  return rows.map((row) => ({ ...row, id: row.code }))
}

/** Which of these townships (9-digit prefixes) have grids, in one query (currentGrids reads every geometry). */
export async function townshipsWithGrids(db: Kysely<Database>, townships: readonly string[]): Promise<Set<string>> {
  if (townships.length === 0) return new Set()
  const { rows } = await sql<{ township: string }>`
    SELECT DISTINCT substr(region_code, 1, 9) AS township FROM grids
    WHERE valid_to IS NULL AND substr(region_code, 1, 9) IN (${sql.join(townships)})`.execute(db)
  return new Set(rows.map((row) => row.township))
}

/**
 * `noded`: the changes' geometries were checked and noded against the grids in force already (an
 * import: replacementChanges), so neither is done again (see nodeAfterState).
 */
export async function applyChanges(
  db: Kysely<Database>,
  townshipPrefix: string,
  changes: readonly ChangeRequest[],
  { noded = false }: { noded?: boolean } = {},
): Promise<AfterState> {
  const current = await currentGrids(db, townshipPrefix)
  const grids = new Map(current.map((grid) => [grid.id, grid]))
  const state: AfterState = {
    grids,
    removed: new Set(),
    changed: new Set(),
    added: new Map(),
    baseVersions: Object.fromEntries(current.map((grid) => [grid.code, grid.version as number])),
  }
  let next = 1
  const newId = () => `new-${next++}`
  // Read once: an import's proposal creates a thousand grids, each naming its region.
  let regions: TownshipRegions | undefined
  const townshipRegions = async () => {
    regions ??= await findTownshipRegions(db, townshipPrefix)
    return regions
  }
  /** Change number that removed each grid, to name it when a later change still uses the grid. */
  const removedBy = new Map<string, number>()
  const remove = (code: string, index: number) => {
    grids.delete(code)
    state.removed.add(code)
    removedBy.set(code, index + 1)
  }
  const existing = (code: string, index: number): GridState => {
    const grid = grids.get(code)
    const by = removedBy.get(code)
    if (by !== undefined) throw badRequest('proposal_grid_removed', { grid: code, change: index + 1, by })
    if (!grid || grid.code === null) throw notFound('proposal_grid_unknown', { grid: code, change: index + 1, region: townshipPrefix })
    return grid
  }
  /** A grid an `update` addresses: in force, or one an earlier change of this proposal creates. */
  const updatable = (id: string, index: number): GridState => {
    if (!NEW_GRID_ID.test(id)) return existing(id, index)
    const grid = state.added.has(id) ? grids.get(id) : undefined
    if (!grid)
      throw notFound('proposal_new_grid_unknown', { grid: id, change: index + 1, known: [...state.added.keys()].join('、') || '—' })
    return grid
  }
  const polygonOrFail = (geometry: unknown, index: number) => {
    // Noded geometry was read and checked first: noding takes only well-formed polygons.
    if (noded) return
    const [problem] = checkPolygonFeature({ type: 'Feature', properties: {}, geometry })
    if (problem) throw badRequest('proposal_geometry_unreadable', { change: index + 1, reason: problem.code })
  }

  for (const [index, change] of changes.entries()) {
    checkChangeShape(change, index)
    switch (change.op) {
      case 'create': {
        polygonOrFail(change.geometry, index)
        const properties = change.properties ?? {}
        const id = newId()
        const kind = properties.kind ?? 'comprehensive'
        const regionCode = properties.region_code ?? (await regionAt(db, change.geometry, townshipPrefix, await townshipRegions()))
        if (properties.region_code !== undefined)
          assertRegionInTownship(await townshipRegions(), properties.region_code, townshipPrefix, index)
        const parentCode = properties.parent_code ?? null
        assertParent(kind, parentCode, regionCode, grids, index)
        grids.set(id, {
          id,
          code: null,
          version: null,
          name: properties.name ?? id,
          kind,
          region_code: regionCode,
          parent_code: parentCode,
          households: properties.households ?? null,
          population: properties.population ?? null,
          count_date: properties.count_date ?? null,
          attributes: pickAttributes(properties),
          geometry: change.geometry,
        })
        state.added.set(id, { from: [], relation: null })
        break
      }
      case 'reshape': {
        polygonOrFail(change.geometry, index)
        const grid = existing(change.grid, index)
        grids.set(grid.id, { ...grid, geometry: change.geometry })
        state.changed.add(change.grid)
        break
      }
      case 'update': {
        const grid = updatable(change.grid, index)
        const properties = change.properties ?? {}
        const updated = { ...grid }
        for (const key of EDITABLE) if (key in properties) (updated as Record<string, unknown>)[key] = properties[key]
        updated.attributes = { ...grid.attributes, ...pickAttributes(properties) }
        grids.set(grid.id, updated)
        // A new grid is written once, at approval, with what its updates set.
        if (grid.code !== null) state.changed.add(grid.code)
        break
      }
      case 'retire': {
        existing(change.grid, index)
        remove(change.grid, index)
        break
      }
      case 'split': {
        const grid = existing(change.grid, index)
        if (!isLineString(change.line)) throw badRequest('proposal_line_unreadable', { change: index + 1 })
        const parts = await splitGrid(db, grid, change.line)
        if (parts.length < 2) throw badRequest('proposal_split_line_misses', { grid: change.grid, change: index + 1 })
        remove(change.grid, index)
        parts.forEach((part, i) => {
          const id = newId()
          grids.set(id, {
            ...grid,
            id,
            code: null,
            version: null,
            name: `${grid.name}（${i + 1}）`,
            households: part.households,
            population: part.population,
            geometry: part.geometry,
          })
          state.added.set(id, { from: [change.grid], relation: 'split' })
        })
        break
      }
      case 'merge': {
        if (!Array.isArray(change.grids) || change.grids.length < 2) throw badRequest('proposal_merge_needs_two', { change: index + 1 })
        // A grid named twice would be counted twice (its households doubled).
        const repeated = change.grids.find((code, i) => change.grids.indexOf(code) !== i)
        if (repeated !== undefined) throw badRequest('proposal_merge_duplicate', { grid: repeated, change: index + 1 })
        const parts = change.grids.map((code) => existing(code, index))
        const merged = await mergeGrids(db, parts)
        if (merged === null) throw badRequest('proposal_merge_not_adjacent', { grids: change.grids.join('、'), change: index + 1 })
        const first = parts[0] as GridState
        const id = newId()
        const sum = (key: 'households' | 'population') =>
          parts.every((p) => p[key] !== null) ? parts.reduce((total, p) => total + (p[key] as number), 0) : null
        grids.set(id, {
          ...first,
          id,
          code: null,
          version: null,
          name: String(change.properties?.name ?? first.name),
          households: sum('households'),
          population: sum('population'),
          geometry: merged,
        })
        for (const code of change.grids) remove(code, index)
        state.added.set(id, { from: [...change.grids], relation: 'merge' })
        break
      }
      default:
        throw badRequest('proposal_op_unknown', { op: String((change as { op?: unknown }).op), change: index + 1 })
    }
  }
  if (!noded) nodeAfterState(state, current)
  return state
}

/**
 * Gives every boundary the grids share the same vertices on both sides (noding.ts), so the
 * after-state has no slivers; a neighbour that only receives vertices becomes a reshape of it.
 */
function nodeAfterState(state: AfterState, before: readonly GridState[]): void {
  const beforeById = new Map(before.map((grid) => [grid.id, grid]))
  const after = [...state.grids.values()].filter((grid) => isPolygonal(grid.geometry))
  const changed = (grid: GridState) => {
    const previous = beforeById.get(grid.id)?.geometry
    return previous === undefined || (previous !== grid.geometry && JSON.stringify(grid.geometry) !== JSON.stringify(previous))
  }
  const noded = nodeTownship(
    after.map((grid) => ({
      id: grid.id,
      geometry: grid.geometry as PolygonGeometry,
      changed: changed(grid),
      from: state.added.get(grid.id)?.from ?? [grid.id],
    })),
    {
      before: before.flatMap((grid) =>
        isPolygonal(grid.geometry) ? [{ id: grid.id, geometry: grid.geometry, region: grid.region_code }] : [],
      ),
    },
  )
  noded.forEach(({ geometry, altered }, i) => {
    const grid = after[i] as GridState
    if (!altered) return
    state.grids.set(grid.id, { ...grid, geometry })
    if (grid.code !== null && !state.added.has(grid.id)) state.changed.add(grid.code)
  })
}

function isPolygonal(geometry: unknown): geometry is PolygonGeometry {
  const type = (geometry as { type?: unknown } | null)?.type
  return type === 'Polygon' || type === 'MultiPolygon'
}

function isLineString(value: unknown): boolean {
  const line = value as { type?: unknown; coordinates?: unknown }
  return (
    line?.type === 'LineString' &&
    Array.isArray(line.coordinates) &&
    line.coordinates.length >= 2 &&
    line.coordinates.every(
      (p: unknown) => Array.isArray(p) && p.length >= 2 && p.every((n: unknown) => typeof n === 'number' && Number.isFinite(n)),
    )
  )
}

/** A create's region_code must be a region of the proposal's township (village/community or the township). */
function assertRegionInTownship(regions: TownshipRegions, code: string, townshipPrefix: string, index: number): void {
  if (!code.startsWith(townshipPrefix) || !regions.codes.has(code))
    throw badRequest('proposal_change_region_outside', { change: index + 1, value: code, township: townshipPrefix.padEnd(12, '0') })
}

/**
 * A comprehensive grid has no parent; a dedicated or micro grid lies in a current grid of the
 * township (a micro grid: a non-micro grid of its own community, as its code is built from the parent's).
 */
function assertParent(kind: GridKind, parentCode: string | null, regionCode: string, grids: Map<string, GridState>, index: number): void {
  const change = index + 1
  if (kind === 'comprehensive') {
    if (parentCode !== null) throw badRequest('proposal_change_parent_not_allowed', { change })
    return
  }
  if (parentCode === null) throw badRequest('proposal_change_parent_required', { change, kind })
  const parent = grids.get(parentCode)
  const fits =
    parent !== undefined && parent.code !== null && (kind !== 'micro' || (parent.kind !== 'micro' && parent.region_code === regionCode))
  if (!fits) throw badRequest('proposal_change_parent_unknown', { change, kind, value: parentCode })
}

function pickAttributes(properties: ChangeProperties): Record<string, unknown> {
  const known = new Set([
    'name',
    'kind',
    'region_code',
    'parent_code',
    'households',
    'population',
    'count_date',
    'attributes',
    'id',
    'code',
  ])
  const extra = Object.fromEntries(Object.entries(properties).filter(([key]) => !known.has(key)))
  return { ...((properties.attributes as Record<string, unknown> | undefined) ?? {}), ...extra }
}

/** The community (level 5) holding most of a new grid, inside the township; else the township. */
async function regionAt(db: Kysely<Database>, geometry: unknown, townshipPrefix: string, regions: TownshipRegions): Promise<string> {
  if (!regions.bounded) return townshipPrefix.padEnd(12, '0')
  return (await findCommunityHoldingMost(db, townshipPrefix, geometry)) ?? townshipPrefix.padEnd(12, '0')
}

interface Part {
  geometry: unknown
  households: number | null
  population: number | null
}

async function splitGrid(db: Kysely<Database>, grid: GridState, line: unknown): Promise<Part[]> {
  const { rows } = await sql<{ geometry: unknown; share: number; households: number | null }>`
    WITH g AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(grid.geometry)}), 4490) AS geom),
    parts AS (
      SELECT (ST_Dump(ST_Split(g.geom, ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(line)}), 4490)))).geom AS geom, g.geom AS whole
      FROM g
    )
    SELECT ST_AsGeoJSON(ST_ForcePolygonCCW(parts.geom), 9, 0)::json AS geometry,
           ST_Area(parts.geom) / ST_Area(parts.whole) AS share,
           (SELECT sum(b.households)::int FROM buildings b
            WHERE b.region_code = ${grid.region_code} AND b.geom && parts.geom AND ST_Intersects(parts.geom, b.geom)) AS households
    FROM parts WHERE ST_Area(parts.geom) > 0
    ORDER BY ST_YMax(parts.geom) DESC, ST_XMin(parts.geom)`.execute(db)
  const counted = rows.some((row) => row.households !== null)
  return rows.map((row) => ({
    geometry: row.geometry,
    // Buildings say how many households each part has; without them, share the count by area.
    households: counted ? (row.households ?? 0) : grid.households === null ? null : Math.round(grid.households * row.share),
    population: grid.population === null ? null : Math.round(grid.population * row.share),
  }))
}

async function mergeGrids(db: Kysely<Database>, parts: GridState[]): Promise<unknown | null> {
  const { rows } = await sql<{ geometry: unknown; pieces: number }>`
    SELECT ST_AsGeoJSON(ST_ForcePolygonCCW(u.geom), 9, 0)::json AS geometry, ST_NumGeometries(u.geom) AS pieces
    FROM (SELECT ST_Union(ST_SetSRID(ST_GeomFromGeoJSON(g), 4490)) AS geom
          FROM jsonb_array_elements_text(${JSON.stringify(parts.map((p) => JSON.stringify(p.geometry)))}::jsonb) AS g) AS u`.execute(db)
  const row = rows[0]
  return row && row.pieces === 1 ? row.geometry : null
}
