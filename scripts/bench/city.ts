import type { Feature, FeatureCollection, Polygon, Position } from 'geojson'
import { hashInts, unit } from '../../server/demo/random.js'

// A synthetic city for coverage.city_100k: 100,000 comprehensive grids on a lattice of ~300 m
// cells (400 × 250 over 1.2° × 0.75° around 106.5° E, 29.5° N), each side a wavy line of 10
// pieces shared exactly by the two grids along it (41 vertices a ring, 4.1 million in all: what
// a digitised urban grid has), with 12-digit community codes, households from a seeded spread
// (about 4 % outside 200–500), the city boundary as parent (the lattice's outline, the same
// vertices), and a few cells left out: gaps the validation must find. Same arguments → the same
// city on every machine (integer hashes, no Math.random).

export interface CityOptions {
  columns: number
  rows: number
  /** Pieces per cell side (a ring has 4 × per + 1 positions). */
  per: number
  /** Cell size in degrees. */
  size: number
  /** Cells left out (gaps), seeded. */
  holes: number
}

export const CITY_100K: CityOptions = { columns: 400, rows: 250, per: 10, size: 0.003, holes: 12 }

export interface City {
  features: FeatureCollection<Polygon>
  parent: Polygon
  /** The cells left out (column, row): the gaps.  */
  holes: { column: number; row: number }[]
  vertices: number
}

const X0 = 105.9
const Y0 = 29.1
const round8 = (value: number) => Math.round(value * 1e8) / 1e8

export function generateCity(options: Partial<CityOptions> = {}): City {
  const { columns, rows, per, size, holes: holeCount } = { ...CITY_100K, ...options }
  const amp = size * 0.04
  // Vertex k (0..per) of the horizontal lattice edge (i, j)→(i+1, j) and of the vertical (i, j)→(i, j+1):
  // corners stay on the lattice, the points between wobble across the line.
  const wobble = (i: number, j: number, k: number, salt: number) => (unit(hashInts(i * 4 + salt, j, k)) - 0.5) * 2 * amp
  const h = (i: number, j: number, k: number): Position => [
    round8(X0 + (i + k / per) * size),
    round8(Y0 + j * size + (k === 0 || k === per ? 0 : wobble(i, j, k, 1))),
  ]
  const v = (i: number, j: number, k: number): Position => [
    round8(X0 + i * size + (k === 0 || k === per ? 0 : wobble(i, j, k, 2))),
    round8(Y0 + (j + k / per) * size),
  ]
  const left = new Set<number>()
  for (let n = 0; left.size < holeCount; n++) {
    // Inside the city, away from its edge: a hole in the union, a gap against the parent.
    const column = 2 + Math.floor(unit(hashInts(n, 1, 77)) * (columns - 4))
    const row = 2 + Math.floor(unit(hashInts(n, 2, 77)) * (rows - 4))
    left.add(row * columns + column)
  }
  const features: Feature<Polygon>[] = []
  let vertices = 0
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      const serial = j * columns + i
      if (left.has(serial)) continue
      const ring: Position[] = []
      for (let k = 0; k < per; k++) ring.push(h(i, j, k)) // south side, west → east
      for (let k = 0; k < per; k++) ring.push(v(i + 1, j, k)) // east side, south → north
      for (let k = per; k > 0; k--) ring.push(h(i, j + 1, k)) // north side, east → west
      for (let k = per; k > 0; k--) ring.push(v(i, j, k)) // west side, north → south
      ring.push(ring[0] as Position)
      vertices += ring.length
      // 40 grids a community, 25 communities a street office: 12-digit codes as the country's.
      const community = Math.floor(serial / 40)
      const region = `5001${String(Math.floor(community / 25) + 1).padStart(5, '0')}${String((community % 25) + 1).padStart(3, '0')}`
      const draw = unit(hashInts(i, j, 4242))
      const households =
        draw < 0.02
          ? 120 + Math.floor(draw * 3000)
          : draw > 0.98
            ? 501 + Math.floor((draw - 0.98) * 7500)
            : 200 + Math.floor(((draw - 0.02) / 0.96) * 301)
      const id = `${region}${String((serial % 40) + 1).padStart(3, '0')}`
      features.push({
        type: 'Feature',
        id,
        properties: { id, kind: 'comprehensive', region_code: region, households, population: Math.round(households * 2.6) },
        geometry: { type: 'Polygon', coordinates: [ring] },
      })
    }
  }
  // The city boundary: the lattice's outline, counter-clockwise, through the same vertices.
  const outline: Position[] = []
  for (let i = 0; i < columns; i++) for (let k = 0; k < per; k++) outline.push(h(i, 0, k))
  for (let j = 0; j < rows; j++) for (let k = 0; k < per; k++) outline.push(v(columns, j, k))
  for (let i = columns - 1; i >= 0; i--) for (let k = per; k > 0; k--) outline.push(h(i, rows, k))
  for (let j = rows - 1; j >= 0; j--) for (let k = per; k > 0; k--) outline.push(v(0, j, k))
  outline.push(outline[0] as Position)
  return {
    features: { type: 'FeatureCollection', features },
    parent: { type: 'Polygon', coordinates: [outline] },
    holes: [...left].sort((a, b) => a - b).map((serial) => ({ column: serial % columns, row: Math.floor(serial / columns) })),
    vertices,
  }
}
