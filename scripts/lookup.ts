import { createReadStream, statSync } from 'node:fs'
import { once } from 'node:events'
import cliProgress from 'cli-progress'
import { CRS_NAMES, type CrsName } from '../server/geo/crs.js'
import { AppError } from '../server/http/errors.js'
import { isIsoDate } from '../server/http/query-params.js'
import { translate } from '../server/i18n/index.js'
import { openBatch } from '../server/lookup/batch/batch.js'
import type { BatchFormat } from '../server/lookup/batch/batch-format.js'
import { IndexHolder } from '../server/lookup/index/index-holder.js'
import { chineseProfile } from '../server/lookup/lookup.service.js'
import { parseArgs, runScript, withDatabase } from './cli.js'

const USAGE = `usage: npm run lookup -- <in.csv|in.ndjson|-> [--format csv|ndjson] [--crs wgs84|cgcs2000|gcj02|bd09] [--as-of YYYY-MM-DD] [--region PREFIX] [--lang zh-CN|en] > out
  Same formats as POST /api/v1/lookup/batch: CSV with a header lng,lat[,crs][,id] or address[,id]; or NDJSON
  ({"lng":..,"lat":..} or {"address":..} per line). Results go to stdout in the input's format and order; bad
  rows are reported inline. Runs offline against the configured database (DATABASE_URL, or PGlite in DATA_DIR);
  progress on stderr.
  --format  default: from the file extension (.ndjson/.jsonl → ndjson, else csv)
  --crs     CRS of rows without a crs column (default wgs84)
  --as-of   grids in force on that day (PostGIS, slower); default today (in-memory index)
  --region  only answer within this region code prefix (default: all)`

runScript(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      crs: { type: 'string', default: 'wgs84' },
      'as-of': { type: 'string' },
      region: { type: 'string', default: '' },
      lang: { type: 'string', default: 'zh-CN' },
      help: { type: 'boolean', default: false },
    },
  })
  const file = positionals[0]
  const format = (values.format ?? (file && /\.(nd)?jsonl?$/i.test(file) ? 'ndjson' : 'csv')) as BatchFormat
  const crs = values.crs as CrsName
  const asOf = values['as-of']
  if (
    values.help ||
    !file ||
    (format !== 'csv' && format !== 'ndjson') ||
    !CRS_NAMES.includes(crs) ||
    (asOf !== undefined && !isIsoDate(asOf)) ||
    !/^[0-9]*$/.test(values.region)
  ) {
    console.error(USAGE)
    return 2
  }
  const language = values.lang === 'en' ? 'en' : 'zh-CN'
  const total = file === '-' ? 0 : statSync(file).size
  const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 256 * 1024 })

  return withDatabase(async (database) => {
    const holder = new IndexHolder(database.kysely, { engine: database.engine })
    if (asOf === undefined) {
      await holder.rebuild()
      const loaded = holder.current()
      if (loaded)
        process.stderr.write(`index: ${loaded.index.size} grids in force on ${loaded.day}, built in ${Math.round(loaded.buildMs)} ms\n`)
    }
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: 'lookup [{bar}] {percentage}% | {rows} rows | {rate} rows/s',
        hideCursor: true,
        noTTYOutput: false,
      },
      cliProgress.Presets.shades_classic,
    )
    let bytes = 0
    let rows = 0
    const started = performance.now()
    if (total > 0) {
      bar.start(total, 0, { rows: 0, rate: 0 })
      input.on('data', (chunk: Buffer | string) => {
        bytes += chunk.length
      })
    }
    try {
      const { chunks, header } = await openBatch(input, format, {
        db: database.kysely,
        holder: asOf === undefined ? holder : null,
        scope: values.region,
        scopeName: values.region,
        role: 'admin',
        asOf,
        defaultCrs: crs,
        language,
        china: chineseProfile(values.region),
      })
      if (header) process.stdout.write(header)
      for await (const chunk of chunks) {
        rows += chunk.rows
        if (!process.stdout.write(chunk.bytes)) await once(process.stdout, 'drain')
        if (total > 0) bar.update(bytes, { rows, rate: Math.round(rows / ((performance.now() - started) / 1000)) })
      }
    } catch (error) {
      if (error instanceof AppError) {
        console.error(translate(language, `error.${error.code}`, error.params))
        return 1
      }
      throw error
    } finally {
      if (total > 0) {
        bar.update(total, { rows, rate: Math.round(rows / ((performance.now() - started) / 1000)) })
        bar.stop()
      }
      await holder.close()
    }
    process.stderr.write(`${rows} rows in ${Math.round(performance.now() - started)} ms\n`)
    return 0
  })
})
