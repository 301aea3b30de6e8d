import { describe, expect, it } from 'vitest'
import { JsonBytes } from './json-bytes.js'

// JsonBytes.number writes most coordinates from integers instead of through String(value); its
// text must be String's, byte for byte, for every double: random ones of every kind, and those
// the integer path takes (exact at 1–9 decimals) with their neighbours, which it must not take.
// JsonBytes.string escapes and encodes itself: JSON.stringify's text in UTF-8, for any string.

/** A deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SEED = Number(process.env.JSON_BYTES_SEED ?? 20261207)

function written(values: number[]): string[] {
  return values.map((value) => JsonBytes.write((out) => out.number(value)).toString('latin1'))
}

function expectAsString(values: number[]) {
  const texts = written(values)
  const wrong = values.filter((value, i) => texts[i] !== String(value))
  expect(
    wrong.slice(0, 5).map((value) => [value, String(value), written([value])[0]]),
    `seed ${SEED}`,
  ).toEqual([])
}

describe('JsonBytes', () => {
  const next = random(SEED)

  it('writes what String writes for random doubles of any bit pattern', () => {
    const bits = new DataView(new ArrayBuffer(8))
    const values: number[] = []
    for (let i = 0; i < 200_000; i++) {
      bits.setUint32(0, (next() * 2 ** 32) >>> 0)
      bits.setUint32(4, (next() * 2 ** 32) >>> 0)
      values.push(bits.getFloat64(0))
    }
    expectAsString(values)
  })

  it('writes what String writes for coordinates exact at 0–9 decimals, and their neighbours', () => {
    const values: number[] = []
    for (let i = 0; i < 200_000; i++) {
      const decimals = Math.floor(next() * 10)
      const scale = 10 ** decimals
      const whole = [180, 90, 1, 1e-3, 1e6, 1e7][i % 6] as number
      const value = (Math.round((next() * 2 - 1) * whole * scale) / scale) * (i % 7 === 0 ? -1 : 1)
      values.push(value, nextDouble(value, 1), nextDouble(value, -1))
    }
    expectAsString(values)
  })

  it('writes what String writes at the edges of the integer path', () => {
    const edges = [0, -0, 1e-6, -1e-6, 9.99999999e-7, 1.000000001e-6, 1e6, 999_999.999999999, -999_999.999999999, 1e-9, 5e-7]
    const values = edges.flatMap((value) => [value, nextDouble(value, 1), nextDouble(value, -1)])
    // The longest texts String writes (25 characters): the room reserved for a number.
    values.push(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, -Number.MAX_VALUE, 0.1 + 0.2)
    values.push(-1.2345678901234567e-6, -1.2345678901234567e-308, -9.999999999999999e20)
    expectAsString(values)
  })

  it('writes strings, numbers and null as JSON.stringify does, in UTF-8', () => {
    // Units of every class the writer tells apart: plain ASCII, each escape, two- and three-byte
    // characters, surrogate pairs and lone surrogates (JSON.stringify escapes those).
    const units = [0x41, 0x7a, 0x20, 0x7e, 0x7f, 0x22, 0x5c, 0x2f, 0x00, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1f, 0x80, 0xe9, 0x7ff, 0x800]
    units.push(0x6d4b, 0x2028, 0xfeff, 0xffff, 0xd7ff, 0xe000, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d, 0xde00)
    const failures: string[] = []
    for (let i = 0; i < 50_000; i++) {
      const length = Math.floor(next() * 12)
      const value = String.fromCharCode(...Array.from({ length }, () => units[Math.floor(next() * units.length)] as number))
      if (!JsonBytes.write((out) => out.json(value)).equals(Buffer.from(JSON.stringify(value)))) failures.push(JSON.stringify(value))
    }
    expect(failures.slice(0, 5), `seed ${SEED}`).toEqual([])
    const values = ['测试1镇 \u{1f600}', 120, -0.5, null, Number.NaN, Number.POSITIVE_INFINITY, 1e21]
    const written = JsonBytes.write((out) => {
      for (const value of values) out.json(value)
    })
    expect(written.toString()).toBe(['测试1镇 \u{1f600}', 120, -0.5, null, null, null, 1e21].map((v) => JSON.stringify(v)).join(''))
  })

  it('writes text, ASCII and positions as UTF-8, growing its buffer, and copies out only what it wrote', () => {
    const ring = Float64Array.of(0, 0, -1.2345678901234567e-6, 31.5, 1e-7, -9.999999999999999e20)
    const large = JsonBytes.write((out) => out.ascii('x'.repeat(300_000)))
    const written = JsonBytes.write((out) => {
      out.ascii('{"name":')
      out.text(JSON.stringify('测试1镇 ☃ \u{1f600}'))
      out.byte(44)
      out.number(117.000001)
      out.byte(44)
      out.positions(ring, 0, 3, false)
      out.positions(ring, 1, 3, true)
      out.byte(125)
    })
    expect(large.length).toBe(300_000)
    const text = '[[0,0],[-0.0000012345678901234567,31.5],[1e-7,-999999999999999900000]]'
    expect(written.toString('utf8')).toBe(
      `{"name":"测试1镇 ☃ \u{1f600}",117.000001,${text}[[1e-7,-999999999999999900000],[-0.0000012345678901234567,31.5]]}`,
    )
  })
})

/** The next double above (direction 1) or below (-1). */
function nextDouble(value: number, direction: 1 | -1): number {
  if (!Number.isFinite(value)) return value
  if (value === 0) return direction * Number.MIN_VALUE
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, value)
  const bits = view.getBigUint64(0)
  view.setBigUint64(0, value > 0 === direction > 0 ? bits + 1n : bits - 1n)
  return view.getFloat64(0)
}
