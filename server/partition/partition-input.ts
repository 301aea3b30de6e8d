import type { LineString, MultiLineString, MultiPolygon, Point, Polygon, Position } from 'geojson'
import { badRequest } from '../http/errors.js'
import { crsByCode, type ResolvedCrs } from '../io/crs.js'
import { assertVertexLimits, type ShapeToCount } from '../http/limits.js'
import { PARTITION_CRS, type PartitionRequest } from './partition.schemas.js'
import { unitPolygonsAsInput } from './area.js'
import type { BuildingInput } from './units.js'

// The geometry of a partition request, checked before any work: each shape of the type its member
// allows, with the nesting of that type, closed rings, and longitude/latitude coordinates; the
// whole request within the vertex limits of server/http/limits.ts. Coordinates are kept as given,
// however many decimals: the noding snap-rounds to 1e-12° (units.ts), and fitting the grids to
// the boundary (reconcile.ts) gives every boundary vertex back its exact coordinates.

export interface ExistingGridInput {
  code: string
  name: string | null
  geometry: Polygon | MultiPolygon
}

export interface RequestShapes {
  boundary?: Polygon | MultiPolygon
  buildings?: BuildingInput[]
  /** Given units (blocks), as buildings at their interior points plus the rings that cut the area. */
  units?: { buildings: BuildingInput[]; cuts: LineString[] }
  roads?: (LineString | MultiLineString)[]
  existing?: ExistingGridInput[]
}

type GeometryType = 'Point' | 'LineString' | 'Polygon' | 'MultiLineString' | 'MultiPolygon'
/** How deep positions sit in each geometry type's coordinates (a position is depth 0). */
const DEPTH: Record<GeometryType, number> = { Point: 0, LineString: 1, Polygon: 2, MultiLineString: 2, MultiPolygon: 3 }

/**
 * The request's coordinate system: null for longitude/latitude (CGCS2000 or WGS84, taken as one),
 * else a projected one (a CGCS2000 Gauss-Krüger zone, UTM…) whose positions are converted to
 * lon/lat on the way in and back on the way out (`toRequestCrs`); 400 for one gridwork cannot convert.
 */
export function requestCrs(code: string | undefined): RequestCrs | null {
  if (code === undefined || (PARTITION_CRS as readonly string[]).includes(code.trim().toUpperCase())) return null
  try {
    return { crs: crsByCode(code), originals: new Map() }
  } catch {
    throw badRequest('partition_crs_unsupported', { crs: code })
  }
}

export interface RequestCrs {
  crs: ResolvedCrs
  /** Each position as sent, by its lon/lat: the way out gives a position of the input back exactly. */
  originals: Map<string, Position>
}

/** A geometry of the answer in the request's coordinate system; positions the request sent come back as sent. */
export function toRequestCrs<T extends Polygon | MultiPolygon>(geometry: T, system: RequestCrs | null): T {
  if (system === null) return geometry
  const convert = (p: Position): Position => system.originals.get(`${p[0]},${p[1]}`) ?? system.crs.fromLonLat(p)
  if (geometry.type === 'Polygon') return { ...geometry, coordinates: geometry.coordinates.map((ring) => ring.map(convert)) }
  return { ...geometry, coordinates: (geometry as MultiPolygon).coordinates.map((polygon) => polygon.map((ring) => ring.map(convert))) }
}

/** The request's shapes, checked (400 naming the shape, 413 over the vertex limits). */
export function readRequestShapes(body: PartitionRequest, system: RequestCrs | null = null): RequestShapes {
  const geometryOf = <T extends Point | LineString | Polygon | MultiLineString | MultiPolygon>(
    value: unknown,
    field: string,
    allowed: readonly T['type'][],
  ) => checkedGeometry<T>(value, field, allowed, system)
  const counted: ShapeToCount[] = []
  if (body.boundary !== undefined) counted.push({ shape: 'boundary', geometry: body.boundary })
  for (const [name, collection] of [
    ['buildings', body.buildings],
    ['units', body.units],
    ['roads', body.roads],
    ['existing', body.existing],
  ] as const) {
    for (const [i, feature] of (collection?.features ?? []).entries())
      counted.push({ shape: `${name}.features[${i}]`, geometry: feature.geometry })
  }
  assertVertexLimits(counted)

  const shapes: RequestShapes = {}
  if (body.boundary !== undefined)
    shapes.boundary = geometryOf<Polygon | MultiPolygon>(body.boundary, 'boundary', ['Polygon', 'MultiPolygon'])
  if (body.buildings) {
    shapes.buildings = body.buildings.features.map((feature, i) => ({
      geometry: geometryOf<Point | Polygon | MultiPolygon>(feature.geometry, `buildings.features[${i}]`, [
        'Point',
        'Polygon',
        'MultiPolygon',
      ]),
      households: feature.properties.households,
    }))
  }
  if (body.units) {
    if (body.buildings) throw badRequest('partition_units_and_buildings')
    shapes.units = unitPolygonsAsInput(
      body.units.features.map((feature, i) => ({
        geometry: geometryOf<Polygon | MultiPolygon>(feature.geometry, `units.features[${i}]`, ['Polygon', 'MultiPolygon']),
        households: feature.properties.households,
      })),
    )
  }
  if (body.roads) {
    shapes.roads = body.roads.features.map((feature, i) =>
      geometryOf<LineString | MultiLineString>(feature.geometry, `roads.features[${i}]`, ['LineString', 'MultiLineString']),
    )
  }
  if (body.existing) {
    const seen = new Set<string>()
    shapes.existing = body.existing.features.map((feature, i) => {
      const field = `existing.features[${i}]`
      const code = feature.properties.code.trim()
      if (code === '') throw badRequest('partition_existing_code_missing', { field })
      if (seen.has(code)) throw badRequest('partition_existing_code_twice', { code, field })
      seen.add(code)
      const geometry = geometryOf<Polygon | MultiPolygon>(feature.geometry, field, ['Polygon', 'MultiPolygon'])
      return { code, name: feature.properties.name?.trim() || null, geometry }
    })
  }
  return shapes
}

/**
 * The geometry as one of `allowed`, its coordinates checked (a third, the height, dropped) and in
 * lon/lat; else a 400 naming `field`.
 */
function checkedGeometry<T extends Point | LineString | Polygon | MultiLineString | MultiPolygon>(
  value: unknown,
  field: string,
  allowed: readonly T['type'][],
  system: RequestCrs | null,
): T {
  const type = typeof value === 'object' && value !== null && 'type' in value ? String((value as { type: unknown }).type) : typeof value
  if (!(allowed as readonly string[]).includes(type)) {
    throw badRequest('partition_geometry_type', { field, type: value === null ? 'null' : type, allowed: allowed.join(', ') })
  }
  const coordinates = checkedCoordinates((value as { coordinates?: unknown }).coordinates, DEPTH[type as GeometryType], field, type, system)
  return { type, coordinates } as T
}

function checkedCoordinates(value: unknown, depth: number, field: string, type: string, system: RequestCrs | null): unknown {
  const malformed = () => badRequest('partition_geometry_malformed', { field, type })
  if (!Array.isArray(value)) throw malformed()
  if (depth === 0) return lonLat(value, field, malformed, system)
  const items = value.map((item) => checkedCoordinates(item, depth - 1, field, type, system))
  if (depth === 1 && (type === 'Polygon' || type === 'MultiPolygon')) {
    // A ring: at least four positions, the last one the first.
    const first = items[0] as Position | undefined
    const last = items[items.length - 1] as Position | undefined
    if (items.length < 4 || !first || !last || first[0] !== last[0] || first[1] !== last[1]) throw malformed()
  }
  if (depth === 1 && items.length < 2) throw malformed()
  if (items.length === 0) throw malformed()
  return items
}

function lonLat(position: unknown[], field: string, malformed: () => Error, system: RequestCrs | null): Position {
  if (position.length < 2 || position.length > 3 || !position.every((n) => typeof n === 'number' && Number.isFinite(n))) throw malformed()
  const [x, y] = position as number[] as [number, number]
  if (system === null) {
    if (Math.abs(x) > 180 || Math.abs(y) > 90) throw badRequest('partition_coordinates_not_lonlat', { field, x, y })
    return [x, y]
  }
  const [lon, lat] = system.crs.toLonLat([x, y])
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
    throw badRequest('partition_coordinates_outside_crs', { field, x, y, crs: system.crs.code })
  }
  system.originals.set(`${lon},${lat}`, [x, y])
  return [lon, lat]
}
