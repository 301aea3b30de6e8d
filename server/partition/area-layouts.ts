import type { LineString, MultiPolygon, Polygon } from 'geojson'
import { pointInRing } from '../validation/simple-ring.js'
import { Random } from './random.js'
import type { AreaInput, BuildingInput } from './units.js'

// Random areas for the geometry tests: a square or an irregular boundary (optionally with an
// enclave cut out), straight roads and a winding river crossing it, and buildings in clusters.
// Coordinates are lon/lat around Beijing; a layout is about 2 km across.

export interface AreaLayoutOptions {
  shape: 'square' | 'irregular'
  enclave?: boolean
  /** A second, empty part east of the area: the boundary is a MultiPolygon. */
  detached?: boolean
  roads: number
  river?: boolean
  buildings: number
  clusters: number
}

type Position = [number, number]

const CENTRE: Position = [116.4, 39.9]
const HALF = 0.01

export function areaLayout(seed: number, options: AreaLayoutOptions): AreaInput {
  const random = new Random(seed)
  const shell = options.shape === 'square' ? squareRing(HALF) : irregularRing(random)
  const rings = [shell]
  if (options.enclave) rings.push(squareRing(HALF / 6, [CENTRE[0] + HALF / 4, CENTRE[1] - HALF / 5]).reverse())
  const boundary: Polygon | MultiPolygon = options.detached
    ? { type: 'MultiPolygon', coordinates: [rings, [squareRing(HALF / 4, [CENTRE[0] + 2 * HALF, CENTRE[1]])]] }
    : { type: 'Polygon', coordinates: rings }
  const roads: LineString[] = []
  for (let r = 0; r < options.roads; r++) roads.push(crossingLine(random, 2))
  if (options.river) roads.push(crossingLine(random, 12))
  const inside = (p: Position) => pointInRing(p, shell) && rings.slice(1).every((hole) => !pointInRing(p, hole))
  const centres = Array.from({ length: options.clusters }, () => pointIn(random, inside))
  const buildings: BuildingInput[] = []
  while (buildings.length < options.buildings) {
    const centre = centres[random.below(centres.length)] as Position
    const spread = HALF * (0.1 + 0.4 * random.next())
    const p: Position = [round(centre[0] + (random.next() - 0.5) * spread), round(centre[1] + (random.next() - 0.5) * spread)]
    if (!inside(p)) continue
    buildings.push({ geometry: { type: 'Point', coordinates: p }, households: 1 + random.below(60) })
  }
  return { boundary, buildings, roads }
}

/** Coordinates to 1e-7° (≈ 1 cm), as surveyed data would be. */
const round = (value: number) => Math.round(value * 1e7) / 1e7

function squareRing(half: number, centre = CENTRE): Position[] {
  const [x, y] = centre as [number, number]
  return [
    [round(x - half), round(y - half)],
    [round(x + half), round(y - half)],
    [round(x + half), round(y + half)],
    [round(x - half), round(y + half)],
    [round(x - half), round(y - half)],
  ]
}

/** A star-shaped ring of 14 corners at random distances from the centre. */
function irregularRing(random: Random): Position[] {
  const ring: Position[] = []
  const corners = 14
  for (let i = 0; i < corners; i++) {
    const angle = (2 * Math.PI * i) / corners
    const radius = HALF * (0.75 + 0.5 * random.next())
    ring.push([round(CENTRE[0] + radius * Math.cos(angle)), round(CENTRE[1] + radius * Math.sin(angle))])
  }
  ring.push(ring[0] as Position)
  return ring
}

/** A line from beyond one side of the area to beyond the other, with `bends` random bends. */
function crossingLine(random: Random, bends: number): LineString {
  const from = 2 * Math.PI * random.next()
  const to = from + Math.PI * (0.7 + 0.6 * random.next())
  const start: Position = [CENTRE[0] + 1.6 * HALF * Math.cos(from), CENTRE[1] + 1.6 * HALF * Math.sin(from)]
  const end: Position = [CENTRE[0] + 1.6 * HALF * Math.cos(to), CENTRE[1] + 1.6 * HALF * Math.sin(to)]
  const coordinates: Position[] = []
  for (let i = 0; i <= bends + 1; i++) {
    const t = i / (bends + 1)
    const wobble = i === 0 || i === bends + 1 ? 0 : (random.next() - 0.5) * HALF * 0.15
    coordinates.push([round(start[0] + t * (end[0] - start[0]) + wobble), round(start[1] + t * (end[1] - start[1]) - wobble)])
  }
  return { type: 'LineString', coordinates }
}

function pointIn(random: Random, inside: (p: Position) => boolean): Position {
  for (;;) {
    const p: Position = [CENTRE[0] + (random.next() * 2 - 1) * HALF, CENTRE[1] + (random.next() * 2 - 1) * HALF]
    if (inside(p)) return p
  }
}
