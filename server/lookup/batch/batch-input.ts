import { StringDecoder } from 'node:string_decoder'
import { BATCH_ENCODING_CHECK_BYTES, MAX_BATCH_RECORD_CHARS } from '../../http/limits.js'
import { badRequest } from '../../http/errors.js'

// The raw input of a batch before it becomes rows: the check that it is UTF-8 at all, and the
// NDJSON line splitter (CSV records: csv-records.ts). Both keep memory bounded whatever the
// client sends.

type Chunks = AsyncIterator<Buffer | string>

/**
 * Reads the first BATCH_ENCODING_CHECK_BYTES of the input (the header and the first rows) and
 * refuses the batch (400) if they are not UTF-8 — a GBK file from Excel or WPS would otherwise
 * be misread character by character and fail on its header or match no address; returns the
 * chunks again, those read first included.
 */
export async function utf8Checked(chunks: Chunks): Promise<Chunks> {
  const head: (Buffer | string)[] = []
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let bytes = 0
  let ended = false
  while (bytes < BATCH_ENCODING_CHECK_BYTES) {
    const next = await chunks.next()
    if (next.done) {
      ended = true
      break
    }
    head.push(next.value)
    if (typeof next.value === 'string') continue
    bytes += next.value.length
    try {
      decoder.decode(next.value, { stream: true })
    } catch {
      throw badRequest('lookup_batch_not_utf8')
    }
  }
  if (ended) {
    try {
      decoder.decode()
    } catch {
      throw badRequest('lookup_batch_not_utf8')
    }
  }
  // A plain iterator, not an async generator: the body's chunks then reach the splitter with no
  // extra turns of the event loop (a generator here cost 15 % of a 1 M-row batch).
  let replayed = 0
  return {
    next: () => {
      if (replayed < head.length) return Promise.resolve({ done: false, value: head[replayed++] as Buffer | string })
      return ended ? Promise.resolve({ done: true, value: undefined }) : chunks.next()
    },
  }
}

/** Stands for an NDJSON line longer than MAX_BATCH_RECORD_CHARS (skipped, never kept). */
export const LINE_TOO_LONG = Symbol('line too long')

/**
 * The lines of NDJSON input, a batch per chunk. The line break is looked for only in what just
 * arrived, and an unfinished line is kept only up to MAX_BATCH_RECORD_CHARS: a longer line is
 * given as LINE_TOO_LONG and skipped to its end.
 */
export async function* ndjsonLines(chunks: Chunks, maxChars = MAX_BATCH_RECORD_CHARS): AsyncGenerator<(string | typeof LINE_TOO_LONG)[]> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  let skipping = false
  for (;;) {
    const next = await chunks.next()
    let fresh = next.done ? decoder.end() : typeof next.value === 'string' ? next.value : decoder.write(next.value)
    const lines: (string | typeof LINE_TOO_LONG)[] = []
    if (skipping) {
      const newline = fresh.indexOf('\n')
      if (newline >= 0) {
        skipping = false
        fresh = fresh.slice(newline + 1)
      } else {
        fresh = ''
      }
    }
    let start = 0
    for (let newline = fresh.indexOf('\n'); newline >= 0; newline = fresh.indexOf('\n', start)) {
      const line = rest + fresh.slice(start, newline)
      rest = ''
      lines.push(line.length > maxChars ? LINE_TOO_LONG : line)
      start = newline + 1
    }
    if (!skipping) rest += fresh.slice(start)
    if (rest.length > maxChars) {
      lines.push(LINE_TOO_LONG)
      rest = ''
      skipping = true
    }
    if (next.done && rest !== '') lines.push(rest)
    if (lines.length > 0) yield lines
    if (next.done) return
  }
}
