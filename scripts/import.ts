import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { TokenClaims } from '../server/auth/auth.plugin.js'
import { AppError } from '../server/http/errors.js'
import { type Language, translate } from '../server/i18n/index.js'
import { commitImport } from '../server/import/commit.js'
import {
  type CommitRequest,
  IMPORT_TYPES,
  type ImportProblem,
  type ImportType,
  REFERENCE_KINDS,
  type ReferenceKind,
} from '../server/import/upload.schemas.js'
import type { InputFile } from '../server/io/types.js'
import { parseArgs, runScript, withDatabase } from './cli.js'

const USAGE = `usage: npm run import -- <file> --region <code> [--type grids|regions|buildings|reference] [options]
  <file>        .geojson .zip .shp (its .shx/.dbf/.prj/.cpg are taken from the same folder) .gpkg .kml .kmz .fgb .csv .xlsx
  --region      grids: the community/township (or county prefix) they belong to; regions: the parent region; others: the county
  --type        grids (default), regions, buildings or reference
  --valid-from  first day the imported grids are in force (default: today)
  --layer       the layer to read when the file has several
  --encoding    text encoding (gbk, gb18030, utf-8), overriding .cpg and detection
  --crs         EPSG:NNNN, gcj02 or bd09: the file's coordinate system when it names none
  --map         field=column, repeatable (e.g. --map code=网格编码 --map households=户数)
  --draft       grids: a draft proposal per township replacing its grids (needs an account that may propose)
  --direct      grids: write directly, next to the grids in force (the default, as before)
  --name, --kind  reference: the layer's name and kind (road, water, building, other)
  --lang        zh-CN (default) or en
Checks everything first; if anything has a problem, nothing is loaded and each problem is listed.`

const SHAPEFILE_PARTS = ['.shp', '.shx', '.dbf', '.prj', '.cpg', '.qix', '.sbn', '.sbx']

/** The file, and for a .shp the other files of the shapefile beside it. */
function inputFiles(file: string): InputFile[] {
  const extension = path.extname(file)
  const names =
    extension.toLowerCase() === '.shp'
      ? SHAPEFILE_PARTS.flatMap((part) =>
          [part, part.toUpperCase()]
            .map((ending) => file.slice(0, -extension.length) + ending)
            .filter(existsSync)
            .slice(0, 1),
        )
      : [file]
  return names.map((name) => ({ name: path.basename(name), bytes: new Uint8Array(readFileSync(name)) }))
}

function fieldMapOf(pairs: string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]))
}

runScript(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      region: { type: 'string' },
      type: { type: 'string', default: 'grids' },
      'valid-from': { type: 'string', default: new Date().toISOString().slice(0, 10) },
      layer: { type: 'string' },
      encoding: { type: 'string' },
      crs: { type: 'string' },
      map: { type: 'string', multiple: true, default: [] },
      draft: { type: 'boolean', default: false },
      direct: { type: 'boolean', default: false },
      name: { type: 'string' },
      kind: { type: 'string', default: 'other' },
      lang: { type: 'string', default: 'zh-CN' },
      help: { type: 'boolean', default: false },
    },
  })
  const file = positionals[0]
  const type = values.type as ImportType
  const badMap = values.map.some((pair) => !/^[a-z_]+=.+$/.test(pair))
  const badKind = !REFERENCE_KINDS.includes(values.kind as ReferenceKind)
  if (values.help || !file || !values.region || !IMPORT_TYPES.includes(type) || badMap || badKind || (values.draft && values.direct)) {
    console.error(USAGE)
    return 2
  }
  const language: Language = values.lang === 'en' ? 'en' : 'zh-CN'
  const request: CommitRequest = {
    type,
    region: values.region,
    layer: values.layer,
    encoding: values.encoding,
    crs: values.crs,
    map: fieldMapOf(values.map),
    mode: values.draft ? 'draft' : values.direct ? 'direct' : undefined,
    valid_from: values['valid-from'],
    reference: type === 'reference' ? { name: values.name ?? path.parse(file).name, kind: values.kind as ReferenceKind } : undefined,
  }
  // The command line acts for the whole country, as an administrator at the server's console.
  const user: TokenClaims = { sub: `import-cli:${process.env.USER ?? 'unknown'}`, role: 'admin', region_prefix: '', scope_name: '' }
  try {
    const result = await withDatabase((database) =>
      commitImport({ database, user, language, consoleDirect: true }, inputFiles(file), request),
    )
    console.log(result.message)
    return 0
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    const problems = error.code === 'import_has_problems' ? (error.details as ImportProblem[]) : []
    for (const problem of problems) console.error(`  ✗ ${problem.message}`)
    if (problems.some((problem) => problem.code === 'crs_unknown' || problem.code === 'coordinates_projected')) {
      console.error(translate(language, 'io.import.cli_crs_hint'))
    }
    console.log(
      problems.length > 0
        ? translate(language, 'import.failed', { count: new Set(problems.map((problem) => problem.feature)).size })
        : translate(language, `error.${error.code}`, error.params),
    )
    return 1
  }
})
