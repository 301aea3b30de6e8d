import proj4 from 'proj4'
import { toLonLat as webMapToLonLat } from '../geo/crs.js'
import { badRequest } from '../http/errors.js'
import { gaussKrugerZone, refusedSystemOf, utmName, utmProj4, utmZone, zoneName, zoneProj4 } from './crs-defs.js'
import { matchWkt } from './crs-wkt.js'
import type { CrsEvidence } from './types.js'

export { ogcWktOf, prjOf } from './crs-wkt.js'

// Coordinate systems of imported and exported files: CGCS2000 lon/lat (EPSG:4490, what gridwork
// stores), WGS84 (treated as the same: under a metre apart), Web Mercator, the 64 CGCS2000
// Gauss-Krüger zones (EPSG 4491–4554, by proj4), the WGS 84 / UTM zones (import only), and
// GCJ-02/BD-09 by explicit choice only (their coordinates look like lon/lat, so a file never proves
// them). Beijing 1954 and Xi'an 1980 are refused (crs-defs.ts says why). Texts are matched in
// crs-wkt.ts.

export type Position = [number, number]

/** A settled CRS: how to name it and how to get CGCS2000 lon/lat from it and back. */
export interface ResolvedCrs {
  /** 'EPSG:4490', 'EPSG:4527', 'gcj02', 'bd09'. */
  code: string
  name: string
  toLonLat: (position: readonly number[]) => Position
  fromLonLat: (position: readonly number[]) => Position
}

const identity = (position: readonly number[]): Position => [position[0] as number, position[1] as number]
const DEGREES = 180 / Math.PI
const WEB_MERCATOR = '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +no_defs'

/**
 * A projected system through proj4's projection alone (radians in and out): every system here is
 * on the CGCS2000/GRS80 or WGS84 ellipsoid, treated as one datum, so proj4's datum step is a
 * no-op; skipping it (and the array ↔ point copies) takes 0.8 s of CPU for 4 million positions
 * instead of 1.3 s.
 */
function projected(code: string, name: string, definition: string): ResolvedCrs {
  const projection = new proj4.Proj(definition)
  return {
    code,
    name,
    toLonLat: (position) => {
      const point = projection.inverse({ x: position[0] as number, y: position[1] as number })
      return [point.x * DEGREES, point.y * DEGREES]
    },
    fromLonLat: (position) => {
      const point = projection.forward({ x: (position[0] as number) / DEGREES, y: (position[1] as number) / DEGREES })
      return [point.x, point.y]
    },
  }
}

/** GCJ-02/BD-09 from lon/lat: the inverse of gcoord's conversion by fixed-point steps (the shift is smooth and under 1 km; 4 steps reach < 1 mm). */
function webMapCrs(code: 'gcj02' | 'bd09', name: string): ResolvedCrs {
  const toLonLat = webMapToLonLat(code)
  const fromLonLat = (position: readonly number[]): Position => {
    const target = identity(position)
    let guess = target
    for (let step = 0; step < 4; step++) {
      const back = toLonLat(guess)
      guess = [guess[0] + target[0] - back[0], guess[1] + target[1] - back[1]]
    }
    return guess
  }
  return { code, name, toLonLat, fromLonLat }
}

const cache = new Map<string, ResolvedCrs>()

function build(normalised: string): ResolvedCrs | null {
  if (normalised === 'EPSG:4490') return { code: normalised, name: 'CGCS2000', toLonLat: identity, fromLonLat: identity }
  if (normalised === 'EPSG:4326') return { code: normalised, name: 'WGS 84', toLonLat: identity, fromLonLat: identity }
  if (normalised === 'EPSG:3857') return projected(normalised, 'WGS 84 / Pseudo-Mercator', WEB_MERCATOR)
  if (normalised === 'GCJ02') return webMapCrs('gcj02', 'GCJ-02')
  if (normalised === 'BD09') return webMapCrs('bd09', 'BD-09')
  const epsg = /^EPSG:(\d+)$/.exec(normalised)
  if (epsg === null) return null
  const zone = gaussKrugerZone(Number(epsg[1]))
  if (zone !== null) return projected(normalised, zoneName(zone), zoneProj4(zone))
  const utm = utmZone(Number(epsg[1]))
  return utm === null ? null : projected(normalised, utmName(utm), utmProj4(utm))
}

/** The CRS named by a code the user typed ('EPSG:4527', '4527', 'gcj02', 'BD-09'); 400 with a plain message when unknown or refused. */
export function crsByCode(code: string): ResolvedCrs {
  const normalised = code
    .trim()
    .toUpperCase()
    .replace(/[\s_-]/g, '')
    .replace(/^EPSG:?/, 'EPSG:')
    .replace(/^(\d+)$/, 'EPSG:$1')
  const refused = /^EPSG:(\d+)$/.exec(normalised)
  const system = refused ? refusedSystemOf(Number(refused[1])) : null
  if (system !== null) throw badRequest('io_crs_refused', { crs: code, system })
  let crs = cache.get(normalised)
  if (crs === undefined) {
    crs = build(normalised) ?? undefined
    if (crs === undefined) throw badRequest('io_crs_unknown', { crs: code })
    cache.set(normalised, crs)
  }
  return crs
}

/**
 * The CRS to read a layer in: the user's explicit choice when given, else what the file says.
 * Returns null when the file says nothing usable and no choice was made (the caller asks, showing
 * the file's text); a file in Beijing 1954 or Xi'an 1980 is a 400 (io_crs_refused).
 */
export function resolveCrs(evidence: CrsEvidence, choice?: string): ResolvedCrs | null {
  if (choice !== undefined) return crsByCode(choice)
  switch (evidence.kind) {
    case 'lonlat':
      return crsByCode('EPSG:4490')
    case 'none':
      return null
    case 'epsg': {
      const system = refusedSystemOf(evidence.code)
      if (system !== null) throw badRequest('io_crs_refused', { crs: `EPSG:${evidence.code}`, system })
      return build(`EPSG:${evidence.code}`) === null ? null : crsByCode(`EPSG:${evidence.code}`)
    }
    case 'wkt': {
      const match = matchWkt(evidence.wkt)
      if (match === null) return null
      if (match.kind === 'refused') throw badRequest('io_crs_refused', { crs: wktName(evidence.wkt), system: match.system })
      return crsByCode(`EPSG:${match.code}`)
    }
  }
}

/** The name a WKT text gives itself ('Beijing_1954_3_Degree_GK_CM_114E'), for messages. */
const wktName = (wkt: string) => /^\s*\w+\s*\[\s*"([^"]*)"/.exec(wkt)?.[1] ?? wkt.slice(0, 80)
