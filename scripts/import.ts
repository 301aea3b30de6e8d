import { readFileSync } from 'node:fs'
import { systemActor } from '../server/audit/audit.repository.js'
import { type ImportKind, importGeoJson } from '../server/import/geojson-import.js'
import { parseArgs, runScript, withDatabase } from './cli.js'

const USAGE = `usage: npm run import -- <file.geojson> --region <code> [--type grids|regions] [--valid-from YYYY-MM-DD] [--lang zh-CN|en]
  --region      grids: the community/township (or county prefix) they belong to; regions: the parent region
  --type        grids (default) or regions
  --valid-from  first day the imported grids are in force (default: today)
Loads everything in one transaction; if any feature has a problem, nothing is loaded and each problem is listed.`

runScript(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      region: { type: 'string' },
      type: { type: 'string', default: 'grids' },
      'valid-from': { type: 'string', default: new Date().toISOString().slice(0, 10) },
      lang: { type: 'string', default: 'zh-CN' },
      help: { type: 'boolean', default: false },
    },
  })
  const file = positionals[0]
  if (values.help || !file || !values.region || (values.type !== 'grids' && values.type !== 'regions')) {
    console.error(USAGE)
    return 2
  }
  const bytes = readFileSync(file)
  const report = await withDatabase((database) =>
    importGeoJson(database.kysely, bytes, {
      kind: values.type as ImportKind,
      region: values.region as string,
      validFrom: values['valid-from'],
      actor: systemActor(`import-cli:${process.env.USER ?? 'unknown'}`),
      language: values.lang === 'en' ? 'en' : 'zh-CN',
    }),
  )
  for (const problem of report.problems) console.error(`  ✗ ${problem.message}`)
  console.log(report.message)
  return report.ok ? 0 : 1
})
