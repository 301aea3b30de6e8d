// Byte-level helpers for the batch's fast path (batch.ts): the answer to a plain point row is
// written straight into a Buffer, so a million rows do not become a million strings, ropes of
// them, and then one more copy when the response encodes them (a third of the batch's time).
// Written by hand because they are a handful of lines each and sit on the hottest path; no
// library offers "append ASCII digits to a Buffer" or a decimal parser that is exact by design.

/** Formatted output bytes of consecutive rows, in input order. */
export class ByteBlock {
  constructor(
    readonly bytes: Buffer,
    readonly rows: number,
  ) {}
}

/** Appends the decimal digits of a non-negative integer below 2^53; returns the new position. */
export function writeDigits(out: Buffer, pos: number, value: number): number {
  if (value < 10) {
    out[pos] = 48 + value
    return pos + 1
  }
  let digits = 1
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++
  let at = pos + digits
  for (let v = value; at > pos; v = Math.floor(v / 10)) out[--at] = 48 + (v % 10)
  return pos + digits
}

/**
 * Appends a distance in metres as String(roundDistanceM(d)) prints it (d ≥ 0, below 2^49):
 * the whole metres, then ".tenths" unless they are 0.
 */
export function writeTenths(out: Buffer, pos: number, metres: number): number {
  const tenths = Math.round(metres * 10)
  let at = writeDigits(out, pos, Math.floor(tenths / 10))
  const last = tenths % 10
  if (last !== 0) {
    out[at++] = 46 // '.'
    out[at++] = 48 + last
  }
  return at
}

const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]

/**
 * The value of text[start, end) when it is a plain decimal ("-113.1234567": optional minus,
 * digits, optionally a point and more digits), else NaN (the caller then takes the general path,
 * which knows every other form Number() accepts). Up to 15 digits it is computed here, exactly
 * as Number() would: both the digits as an integer and the power of ten are exact doubles, so the
 * one division is correctly rounded (Clinger's fast path, as every strtod has); longer ones are
 * handed to Number().
 */
export function parsePlainDecimal(text: string, start: number, end: number): number {
  let i = start
  const negative = text.charCodeAt(i) === 45 // '-'
  if (negative) i++
  let mantissa = 0
  let digits = 0
  let fraction = -1
  for (; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48)
      digits++
      if (fraction >= 0) fraction++
    } else if (c === 46 && fraction < 0) {
      fraction = 0
    } else {
      return Number.NaN
    }
  }
  // "-", "", "1." and ".5" are left to the general path.
  if (digits === 0 || fraction === 0 || (fraction > 0 && digits === fraction)) return Number.NaN
  if (digits > 15) return Number(text.slice(start, end))
  const value = fraction > 0 ? mantissa / (POWERS_OF_TEN[fraction] as number) : mantissa
  return negative ? -value : value
}

/** Buffers output bytes and hands them on in chunks of about `chunkBytes`. */
export class OutputBytes {
  private buffer: Buffer
  private pos = 0
  rows = 0

  constructor(private readonly chunkBytes: number) {
    this.buffer = Buffer.allocUnsafe(chunkBytes * 2)
  }

  get size(): number {
    return this.pos
  }

  appendString(text: string): void {
    this.reserve(text.length * 3)
    this.pos += this.buffer.write(text, this.pos)
  }

  appendBytes(bytes: Buffer): void {
    this.reserve(bytes.length)
    this.buffer.set(bytes, this.pos)
    this.pos += bytes.length
  }

  /** The bytes so far (and their row count); starts afresh. */
  take(): ByteBlock {
    const block = new ByteBlock(this.buffer.subarray(0, this.pos), this.rows)
    this.buffer = Buffer.allocUnsafe(this.chunkBytes * 2)
    this.pos = 0
    this.rows = 0
    return block
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.pos + bytes))
    this.buffer.copy(grown, 0, 0, this.pos)
    this.buffer = grown
  }
}
