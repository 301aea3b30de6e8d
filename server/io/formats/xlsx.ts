import ExcelJS from 'exceljs'
import { badRequest } from '../../http/errors.js'
import { chooseLayer, refuseEmptyLayer } from '../layer-fields.js'
import type { FormatReader, FormatWriter } from '../types.js'
import { type Cell, layerToTable, tableToLayer } from './table-columns.js'

// XLSX: every sheet is a layer; its first row is the header, and the columns are read as CSV's
// are (table-columns.ts). Text cells are written as text (format "@"), so codes stay codes.

/** A cell as a plain value: formulas by their result, rich text and links by their text, errors as blank. */
function plainCell(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null
  if (typeof value !== 'object' || value instanceof Date) return value
  if ('richText' in value) return value.richText.map((run) => run.text).join('')
  if ('hyperlink' in value) return value.text
  if ('result' in value) return value.result === undefined ? null : plainCell(value.result)
  return null
}

export const readXlsx: FormatReader = async (files, options) => {
  const file = files[0]
  if (!file) throw badRequest('io_no_files')
  const workbook = new ExcelJS.Workbook()
  try {
    await workbook.xlsx.load(Buffer.from(file.bytes) as unknown as ExcelJS.Buffer)
  } catch (error) {
    throw badRequest('io_xlsx_broken', { file: file.name, detail: (error as Error).message })
  }
  const layerNames = workbook.worksheets.map((sheet) => sheet.name)
  const name = chooseLayer(file.name, layerNames, options.layer)
  const sheet = workbook.getWorksheet(name)
  const rows: Cell[][] = []
  sheet?.eachRow({ includeEmpty: false }, (row) => {
    // row.values is 1-based: index 0 is always empty.
    rows.push((row.values as ExcelJS.CellValue[]).slice(1).map(plainCell))
  })
  const [headerCells = [], ...records] = rows
  const header = Array.from(headerCells, (cell) => (cell === null || cell === undefined ? '' : String(cell).trim()))
  refuseEmptyLayer(file.name, name, records.length)
  const table = tableToLayer(file.name, header, records, options.columns)
  return { format: 'xlsx', layerNames, layer: { name, encoding: { name: 'utf-8', source: 'format' }, ...table } }
}

export const writeXlsx: FormatWriter = async (layer, options) => {
  const table = layerToTable(layer, options.crs)
  const workbook = new ExcelJS.Workbook()
  // Excel allows 31 characters and no []:*?/\ in a sheet name.
  const sheet = workbook.addWorksheet(layer.name.replace(/[[\]:*?/\\]/g, '_').slice(0, 31) || 'layer')
  sheet.columns = table.header.map((header, index) => ({
    header,
    key: String(index),
    style: table.types[index] === 'string' ? { numFmt: '@' } : {},
  }))
  for (const row of table.rows) sheet.addRow(row)
  const bytes = await workbook.xlsx.writeBuffer()
  return {
    name: `${layer.name}.xlsx`,
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    bytes: new Uint8Array(bytes as ArrayBuffer),
  }
}
