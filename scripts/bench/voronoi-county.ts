import { boxPolygon } from '../../server/testing/shapes.js'
import { featureCollection, point, voronoi } from '@turf/turf'
import type { Feature, FeatureCollection, Polygon } from 'geojson'
import { Random } from '../../server/demo/random.js'

// A synthetic county for the coverage benchmark: Voronoi cells of seeded random points over
// ~30 × 25 km around lon 113.0, lat 28.2 (Hunan), clipped to the county's bounding box, each
// cell densified to ~80 vertices. It must be a *valid coverage*: neighbours share their
// vertices exactly. Voronoi edges are shared by construction (d3-voronoi gives both cells the
// same endpoints); densification keeps that by splitting every edge canonically — starting from
// its lexicographically smaller endpoint, with a piece count that depends only on the edge — so
// both cells get identical points, in reverse order. Cells are built in a local kilometre plane
// (so they are not stretched east–west) and mapped to lon/lat by one affine map, rounded to
// 1e-8° (~1 mm). Same seed → byte-identical output on every machine.

export interface CountyOptions {
  grids: number
  seed: string
  /** Mean vertices per cell (excluding the closing point). */
  verticesPerCell: number
  widthKm: number
  heightKm: number
  centre: [number, number]
}

export const DEFAULT_COUNTY: CountyOptions = {
  grids: 3000,
  seed: 'gridwork-bench-county',
  verticesPerCell: 80,
  widthKm: 30,
  heightKm: 25,
  centre: [113.0, 28.2],
}

export interface County {
  features: FeatureCollection<Polygon>
  /** The county boundary: the bounding box as a GeoJSON Polygon (the coverage's parent). */
  parent: Polygon
  bbox: [number, number, number, number]
  stats: { cells: number; vertices: number; minVertices: number; maxVertices: number }
}

type Xy = [number, number]

const KM_PER_DEGREE_LAT = 111.32
const round8 = (value: number) => Math.round(value * 1e8) / 1e8

export function generateCounty(options: Partial<CountyOptions> = {}): County {
  const o = { ...DEFAULT_COUNTY, ...options }
  const random = new Random(o.seed)
  const kmPerDegreeLon = KM_PER_DEGREE_LAT * Math.cos((o.centre[1] * Math.PI) / 180)
  const lon0 = o.centre[0] - o.widthKm / 2 / kmPerDegreeLon
  const lat0 = o.centre[1] - o.heightKm / 2 / KM_PER_DEGREE_LAT
  const toLonLat = ([x, y]: Xy): Xy => [round8(lon0 + x / kmPerDegreeLon), round8(lat0 + y / KM_PER_DEGREE_LAT)]

  // Seeds, uniform in the box (a few near-coincident ones give short edges: real data has them too).
  const seeds = featureCollection(Array.from({ length: o.grids }, () => point([random.range(0, o.widthKm), random.range(0, o.heightKm)])))
  const cells = voronoi(seeds, { bbox: [0, 0, o.widthKm, o.heightKm] }).features
  if (cells.length !== o.grids || cells.some((cell) => !cell?.geometry)) {
    throw new Error(`voronoi gave ${cells.length} cells (some empty?) for ${o.grids} seeds: change the seed`)
  }

  // Cell rings without the closing point, counter-clockwise (RFC 7946), repeated points dropped.
  const rings: Xy[][] = cells.map((cell) => {
    const ring = (cell.geometry.coordinates[0] as Xy[]).slice(0, -1)
    const deduped = ring.filter((p, i) => {
      const q = ring[(i + ring.length - 1) % ring.length] as Xy
      return p[0] !== q[0] || p[1] !== q[1]
    })
    return signedArea(deduped) < 0 ? deduped.reverse() : deduped
  })

  // Piece length so that the mean cell gets ~verticesPerCell vertices.
  let perimeter = 0
  for (const ring of rings) {
    ring.forEach((p, i) => {
      perimeter += distance(p, ring[(i + 1) % ring.length] as Xy)
    })
  }
  const spacing = perimeter / (o.grids * o.verticesPerCell)

  const features: Feature<Polygon>[] = []
  let vertices = 0
  let minVertices = Number.POSITIVE_INFINITY
  let maxVertices = 0
  rings.forEach((ring, index) => {
    const out: Xy[] = []
    ring.forEach((from, i) => {
      const to = ring[(i + 1) % ring.length] as Xy
      out.push(toLonLat(from))
      for (const p of edgeInterior(from, to, spacing)) out.push(toLonLat(p))
    })
    // Rounding can merge points of a very short edge: drop repeats (both neighbours alike).
    const shell = out.filter((p, i) => {
      const q = out[(i + out.length - 1) % out.length] as Xy
      return p[0] !== q[0] || p[1] !== q[1]
    })
    vertices += shell.length
    minVertices = Math.min(minVertices, shell.length)
    maxVertices = Math.max(maxVertices, shell.length)
    const id = `G${String(index + 1).padStart(4, '0')}`
    features.push({
      type: 'Feature',
      id,
      properties: { id, name: `基准网格${index + 1}`, kind: 'comprehensive', households: random.int(200, 500) },
      geometry: { type: 'Polygon', coordinates: [[...shell, shell[0] as Xy]] },
    })
  })

  const [west, south] = toLonLat([0, 0])
  const [east, north] = toLonLat([o.widthKm, o.heightKm])
  const parent: Polygon = boxPolygon(west, south, east, north)
  return {
    features: { type: 'FeatureCollection', features },
    parent,
    bbox: [west, south, east, north],
    stats: { cells: features.length, vertices, minVertices, maxVertices },
  }
}

/**
 * Interior points of the edge from → to, split into pieces of about `spacing`. The points are
 * computed from the lexicographically smaller endpoint, with a count that depends only on the
 * edge, so the neighbour walking to → from gets the very same numbers, reversed.
 */
function edgeInterior(from: Xy, to: Xy, spacing: number): Xy[] {
  const forward = from[0] < to[0] || (from[0] === to[0] && from[1] < to[1])
  const [lo, hi] = forward ? [from, to] : [to, from]
  const pieces = Math.max(1, Math.round(distance(lo, hi) / spacing))
  const points: Xy[] = []
  for (let i = 1; i < pieces; i++) {
    const t = i / pieces
    points.push([lo[0] + (hi[0] - lo[0]) * t, lo[1] + (hi[1] - lo[1]) * t])
  }
  return forward ? points : points.reverse()
}

function distance(a: Xy, b: Xy): number {
  return Math.hypot(b[0] - a[0], b[1] - a[1])
}

function signedArea(ring: Xy[]): number {
  let sum = 0
  ring.forEach((p, i) => {
    const q = ring[(i + 1) % ring.length] as Xy
    sum += p[0] * q[1] - q[0] * p[1]
  })
  return sum / 2
}

/**
 * Cheap topological self-check in JS: every edge of a cell is used by exactly one other cell in
 * the opposite direction, or lies on the county's boundary. (PostGIS then confirms the areas.)
 * Returns a description of the first few problems, empty when the coverage is clean.
 */
export function checkSharedEdges(county: County): string[] {
  const [west, south, east, north] = county.bbox
  const directed = new Map<string, number>()
  const key = (a: Xy, b: Xy) => `${a[0]},${a[1]}>${b[0]},${b[1]}`
  for (const feature of county.features.features) {
    const ring = feature.geometry.coordinates[0] as Xy[]
    for (let i = 0; i + 1 < ring.length; i++) {
      const k = key(ring[i] as Xy, ring[i + 1] as Xy)
      directed.set(k, (directed.get(k) ?? 0) + 1)
    }
  }
  const problems: string[] = []
  for (const feature of county.features.features) {
    const ring = feature.geometry.coordinates[0] as Xy[]
    for (let i = 0; i + 1 < ring.length && problems.length < 5; i++) {
      const a = ring[i] as Xy
      const b = ring[i + 1] as Xy
      const onBorder = (a[0] === b[0] && (a[0] === west || a[0] === east)) || (a[1] === b[1] && (a[1] === south || a[1] === north))
      if ((directed.get(key(a, b)) ?? 0) !== 1) problems.push(`${feature.id}: edge ${key(a, b)} used twice the same way`)
      else if (!onBorder && !directed.has(key(b, a))) problems.push(`${feature.id}: edge ${key(a, b)} has no neighbour`)
    }
  }
  return problems
}

/**
 * The same county with known faults, so the benchmark also times the slow path (an engine that
 * only proves clean coverages fast must still find real faults): in `count` cells, one interior
 * vertex shared with a neighbour is pushed outward (→ an overlap with that neighbour) and in
 * `count` other cells one is pulled inward (→ a gap). Seeded; returns a new collection.
 */
export function withFaults(county: County, count: number, seed: string): FeatureCollection<Polygon> {
  const random = new Random(seed)
  const [west, south, east, north] = county.bbox
  const features = structuredClone(county.features.features)
  const chosen = random.shuffle(features.map((_, i) => i)).slice(0, 2 * count)
  chosen.forEach((index, n) => {
    const feature = features[index] as Feature<Polygon>
    const ring = feature.geometry.coordinates[0] as Xy[]
    const interior = ring
      .map((p, i) => ({ p, i }))
      .filter(({ p, i }) => i > 0 && i < ring.length - 1 && p[0] !== west && p[0] !== east && p[1] !== south && p[1] !== north)
    const pick = interior[Math.floor(interior.length / 2)]
    if (!pick) return
    // Push away from (overlap) or towards (gap) the ring's vertex centroid by ~3 m.
    const cx = ring.reduce((s, p) => s + p[0], 0) / ring.length
    const cy = ring.reduce((s, p) => s + p[1], 0) / ring.length
    const dx = pick.p[0] - cx
    const dy = pick.p[1] - cy
    const length = Math.hypot(dx, dy)
    const step = (n < count ? 1 : -1) * 3e-5
    ring[pick.i] = [round8(pick.p[0] + (dx / length) * step), round8(pick.p[1] + (dy / length) * step)]
  })
  return { type: 'FeatureCollection', features }
}
