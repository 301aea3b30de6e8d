import { badRequest } from '../http/errors.js'
import { type Language, translate } from '../i18n/index.js'

// The coordinate systems gridwork exports in: CGCS2000 lon/lat (EPSG:4490) and its Gauss-Krüger
// zones (EPSG:4491–4554). Anything else is refused; the old national datums are named, so a
// person who asked for Beijing 1954 or Xi'an 1980 learns why (their conversion needs parameters
// a surveying office approves, docs/data-io.md).

const CGCS2000_LONLAT = 4490
const CGCS2000_ZONES = { first: 4491, last: 4554 }

// EPSG ranges of the old datums (checked against GDAL's EPSG database: gdalsrsinfo EPSG:NNNN).
const OLD_DATUMS: { datum: 'beijing1954' | 'xian1980'; ranges: [number, number][] }[] = [
  {
    datum: 'beijing1954',
    ranges: [
      [4214, 4214],
      [2401, 2442],
      [21413, 21423],
      [21453, 21463],
      [21473, 21483],
    ],
  },
  {
    datum: 'xian1980',
    ranges: [
      [4610, 4610],
      [2327, 2390],
    ],
  },
]

/** The EPSG code to export in: 'EPSG:4527', '4527' or undefined (4490); a 400 naming anything else. */
export function exportCrs(choice: string | undefined, language: Language): number {
  if (choice === undefined || choice.trim() === '') return CGCS2000_LONLAT
  const match = /^(?:EPSG:)?(\d{1,6})$/i.exec(choice.trim())
  const code = match ? Number(match[1]) : Number.NaN
  if (code === CGCS2000_LONLAT || (code >= CGCS2000_ZONES.first && code <= CGCS2000_ZONES.last)) return code
  const name = match ? `EPSG:${code}` : choice
  const old = OLD_DATUMS.find(({ ranges }) => ranges.some(([from, to]) => code >= from && code <= to))
  if (old) throw badRequest('export_crs_old_datum', { crs: name, datum: translate(language, `io.export.datum_${old.datum}`) })
  throw badRequest('export_crs_not_cgcs2000', { crs: name })
}
