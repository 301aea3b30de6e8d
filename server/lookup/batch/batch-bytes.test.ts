import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../demo/random.js'
import { parsePlainDecimal, writeDigits, writeTenths } from './batch-bytes.js'

// The batch's byte path must read and write numbers exactly as Number() and String() do.

describe('parsePlainDecimal', () => {
  it('gives Number()’s value for plain decimals of every length, and NaN for anything else', () => {
    const rnd = seededRandom(7)
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('')
    for (let i = 0; i < 20_000; i++) {
      const whole = digits(1 + Math.floor(rnd() * 4))
      const fraction = digits(Math.floor(rnd() * 16))
      const text = `${rnd() < 0.3 ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
      const padded = `,${text},`
      expect(Object.is(parsePlainDecimal(padded, 1, padded.length - 1), Number(text)), text).toBe(true)
    }
    for (const text of ['', '-', '1.', '.5', '+1', ' 1', '1 ', '1e5', '0x10', '1.2.3', '--1', 'Infinity', '１１３']) {
      expect(parsePlainDecimal(text, 0, text.length), JSON.stringify(text)).toBeNaN()
    }
    expect(Object.is(parsePlainDecimal('-0', 0, 2), -0)).toBe(true)
  })
})

describe('writeDigits and writeTenths', () => {
  it('write what String() writes', () => {
    const out = Buffer.alloc(64)
    const rnd = seededRandom(8)
    for (const value of [0, 7, 10, 99, 100, 123456789, 2 ** 53 - 1, ...Array.from({ length: 2000 }, () => Math.floor(rnd() * 1e9))]) {
      expect(out.toString('latin1', 0, writeDigits(out, 0, value))).toBe(String(value))
    }
    for (const metres of [0, 0.04, 0.05, 0.96, 1, 12.34, 975.25, 1e6 + 0.55, ...Array.from({ length: 2000 }, () => rnd() * 50_000)]) {
      expect(out.toString('latin1', 0, writeTenths(out, 0, metres)), String(metres)).toBe(String(Math.round(metres * 10) / 10))
    }
  })
})
