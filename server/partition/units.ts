import type { Geometry, LineString, MultiLineString, MultiPolygon, Point, Polygon, Position } from 'geojson'
import { sql } from 'kysely'
import type { Db } from '../db/database.js'
import { interiorPoint } from '../geo/interior-point.js'
import Flatbush from 'flatbush'
import pointInPolygon from 'point-in-polygon-hao'
import { projectOntoSegment } from '../geo/segment.js'
import { bounds, type PolygonRings, type Position as EdgePosition } from '../validation/edge-match.js'
import { type AreaUnits, measureUnits } from './unit-measures.js'
import { PartitionInputError, type PartitionInputProblem } from './types.js'

export type { AreaUnit, AreaUnits } from './unit-measures.js'

// Atomic units from geometry. One set of linework — the boundary's rings, the roads clipped to
// the boundary, and inside each block (a face of boundary + roads) the Voronoi edges of its
// building points clipped to the block — is noded once and polygonised once, so neighbouring
// faces share their edges vertex for vertex by construction: the faces tile the boundary and
// the dissolve can cancel inner edges exactly. Only functions that PostGIS 3.3 has are used
// (ST_CoverageUnion and friends are PostGIS 3.4+). Coordinates come back as WKB, so every double
// is the one PostGIS computed (text output may round).

export interface BuildingInput {
  /** A point, or a footprint (its interior point is used). */
  geometry: Point | Polygon | MultiPolygon
  households: number
}

export interface AreaInput {
  /** Lon/lat (EPSG:4490). */
  boundary: Polygon | MultiPolygon
  buildings: readonly BuildingInput[]
  /** Roads and rivers: unit boundaries follow them. */
  roads?: readonly (LineString | MultiLineString)[]
  /** Other lines units are cut along, not counted as roads (today's grid edges, so a grid can be kept as it is). */
  cuts?: readonly (LineString | MultiLineString)[]
}

/**
 * Noding snap-rounds to this grid (degrees, ≈ 0.1 µm). Floating noding of Voronoi edges that end on
 * a block's edge failed on PGlite (the statement returned no row at all); snap-rounding is robust
 * on both engines. An input vertex with up to 12 decimals is a multiple of the grid to the last bit
 * (round(x·10¹²)/10¹² gives x back), so the boundary and roads keep their coordinates; only the new
 * nodes (crossings, clipped ends) land on the grid.
 */
const NODING_GRID = 1e-12

/** More buildings than this make the linework too large for one statement (and too many units). */
export const MAX_BUILDINGS = 5000
/** Faces split by roads and concave blocks add units; more than this is refused. */
export const MAX_UNITS = 10_000

export async function buildUnits(db: Db, input: AreaInput): Promise<AreaUnits> {
  const points = checkInput(input)
  const boundary = JSON.stringify(input.boundary)
  const multiPoint = JSON.stringify({ type: 'MultiPoint', coordinates: points })
  const valid = await sql<{ valid: boolean; reason: string }>`
    SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason FROM ST_GeomFromGeoJSON(${boundary}) AS g`.execute(db)
  const validity = valid.rows[0]
  if (!validity?.valid) throw new PartitionInputError([{ code: 'boundary_invalid', reason: validity?.reason ?? 'unknown' }])
  const outside = await sql<{ building: number }>`
    SELECT p.path[1] - 1 AS building
    FROM ST_GeomFromGeoJSON(${boundary}) AS b, ST_Dump(ST_GeomFromGeoJSON(${multiPoint})) AS p
    WHERE NOT ST_Covers(b, p.geom) ORDER BY 1`.execute(db)
  if (outside.rows.length > 0) {
    throw new PartitionInputError([{ code: 'buildings_outside_boundary', buildings: outside.rows.map((row) => Number(row.building)) }])
  }
  const lines = roadLines([...(input.roads ?? []), ...(input.cuts ?? [])])
  const faces = await polygoniseArea(db, boundary, points, JSON.stringify(lines))
  if (faces.length > MAX_UNITS) throw new PartitionInputError([{ code: 'too_many_units', units: faces.length, limit: MAX_UNITS }])
  return measureUnits(
    faces.map((face) => ({
      polygon: face.polygon,
      buildings: face.buildings,
      households: face.buildings.reduce((sum, b) => sum + (input.buildings[b]?.households ?? 0), 0),
    })),
    input.boundary,
    input.roads ?? [],
  )
}

/** The building points, or every problem with the input as codes. */
function checkInput(input: AreaInput): Position[] {
  const problems: PartitionInputProblem[] = []
  const type = (input.boundary as Geometry | null)?.type ?? String(input.boundary)
  if (type !== 'Polygon' && type !== 'MultiPolygon') problems.push({ code: 'boundary_not_polygon', type })
  if (input.buildings.length > MAX_BUILDINGS) {
    problems.push({ code: 'too_many_buildings', buildings: input.buildings.length, limit: MAX_BUILDINGS })
  }
  const points: Position[] = []
  let households = 0
  for (const [building, { geometry, households: count }] of input.buildings.entries()) {
    const point = geometry?.type === 'Point' ? geometry.coordinates : geometry ? interiorPoint(geometry) : null
    const finite = point !== null && point.length >= 2 && Number.isFinite(point[0]) && Number.isFinite(point[1])
    if (!finite || !Number.isFinite(count) || count < 0) {
      problems.push({ code: 'invalid_building', building })
      continue
    }
    points.push([point[0] as number, point[1] as number])
    households += count
  }
  if (problems.length === 0 && households <= 0) problems.push({ code: 'no_households' })
  if (problems.length > 0) throw new PartitionInputError(problems)
  return points
}

function roadLines(roads: readonly (LineString | MultiLineString)[]): MultiLineString {
  const coordinates = roads.flatMap((road) => (road.type === 'LineString' ? [road.coordinates] : road.coordinates))
  return { type: 'MultiLineString', coordinates: coordinates.filter((line) => line.length >= 2) }
}

interface Face {
  polygon: PolygonRings
  buildings: number[]
}

/**
 * The faces inside the boundary, in reading order (north to south by interior point), each with
 * the buildings it holds. A building on a line between faces counts in the first face only.
 */
async function polygoniseArea(db: Db, boundary: string, points: readonly Position[], roads: string): Promise<Face[]> {
  const multiPoint = JSON.stringify({ type: 'MultiPoint', coordinates: points })
  const result = await sql<{ wkb: Uint8Array }>`
    WITH boundary AS MATERIALIZED (SELECT ST_GeomFromGeoJSON(${boundary}) AS geom),
    points AS MATERIALIZED (SELECT p.path[1] - 1 AS building, p.geom FROM ST_Dump(ST_GeomFromGeoJSON(${multiPoint})) AS p),
    roads AS MATERIALIZED (SELECT ST_Intersection(ST_GeomFromGeoJSON(${roads}), b.geom) AS geom FROM boundary b),
    block_lines AS MATERIALIZED (SELECT ST_UnaryUnion(ST_Collect(ST_Boundary(b.geom), r.geom), ${NODING_GRID}::float8) AS geom FROM boundary b, roads r),
    block_faces AS MATERIALIZED (SELECT (ST_Dump(ST_Polygonize(geom))).geom FROM block_lines),
    blocks AS MATERIALIZED (
      SELECT row_number() OVER () AS block, f.geom FROM block_faces f, boundary b
      WHERE ST_Covers(b.geom, ST_PointOnSurface(f.geom))),
    cell_lines AS MATERIALIZED (
      SELECT ST_Intersection(ST_VoronoiLines(ST_Collect(p.geom), 0, k.geom), k.geom) AS geom
      FROM blocks k JOIN points p ON ST_Covers(k.geom, p.geom)
      GROUP BY k.block, k.geom HAVING count(*) > 1),
    line_parts AS (
      SELECT d.geom FROM block_lines l, ST_Dump(l.geom) AS d
      UNION ALL SELECT d.geom FROM cell_lines c, ST_Dump(c.geom) AS d WHERE ST_Dimension(d.geom) = 1),
    all_lines AS MATERIALIZED (SELECT ST_UnaryUnion(ST_Collect(geom), ${NODING_GRID}::float8) AS geom FROM line_parts),
    polygonised AS MATERIALIZED (SELECT (ST_Dump(ST_Polygonize(geom))).geom FROM all_lines),
    faces AS MATERIALIZED (
      SELECT row_number() OVER (ORDER BY ST_Y(s.inner) DESC, ST_X(s.inner), ST_Area(f.geom)) AS face, f.geom
      FROM polygonised f, boundary b, LATERAL (SELECT ST_PointOnSurface(f.geom) AS inner) s
      WHERE ST_Covers(b.geom, s.inner))
    SELECT ST_AsBinary(f.geom) AS wkb    FROM faces f ORDER BY f.face`.execute(db)
  const polygons = result.rows.map((row) => polygonFromWkb(row.wkb))
  const homes = facesHolding(polygons, points)
  return polygons.map((polygon, face) => ({ polygon, buildings: homes[face] ?? [] }))
}

/**
 * The buildings of each face, found in JS: a join in SQL (points × faces by ST_Covers, no index
 * on a CTE) took 9.4 s of 13 s for 5,000 buildings on PGlite, holding the server's thread. A
 * building on a line between faces goes to the first face (in their order) that holds it, edge
 * included; one that rounding leaves in no face, to the face whose outline is nearest.
 */
function facesHolding(polygons: readonly PolygonRings[], points: readonly Position[]): number[][] {
  const tree = new Flatbush(Math.max(polygons.length, 1))
  for (const polygon of polygons) tree.add(...bounds(polygon[0] as EdgePosition[]))
  if (polygons.length === 0) tree.add(0, 0, 0, 0)
  tree.finish()
  const homes: number[][] = polygons.map(() => [])
  for (const [building, point] of points.entries()) {
    const [x, y] = point as [number, number]
    const candidates = tree.search(x, y, x, y).sort((a, b) => a - b)
    const holder = candidates.find((face) => pointInPolygon([x, y], polygons[face] as PolygonRings) !== false)
    const face = holder ?? nearestFace(polygons, candidates, [x, y])
    if (face !== undefined) homes[face]?.push(building)
  }
  return homes
}

function nearestFace(polygons: readonly PolygonRings[], candidates: readonly number[], point: EdgePosition): number | undefined {
  let best: number | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const face of candidates)
    for (const ring of polygons[face] as PolygonRings)
      for (let i = 1; i < ring.length; i++) {
        const distance = projectOntoSegment(point, ring[i - 1] as EdgePosition, ring[i] as EdgePosition).distance
        if (distance < bestDistance) [best, bestDistance] = [face, distance]
      }
  return best
}

/** A WKB Polygon (either byte order) as rings of exact doubles. */
export function polygonFromWkb(bytes: Uint8Array): PolygonRings {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const little = view.getUint8(0) === 1
  if (view.getUint32(1, little) !== 3) throw new Error(`expected a WKB Polygon, got type ${view.getUint32(1, little)}`)
  let at = 5
  const rings: PolygonRings = []
  const ringCount = view.getUint32(at, little)
  at += 4
  for (let r = 0; r < ringCount; r++) {
    const count = view.getUint32(at, little)
    at += 4
    const ring: [number, number][] = []
    for (let i = 0; i < count; i++, at += 16) ring.push([view.getFloat64(at, little), view.getFloat64(at + 8, little)])
    rings.push(ring)
  }
  return rings
}
