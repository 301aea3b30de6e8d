import { StringDecoder } from 'node:string_decoder'
import { MAX_BATCH_RECORD_CHARS } from '../../http/limits.js'

// A streaming CSV (RFC 4180) record splitter for the batch lookup. csv-parse took 4.5–6 s for a
// million 3-column rows on this machine — more than the whole batch budget (3 s) — while the
// rows of a lookup batch are nearly always plain. So: a line without a quote is split on commas
// (the fast path); a record with quotes is read character by character (quoted commas, ""
// escapes and line breaks inside quotes); an unterminated quote at the end is reported. Input
// arrives as bytes in chunks of any size: UTF-8 split across chunks and records split across
// chunks are handled; a BOM is dropped; CRLF and LF both end a record; empty lines are skipped.
// A record longer than MAX_BATCH_RECORD_CHARS is reported (tooLong) and skipped up to its end
// without being kept: only an unfinished record of at most that length is ever carried over, so
// memory stays bounded and no chunk rescans more than that much (a 100 MB line used to be
// rescanned on every chunk: quadratic).

/** Receives records in order: quote-free lines as a range of `text`, quoted ones as fields. */
export interface RecordVisitor {
  /** A record without quotes: text.slice(start, end) (no line break), to split on commas. */
  line(text: string, start: number, end: number): void
  record(fields: string[]): void
  /** A record longer than the limit, in its place (it is skipped). */
  tooLong(): void
}

/** Stands for a record that was too long in push() and end() results. */
export const TOO_LONG: readonly string[] = Object.freeze(['(too long)'])

/** The plain visitor: every record as its fields. */
class FieldsVisitor implements RecordVisitor {
  readonly records: string[][] = []

  line(text: string, start: number, end: number): void {
    this.records.push(text.slice(start, end).split(','))
  }

  record(fields: string[]): void {
    this.records.push(fields)
  }

  tooLong(): void {
    this.records.push(TOO_LONG as string[])
  }
}

export class CsvRecords {
  private readonly decoder = new StringDecoder('utf8')
  private rest = ''
  private started = false
  /** Inside a record that is too long, skipping to its end; whether its quotes so far are odd. */
  private skipping = false
  private oddQuotes = false

  constructor(private readonly maxChars = MAX_BATCH_RECORD_CHARS) {}

  /** Characters of an unfinished record carried over to the next chunk (at most the limit). */
  get carried(): number {
    return this.rest.length
  }

  /** Complete records in this chunk (and the unfinished one carried over). */
  push(chunk: Buffer | string): string[][] {
    const fields = new FieldsVisitor()
    this.visit(chunk, fields)
    return fields.records
  }

  /** The last record when the input does not end with a line break; throws on an open quote. */
  end(): string[][] {
    const fields = new FieldsVisitor()
    this.visitEnd(fields)
    return fields.records
  }

  /** push(), handing each record to `visitor` instead (quote-free lines unsplit, as ranges). */
  visit(chunk: Buffer | string, visitor: RecordVisitor): void {
    let fresh = typeof chunk === 'string' ? chunk : this.decoder.write(chunk)
    if (!this.started && fresh.length > 0) {
      this.started = true
      if (fresh.charCodeAt(0) === 0xfeff) fresh = fresh.slice(1)
    }
    if (this.skipping) {
      const after = this.skipTo(fresh)
      if (after < 0) return
      fresh = fresh.slice(after)
    }
    const text = this.rest + fresh
    this.rest = text.slice(split(text, visitor, this.maxChars))
    if (this.rest.length > this.maxChars) {
      // The unfinished record is already too long: report it, drop it, skip the rest of it.
      visitor.tooLong()
      this.skipping = true
      this.oddQuotes = countQuotes(this.rest) % 2 === 1
      this.rest = ''
    }
  }

  /** end(), handing the last record to `visitor`. */
  visitEnd(visitor: RecordVisitor): void {
    let text = this.rest + this.decoder.end()
    this.rest = ''
    if (this.skipping) {
      // The too-long record ran to the end (it was reported); anything after its line break is read.
      const after = this.skipTo(text)
      if (after < 0) return
      text = text.slice(after)
    }
    if (text.length > 0 && !text.endsWith('\n')) text += '\n'
    const used = split(text, visitor, this.maxChars)
    if (used < text.length) throw new Error('unterminated quoted field at the end of the input')
  }

  /** Skips the too-long record to its line break (outside quotes): where the next begins, or -1. */
  private skipTo(text: string): number {
    let at = 0
    for (;;) {
      const quote = text.indexOf('"', at)
      const newline = this.oddQuotes ? -1 : text.indexOf('\n', at)
      if (newline >= 0 && (quote < 0 || newline < quote)) {
        this.skipping = false
        return newline + 1
      }
      if (quote < 0) return -1
      this.oddQuotes = !this.oddQuotes
      at = quote + 1
    }
  }
}

function countQuotes(text: string): number {
  let count = 0
  for (let at = text.indexOf('"'); at >= 0; at = text.indexOf('"', at + 1)) count++
  return count
}

/** Hands the complete records of `text` to `visitor`; returns how many characters it used. */
function split(text: string, visitor: RecordVisitor, maxChars: number): number {
  let pos = 0
  const length = text.length
  // The next quote, searched again only once passed (not once per line: that is quadratic).
  let quote = -1
  while (pos < length) {
    const newline = text.indexOf('\n', pos)
    if (newline < 0) return pos
    if (quote < pos && quote !== Number.POSITIVE_INFINITY) {
      quote = text.indexOf('"', pos)
      if (quote < 0) quote = Number.POSITIVE_INFINITY
    }
    if (quote > newline) {
      let end = newline
      if (end > pos && text.charCodeAt(end - 1) === 13) end--
      if (end - pos > maxChars) visitor.tooLong()
      else if (end > pos) visitor.line(text, pos, end)
      pos = newline + 1
      continue
    }
    const used = quoted(text, pos, visitor, maxChars)
    if (used < 0) return pos // the record goes on in the next chunk (or is unterminated)
    pos = used
  }
  return pos
}

/** Reads one record with quotes from `start`; returns where the next begins, or -1 if incomplete. */
function quoted(text: string, start: number, visitor: RecordVisitor, maxChars: number): number {
  const fields: string[] = []
  let field = ''
  let i = start
  let inQuotes = false
  const length = text.length
  while (i < length) {
    const ch = text.charCodeAt(i)
    if (inQuotes) {
      if (ch === 34) {
        if (text.charCodeAt(i + 1) === 34) {
          field += '"'
          i += 2
          continue
        }
        if (i + 1 >= length) return -1 // a "" escape may be split across chunks
        inQuotes = false
        i++
        continue
      }
      const next = text.indexOf('"', i)
      if (next < 0) return -1
      field += text.slice(i, next)
      i = next
      continue
    }
    if (ch === 34) {
      inQuotes = true
      i++
    } else if (ch === 44) {
      fields.push(field)
      field = ''
      i++
    } else if (ch === 10 || (ch === 13 && text.charCodeAt(i + 1) === 10)) {
      fields.push(field)
      if (i - start > maxChars) visitor.tooLong()
      else visitor.record(fields)
      return i + (ch === 13 ? 2 : 1)
    } else if (ch === 13 && i + 1 >= length) {
      return -1
    } else {
      field += text[i]
      i++
    }
  }
  return -1
}
