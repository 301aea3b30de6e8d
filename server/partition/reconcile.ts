import Flatbush from 'flatbush'
import type { MultiPolygon, Polygon } from 'geojson'
import { geometryOfPolygons, polygonsOf } from '../geo/ewkb.js'
import { projectOntoSegment } from '../geo/segment.js'
import type { Position } from '../validation/edge-match.js'
import { ringsAreSimpleAndApart } from '../validation/simple-ring.js'

// The grids' outline made to agree with the boundary they divide, vertex for vertex.
//
// Units are polygonised from linework snap-rounded to 1e-12° (units.ts): the boundary comes back
// on that grid, and every line that ends on the boundary (a road, a cell edge) adds a node within
// 1e-12° of a boundary edge but never exactly on it. Written as a proposal, the grids are stored
// at 9 decimals, which puts such a node ~5e-10° off the edge: a sliver against the neighbouring
// grids that the exact check at approval refuses. So, on the dissolved grids:
// 1. a vertex within the snap-rounding of a boundary vertex takes that vertex's exact coordinates;
// 2. a node inside one grid's run along the boundary (a cell edge inside the grid) is dropped: the
//    run is the boundary's own edges again;
// 3. a node where two grids meet on the boundary (the cut between them) moves to the nearer
//    corner of its boundary edge — the rule the editor's split follows for a line ending on a
//    region boundary (server/proposals/noding.ts) — when the cut's last segments can swing there
//    without meeting another vertex; else to the farther corner; else it stays and is reported.
// The area each swing moves from one grid to the other is a thin triangle; the buildings in it
// change grid with it (the caller recounts them).

type Shape = Polygon | MultiPolygon
type Rings = Position[][][]

/** Snap-rounding grid of units.ts; a boundary vertex comes back within half of it. */
const SNAP = 1e-12

export interface ReconciledGrids {
  shapes: Map<number, Shape>
  /** Triangles swept by step 3 (each as three positions): buildings in them may have changed grid. */
  swept: Position[][]
  /** Nodes of step 3 no corner could take. */
  kept: Position[]
}

const keyOf = (p: Position) => `${Math.round(p[0] / SNAP)},${Math.round(p[1] / SNAP)}`
const exactKey = (p: Position) => `${p[0]},${p[1]}`

/**
 * Steps 1 and 2 always; step 3 with `cutsToCorners` (grids written against stored neighbours: a
 * file's grids may keep their cut nodes within 1e-12° of the boundary edge).
 * `lines`: other lines the units were cut along that the grids must keep exactly where they
 * follow them (today's grid edges, so a grid kept unchanged keeps its shape vertex for vertex).
 */
export function fitToBoundary(
  shapes: ReadonlyMap<number, Shape>,
  boundary: Shape,
  { lines = [], cutsToCorners = false }: { lines?: readonly Position[][]; cutsToCorners?: boolean } = {},
): ReconciledGrids {
  const boundaryRings = polygonsOf(boundary).flat() as Position[][]
  const fixedLines = [...boundaryRings, ...lines]
  const corners = new Map<string, Position>()
  for (const line of fixedLines) for (const p of line) if (!corners.has(keyOf(p))) corners.set(keyOf(p), p)
  let grids = new Map<number, Rings>()
  for (const [number, shape] of shapes) {
    grids.set(
      number,
      (polygonsOf(shape) as Rings).map((polygon) => polygon.map((ring) => ring.map((p) => corners.get(keyOf(p)) ?? p))),
    )
  }
  const isCorner = new Set([...corners.values()].map(exactKey))
  grids = withoutPassingNodes(grids, isCorner, segmentIndex(fixedLines))
  const edges = segmentIndex(boundaryRings)
  const swept: Position[][] = []
  const kept: Position[] = []
  const nodes = cutsToCorners ? outlineNodes(grids, isCorner) : new Map<string, Set<number>>()
  // A move only takes a node away (its corner is a vertex already), so one index of the vertices
  // serves every check, the nodes moved so far skipped.
  const vertices = nodes.size > 0 ? vertexIndex(grids) : null
  const moved = new Set<string>()
  for (const [key, owners] of nodes) {
    const node = positionOf(grids, owners, key)
    const edge = edges.nearest(node)
    const choices = [edge[0], edge[1]].sort((a, b) => distance2(a, node) - distance2(b, node))
    for (const corner of choices) {
      const triangles = swingTriangles(grids, owners, key, node, corner)
      if (triangles === null || !clear(vertices as VertexIndex, moved, triangles)) continue
      const next = new Map([...owners].map((number) => [number, moveVertex(grids.get(number) as Rings, key, corner)]))
      if ([...next.values()].some((rings) => rings === null)) continue
      for (const [number, rings] of next) grids.set(number, rings as Rings)
      swept.push(...triangles)
      moved.add(key)
      break
    }
    if (!moved.has(key)) kept.push(node)
  }
  const out = new Map<number, Shape>()
  for (const [number, polygons] of grids) out.set(number, geometryOfPolygons(polygons))
  return { shapes: out, swept, kept }
}

/**
 * Drops every node that only passes along a fixed line: not a corner of one, lying on one (within
 * the snap-rounding), with exactly two neighbours over all grids, both on the same line. What is
 * left on the lines are their corners and the nodes where a cut meets them.
 */
function withoutPassingNodes(grids: ReadonlyMap<number, Rings>, isCorner: ReadonlySet<string>, fixed: SegmentIndex): Map<number, Rings> {
  const neighbours = new Map<string, Map<string, Position>>()
  const positions = new Map<string, Position>()
  for (const polygons of grids.values())
    for (const polygon of polygons)
      for (const ring of polygon)
        for (let i = 0; i + 1 < ring.length; i++) {
          const [a, b] = [ring[i] as Position, ring[i + 1] as Position]
          for (const [p, q] of [
            [a, b],
            [b, a],
          ] as const) {
            const key = exactKey(p)
            positions.set(key, p)
            const around = neighbours.get(key) ?? new Map<string, Position>()
            around.set(exactKey(q), q)
            neighbours.set(key, around)
          }
        }
  const passing = new Set<string>()
  for (const [key, around] of neighbours) {
    if (isCorner.has(key) || around.size !== 2) continue
    const [a, b] = [...around.values()] as [Position, Position]
    const segment = fixed.holding(positions.get(key) as Position)
    if (segment && near(a, segment) && near(b, segment)) passing.add(key)
  }
  const out = new Map<number, Rings>()
  for (const [number, polygons] of grids) {
    out.set(
      number,
      polygons.map((polygon) => polygon.map((ring) => closed(open(ring).filter((p) => !passing.has(exactKey(p)))))),
    )
  }
  return out
}

/** Outline vertices (on edges no other grid has reversed) that are not boundary corners, with the grids having each. */
function outlineNodes(grids: ReadonlyMap<number, Rings>, isCorner: ReadonlySet<string>): Map<string, Set<number>> {
  const directed = new Set<string>()
  const ownersOf = new Map<string, Set<number>>()
  for (const [number, polygons] of grids)
    for (const polygon of polygons)
      for (const ring of polygon)
        for (let i = 0; i + 1 < ring.length; i++) {
          const from = exactKey(ring[i] as Position)
          directed.add(`${from}>${exactKey(ring[i + 1] as Position)}`)
          const owners = ownersOf.get(from)
          if (owners) owners.add(number)
          else ownersOf.set(from, new Set([number]))
        }
  const nodes = new Map<string, Set<number>>()
  for (const edge of directed) {
    const [from, to] = edge.split('>') as [string, string]
    if (directed.has(`${to}>${from}`)) continue
    for (const end of [from, to]) if (!isCorner.has(end)) nodes.set(end, ownersOf.get(end) as Set<number>)
  }
  return nodes
}

function positionOf(grids: ReadonlyMap<number, Rings>, owners: ReadonlySet<number>, key: string): Position {
  for (const number of owners)
    for (const polygon of grids.get(number) as Rings) for (const ring of polygon) for (const p of ring) if (exactKey(p) === key) return p
  throw new Error(`node ${key} not found`)
}

/** The rings with the vertex moved to `to`; null when a ring would collapse (fewer than 3 distinct vertices) or touch itself or another. */
function moveVertex(polygons: Rings, key: string, to: Position): Rings | null {
  const out: Rings = []
  for (const polygon of polygons) {
    const rings: Position[][] = []
    for (const ring of polygon) {
      const moved = open(ring).map((p) => (exactKey(p) === key ? to : p))
      const distinct = moved.filter((p, i) => exactKey(p) !== exactKey(moved[(i + 1) % moved.length] as Position))
      // A ring passing the corner twice would touch itself.
      if (distinct.length < 3 || new Set(distinct.map(exactKey)).size !== distinct.length) return null
      rings.push(closed(distinct))
    }
    if (!ringsAreSimpleAndApart(rings)) return null
    out.push(rings)
  }
  return out
}

/**
 * The triangles (neighbour, node, corner) that the node's segments sweep when it moves to the
 * corner — one per segment from the node to a vertex off the boundary edge; null when the corner
 * is a neighbour of the node along a ring of a grid that does not lie along that edge.
 */
function swingTriangles(
  grids: ReadonlyMap<number, Rings>,
  owners: ReadonlySet<number>,
  key: string,
  node: Position,
  corner: Position,
): Position[][] | null {
  const triangles = new Map<string, Position[]>()
  for (const number of owners)
    for (const polygon of grids.get(number) as Rings)
      for (const ring of polygon) {
        const vertices = open(ring)
        for (const [i, p] of vertices.entries()) {
          if (exactKey(p) !== key) continue
          for (const neighbour of [
            vertices[(i + vertices.length - 1) % vertices.length],
            vertices[(i + 1) % vertices.length],
          ] as Position[]) {
            if (exactKey(neighbour) === exactKey(corner) || onLine(neighbour, node, corner)) continue
            triangles.set(exactKey(neighbour), [neighbour, node, corner])
          }
        }
      }
  return triangles.size === 0 ? null : [...triangles.values()]
}

/** No grid vertex (but those `moved` away) inside or on any triangle, except the triangle's own corners. */
function clear(index: VertexIndex, moved: ReadonlySet<string>, triangles: readonly Position[][]): boolean {
  for (const triangle of triangles) {
    const xs = triangle.map((p) => p[0])
    const ys = triangle.map((p) => p[1])
    const own = new Set(triangle.map(exactKey))
    for (const id of index.tree.search(Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys))) {
      const p = index.points[id] as Position
      const key = exactKey(p)
      if (!own.has(key) && !moved.has(key) && inTriangle(p, triangle)) return false
    }
  }
  return true
}

interface VertexIndex {
  tree: Flatbush
  points: Position[]
}

/** The grids' distinct vertices in an R-tree. */
function vertexIndex(grids: ReadonlyMap<number, Rings>): VertexIndex {
  const points = [...new Map([...grids.values()].flat(3).map((p) => [exactKey(p), p])).values()]
  const tree = new Flatbush(Math.max(points.length, 1))
  for (const p of points) tree.add(p[0], p[1], p[0], p[1])
  if (points.length === 0) tree.add(0, 0, 0, 0)
  tree.finish()
  return { tree, points }
}

const cross = (o: Position, a: Position, b: Position) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
const onLine = (p: Position, a: Position, b: Position) => cross(a, b, p) === 0
const distance2 = (a: Position, b: Position) => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2

/** Inside or on the triangle (any winding). */
export function inTriangle(p: Position, [a, b, c]: Position[]): boolean {
  const d1 = cross(a as Position, b as Position, p)
  const d2 = cross(b as Position, c as Position, p)
  const d3 = cross(c as Position, a as Position, p)
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0))
}

interface SegmentIndex {
  /** The segment nearest a point (a node lies within the snap-rounding of one). */
  nearest(p: Position): [Position, Position]
  /** A segment the point lies on, within the snap-rounding; undefined when none. */
  holding(p: Position): [Position, Position] | undefined
}

const REACH = 4 * SNAP
const distanceTo = (p: Position, [a, b]: [Position, Position]) => projectOntoSegment(p, a, b).distance
const near = (p: Position, segment: [Position, Position]) => distanceTo(p, segment) <= REACH

function segmentIndex(lines: readonly Position[][]): SegmentIndex {
  const segments: [Position, Position][] = lines.flatMap((line) =>
    line.slice(1).map((p, i): [Position, Position] => [line[i] as Position, p]),
  )
  const tree = new Flatbush(Math.max(segments.length, 1))
  for (const [a, b] of segments) tree.add(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1]))
  if (segments.length === 0) tree.add(0, 0, 0, 0)
  tree.finish()
  const ranked = (p: Position, ids: number[]) =>
    ids
      .filter((i) => segments[i] !== undefined)
      .map((i) => ({ segment: segments[i] as [Position, Position], d: distanceTo(p, segments[i] as [Position, Position]) }))
      .sort((x, y) => x.d - y.d)[0]
  const around = (p: Position) => tree.search(p[0] - REACH, p[1] - REACH, p[0] + REACH, p[1] + REACH)
  return {
    nearest: (p) => (ranked(p, around(p)) ?? ranked(p, tree.neighbors(p[0], p[1], 8)))?.segment as [Position, Position],
    holding(p) {
      const best = ranked(p, around(p))
      return best && best.d <= REACH ? best.segment : undefined
    },
  }
}

const open = (ring: readonly Position[]) => ring.slice(0, -1)
const closed = (ring: readonly Position[]) => [...ring, ring[0] as Position]
