import type { Position } from 'geojson'
import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import { SAME_POINT_DEGREES } from '../geo/segment.js'
import type { ChangeRequest } from '../proposals/change.schemas.js'
import { currentGrids, type GridState } from '../proposals/changes.js'
import { nodeLayer } from '../proposals/layer-noding.js'
import type { PolygonGeometry } from '../proposals/noding.js'
import type { GridInput } from './geojson-import.js'

// An import of grids into a township that has grids becomes a proposal replacing them; a file
// exported from gridwork and edited elsewhere names its grids by code, so they are matched.

/**
 * A township's proposal changes replacing its grids by the imported ones. A grid whose code is in
 * force there is that grid: reshaped when its shape moved (any vertex by more than
 * SAME_POINT_DEGREES; a round trip through a projected file moves vertices by far less, and those
 * grids keep their exact shape, so no sliver appears), updated when its properties changed. Grids
 * in force the file does not name are retired; grids without a known code are created.
 */
export async function replacementChanges(db: Kysely<Database>, township: string, grids: readonly GridInput[]): Promise<ChangeRequest[]> {
  const inForce = await currentGrids(db, township)
  const current = new Map(inForce.map((grid) => [grid.code as string, grid]))
  // Noded against the grids in force first: a vertex within SAME_POINT_DEGREES of theirs takes
  // their exact coordinates (a projected file's round trip moves vertices by ~1e-12°).
  const noded = nodeLayer(
    grids.map((grid) => ({ geometry: grid.geometry as PolygonGeometry, region: grid.region_code })),
    inForce.map((grid) => ({ geometry: grid.geometry as PolygonGeometry, region: grid.region_code })),
  )
  const changes: ChangeRequest[] = []
  const named = new Set<string>()
  for (const [index, given] of grids.entries()) {
    const grid = { ...given, geometry: noded[index] }
    const existing = grid.code === null ? undefined : current.get(grid.code)
    if (existing === undefined) {
      changes.push({
        op: 'create',
        geometry: grid.geometry as ChangeRequest['geometry'],
        properties: {
          name: grid.name,
          kind: grid.kind,
          // A village or community (12 digits, level 5) only; otherwise the proposal picks the one holding most of the grid.
          ...(grid.region_code.slice(9) !== '000' ? { region_code: grid.region_code } : {}),
          ...(grid.parent_code ? { parent_code: grid.parent_code } : {}),
          households: grid.households,
          population: grid.population,
          count_date: grid.count_date,
          attributes: grid.attributes,
        },
      })
      continue
    }
    named.add(existing.code as string)
    if (!sameShape(existing.geometry as PolygonGeometry, grid.geometry as PolygonGeometry)) {
      changes.push({ op: 'reshape', grid: existing.code as string, geometry: grid.geometry as ChangeRequest['geometry'] })
    }
    const properties = changedProperties(existing, grid)
    if (properties !== null) changes.push({ op: 'update', grid: existing.code as string, properties })
  }
  const retired = [...current.keys()].filter((code) => !named.has(code)).map((code): ChangeRequest => ({ op: 'retire', grid: code }))
  return [...retired, ...changes]
}

/** The editable properties of `imported` that differ from the grid in force; null when none do. */
function changedProperties(
  existing: GridState,
  imported: Pick<GridInput, 'name' | 'households' | 'population' | 'count_date' | 'attributes'>,
) {
  const changed: Record<string, unknown> = {}
  if (imported.name !== existing.name) changed.name = imported.name
  for (const field of ['households', 'population', 'count_date'] as const) {
    if (imported[field] !== null && imported[field] !== existing[field]) changed[field] = imported[field]
  }
  const head = imported.attributes.grid_head
  if (head !== undefined && head !== (existing.attributes as Record<string, unknown> | null)?.grid_head) {
    changed.attributes = { ...(existing.attributes as Record<string, unknown> | null), grid_head: head }
  }
  return Object.keys(changed).length === 0 ? null : (changed as ChangeRequest['properties'])
}

/** Whether two polygons have the same rings, vertex for vertex within SAME_POINT_DEGREES (any start, either direction). */
export function sameShape(a: PolygonGeometry, b: PolygonGeometry): boolean {
  const ringsOf = (geometry: PolygonGeometry) => (geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat())
  const left = ringsOf(a)
  const right = ringsOf(b)
  if (left.length !== right.length) return false
  const unused = new Set(right.map((_, index) => index))
  for (const ring of left) {
    const match = [...unused].find((index) => sameRing(ring, right[index] as Position[]))
    if (match === undefined) return false
    unused.delete(match)
  }
  return true
}

function sameRing(a: readonly Position[], b: readonly Position[]): boolean {
  // Closed rings: compare without the closing vertex.
  const n = a.length - 1
  if (n !== b.length - 1 || n < 3) return false
  const near = (p: Position, q: Position) =>
    Math.abs((p[0] as number) - (q[0] as number)) <= SAME_POINT_DEGREES &&
    Math.abs((p[1] as number) - (q[1] as number)) <= SAME_POINT_DEGREES
  const first = a[0] as Position
  for (let offset = 0; offset < n; offset++) {
    if (!near(first, b[offset] as Position)) continue
    for (const direction of [1, -1]) {
      let all = true
      for (let i = 1; i < n && all; i++) all = near(a[i] as Position, b[(offset + direction * i + n * 2) % n] as Position)
      if (all) return true
    }
  }
  return false
}
