import { writeFileSync } from 'node:fs'
import { checkExportRequest, exportLayer } from '../server/export/export.service.js'
import { AppError } from '../server/http/errors.js'
import { translate } from '../server/i18n/index.js'
import { parseArgs, runScript, withDatabase } from './cli.js'

// npm run export -- --region CODE --layer grids|issues|reference:NAME --format FORMAT --out FILE
// The same checks and files as GET /api/v1/export (server/export/export.service.ts); no scope
// applies (whoever runs it has the database). Exits 1 with the message on any refusal.

const USAGE = `usage: npm run export -- --region <code> --layer grids|issues|reference:NAME --format geojson|shp|gpkg|kml|fgb|csv|xlsx --out <file>
       [--crs EPSG:4490|EPSG:4491…4554] [--as-of YYYY-MM-DD] [--encoding gbk|utf-8] [--lang zh-CN|en]
  --region    12-digit region code or a 2/4/6/9-digit prefix (e.g. 990101001 城关镇)
  --layer     grids (in force today or --as-of), issues (validation of those grids), reference:NAME
  --crs       CGCS2000 lon/lat (default) or a CGCS2000 Gauss-Krüger zone
  --encoding  shapefile/CSV text: gbk (shapefile default) or utf-8`

runScript(async () => {
  const { values } = parseArgs({
    options: {
      region: { type: 'string' },
      layer: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      crs: { type: 'string' },
      'as-of': { type: 'string' },
      encoding: { type: 'string' },
      lang: { type: 'string', default: 'zh-CN' },
      help: { type: 'boolean', default: false },
    },
  })
  const { region, layer, format, out } = values
  if (values.help || !region || !layer || !format || !out) {
    console.error(USAGE)
    return 2
  }
  const language = values.lang === 'en' ? 'en' : 'zh-CN'
  const request = { region, layer, format, crs: values.crs, asOf: values['as-of'], encoding: values.encoding, language } as const
  try {
    checkExportRequest(request) // a refusal that needs no database comes before opening it
    const result = await withDatabase((database) => exportLayer(database, request))
    writeFileSync(out, result.file.bytes)
    console.log(`${out}: ${result.count} features, ${result.file.bytes.byteLength} bytes (${result.fileName})`)
    return 0
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    console.error(translate(language, `error.${error.code}`, error.params))
    return 1
  }
})
