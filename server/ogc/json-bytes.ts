// A response body written as UTF-8 bytes into one growing buffer. A page of 10,000 grids is ~11 MB
// and ~800,000 coordinates: built as strings it cost a string per number, cons strings to flatten,
// and a UTF-16 → UTF-8 pass over the whole text (two-byte once one Chinese name is in it); here
// every byte is written once.

const SCALE = 1e9 // coordinates exact at up to 9 decimals take the integer path (below)
const DOT = 46
const MINUS = 45
const ZERO = 48
const QUOTE = 0x22
const BACKSLASH = 0x5c
const [OPEN, CLOSE, COMMA] = [0x5b, 0x5d, 0x2c] // [ ] ,
/** The longest text String gives a double: "-0.0000012345678901234567" (25). */
const NUMBER_ROOM = 25

/** The buffer the last body was written into, kept for the next (JsonBytes.write); null while in use. */
let kept: Buffer | null = null
/** A buffer grown past this for one large body is let go rather than kept. */
const KEEP_AT_MOST = 32 << 20

export class JsonBytes {
  private at = 0

  private constructor(private buffer: Buffer) {}

  /**
   * The bytes `fill` writes (synchronously), copied out of a buffer kept from one body to the
   * next. A fresh buffer per body, doubling up to ~16 MB for an 11 MB page, made V8 run a full
   * collection every page or two (profile: ~15 % of the bench, docs/engine-notes.md); the
   * kept one grows once, and the copy of exactly the body costs a few milliseconds.
   */
  static write(fill: (out: JsonBytes) => void): Buffer {
    const out = new JsonBytes(kept ?? Buffer.allocUnsafe(1 << 16))
    kept = null // a write inside `fill` (none today) takes a buffer of its own
    fill(out)
    const bytes = Buffer.allocUnsafe(out.at)
    out.buffer.copy(bytes, 0, 0, out.at)
    if (out.buffer.length <= KEEP_AT_MOST) kept = out.buffer
    return bytes
  }

  /** Makes room for `bytes` more. */
  reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes))
    this.buffer.copy(grown, 0, 0, this.at)
    this.buffer = grown
  }

  /** Any text, as UTF-8 (one UTF-16 unit is at most 3 bytes). */
  text(value: string): void {
    this.reserve(value.length * 3)
    this.at += this.buffer.write(value, this.at)
  }

  /** Short ASCII text (punctuation, keys): copied here, cheaper than a call into Buffer.write. */
  ascii(value: string): void {
    this.reserve(value.length)
    for (let i = 0; i < value.length; i++) this.buffer[this.at++] = value.charCodeAt(i)
  }

  byte(code: number): void {
    this.reserve(1)
    this.buffer[this.at++] = code
  }

  /**
   * A string, number or null exactly as JSON.stringify writes it, without making that string: a
   * feature's properties (JSON.stringify of an object and Buffer.write of its text cost ~2 µs a
   * feature, a tenth of the page).
   */
  json(value: string | number | null): void {
    if (typeof value === 'string') this.string(value)
    else if (typeof value === 'number' && Number.isFinite(value)) this.number(value)
    else this.ascii('null')
  }

  /** A string as JSON.stringify writes it (its escapes, lone surrogates as \udxxx), in UTF-8. */
  string(value: string): void {
    this.reserve(value.length * 6 + 2) // \u00xx: 6 bytes for one UTF-16 unit; UTF-8 at most 3
    const buffer = this.buffer
    let at = this.at
    buffer[at++] = QUOTE
    for (let i = 0; i < value.length; i++) {
      const unit = value.charCodeAt(i)
      if (unit < 0x80) {
        if (unit >= 0x20 && unit !== QUOTE && unit !== BACKSLASH) buffer[at++] = unit
        else at = writeEscape(buffer, at, unit)
      } else if (unit < 0x800) {
        buffer[at++] = 0xc0 | (unit >> 6)
        buffer[at++] = 0x80 | (unit & 0x3f)
      } else if (unit < 0xd800 || unit > 0xdfff) {
        buffer[at++] = 0xe0 | (unit >> 12)
        buffer[at++] = 0x80 | ((unit >> 6) & 0x3f)
        buffer[at++] = 0x80 | (unit & 0x3f)
      } else {
        const low = value.charCodeAt(i + 1) // NaN past the end
        if (unit > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) {
          at = writeEscape(buffer, at, unit)
          continue
        }
        const point = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
        buffer[at++] = 0xf0 | (point >> 18)
        buffer[at++] = 0x80 | ((point >> 12) & 0x3f)
        buffer[at++] = 0x80 | ((point >> 6) & 0x3f)
        buffer[at++] = 0x80 | (point & 0x3f)
        i++
      }
    }
    buffer[at++] = QUOTE
    this.at = at
  }

  /** A number exactly as JavaScript writes it (`String(value)`): see writeNumber. */
  number(value: number): void {
    this.reserve(NUMBER_ROOM)
    this.at = writeNumber(this.buffer, this.at, value)
  }

  /**
   * Vertices `from` to `to` (exclusive) of a flat x, y array as GeoJSON positions, `[[x,y],…]`,
   * last to first when `reverse`: the bulk of a page, so one bounds check for the whole ring.
   */
  positions(flat: Float64Array, from: number, to: number, reverse: boolean): void {
    this.reserve((to - from) * (2 * NUMBER_ROOM + 4) + 2)
    const buffer = this.buffer
    let at = this.at
    buffer[at++] = OPEN
    for (let k = 0; k < to - from; k++) {
      const v = reverse ? to - 1 - k : from + k
      if (k > 0) buffer[at++] = COMMA
      buffer[at++] = OPEN
      at = writeNumber(buffer, at, flat[v * 2] as number)
      buffer[at++] = COMMA
      at = writeNumber(buffer, at, flat[v * 2 + 1] as number)
      buffer[at++] = CLOSE
    }
    buffer[at++] = CLOSE
    this.at = at
  }
}

const SHORT_ESCAPES: Record<number, string> = { 8: 'b', 9: 't', 10: 'n', 12: 'f', 13: 'r', [QUOTE]: '"', [BACKSLASH]: '\\' }

/** A UTF-16 unit as JSON.stringify escapes it: \n and the like, else \u and four lower-case hex digits. */
function writeEscape(buffer: Buffer, start: number, unit: number): number {
  const short = SHORT_ESCAPES[unit]
  const text = short === undefined ? `\\u${unit.toString(16).padStart(4, '0')}` : `\\${short}`
  let at = start
  for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i)
  return at
}

/**
 * Writes `value` at `at` exactly as JavaScript writes it (`String(value)`, the shortest text that
 * reads back as the same double); returns the position after it. When the value is the double
 * nearest to n / 10⁹ for an integer n, and 10⁻⁶ ≤ |value| < 10⁶, that text is n's digits with the
 * point put in and the trailing zeros dropped: the decimal has at most 15 significant digits, and
 * no two decimals of 15 digits or fewer read as the same double, so no shorter text reads back as
 * it; in that range JS writes no exponent. Anything else goes through String (property test:
 * json-bytes.test.ts).
 */
function writeNumber(buffer: Buffer, start: number, value: number): number {
  let at = start
  const scaled = Math.round(value * SCALE)
  const magnitude = value < 0 ? -value : value
  if (scaled / SCALE !== value || !(magnitude >= 1e-6 && magnitude < 1e6)) {
    const text = String(value)
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i)
    return at
  }
  if (value < 0) buffer[at++] = MINUS
  // Both parts fit an int32: `| 0` keeps V8 in integer arithmetic (% and / on doubles call fmod).
  const whole = Math.floor(magnitude) | 0 // exact: the value is whole + fraction / 10⁹
  let fraction = ((scaled < 0 ? -scaled : scaled) - whole * SCALE) | 0
  at = writeDigits(buffer, at, whole)
  if (fraction === 0) return at
  let digits = 9
  for (let tenth = (fraction / 10) | 0; tenth * 10 === fraction; tenth = (fraction / 10) | 0) {
    fraction = tenth
    digits--
  }
  buffer[at++] = DOT
  for (let k = at + digits - 1; k >= at; k--) {
    const tenth = (fraction / 10) | 0
    buffer[k] = ZERO + fraction - tenth * 10
    fraction = tenth
  }
  return at + digits
}

/** The decimal digits of a whole number below 10⁶ at `at`; returns the position after them. */
function writeDigits(buffer: Buffer, at: number, value: number): number {
  const digits = value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10_000 ? 4 : value < 100_000 ? 5 : 6
  let rest = value
  for (let k = at + digits - 1; k >= at; k--) {
    const tenth = (rest / 10) | 0
    buffer[k] = ZERO + rest - tenth * 10
    rest = tenth
  }
  return at + digits
}
