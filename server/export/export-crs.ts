import { badRequest } from '../http/errors.js'
import { type Language, translate } from '../i18n/index.js'
import { refusedSystemOf } from '../io/crs-defs.js'
import { isExportCrs } from '../io/write.js'

// The coordinate systems gridwork exports in: CGCS2000 lon/lat (EPSG:4490) and its Gauss-Krüger
// zones (EPSG:4491–4554). Anything else is refused; Beijing 1954 and Xi'an 1980 are named (the
// import's table of them, server/io/crs-defs.ts), so a person who asked for one learns why.

const CGCS2000_LONLAT = 4490

/** The EPSG code to export in: 'EPSG:4527', '4527' or undefined (4490); a 400 naming anything else. */
export function exportCrs(choice: string | undefined, language: Language): number {
  if (choice === undefined || choice.trim() === '') return CGCS2000_LONLAT
  const match = /^(?:EPSG:)?(\d{1,6})$/i.exec(choice.trim())
  const code = match ? Number(match[1]) : Number.NaN
  if (isExportCrs(code)) return code
  const name = match ? `EPSG:${code}` : choice
  const system = refusedSystemOf(code)
  if (system !== null) {
    const datum = translate(language, `io.export.datum_${system.toLowerCase().replace(/\s/g, '')}`)
    throw badRequest('export_crs_old_datum', { crs: name, datum })
  }
  throw badRequest('export_crs_not_cgcs2000', { crs: name })
}
