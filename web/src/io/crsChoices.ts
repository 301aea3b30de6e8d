import { GAUSS_KRUGER_ZONES, type GaussKrugerZone, utmZone } from '../../../server/io/crs-defs.js'

// The coordinate systems a person can pick in the import wizard (when the file names none) and in
// the export menu. Labels are i18n keys with parameters, so the lists are plain data and testable.

/** One selectable CRS: the code the API takes and the i18n key (with parameters) that names it. */
export interface CrsChoice {
  code: string
  key: string
  params?: Record<string, number>
}

export interface CrsGroup {
  /** i18n key of the group's heading (an <optgroup>). */
  key: string
  choices: CrsChoice[]
}

// The CGCS2000 Gauss-Krüger zones come from the server's one table (server/io/crs-defs.ts, which
// the reader and writer use too), in four families, each ordered by central meridian.
const GK_FAMILIES = [
  { key: 'io.crs.gk3', width: 3, prefixed: false },
  { key: 'io.crs.gk3zone', width: 3, prefixed: true },
  { key: 'io.crs.gk6', width: 6, prefixed: false },
  { key: 'io.crs.gk6zone', width: 6, prefixed: true },
] as const

const zonesOf = (family: (typeof GK_FAMILIES)[number]) =>
  GAUSS_KRUGER_ZONES.filter((zone) => zone.width === family.width && (zone.zone !== null) === family.prefixed)

const choiceOf = (family: (typeof GK_FAMILIES)[number], zone: GaussKrugerZone): CrsChoice => ({
  code: `EPSG:${zone.code}`,
  key: family.key,
  params: { meridian: zone.centralMeridian, ...(zone.zone === null ? {} : { zone: zone.zone }) },
})

function gaussKrugerGroups(): CrsGroup[] {
  return GK_FAMILIES.map((family) => ({ key: `${family.key}Group`, choices: zonesOf(family).map((zone) => choiceOf(family, zone)) }))
}

const LONLAT: CrsChoice = { code: 'EPSG:4490', key: 'io.crs.cgcs2000' }

/** The WGS 84 / UTM zone of an EPSG code (32601–32660 north, 32701–32760 south), any zone. */
function utmChoice(code: number): CrsChoice | undefined {
  const utm = utmZone(code)
  if (utm === null) return undefined
  return { code: `EPSG:${code}`, key: utm.south ? 'io.crs.utmSouth' : 'io.crs.utmNorth', params: { zone: utm.zone } }
}

// The northern UTM zones that cover China (43N at 72°E–78°E … 53N at 132°E–138°E). The server
// reads every zone; findCrsChoice names the others.
const CHINA_UTM_ZONES = { first: 43, last: 53 }

function utmGroup(): CrsGroup {
  const { first, last } = CHINA_UTM_ZONES
  const codes = Array.from({ length: last - first + 1 }, (_, i) => 32600 + first + i)
  return { key: 'io.crs.utmGroup', choices: codes.map((code) => utmChoice(code)).filter((choice) => choice !== undefined) }
}

/**
 * What the import wizard offers when a file's CRS is unknown: CGCS2000 lon/lat, every CGCS2000
 * Gauss-Krüger zone, WGS84 and its UTM zones over China, Web Mercator and the two shifted web-map
 * systems of Chinese map apps.
 */
export function importCrsGroups(): CrsGroup[] {
  return [
    { key: 'io.crs.geographicGroup', choices: [LONLAT, { code: 'EPSG:4326', key: 'io.crs.wgs84' }] },
    ...gaussKrugerGroups(),
    utmGroup(),
    {
      key: 'io.crs.webGroup',
      choices: [
        { code: 'EPSG:3857', key: 'io.crs.webMercator' },
        { code: 'gcj02', key: 'io.crs.gcj02' },
        { code: 'bd09', key: 'io.crs.bd09' },
      ],
    },
  ]
}

/** What the export writes: CGCS2000 lon/lat or a CGCS2000 Gauss-Krüger zone (EPSG:4491–4554). */
export function exportCrsGroups(): CrsGroup[] {
  return [{ key: 'io.crs.geographicGroup', choices: [LONLAT] }, ...gaussKrugerGroups()]
}

/**
 * The 3° Gauss-Krüger zone (CGCS2000, central meridian in the name, no zone prefix on the
 * easting) whose central meridian is nearest `longitude`: 117.2°E → EPSG:4548 (CM 117E).
 * 3° zones are what county surveys (1:500–1:2000) are drawn in, and the CM-named codes are the
 * ones GIS desktop tools list first; the zone-prefixed variant only adds 39 000 000 to x.
 */
export function defaultGaussKrugerZone(longitude: number): CrsChoice {
  const family = GK_FAMILIES[0]
  const distance = (zone: GaussKrugerZone) => Math.abs(zone.centralMeridian - longitude)
  // A longitude halfway between two meridians takes the eastern one.
  const nearest = zonesOf(family).reduce((best, zone) => (distance(zone) <= distance(best) ? zone : best))
  return choiceOf(family, nearest)
}

/**
 * The choice of a code in a list of groups, if listed; a WGS 84 / UTM code (north or south, typed
 * or found in a file) is named even when the list does not offer its zone.
 */
export function findCrsChoice(groups: readonly CrsGroup[], code: string): CrsChoice | undefined {
  const listed = groups.flatMap((group) => group.choices).find((choice) => choice.code === code)
  if (listed) return listed
  const epsg = /^EPSG:(\d+)$/i.exec(code.trim())
  return epsg ? utmChoice(Number(epsg[1])) : undefined
}
