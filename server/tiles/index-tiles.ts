import type { GridIndex } from '../lookup/index/grid-index.js'
import { flatRingArea2 } from '../geo/ring-area.js'
import { EARTH_RADIUS, HALF_WORLD, type TileAddress, tileLonLatBox } from '../geo/web-mercator.js'
import type { TileFeature } from './mvt.js'

const DEG = Math.PI / 180

// The grids of one Web Mercator tile, cut from the lookup's in-memory index (the grids in force
// today, flat Float64Arrays) instead of PostGIS: the same steps as ST_AsMVTGeom — project to
// EPSG:3857, scale to the tile's integer grid (y down), clip to the tile plus its buffer, snap to
// integers, drop what collapsed — written out over typed arrays, because a tile from PostGIS took
// a query per tile and PGlite cannot run ST_AsMVTGeom at all (docs/engine-notes.md). The
// PostGIS path (findGridTile) stays for past days, which the index does not hold.
//
// The clip is Sutherland–Hodgman against the buffered square, ring by ring, as ST_ClipByBox2D
// does: a ring that leaves and re-enters the box keeps a run along the box edge (valid for MVT,
// which draws fills, and invisible, since it lies in the buffer).

/**
 * The EPSG:3857 northing of every vertex of an index, in metres, made on the first tile cut from
 * it and kept with it (8 bytes a vertex: 13 MB for a 20,000-grid county): the logarithm of a
 * tangent per vertex was half of a tile's time. Eastings are linear in longitude and not kept.
 */
const northings = new WeakMap<GridIndex, Float64Array>()
function northingsOf(index: GridIndex): Float64Array {
  let ys = northings.get(index)
  if (ys === undefined) {
    const coords = index.coords
    ys = new Float64Array(coords.length >> 1)
    for (let v = 0; v < ys.length; v++) ys[v] = EARTH_RADIUS * Math.log(Math.tan(Math.PI / 4 + ((coords[v * 2 + 1] as number) * DEG) / 2))
    northings.set(index, ys)
  }
  return ys
}

/** Rounds half to even, as PostGIS's ST_SnapToGrid (rint) does. */
function rint(value: number): number {
  const rounded = Math.round(value)
  return rounded - value === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded
}

/** Two scratch buffers reused across rings and tiles (one tile at a time: JS is single-threaded). */
const scratch = [new Float64Array(4096), new Float64Array(4096)]

/** Scratch buffer `which` with room for `floats` numbers: grown when smaller (its content is not kept). */
function scratchOf(which: number, floats: number): Float64Array {
  if ((scratch[which] as Float64Array).length < floats) scratch[which] = new Float64Array(floats * 2)
  return scratch[which] as Float64Array
}

/**
 * One side of Sutherland–Hodgman: keeps the part of the closed ring `input` (n points, flat,
 * without the closing point) on the inner side of `axis` (0: x, 1: y) against `bound`
 * (keep ≥ bound when `low`, ≤ bound otherwise). Returns the count written to `output`, which
 * needs room for 2n points: each input point gives at most itself and one crossing.
 */
function clipSide(input: Float64Array, n: number, output: Float64Array, axis: 0 | 1, bound: number, low: boolean): number {
  let written = 0
  if (n === 0) return 0
  let px = input[(n - 1) * 2] as number
  let py = input[(n - 1) * 2 + 1] as number
  let pIn = low ? (axis === 0 ? px : py) >= bound : (axis === 0 ? px : py) <= bound
  for (let i = 0; i < n; i++) {
    const cx = input[i * 2] as number
    const cy = input[i * 2 + 1] as number
    const cIn = low ? (axis === 0 ? cx : cy) >= bound : (axis === 0 ? cx : cy) <= bound
    if (cIn !== pIn) {
      // The crossing point, computed from the inside end so both rings sharing this edge agree.
      const [ax, ay, bx, by] = pIn ? [px, py, cx, cy] : [cx, cy, px, py]
      if (axis === 0) {
        const t = (bound - ax) / (bx - ax)
        output[written++] = bound
        output[written++] = ay + (by - ay) * t
      } else {
        const t = (bound - ay) / (by - ay)
        output[written++] = ax + (bx - ax) * t
        output[written++] = bound
      }
    }
    if (cIn) {
      output[written++] = cx
      output[written++] = cy
    }
    px = cx
    py = cy
    pIn = cIn
  }
  return written >> 1
}

/**
 * One ring of the index in tile coordinates, clipped and snapped, open (no closing point); null when
 * nothing with an area is left.
 */
function tileRing(index: GridIndex, ring: number, tile: TileAddress, scale: number, originX: number, originY: number): Int32Array | null {
  const coords = index.coords
  const ys = northingsOf(index)
  const first = index.ringStart[ring] as number
  const n = (index.ringStart[ring + 1] as number) - first - 1 // without the closing point
  if (n < 3) return null
  let a = scratchOf(0, n * 2)
  const lo = -tile.buffer
  const hi = tile.extent + tile.buffer
  let minX = Number.POSITIVE_INFINITY
  let minY = Number.POSITIVE_INFINITY
  let maxX = Number.NEGATIVE_INFINITY
  let maxY = Number.NEGATIVE_INFINITY
  for (let i = 0; i < n; i++) {
    // EPSG:3857 metres, as PostGIS's ST_Transform(…, 3857) computes them, then the tile's grid.
    const tx = (EARTH_RADIUS * (coords[(first + i) * 2] as number) * DEG - originX) * scale
    const ty = (originY - (ys[first + i] as number)) * scale
    a[i * 2] = tx
    a[i * 2 + 1] = ty
    if (tx < minX) minX = tx
    if (ty < minY) minY = ty
    if (tx > maxX) maxX = tx
    if (ty > maxY) maxY = ty
  }
  if (maxX < lo || maxY < lo || minX > hi || minY > hi) return null
  let count = n
  if (minX < lo || minY < lo || maxX > hi || maxY > hi) {
    // Side by side between the two scratch buffers, the output's made big enough each time.
    const sides: [0 | 1, number, boolean][] = [
      [0, lo, true],
      [0, hi, false],
      [1, lo, true],
      [1, hi, false],
    ]
    sides.forEach(([axis, bound, low], side) => {
      const output = scratchOf((side + 1) % 2, count * 4)
      count = clipSide(a, count, output, axis, bound, low)
      a = output
    })
  }
  // Snap, then drop every point in line with its neighbours (repeats, straight runs and the
  // there-and-back runs the clip leaves along the box edge: exact, in integers), also across the
  // ring's seam; nothing left with an area → null. ST_AsMVTGeom drops the same points.
  const out = new Int32Array(count * 2)
  let written = 0
  const straight = (a: number, b: number, cx: number, cy: number) =>
    ((out[b] as number) - (out[a] as number)) * (cy - (out[a + 1] as number)) -
      ((out[b + 1] as number) - (out[a + 1] as number)) * (cx - (out[a] as number)) ===
    0
  for (let i = 0; i < count; i++) {
    const sx = rint(a[i * 2] as number)
    const sy = rint(a[i * 2 + 1] as number)
    if (written >= 2 && sx === out[written - 2] && sy === out[written - 1]) continue
    while (written >= 4 && straight(written - 4, written - 2, sx, sy)) written -= 2
    out[written++] = sx
    out[written++] = sy
  }
  let start = 0
  for (let changed = true; changed && written - start >= 6; ) {
    changed = false
    // The last point in line with the one before it and the first: drop it.
    if (straight(written - 4, written - 2, out[start] as number, out[start + 1] as number)) {
      written -= 2
      changed = true
    }
    // The first point in line with the last and the second: drop it.
    else if (straight(written - 2, start, out[start + 2] as number, out[start + 3] as number)) {
      start += 2
      changed = true
    }
  }
  if (written - start < 6) return null
  const snapped = out.subarray(start, written)
  return flatRingArea2(snapped) === 0 ? null : snapped
}

/**
 * The grids in force under `scope` (a region-code prefix) meeting the tile, in tile coordinates,
 * with the properties the tile carries; in code order.
 */
export function gridTileFromIndex(index: GridIndex, scope: string, tile: TileAddress): TileFeature[] {
  const [west, south, east, north] = tileLonLatBox(tile)
  const side = 2 ** tile.z
  const tileMetres = (2 * HALF_WORLD) / side
  const originX = -HALF_WORLD + tile.x * tileMetres
  const originY = HALF_WORLD - tile.y * tileMetres
  const scale = tile.extent / tileMetres
  const polygonsByGrid = new Map<number, Int32Array[][]>()
  for (const part of index.partsMeeting(west, south, east, north)) {
    const grid = index.partGrid[part] as number
    if (!(index.grids[grid]?.region_code ?? '').startsWith(scope)) continue
    const firstRing = index.partRingStart[part] as number
    const lastRing = index.partRingStart[part + 1] as number
    const shell = tileRing(index, firstRing, tile, scale, originX, originY)
    if (shell === null) continue
    const rings = [shell]
    for (let ring = firstRing + 1; ring < lastRing; ring++) {
      const hole = tileRing(index, ring, tile, scale, originX, originY)
      if (hole !== null) rings.push(hole)
    }
    const polygons = polygonsByGrid.get(grid)
    if (polygons) polygons.push(rings)
    else polygonsByGrid.set(grid, [rings])
  }
  const features: TileFeature[] = []
  for (const [grid, parts] of polygonsByGrid) {
    const { code, name, kind, region_code, households } = index.grids[grid] as (typeof index.grids)[number]
    features.push({ type: 3, parts, properties: { code, name, kind, region_code, households } })
  }
  return features.sort((a, b) => ((a.properties.code as string) < (b.properties.code as string) ? -1 : 1))
}
