import { badRequest } from '../http/errors.js'
import {
  type GaussKrugerZone,
  gaussKrugerZone,
  refusedSystemOf,
  type UtmZone,
  utmZone,
  utmZoneByParameters,
  zoneByParameters,
  zoneEsriName,
  zoneName,
} from './crs-defs.js'

// WKT in and out: the .prj text (ESRI WKT) and GeoPackage definition (OGC WKT) of every system
// gridwork writes, and the reading of such texts back to an EPSG code. Texts are matched by their
// EPSG authority when they carry one, else by datum, projection and parameters (names only break
// the tie between a 3° and a 6° zone that share a central meridian: the projection is the same).

const CGCS2000_ESRI =
  'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
const CGCS2000_OGC =
  'GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]]'

/** Exported systems: CGCS2000 lon/lat or a Gauss-Krüger zone; anything else is a 400. */
function exportZone(epsg: number): GaussKrugerZone | null {
  if (epsg === 4490) return null
  const zone = gaussKrugerZone(epsg)
  if (zone === null) throw badRequest('io_crs_unknown', { crs: `EPSG:${epsg}` })
  return zone
}

const esriNumber = (value: number) => (Number.isInteger(value) ? `${value}.0` : String(value))

/** The ESRI WKT of a .prj file for an EPSG code gridwork writes (the text ArcGIS and GDAL write). */
export function prjOf(epsg: number): string {
  const zone = exportZone(epsg)
  if (zone === null) return CGCS2000_ESRI
  const parameters = [
    ['False_Easting', zone.falseEasting],
    ['False_Northing', 0],
    ['Central_Meridian', zone.centralMeridian],
    ['Scale_Factor', 1],
    ['Latitude_Of_Origin', 0],
  ]
    .map(([name, value]) => `PARAMETER["${name}",${esriNumber(value as number)}]`)
    .join(',')
  return `PROJCS["${zoneEsriName(zone)}",${CGCS2000_ESRI},PROJECTION["Gauss_Kruger"],${parameters},UNIT["Meter",1.0]]`
}

/** The OGC WKT (for GeoPackage's gpkg_spatial_ref_sys) of an EPSG code gridwork writes. */
export function ogcWktOf(epsg: number): string {
  const zone = exportZone(epsg)
  if (zone === null) return CGCS2000_OGC
  const parameters = [
    ['latitude_of_origin', 0],
    ['central_meridian', zone.centralMeridian],
    ['scale_factor', 1],
    ['false_easting', zone.falseEasting],
    ['false_northing', 0],
  ]
    .map(([name, value]) => `PARAMETER["${name}",${value}]`)
    .join(',')
  return `PROJCS["${zoneName(zone)}",${CGCS2000_OGC},PROJECTION["Transverse_Mercator"],${parameters},UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","${epsg}"]]`
}

export type WktMatch = { kind: 'epsg'; code: number } | { kind: 'refused'; system: string } | null

const REFUSED_DATUMS: readonly [RegExp, string][] = [
  [/beijing[\s_]*1954|krass?owsky|krasovsky/, 'Beijing 1954'],
  [/xi'?an[\s_]*1980|iag[\s_]*(19)?75/, 'Xian 1980'],
]
const CGCS2000_DATUM = /china[\s_]*2000|cgcs[\s_]*2000|china[\s_]*geodetic[\s_]*coordinate[\s_]*system[\s_]*2000/
const WGS84_DATUM = /wgs[\s_]*(19)?84/
const WEB_MERCATOR = /mercator_auxiliary_sphere|popular[\s_]*visuali[sz]ation|pseudo[\s_-]*mercator|web[\s_]*mercator/

/** The system a .prj or WKT text describes: a known EPSG code, a refused system, or null (unknown). */
export function matchWkt(wkt: string): WktMatch {
  const text = wkt.toLowerCase()
  for (const [datum, system] of REFUSED_DATUMS) if (datum.test(text)) return { kind: 'refused', system }
  const authority = topLevelAuthority(text)
  if (authority !== null) {
    const refused = refusedSystemOf(authority)
    if (refused !== null) return { kind: 'refused', system: refused }
    if (
      authority === 4490 ||
      authority === 4326 ||
      authority === 3857 ||
      gaussKrugerZone(authority) !== null ||
      utmZone(authority) !== null
    )
      return { kind: 'epsg', code: authority }
  }
  const projected = /^\s*(projcs|projcrs|projectedcrs)\s*\[/.test(text)
  if (!projected) {
    if (CGCS2000_DATUM.test(text)) return { kind: 'epsg', code: 4490 }
    if (WGS84_DATUM.test(text)) return { kind: 'epsg', code: 4326 }
    return null
  }
  if (WGS84_DATUM.test(text) && WEB_MERCATOR.test(text)) return { kind: 'epsg', code: 3857 }
  if (WGS84_DATUM.test(text)) {
    const utm = utmByWkt(text)
    return utm === null ? null : { kind: 'epsg', code: utm.code }
  }
  if (!CGCS2000_DATUM.test(text)) return null
  const zone = zoneByWktParameters(text) ?? zoneByWktName(text)
  return zone === null ? null : { kind: 'epsg', code: zone.code }
}

/** The EPSG code of the whole text: an AUTHORITY/ID that closes the outermost bracket (inner ones name the datum or unit). */
function topLevelAuthority(text: string): number | null {
  const matches = [...text.matchAll(/(?:authority|id)\[\s*"epsg"\s*,\s*"?(\d+)"?\s*\]/g)]
  const last = matches.at(-1)
  if (last === undefined || !/^\s*\]\s*$/.test(text.slice((last.index ?? 0) + last[0].length))) return null
  return Number(last[1])
}

interface TransverseMercator {
  centralMeridian: number
  falseEasting: number
  falseNorthing: number
  scale: number
}

/** The parameters of a transverse Mercator (Gauss-Krüger) text in metres with latitude of origin 0, else null. */
function transverseMercatorOf(text: string): TransverseMercator | null {
  if (!/gauss|transverse[\s_]*mercator/.test(text) || !/unit\[\s*"(meter|metre)"\s*,\s*1(\.0*)?\s*[,\]]/.test(text)) return null
  const parameters = new Map<string, number>()
  for (const [, name, value] of text.matchAll(/parameter\[\s*"([^"]+)"\s*,\s*([-+\d.e]+)/g)) {
    parameters.set((name as string).replace(/[\s-]+/g, '_'), Number(value))
  }
  const value = (...names: string[]) => names.map((name) => parameters.get(name)).find((found) => found !== undefined)
  const centralMeridian = value('central_meridian', 'longitude_of_natural_origin', 'longitude_of_origin')
  const falseEasting = value('false_easting')
  if (centralMeridian === undefined || falseEasting === undefined) return null
  if ((value('latitude_of_origin', 'latitude_of_natural_origin') ?? 0) !== 0) return null
  const scale = value('scale_factor', 'scale_factor_at_natural_origin') ?? 1
  return { centralMeridian, falseEasting, falseNorthing: value('false_northing') ?? 0, scale }
}

function zoneByWktParameters(text: string): GaussKrugerZone | null {
  const parameters = transverseMercatorOf(text)
  if (parameters === null || Math.abs(parameters.scale - 1) > 1e-12 || parameters.falseNorthing !== 0) return null
  return zoneByParameters(parameters.centralMeridian, parameters.falseEasting, zoneWidthHint(text))
}

/** A WGS 84 / UTM zone by its parameters, else by its name ("WGS_1984_UTM_Zone_50N", "WGS 84 / UTM zone 50N"). */
function utmByWkt(text: string): UtmZone | null {
  const parameters = transverseMercatorOf(text)
  if (parameters !== null) return utmZoneByParameters(parameters)
  const found = /wgs_(?:19)?84_utm_zone_(\d+)([ns])/.exec(text.replace(/[^a-z0-9]+/g, '_'))
  return found === null ? null : utmZone((found[2] === 'n' ? 32600 : 32700) + Number(found[1]))
}

function zoneWidthHint(text: string): 3 | 6 | undefined {
  if (/3[\s_-]*degree/.test(text)) return 3
  if (/cgcs2000[\s_/]*(gk|gauss[\s_-]*kruger)[\s_]*(cm|zone)/.test(text)) return 6
  return undefined
}

/** A zone by name only ("CGCS2000_3_Degree_GK_Zone_39", "CGCS2000 / Gauss-Kruger CM 75E"), for texts without parameters. */
function zoneByWktName(text: string): GaussKrugerZone | null {
  const name = text.replace(/[^a-z0-9]+/g, '_')
  const found = /cgcs2000_(3_degree_)?(?:gk|gauss_kruger)_(?:zone_(\d+)|cm_(\d+)e)/.exec(name)
  if (found === null) return null
  const [, threeDegree, zone, meridian] = found
  const width = threeDegree ? 3 : 6
  if (zone !== undefined)
    return zoneByParameters(width === 3 ? Number(zone) * 3 : Number(zone) * 6 - 3, Number(zone) * 1_000_000 + 500000, width)
  return zoneByParameters(Number(meridian), 500000, width)
}
