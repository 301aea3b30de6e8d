import type { Readable } from 'node:stream'
import { AppError, badRequest } from '../../http/errors.js'
import { MAX_BATCH_RECORD_CHARS, formatCount } from '../../http/limits.js'
import type { PostgisPointGroup } from '../postgis-lookup.js'
import { ByteBlock, OutputBytes } from './batch-bytes.js'
import { type BatchFormat, type BatchRow, CSV_COLUMNS, csvLine, ndjsonLine } from './batch-format.js'
import { utf8Checked } from './batch-input.js'
import { type BatchOptions, RowResolver } from './batch-resolve.js'
import { csvHeader, csvRows, HeaderThenRecords, ndjsonRows, type Pending } from './batch-rows.js'
import { CsvRecords } from './csv-records.js'

// Batch lookup, streamed both ways: rows are parsed as they arrive (csv-records.ts / lines), looked
// up, and written out in input order as they are ready, so neither the request nor the response is
// ever held whole. The consumer pulls (an async generator behind a Readable), which gives
// backpressure: a slow client stops the parsing. Point rows are answered synchronously from the
// index; address rows (and points when the index cannot answer, e.g. as_of a past day) are
// promises, at most ADDRESS_CONCURRENCY in flight, their results still written in order. Points
// for PostGIS wait in the batch's PostgisPointGroup and go POSTGIS_GROUP to a statement.
// A bad row becomes an error row with its number, code and message; the batch goes on.

const ADDRESS_CONCURRENCY = 8
const FLUSH_BYTES = 64 * 1024

/** Output bytes of consecutive rows. */
export type BatchChunk = ByteBlock

/**
 * Keeps rows in input order while promises (address rows) resolve, at most `limit` pending plus
 * the points waiting in `postgis` (< POSTGIS_GROUP), which it sends before it waits for a row.
 */
async function* ordered(
  batches: AsyncIterable<Pending[]>,
  format: (row: BatchRow) => string,
  limit: number,
  postgis: PostgisPointGroup,
): AsyncGenerator<BatchChunk> {
  let queue: Pending[] = []
  let head = 0
  const out = new OutputBytes(FLUSH_BYTES)
  const append = (pending: BatchRow | ByteBlock) => {
    if (pending instanceof ByteBlock) {
      out.appendBytes(pending.bytes)
      out.rows += pending.rows
    } else {
      out.appendString(format(pending))
      out.rows++
    }
  }
  for await (const batch of batches) {
    for (const row of batch) {
      queue.push(row)
      while (head < queue.length) {
        const first = queue[head] as Pending
        if (first instanceof Promise) {
          if (queue.length - head <= limit + postgis.waiting) break
          postgis.flush()
          append(await first)
        } else {
          append(first)
        }
        head++
      }
      if (head === queue.length) {
        queue = []
        head = 0
      }
    }
    if (out.size >= FLUSH_BYTES) yield out.take()
  }
  postgis.flush()
  for (; head < queue.length; head++) append(await (queue[head] as Pending))
  if (out.size > 0) yield out.take()
}

/**
 * Starts a batch over `input`: reads what is needed to know the batch is well-formed (the CSV
 * header) and throws a 400 if it is not; then returns the output as text chunks to stream.
 */
export async function openBatch(
  input: Readable,
  format: BatchFormat,
  options: BatchOptions,
): Promise<{ chunks: AsyncGenerator<BatchChunk>; header: string }> {
  const resolver = new RowResolver(options)
  const limit = options.concurrency ?? ADDRESS_CONCURRENCY
  let chunks: AsyncIterator<Buffer | string>
  try {
    chunks = await utf8Checked(input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>)
  } catch (error) {
    input.resume()
    throw error
  }
  if (format === 'ndjson') return { chunks: ordered(ndjsonRows(chunks, resolver), ndjsonLine, limit, resolver.postgis), header: '' }
  const splitter = new CsvRecords()
  // Read up to the header row; the records after it in the same chunk wait for csvRows.
  const start = new HeaderThenRecords()
  let ended = false
  try {
    while (start.header === null && !start.headerTooLong) {
      const next = await chunks.next()
      if (next.done) {
        splitter.visitEnd(start)
        ended = true
        break
      }
      splitter.visit(next.value, start)
    }
  } catch (error) {
    input.resume()
    throw badRequest('lookup_batch_unreadable', { detail: error instanceof Error ? error.message : String(error) })
  }
  if (start.headerTooLong) {
    // Nothing is answered yet, so the whole request is refused; the rest of the body is drained unread.
    input.resume()
    throw new AppError(413, 'lookup_batch_header_too_long', { limit: formatCount(MAX_BATCH_RECORD_CHARS) })
  }
  const header = start.header ? csvHeader(start.header) : null
  if (!header) {
    input.resume()
    throw badRequest('lookup_batch_header')
  }
  return {
    chunks: ordered(csvRows(chunks, splitter, start, ended, header, resolver), csvLine, limit, resolver.postgis),
    header: `${CSV_COLUMNS.join(',')}\n`,
  }
}
