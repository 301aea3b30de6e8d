import { existsSync, readFileSync } from 'node:fs'
import type { FeatureCollection, Geometry } from 'geojson'
import type { PartitionEdge, PartitionUnit } from '../../server/partition/types.js'
import type { PolygonRings, Position } from '../../server/validation/edge-match.js'

// Census blocks (Denver 2020, Providence 2010: geoid, population, interior_lon/lat) as the
// partition's units and edges. Blocks share their boundary vertices exactly (the coverage
// benchmark and the real-data tests prove it by edge matching), so two blocks are adjacent where a
// segment occurs in both. Lengths and areas in metres on an equirectangular projection at the
// city's latitude (under 0.1 % off across a city). Households = population / 2.5, rounded.

export interface BlockUnit extends PartitionUnit {
  /** The block's polygons in lon/lat (one, or several for a MultiPolygon block), for dissolving. */
  polygons: PolygonRings[]
}

export interface BlockGraph {
  units: BlockUnit[]
  edges: PartitionEdge[]
}

const EARTH_RADIUS_M = 6_371_008.8

/**
 * `blockEdgesOnRoad`: whether a boundary two blocks share counts as on a road. Census blocks are
 * bounded by visible features — streets mostly, also rivers, railways and shorelines — and
 * sometimes by invisible ones (property lines); blocks carry no flag telling which, so the caller
 * chooses: true where the blocks stand for street blocks (Providence), false where the road share
 * is not measured (Denver).
 */
export function blockGraph(file: string, latitude: number, blockEdgesOnRoad: boolean): BlockGraph | null {
  if (!existsSync(file)) return null
  const raw = JSON.parse(readFileSync(file, 'utf8')) as FeatureCollection<Geometry, Record<string, unknown>>
  const cosLat = Math.cos((latitude * Math.PI) / 180)
  const project = (position: readonly number[]): [number, number] => [
    (((position[0] as number) * Math.PI) / 180) * EARTH_RADIUS_M * cosLat,
    (((position[1] as number) * Math.PI) / 180) * EARTH_RADIUS_M,
  ]
  const units: BlockUnit[] = []
  const firstOwner = new Map<string, { unit: number; length: number }>()
  const shared = new Map<string, number>()
  raw.features.forEach((feature, index) => {
    const geometry = feature.geometry
    const polygons = (
      geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : []
    ) as PolygonRings[]
    let area = 0
    let perimeter = 0
    for (const rings of polygons) {
      rings.forEach((ring, r) => {
        let twiceArea = 0
        for (let k = 0; k + 1 < ring.length; k++) {
          const [ax, ay] = project(ring[k] as Position)
          const [bx, by] = project(ring[k + 1] as Position)
          twiceArea += ax * by - bx * ay
          const length = Math.hypot(bx - ax, by - ay)
          perimeter += length
          const p = `${ring[k]?.[0]},${ring[k]?.[1]}`
          const q = `${ring[k + 1]?.[0]},${ring[k + 1]?.[1]}`
          const key = p < q ? `${p};${q}` : `${q};${p}`
          const owner = firstOwner.get(key)
          if (!owner) firstOwner.set(key, { unit: index, length })
          else if (owner.unit !== index) {
            const pair = owner.unit < index ? `${owner.unit}|${index}` : `${index}|${owner.unit}`
            shared.set(pair, (shared.get(pair) ?? 0) + length)
          }
        }
        area += (r === 0 ? 1 : -1) * Math.abs(twiceArea / 2)
      })
    }
    const [x, y] = project([Number(feature.properties?.interior_lon), Number(feature.properties?.interior_lat)])
    units.push({
      id: String(feature.properties?.geoid),
      households: Math.round(Number(feature.properties?.population ?? 0) / 2.5),
      area,
      perimeter,
      x,
      y,
      polygons,
    })
  })
  const edges: PartitionEdge[] = [...shared].map(([pair, length]) => {
    const [a, b] = pair.split('|').map(Number) as [number, number]
    return { a: (units[a] as BlockUnit).id, b: (units[b] as BlockUnit).id, length, onRoad: blockEdgesOnRoad }
  })
  return { units, edges }
}
