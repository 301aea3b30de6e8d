import { StringDecoder } from 'node:string_decoder'

// A streaming CSV (RFC 4180) record splitter for the batch lookup. csv-parse took 4.5–6 s for a
// million 3-column rows on this machine — more than the whole batch budget (3 s) — while the
// rows of a lookup batch are nearly always plain. So: a line without a quote is split on commas
// (the fast path); a record with quotes is read character by character (quoted commas, ""
// escapes and line breaks inside quotes); an unterminated quote at the end is reported. Input
// arrives as bytes in chunks of any size: UTF-8 split across chunks and records split across
// chunks are handled; a BOM is dropped; CRLF and LF both end a record; empty lines are skipped.

/** Receives records in order: quote-free lines as a range of `text`, quoted ones as fields. */
export interface RecordVisitor {
  /** A record without quotes: text.slice(start, end) (no line break), to split on commas. */
  line(text: string, start: number, end: number): void
  record(fields: string[]): void
}

/** The plain visitor: every record as its fields. */
class FieldsVisitor implements RecordVisitor {
  readonly records: string[][] = []

  line(text: string, start: number, end: number): void {
    this.records.push(text.slice(start, end).split(','))
  }

  record(fields: string[]): void {
    this.records.push(fields)
  }
}

export class CsvRecords {
  private readonly decoder = new StringDecoder('utf8')
  private rest = ''
  private started = false

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
    let text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))
    if (!this.started && text.length > 0) {
      this.started = true
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    this.rest = text.slice(split(text, visitor))
  }

  /** end(), handing the last record to `visitor`. */
  visitEnd(visitor: RecordVisitor): void {
    let text = this.rest + this.decoder.end()
    this.rest = ''
    if (text.length > 0 && !text.endsWith('\n')) text += '\n'
    const used = split(text, visitor)
    if (used < text.length) throw new Error('unterminated quoted field at the end of the input')
  }
}

/** Hands the complete records of `text` to `visitor`; returns how many characters it used. */
function split(text: string, visitor: RecordVisitor): number {
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
      if (end > pos) visitor.line(text, pos, end)
      pos = newline + 1
      continue
    }
    const used = quoted(text, pos, visitor)
    if (used < 0) return pos // the record goes on in the next chunk (or is unterminated)
    pos = used
  }
  return pos
}

/** Reads one record with quotes from `start`; returns where the next begins, or -1 if incomplete. */
function quoted(text: string, start: number, visitor: RecordVisitor): number {
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
      visitor.record(fields)
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
