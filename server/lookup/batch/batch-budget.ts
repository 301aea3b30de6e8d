import type { FastifyRequest } from 'fastify'
import type { LookupAccess } from '../access/lookup-access.js'
import type { Language } from '../../i18n/index.js'
import { translate } from '../../i18n/index.js'
import { type BatchFormat, type BatchRow, csvLine, ndjsonLine } from './batch-format.js'
import type { ByteBlock } from './batch-bytes.js'

// The batch route's side of an API key's row budget: each chunk of answered rows is charged
// before it is sent; when only some of its rows fit, the chunk is cut before the first row that
// does not, and the answer ends with one error row naming it, so the caller knows where to go on.

export interface AdmittedRows {
  /** The bytes to send (all of the chunk, a leading part of it, or nothing). */
  bytes: Buffer
  rows: number
  /** The closing error line when the budget ran out, else null. */
  closing: string | null
}

export function admitRows(
  access: LookupAccess,
  request: FastifyRequest,
  format: BatchFormat,
  language: Language,
  chunk: ByteBlock,
  firstRow: number,
): AdmittedRows {
  const charged = access.chargeRows(request, chunk.rows)
  if (charged.refused === null) return { bytes: chunk.bytes, rows: chunk.rows, closing: null }
  const stop = firstRow + charged.rows
  const end = rowStart(chunk.bytes, format, stop, firstRow)
  const message = translate(language, 'error.lookup_batch_budget', { row: stop, ...charged.refused })
  const line: BatchRow = { row: stop, id: null, grid: null, dedicated: [], nearest: null, error: { code: 'lookup_batch_budget', message } }
  return { bytes: chunk.bytes.subarray(0, end), rows: charged.rows, closing: format === 'csv' ? csvLine(line) : ndjsonLine(line) }
}

/**
 * Where row `row` starts in a chunk whose first row is `firstRow`: every output line starts with
 * its row number (CSV `12,`, NDJSON `{"row":12,`). A field that happens to hold such text can only
 * move the cut earlier — never past rows that were not charged.
 */
function rowStart(bytes: Buffer, format: BatchFormat, row: number, firstRow: number): number {
  if (row <= firstRow) return 0
  const at = bytes.indexOf(format === 'csv' ? `\n${row},` : `\n{"row":${row},`)
  return at < 0 ? 0 : at + 1
}
