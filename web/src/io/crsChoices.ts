import { GAUSS_KRUGER_ZONES, type GaussKrugerZone } from '../../../server/io/crs-defs.js'

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

/**
 * What the import wizard offers when a file's CRS is unknown: CGCS2000 lon/lat, every CGCS2000
 * Gauss-Krüger zone, WGS84, Web Mercator and the two shifted web-map systems of Chinese map apps.
 */
export function importCrsGroups(): CrsGroup[] {
  return [
    { key: 'io.crs.geographicGroup', choices: [LONLAT, { code: 'EPSG:4326', key: 'io.crs.wgs84' }] },
    ...gaussKrugerGroups(),
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

/** The choice of a code in a list of groups, if listed. */
export function findCrsChoice(groups: readonly CrsGroup[], code: string): CrsChoice | undefined {
  return groups.flatMap((group) => group.choices).find((choice) => choice.code === code)
}
