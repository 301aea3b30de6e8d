// The coordinate systems gridwork knows by EPSG code, as plain definitions (no proj4 here, so the
// WKT writer and matcher in crs-wkt.ts and the resolver in crs.ts share one table).

/** A CGCS2000 Gauss-Krüger zone: transverse Mercator on GRS80 (= the CGCS2000 ellipsoid), k = 1. */
export interface GaussKrugerZone {
  code: number
  /** 3° or 6° zones. */
  width: 3 | 6
  centralMeridian: number
  /** 500000, or zone × 1,000,000 + 500000 when the easting carries the zone number. */
  falseEasting: number
  /** The zone number when the easting carries it, else null ("CM 117E" systems). */
  zone: number | null
}

/**
 * EPSG 4491–4554: 6° zones 13–23 with the zone in the easting (4491–4501), 6° CM 75…135 without
 * (4502–4512), 3° zones 25–45 with (4513–4533), 3° CM 75…135 without (4534–4554).
 */
function zoneAt(code: number): GaussKrugerZone {
  if (code <= 4501) return prefixed(code, 6, code - 4491 + 13)
  if (code <= 4512) return { code, width: 6, centralMeridian: 75 + 6 * (code - 4502), falseEasting: 500000, zone: null }
  if (code <= 4533) return prefixed(code, 3, code - 4513 + 25)
  return { code, width: 3, centralMeridian: 75 + 3 * (code - 4534), falseEasting: 500000, zone: null }
}

function prefixed(code: number, width: 3 | 6, zone: number): GaussKrugerZone {
  const centralMeridian = width === 6 ? zone * 6 - 3 : zone * 3
  return { code, width, centralMeridian, falseEasting: zone * 1_000_000 + 500000, zone }
}

export const GAUSS_KRUGER_ZONES: readonly GaussKrugerZone[] = Array.from({ length: 4554 - 4491 + 1 }, (_, i) => zoneAt(4491 + i))
export const GAUSS_KRUGER_CODES: readonly number[] = GAUSS_KRUGER_ZONES.map((zone) => zone.code)

export const gaussKrugerZone = (code: number): GaussKrugerZone | null =>
  Number.isInteger(code) ? (GAUSS_KRUGER_ZONES[code - 4491] ?? null) : null

/** The zone with these parameters; a CM that is both a 3° and a 6° meridian is read as 3° unless `width` says 6 (same projection either way). */
export function zoneByParameters(centralMeridian: number, falseEasting: number, width?: 3 | 6): GaussKrugerZone | null {
  const candidates = GAUSS_KRUGER_ZONES.filter(
    (zone) => Math.abs(zone.centralMeridian - centralMeridian) < 1e-9 && Math.abs(zone.falseEasting - falseEasting) < 1e-6,
  )
  return candidates.find((zone) => zone.width === (width ?? 3)) ?? candidates[0] ?? null
}

/** The EPSG name of a zone, as GDAL/PROJ spell it ("CGCS2000 / 3-degree Gauss-Kruger zone 39"). */
export function zoneName(zone: GaussKrugerZone): string {
  const degree = zone.width === 3 ? '3-degree ' : ''
  return `CGCS2000 / ${degree}Gauss-Kruger ${zone.zone === null ? `CM ${zone.centralMeridian}E` : `zone ${zone.zone}`}`
}

/** The ESRI name of a zone, as ArcGIS and GDAL's .prj spell it ("CGCS2000_3_Degree_GK_Zone_39"). */
export function zoneEsriName(zone: GaussKrugerZone): string {
  const degree = zone.width === 3 ? '3_Degree_' : ''
  return `CGCS2000_${degree}GK_${zone.zone === null ? `CM_${zone.centralMeridian}E` : `Zone_${zone.zone}`}`
}

export const zoneProj4 = (zone: GaussKrugerZone) =>
  `+proj=tmerc +lat_0=0 +lon_0=${zone.centralMeridian} +k=1 +x_0=${zone.falseEasting} +y_0=0 +ellps=GRS80 +units=m +no_defs`

/**
 * A WGS 84 / UTM zone (EPSG 32601–32660 north, 32701–32760 south): transverse Mercator on WGS84,
 * k = 0.9996, false easting 500 000 m, false northing 0 (north) or 10 000 000 m (south). Read on
 * import (WGS84 is taken as CGCS2000, as for lon/lat); EPSG defines no CGCS2000 UTM zones.
 */
export interface UtmZone {
  code: number
  zone: number
  south: boolean
  centralMeridian: number
}

export const UTM_SCALE = 0.9996
export const UTM_SOUTH_FALSE_NORTHING = 10_000_000

export function utmZone(code: number): UtmZone | null {
  const south = code >= 32701
  const zone = code - (south ? 32700 : 32600)
  if (!Number.isInteger(code) || zone < 1 || zone > 60) return null
  return { code, zone, south, centralMeridian: zone * 6 - 183 }
}

/** The UTM zone with these transverse Mercator parameters, or null. */
export function utmZoneByParameters(parameters: { centralMeridian: number; falseEasting: number; falseNorthing: number; scale: number }) {
  const { centralMeridian, falseEasting, falseNorthing, scale } = parameters
  const zone = (centralMeridian + 183) / 6
  if (!Number.isInteger(zone) || Math.abs(scale - UTM_SCALE) > 1e-12 || falseEasting !== 500000) return null
  if (falseNorthing !== 0 && falseNorthing !== UTM_SOUTH_FALSE_NORTHING) return null
  return utmZone((falseNorthing === 0 ? 32600 : 32700) + zone)
}

export const utmName = (zone: UtmZone) => `WGS 84 / UTM zone ${zone.zone}${zone.south ? 'S' : 'N'}`

export const utmProj4 = (zone: UtmZone) => `+proj=utm +zone=${zone.zone}${zone.south ? ' +south' : ''} +ellps=WGS84 +units=m +no_defs`

/**
 * Systems refused on import: no 7-parameter (Helmert) set to CGCS2000 ships, and a wrong one
 * moves a county by ~100 m. By EPSG code (geographic and every Gauss-Krüger zone).
 */
export const REFUSED_SYSTEMS = [
  {
    system: 'Beijing 1954',
    ranges: [
      [4214, 4214],
      [2401, 2442],
      [21413, 21423],
      [21453, 21463],
      [21473, 21483],
    ],
  },
  {
    system: 'Xian 1980',
    ranges: [
      [4610, 4610],
      [2327, 2390],
    ],
  },
] as const

export function refusedSystemOf(code: number): string | null {
  const found = REFUSED_SYSTEMS.find(({ ranges }) => ranges.some(([from, to]) => code >= from && code <= to))
  return found?.system ?? null
}
