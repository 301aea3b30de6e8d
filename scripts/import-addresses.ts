import { statSync } from 'node:fs'
import cliProgress from 'cli-progress'
import { CRS_NAMES, type CrsName } from '../server/geo/crs.js'
import { AppError } from '../server/http/errors.js'
import { translate } from '../server/i18n/index.js'
import { ADDRESS_ENCODINGS, type AddressEncoding, detectEncoding, importAddressFile } from '../server/addresses/address-import.js'
import { parseArgs, runScript, withDatabase } from './cli.js'

const USAGE = `usage: npm run import:addresses -- <file.csv> [--encoding utf8|gbk|gb18030] [--region <code>] [--crs wgs84|gcj02|bd09] [--lang zh-CN|en]
  columns      address (or 地址), lon or lng (or 经度), lat (or 纬度); a header row is required
  --encoding   detected when absent: valid UTF-8 (BOM or not) → utf8, anything else → gb18030 (GBK superset)
  --region     region code or prefix the addresses belong to (e.g. 990101); default: found from each point
  --crs        coordinate system of lon/lat; gcj02 and bd09 are converted to WGS84/CGCS2000
Valid rows are loaded in one transaction (a rerun updates them, never duplicates); bad rows are listed
with their line number and reason and skipped. Exit code 0: all rows loaded; 3: some rows rejected; 1: failed.`

runScript(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      encoding: { type: 'string' },
      region: { type: 'string' },
      crs: { type: 'string', default: 'wgs84' },
      lang: { type: 'string', default: 'zh-CN' },
      help: { type: 'boolean', default: false },
    },
  })
  const file = positionals[0]
  const encoding = values.encoding?.toLowerCase().replace('-', '')
  if (
    values.help ||
    !file ||
    (encoding !== undefined && !ADDRESS_ENCODINGS.includes(encoding as AddressEncoding)) ||
    !(CRS_NAMES as readonly string[]).includes(values.crs)
  ) {
    console.error(USAGE)
    return 2
  }
  const language = values.lang === 'en' ? 'en' : 'zh-CN'
  const size = statSync(file).size
  const detected = (encoding as AddressEncoding | undefined) ?? (await detectEncoding(file))
  console.error(`${file}: ${size} bytes, encoding ${detected}${encoding ? '' : ' (detected)'}`)

  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'importing addresses [{bar}] {percentage}% | {value}/{total} bytes | {eta}s left', hideCursor: true },
    cliProgress.Presets.shades_classic,
  )
  bar.start(size, 0)
  try {
    const report = await withDatabase((database) =>
      importAddressFile(database.kysely, file, {
        encoding: detected,
        ...(values.region ? { region: values.region } : {}),
        crs: values.crs as CrsName,
        language,
        onProgress: (bytes) => bar.update(bytes),
      }),
    )
    bar.update(size)
    bar.stop()
    for (const problem of report.rejected) console.error(`  ✗ ${problem.message} [${problem.reason}]`)
    const reasons = Object.entries(report.reasons)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ')
    console.log(
      `${file}: ${report.rows} rows, ${report.inserted} inserted, ${report.updated} updated, ${report.rejected.length} rejected` +
        (reasons ? ` (${reasons})` : ''),
    )
    return report.rejected.length > 0 ? 3 : 0
  } catch (error) {
    bar.stop()
    if (error instanceof AppError) {
      console.error(translate(language, `error.${error.code}`, error.params))
      return 1
    }
    throw error
  }
})
