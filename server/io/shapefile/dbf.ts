import { badRequest } from '../../http/errors.js'
import { decodeWith, encodeWith } from '../encoding.js'
import type { FieldInfo, FieldType, PropertyValue } from '../types.js'

// The .dbf attribute codec (dBase III as shapefiles use it): C text, N/F numbers, D dates
// (YYYYMMDD), L logicals. Text is decoded in the encoding the caller settled (server/io/encoding.ts);
// ASCII-only values skip the decoder, which keeps a 100,000-record table fast.

export interface DbfHeader {
  recordCount: number
  headerLength: number
  recordLength: number
  languageDriver: number
  fields: { name: Uint8Array; type: string; length: number; decimals: number; offset: number }[]
}

export function readDbfHeader(dbf: Uint8Array, file: string): DbfHeader {
  if (dbf.length < 33) throw badRequest('io_shp_broken', { file, detail: 'the .dbf is shorter than its header' })
  const view = new DataView(dbf.buffer, dbf.byteOffset, dbf.byteLength)
  const headerLength = view.getUint16(8, true)
  const fields: DbfHeader['fields'] = []
  let offset = 1
  for (let at = 32; at + 32 <= headerLength && dbf[at] !== 0x0d; at += 32) {
    const nameEnd = dbf.subarray(at, at + 11).indexOf(0)
    const length = dbf[at + 16] as number
    fields.push({
      name: dbf.subarray(at, at + (nameEnd === -1 ? 11 : nameEnd)),
      type: String.fromCharCode(dbf[at + 11] as number).toUpperCase(),
      length,
      decimals: dbf[at + 17] as number,
      offset,
    })
    offset += length
  }
  return {
    recordCount: view.getUint32(4, true),
    headerLength,
    recordLength: view.getUint16(10, true),
    languageDriver: dbf[29] as number,
    fields,
  }
}

/** Integers wider than this many digits are read as text (a 16-digit code would lose digits as a JS number). */
const MAX_INTEGER_DIGITS = 15

function fieldType(field: DbfHeader['fields'][number]): FieldType {
  switch (field.type) {
    case 'N':
      if (field.decimals > 0) return 'number'
      return field.length <= MAX_INTEGER_DIGITS ? 'integer' : 'string'
    case 'F':
      return 'number'
    case 'D':
      return 'date'
    case 'L':
      return 'boolean'
    default:
      return 'string'
  }
}

export interface DbfContent {
  fields: FieldInfo[]
  /** One row per record; null for a record marked deleted. */
  rows: (Record<string, PropertyValue> | null)[]
}

export function readDbfRecords(dbf: Uint8Array, header: DbfHeader, encoding: string, file: string): DbfContent {
  const bytes = Buffer.from(dbf.buffer, dbf.byteOffset, dbf.byteLength)
  // Two fields whose names decode alike (cut GBK names, a blank name) would overwrite each other: numbered.
  const seen = new Set<string>()
  const fields = header.fields.map((field, i) => {
    const decoded = decodeWith(field.name, encoding).trim() || `field_${i + 1}`
    let name = decoded
    for (let n = 2; seen.has(name); n++) name = `${decoded}_${n}`
    seen.add(name)
    return { ...field, info: { name, type: fieldType(field) } }
  })
  const end = header.headerLength + header.recordCount * header.recordLength
  if (end > dbf.length + 1)
    throw badRequest('io_shp_broken', { file, detail: `the .dbf holds fewer than its ${header.recordCount} records (truncated?)` })
  const text = (from: number, to: number): string => {
    for (let i = from; i < to; i++) if ((bytes[i] as number) >= 0x80) return decodeWith(bytes.subarray(from, to), encoding)
    return bytes.toString('latin1', from, to)
  }
  const rows: DbfContent['rows'] = new Array(header.recordCount)
  for (let record = 0; record < header.recordCount; record++) {
    const start = header.headerLength + record * header.recordLength
    if (bytes[start] === 0x2a) {
      rows[record] = null
      continue
    }
    const row: Record<string, PropertyValue> = {}
    for (const field of fields) {
      const raw = text(start + field.offset, start + field.offset + field.length)
      row[field.info.name] = parseValue(raw, field.info.type, field.type)
    }
    rows[record] = row
  }
  return { fields: fields.map((field) => field.info), rows }
}

function parseValue(raw: string, type: FieldType, dbfType: string): PropertyValue {
  if (dbfType === 'C' || (type === 'string' && dbfType !== 'N')) return raw.replace(/[\s\0]+$/, '')
  const value = raw.replace(/^[\s\0]+|[\s\0]+$/g, '')
  switch (type) {
    case 'string':
      return value === '' ? null : value
    case 'integer':
    case 'number': {
      if (value === '' || /^\*+$/.test(value)) return null
      const number = Number(value)
      return Number.isFinite(number) ? number : null
    }
    case 'date':
      return /^\d{8}$/.test(value) ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}` : null
    case 'boolean':
      return /^[TtYy]$/.test(value) ? true : /^[FfNn]$/.test(value) ? false : null
  }
}

/** A written field: its original name, the ≤ 10-byte name in the file, and the DBF type it got. */
export interface WrittenField {
  original: string
  written: string
  dbfType: string
  length: number
  decimals: number
}

const MAX_NAME_BYTES = 10
const MAX_TEXT_BYTES = 254
const MAX_NUMBER_WIDTH = 24

/** The longest start of `text` whose encoding fits in `maxBytes`. */
function truncateEncoded(text: string, encoding: string, maxBytes: number): Uint8Array {
  let encoded = encodeWith(text, encoding)
  if (encoded.length <= maxBytes) return encoded
  const characters = [...text]
  while (encoded.length > maxBytes) {
    characters.pop()
    encoded = encodeWith(characters.join(''), encoding)
  }
  return encoded
}

/** Field names of at most 10 bytes in the encoding, unique (case-insensitively) by a numbered suffix. */
export function dbfFieldNames(names: readonly string[], encoding: string): string[] {
  const used = new Set<string>()
  return names.map((name) => {
    const cleaned = name.replace(/[\0\s]+/g, '_') || 'field'
    for (let n = 0; ; n++) {
      const suffix = n === 0 ? '' : `_${n}`
      const base = decodeWith(truncateEncoded(cleaned, encoding, MAX_NAME_BYTES - suffix.length), encoding)
      const candidate = `${base}${suffix}`
      if (!used.has(candidate.toLowerCase())) {
        used.add(candidate.toLowerCase())
        return candidate
      }
    }
  })
}

const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1')

const fractionDigits = (value: number) => (/e/i.test(String(value)) ? 6 : (String(value).split('.')[1]?.length ?? 0))

/** Each field's cell texts and its DBF shape (type, width, decimals), sized to its values. */
function fieldColumn(
  field: FieldInfo,
  values: PropertyValue[],
  encoding: string,
): { dbfType: string; length: number; decimals: number; cells: (Uint8Array | null)[] } {
  const numbers = values
    .map((value) => (value === null || value === '' ? null : Number(value)))
    .map((value) => (value !== null && Number.isFinite(value) ? value : null))
  switch (field.type) {
    case 'integer':
    case 'number': {
      // Fewer decimals until the widest value fits; a value that still does not (beyond 1e23) is left blank.
      let decimals =
        field.type === 'integer' ? 0 : Math.min(15, Math.max(0, ...numbers.map((value) => (value === null ? 0 : fractionDigits(value)))))
      const format = () =>
        numbers.map((value) => (value === null ? null : decimals === 0 ? String(Math.round(value)) : value.toFixed(decimals)))
      let texts = format()
      const widest = () => Math.max(1, ...texts.map((text) => text?.length ?? 0))
      while (decimals > 0 && widest() > MAX_NUMBER_WIDTH) {
        decimals--
        texts = format()
      }
      const length = Math.min(MAX_NUMBER_WIDTH, widest())
      return { dbfType: 'N', length, decimals, cells: texts.map((text) => (text === null || text.length > length ? null : ascii(text))) }
    }
    case 'date':
      return {
        dbfType: 'D',
        length: 8,
        decimals: 0,
        cells: values.map((value) =>
          typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? ascii(value.slice(0, 10).replaceAll('-', '')) : null,
        ),
      }
    case 'boolean':
      return {
        dbfType: 'L',
        length: 1,
        decimals: 0,
        cells: values.map((value) => ascii(value === null ? '?' : value === true || value === 'true' ? 'T' : 'F')),
      }
    default: {
      const cells = values.map((value) => (value === null ? null : truncateEncoded(String(value), encoding, MAX_TEXT_BYTES)))
      return { dbfType: 'C', length: Math.max(1, ...cells.map((cell) => cell?.length ?? 0)), decimals: 0, cells }
    }
  }
}

/** Writes a .dbf of `rows` in `encoding` (languageDriver 0x4D marks GBK for readers that ignore the .cpg). */
export function writeDbf(
  fields: readonly FieldInfo[],
  rows: readonly Record<string, PropertyValue>[],
  encoding: string,
  languageDriver: number,
) {
  const names = dbfFieldNames(
    fields.map((field) => field.name),
    encoding,
  )
  const columns = fields.map((field) =>
    fieldColumn(
      field,
      rows.map((row) => row[field.name] ?? null),
      encoding,
    ),
  )
  const headerLength = 32 + 32 * fields.length + 1
  const recordLength = 1 + columns.reduce((sum, column) => sum + column.length, 0)
  const dbf = new Uint8Array(headerLength + recordLength * rows.length + 1).fill(0x20, headerLength)
  const view = new DataView(dbf.buffer)
  const today = new Date()
  dbf.set([0x03, today.getUTCFullYear() - 1900, today.getUTCMonth() + 1, today.getUTCDate()], 0)
  view.setUint32(4, rows.length, true)
  view.setUint16(8, headerLength, true)
  view.setUint16(10, recordLength, true)
  dbf[29] = languageDriver
  columns.forEach((column, i) => {
    const at = 32 + 32 * i
    dbf.set(encodeWith(names[i] as string, encoding), at)
    dbf[at + 11] = column.dbfType.charCodeAt(0)
    dbf[at + 16] = column.length
    dbf[at + 17] = column.decimals
  })
  dbf[headerLength - 1] = 0x0d
  for (let record = 0; record < rows.length; record++) {
    let at = headerLength + record * recordLength + 1
    for (const column of columns) {
      const cell = column.cells[record]
      // Numbers are right-aligned, text left-aligned; a null stays blank.
      if (cell) dbf.set(cell, column.dbfType === 'N' ? at + column.length - cell.length : at)
      at += column.length
    }
  }
  dbf[dbf.length - 1] = 0x1a
  const written: WrittenField[] = columns.map((column, i) => ({
    original: (fields[i] as FieldInfo).name,
    written: names[i] as string,
    dbfType: column.dbfType,
    length: column.length,
    decimals: column.decimals,
  }))
  return { dbf, fields: written }
}
