import { badRequest } from '../http/errors.js'
import type { BBox } from '../http/query-params.js'
import { crsByCode, type Position } from '../io/crs.js'

// OGC API – Features Part 2 (CRS by reference): the systems a client may ask for with `crs` and
// `bbox-crs`, named by URI, with the axis order EPSG gives each: CRS84 is lon,lat; EPSG:4490
// (CGCS2000) lat,lon; the CGCS2000 3° Gauss-Krüger zones (EPSG 4513–4554) northing,easting.
// Coordinates are stored in 4490 as lon,lat; proj4 (server/io/crs.ts) projects them.

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'
const EPSG_URI = 'http://www.opengis.net/def/crs/EPSG/0/'
export const STORAGE_CRS = `${EPSG_URI}4490`

/** The 3° zones (with and without the zone number in the easting) a county works in. */
const GAUSS_KRUGER_3 = Array.from({ length: 4554 - 4513 + 1 }, (_, i) => 4513 + i)

export const SUPPORTED_CRS: readonly string[] = [CRS84, STORAGE_CRS, ...GAUSS_KRUGER_3.map((code) => `${EPSG_URI}${code}`)]

/** A system a response can be in: its URI, and lon/lat ↔ its coordinates in its own axis order. */
export interface OutputCrs {
  uri: string
  /** Stored lon/lat → this system's coordinates, axis order as EPSG says. */
  fromLonLat: ((position: readonly number[]) => Position) | null
  /** This system's coordinates (its axis order) → lon/lat. */
  toLonLat: (position: readonly number[]) => Position
}

const swap = (position: readonly number[]): Position => [position[1] as number, position[0] as number]

/** The system named by a `crs`, `bbox-crs` or `filter-crs` value; 400 naming the parameter when it is not one of SUPPORTED_CRS. */
export function parseCrs(value: string | undefined, parameter: 'crs' | 'bbox-crs' | 'filter-crs'): OutputCrs {
  if (value === undefined || value === CRS84) return { uri: CRS84, fromLonLat: null, toLonLat: (p) => [p[0] as number, p[1] as number] }
  if (!SUPPORTED_CRS.includes(value)) throw badRequest('ogc_crs_invalid', { parameter, value, example: `${EPSG_URI}4549` })
  const code = Number(value.slice(EPSG_URI.length))
  if (code === 4490) return { uri: value, fromLonLat: swap, toLonLat: swap }
  const projected = crsByCode(`EPSG:${code}`)
  // Gauss-Krüger zones: EPSG's first axis is the northing.
  return { uri: value, fromLonLat: (p) => swap(projected.fromLonLat(p)), toLonLat: (p) => projected.toLonLat(swap(p)) }
}

/**
 * A bbox given in `crs` as the lon/lat box that holds it: its edges are followed in 16 steps each,
 * as a projected rectangle's edges are curves in lon/lat.
 */
export function bboxToLonLat(bbox: BBox, crs: OutputCrs): BBox {
  if (crs.uri === CRS84) return bbox
  const [a0, b0, a1, b1] = bbox
  const box: BBox = [Infinity, Infinity, -Infinity, -Infinity]
  const add = (a: number, b: number) => {
    const [lon, lat] = crs.toLonLat([a, b])
    box[0] = Math.min(box[0], lon)
    box[1] = Math.min(box[1], lat)
    box[2] = Math.max(box[2], lon)
    box[3] = Math.max(box[3], lat)
  }
  const STEPS = 16
  for (let i = 0; i <= STEPS; i++) {
    const f = i / STEPS
    add(a0 + (a1 - a0) * f, b0)
    add(a0 + (a1 - a0) * f, b1)
    add(a0, b0 + (b1 - b0) * f)
    add(a1, b0 + (b1 - b0) * f)
  }
  return box
}
