import { parse } from 'csv-parse/sync'
import iconv from 'iconv-lite'
import { badRequest } from '../../http/errors.js'
import { decodeText } from '../encoding.js'
import { refuseEmptyLayer } from '../layer-fields.js'
import type { FormatReader, FormatWriter } from '../types.js'
import { type Cell, layerToTable, tableToLayer } from './table-columns.js'

// CSV: UTF-8 or GBK/GB18030 text (server/io/encoding.ts decides), comma, semicolon or tab
// separated; geometry from lon/lat or WKT columns (table-columns.ts). Written as UTF-8 with a BOM,
// which Excel needs to show Chinese, or GBK when asked.

const layerName = (file: string) => file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '')

/** The separator of the header line: the most frequent of comma, semicolon and tab. */
function delimiterOf(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/))
  const counts = [',', ';', '\t'].map((delimiter) => [delimiter, firstLine.split(delimiter).length] as const)
  return counts.reduce((best, candidate) => (candidate[1] > best[1] ? candidate : best))[0]
}

export const readCsv: FormatReader = async (files, options) => {
  const file = files[0]
  if (!file) throw badRequest('io_no_files')
  const { text, encoding } = decodeText(file.bytes, options.encoding)
  let records: string[][]
  try {
    records = parse(text, { delimiter: delimiterOf(text), relax_column_count: true, skip_empty_lines: true, bom: true })
  } catch (error) {
    throw badRequest('io_csv_broken', { file: file.name, detail: (error as Error).message })
  }
  const [header = [], ...rows] = records
  const name = layerName(file.name)
  refuseEmptyLayer(file.name, name, rows.length)
  const table = tableToLayer(file.name, header, rows as Cell[][], options.columns)
  return { format: 'csv', layerNames: [name], layer: { name, encoding, ...table } }
}

const csvField = (cell: Cell) => {
  if (cell === null) return ''
  const text = cell instanceof Date ? cell.toISOString() : String(cell)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export const writeCsv: FormatWriter = async (layer, options) => {
  const table = layerToTable(layer, options.crs)
  const text = [table.header, ...table.rows].map((row) => row.map(csvField).join(',')).join('\r\n')
  const bytes = options.encoding === 'gbk' ? iconv.encode(`${text}\r\n`, 'gbk') : Buffer.from(`\uFEFF${text}\r\n`, 'utf-8')
  return {
    name: `${layer.name}.csv`,
    contentType: `text/csv; charset=${options.encoding === 'gbk' ? 'gbk' : 'utf-8'}`,
    bytes: new Uint8Array(bytes),
  }
}
