import Flatbush from 'flatbush'
import type { MultiPolygon, Polygon, Position } from 'geojson'
import { polygonsOf } from '../geo/ewkb.js'
import { projectOntoSegment, SAME_POINT_DEGREES } from '../geo/segment.js'
import { PairTable } from './pair-table.js'

// Noding: after a proposal's changes, every boundary two grids of the township share must have
// the same vertices in both, or the validator sees slivers of a fraction of a square metre.
// ST_Split, ST_Union and Turf (the editor's fix buttons) put new vertices on edges the
// neighbours share but do not get, and geometry read back with 9 decimals lies up to ~5e-10°
// off the edge it was computed on. So, in the after-state:
// 1. a new vertex on a fixed edge — the township's outer boundary or a community boundary
//    (an edge no other grid of the same community shares: the boundary with other townships,
//    or a region boundary, which this proposal may not move) — is snapped to the nearer corner
//    of that edge: a split line then ends at the nearest corner (with a short kink, see
//    toCorners), and the outside stays untouched;
// 2. a vertex of a changed grid within EPS of another grid's vertex takes that vertex's exact
//    coordinates;
// 3. a vertex within EPS of another grid's edge (not at its ends) is inserted into that edge, in
//    order along it, with the same coordinates.
// The editor's corner drag does the same T-junction insertion by hand (web/src/editor/
// shared-vertices.ts); this is the server's copy, as the web bundle does not import server code.

/**
 * Two positions closer than this (degrees, ≈ 1.1 mm at these latitudes) are the same vertex, and
 * a vertex this close to an edge lies on it. Measured on 20 grids of the demo township 990101001:
 * ST_Split's 125 cut points on existing edges, read back with 9 decimals, lie 4e-11° to 5.7e-10°
 * off the edge (never exactly on it), 20× below this; Turf's union/difference kept every
 * existing vertex exactly. A real grid corner is never within a millimetre of a neighbour's edge
 * without being meant to lie on it.
 */
export const NODING_EPS = SAME_POINT_DEGREES

export type PolygonGeometry = Polygon | MultiPolygon

export interface NodingGrid {
  id: string
  geometry: PolygonGeometry
  /** True for a grid this proposal created or reshaped; only these have their vertices moved. */
  changed: boolean
  /**
   * Ids of the grids before the change it comes from (itself, a split's original, a merge's
   * parts): a new corner on a fixed edge goes to a corner of these grids' own edges only — where
   * the layer's edges do not match exactly, another grid's corner would move the cut into it.
   * Empty (a created grid): any fixed edge.
   */
  from?: readonly string[]
}

export interface NodingOptions {
  /**
   * The township's grids before the change, with their community: an edge no other grid of the
   * same community shares lies on a region boundary (township or community) and is fixed.
   */
  before: readonly { id: string; geometry: PolygonGeometry; region: string }[]
  eps?: number
}

type Ring = Position[]
type Segment = [Position, Position]

const key = (p: Position) => `${p[0]},${p[1]}`

/** The rings of a geometry, open (closing position left out). */
function openRings(geometry: PolygonGeometry): Ring[] {
  return polygonsOf(geometry)
    .flat()
    .map((ring) => ring.slice(0, -1))
}

function rebuild(geometry: PolygonGeometry, rings: Ring[]): PolygonGeometry {
  const close = (ring: Ring): Ring => [...ring, [...(ring[0] as Position)]]
  if (geometry.type === 'Polygon') return { type: 'Polygon', coordinates: rings.map(close) }
  let next = 0
  return {
    type: 'MultiPolygon',
    coordinates: geometry.coordinates.map((polygon) => polygon.map(() => close(rings[next++] as Ring))),
  }
}

function* segmentsOf(ring: Ring): Generator<Segment> {
  for (let i = 0; i < ring.length; i++) yield [ring[i] as Position, ring[(i + 1) % ring.length] as Position]
}

const near = (a: Position, b: Position, eps: number) =>
  Math.abs((a[0] ?? 0) - (b[0] ?? 0)) <= eps && Math.abs((a[1] ?? 0) - (b[1] ?? 0)) <= eps

/** A spatial index of segments, each with its owner (grid index). */
class SegmentIndex {
  private readonly index: Flatbush | null
  constructor(
    readonly segments: { segment: Segment; owner: number }[],
    private readonly eps: number,
  ) {
    this.index = segments.length > 0 ? new Flatbush(segments.length) : null
    if (!this.index) return
    for (const {
      segment: [a, b],
    } of segments) {
      this.index.add(
        Math.min(a[0] ?? 0, b[0] ?? 0),
        Math.min(a[1] ?? 0, b[1] ?? 0),
        Math.max(a[0] ?? 0, b[0] ?? 0),
        Math.max(a[1] ?? 0, b[1] ?? 0),
      )
    }
    this.index.finish()
  }

  /** Segments passing within eps of p, with p's position along each. */
  near(p: Position): { segment: Segment; owner: number; t: number; distance: number; at: number }[] {
    if (!this.index) return []
    const [x = 0, y = 0] = p
    return this.index
      .search(x - this.eps, y - this.eps, x + this.eps, y + this.eps)
      .map((at) => {
        const { segment, owner } = this.segments[at] as { segment: Segment; owner: number }
        return { segment, owner, at, ...projectOntoSegment(p, segment[0], segment[1]) }
      })
      .filter((hit) => hit.distance <= this.eps)
  }
}

/**
 * How far (degrees, ≈ 10 cm) a grid's edge may lie from a neighbour's for the two to count as one
 * shared boundary when telling fixed edges apart: layers imported long ago have slivers between
 * neighbours (below the sliver tolerance, a few centimetres wide), and an edge beside one is still
 * shared, not a region boundary. A real region boundary has no grid of its own community within
 * this distance of it.
 */
export const SHARED_EDGE_REACH = 1e-6

/**
 * Edges of the layer before the change that no other grid of the same community shares: the
 * township's outer boundary and the community boundaries, which a proposal may not move. An edge
 * is shared when a same-community neighbour passes within SHARED_EDGE_REACH (at most a quarter of
 * the edge's length, so a short edge is not taken for shared by the neighbour at its corner) of a
 * point a quarter, half or three quarters along it — three points, so that one sliver beside the
 * middle of the edge does not hide the neighbour.
 */
function fixedEdges(before: NodingOptions['before']): { segment: Segment; owner: number }[] {
  const all = before.flatMap(({ geometry }, owner) =>
    openRings(geometry).flatMap((ring) => [...segmentsOf(ring)].map((segment) => ({ segment, owner }))),
  )
  const index = new SegmentIndex(all, SHARED_EDGE_REACH)
  const region = (owner: number) => before[owner]?.region
  return all.filter(({ segment: [a, b], owner }) => {
    const [ax = 0, ay = 0] = a
    const [bx = 0, by = 0] = b
    const reach = Math.min(SHARED_EDGE_REACH, Math.hypot(bx - ax, by - ay) / 4)
    const shared = [0.25, 0.5, 0.75].some((f) =>
      index
        .near([ax + (bx - ax) * f, ay + (by - ay) * f])
        .some((hit) => hit.owner !== owner && hit.distance <= reach && region(hit.owner) === region(owner)),
    )
    return !shared
  })
}

/** Drops positions equal to the one before them (after snapping two corners together). */
function withoutRepeats(ring: Ring): Ring {
  const out = ring.filter((p, i) => key(p) !== key(ring[(i + ring.length - 1) % ring.length] as Position))
  return out.length > 0 ? out : ring.slice(0, 1)
}

/**
 * The township's grids with every shared boundary noded: returns the geometry of each grid
 * (same order) and which of them changed. A grid not marked `changed` only ever gains vertices.
 */
export function nodeTownship(grids: readonly NodingGrid[], options: NodingOptions): { geometry: PolygonGeometry; altered: boolean }[] {
  const eps = options.eps ?? NODING_EPS
  const original = new Set(options.before.flatMap((g) => openRings(g.geometry).flat().map(key)))
  const outer = new SegmentIndex(fixedEdges(options.before), eps)
  const beforeIndex = new Map(options.before.map((grid, i) => [grid.id, i]))
  const rings = grids.map((grid) => openRings(grid.geometry))

  // 1. New vertices on a fixed edge go to the nearer corner of the edge they lie on.
  // 2. Then vertices of changed grids within eps of another grid's vertex take its coordinates;
  //    unchanged grids' vertices come first, so they are the ones kept.
  const anchors = new Anchors(eps)
  const order = [...grids.keys()].sort((a, b) => Number(grids[a]?.changed) - Number(grids[b]?.changed))
  for (const g of order) {
    if (!grids[g]?.changed) {
      for (const ring of rings[g] as Ring[]) anchors.add(ring)
      continue
    }
    const origins = new Set((grids[g]?.from ?? []).flatMap((id) => beforeIndex.get(id) ?? []))
    const mine: Position[] = []
    const fixedEdgeAt = (p: Position) =>
      original.has(key(p))
        ? undefined
        : outer.near(p).find((hit) => hit.t > 0 && hit.t < 1 && (origins.size === 0 || origins.has(hit.owner)))
    rings[g] = (rings[g] as Ring[]).map((ring) =>
      withoutRepeats(
        toCorners(ring, fixedEdgeAt, eps).map((p) => {
          const q = anchors.find(p) ?? p
          mine.push(q)
          return q
        }),
      ),
    )
    anchors.add(mine)
  }

  // 3. T-junctions: every vertex within eps of another grid's edge is inserted into that edge.
  // An unchanged grid takes only new vertices (T-junctions already in the layer stay as they are).
  const segments = rings.flatMap((gridRings, owner) =>
    gridRings.flatMap((ring, r) => [...segmentsOf(ring)].map((segment, i) => ({ segment, owner, ring: r, index: i }))),
  )
  const index = new SegmentIndex(
    segments.map(({ segment, owner }) => ({ segment, owner })),
    eps,
  )
  const inserts = new Map<number, { p: Position; t: number }[]>()
  const seen = new Set<string>()
  rings.forEach((gridRings, owner) => {
    for (const p of gridRings.flat()) {
      const isNew = !original.has(key(p))
      for (const hit of index.near(p)) {
        if (hit.owner === owner || hit.t <= 0 || hit.t >= 1) continue
        if (key(p) === key(hit.segment[0]) || key(p) === key(hit.segment[1])) continue
        if (!grids[hit.owner]?.changed && !isNew) continue
        const tag = `${hit.at}|${key(p)}`
        if (seen.has(tag)) continue
        seen.add(tag)
        inserts.set(hit.at, [...(inserts.get(hit.at) ?? []), { p, t: hit.t }])
      }
    }
  })
  const altered = grids.map((grid) => grid.changed)
  // Per ring, the positions to insert after each of its vertices (ring indices stay valid until the rebuild).
  const byRing = new Map<string, Map<number, Position[]>>()
  for (const [at, points] of inserts) {
    const { owner, ring, index: i } = segments[at] as (typeof segments)[number]
    altered[owner] = true
    const tag = `${owner}|${ring}`
    const bySegment = byRing.get(tag) ?? new Map<number, Position[]>()
    byRing.set(tag, bySegment)
    bySegment.set(
      i,
      points.sort((a, b) => a.t - b.t).map((x) => x.p),
    )
  }
  for (const [tag, bySegment] of byRing) {
    const [owner, r] = tag.split('|').map(Number) as [number, number]
    const gridRings = rings[owner] as Ring[]
    gridRings[r] = (gridRings[r] as Ring).flatMap((p, i) => [p, ...(bySegment.get(i) ?? [])])
  }
  return grids.map((grid, g) => ({ geometry: rebuild(grid.geometry, rings[g] as Ring[]), altered: altered[g] as boolean }))
}

/**
 * Moves each new vertex lying on a fixed edge to the nearer corner of that edge. Moving it alone
 * would turn the cut's last segment into a chord from the corner to the cut's next vertex, which
 * can leave a non-convex grid; so the cut keeps its course up to a kink a little way in (a tenth
 * of the distance moved, at most half the segment) and only then turns to the corner. Every part
 * of a split computes the same kink from the same three positions.
 */
function toCorners(ring: Ring, fixedEdgeAt: (p: Position) => { segment: Segment; t: number } | undefined, eps: number): Ring {
  const n = ring.length
  return ring.flatMap((p, i) => {
    const edge = fixedEdgeAt(p)
    if (!edge) return [p]
    const [a, b] = edge.segment
    const corner = edge.t < 0.5 ? a : b
    const onEdge = (q: Position) => projectOntoSegment(q, a, b).distance <= eps
    const prev = ring[(i + n - 1) % n] as Position
    const next = ring[(i + 1) % n] as Position
    const cutAfter = onEdge(prev) && !onEdge(next)
    const cutBefore = onEdge(next) && !onEdge(prev)
    if (!cutAfter && !cutBefore) return [corner]
    const kink = kinkPoint(p, cutAfter ? next : prev, corner, eps)
    if (!kink) return [corner]
    return cutAfter ? [corner, kink] : [kink, corner]
  })
}

function kinkPoint(p: Position, towards: Position, corner: Position, eps: number): Position | null {
  const [px = 0, py = 0] = p
  const cut = Math.hypot((towards[0] ?? 0) - px, (towards[1] ?? 0) - py)
  const moved = Math.hypot((corner[0] ?? 0) - px, (corner[1] ?? 0) - py)
  const distance = Math.min(cut / 2, moved / 10)
  if (distance <= 10 * eps) return null
  const f = distance / cut
  return [px + ((towards[0] ?? 0) - px) * f, py + ((towards[1] ?? 0) - py) * f]
}

/**
 * The positions vertices snap to, in the order added, hashed by cells of side eps: a position
 * within eps of p lies in p's cell or one of the eight around it. Added to grid by grid (an
 * import nodes thousands of grids; a spatial index rebuilt per grid would cost n²).
 */
class Anchors {
  // Cells by their column and row in a typed-array hash (pair-table.ts): string keys built for the
  // nine cells around every vertex were most of a 1,000-grid township's noding.
  private readonly cells = new PairTable(1024)
  private readonly lists: { p: Position; order: number }[][] = []
  private count = 0
  constructor(private readonly eps: number) {}

  private cellOf(p: Position): [number, number] {
    return [Math.floor((p[0] ?? 0) / this.eps), Math.floor((p[1] ?? 0) / this.eps)]
  }

  add(positions: readonly Position[]): void {
    for (const p of positions) {
      const [cx, cy] = this.cellOf(p)
      let list = this.cells.get(cx, cy)
      if (list === -1) {
        list = this.lists.length
        this.lists.push([])
        this.cells.set(cx, cy, list)
      }
      this.lists[list]?.push({ p, order: this.count++ })
    }
  }

  /** The first position added within eps of p, or null. */
  find(p: Position): Position | null {
    const [cx, cy] = this.cellOf(p)
    let found: { p: Position; order: number } | null = null
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++) {
        const list = this.cells.get(cx + dx, cy + dy)
        if (list === -1) continue
        for (const anchor of this.lists[list] as { p: Position; order: number }[])
          if (near(p, anchor.p, this.eps) && (!found || anchor.order < found.order)) found = anchor
      }
    return found?.p ?? null
  }
}
