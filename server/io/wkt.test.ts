import { describe, expect, it } from 'vitest'
import { parseWkt, toWkt } from './wkt.js'

// WKT as CSV and XLSX files carry it: every type, Z/M dropped, EWKT's SRID prefix skipped.

describe('WKT', () => {
  it('reads every geometry type and writes it back', () => {
    const texts = [
      'POINT (117.2 31.8)',
      'LINESTRING (1 2, 3 4)',
      'POLYGON ((0 0, 1 0, 1 1, 0 0), (0.2 0.2, 0.3 0.2, 0.3 0.3, 0.2 0.2))',
      'MULTIPOINT (1 2, 3 4)',
      'MULTILINESTRING ((1 2, 3 4), (5 6, 7 8))',
      'MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))',
      'GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (1 2, 3 4))',
    ]
    for (const text of texts) expect(toWkt(parseWkt(text) ?? { type: 'Point', coordinates: [] })).toBe(text)
  })

  it('drops Z and M, skips an SRID prefix, accepts lower case and MULTIPOINT with parentheses', () => {
    expect(parseWkt('SRID=4490;point z (117.2 31.8 12.5)')).toEqual({ type: 'Point', coordinates: [117.2, 31.8] })
    expect(parseWkt('LINESTRING ZM (1 2 3 4, 5 6 7 8)')).toEqual({
      type: 'LineString',
      coordinates: [
        [1, 2],
        [5, 6],
      ],
    })
    expect(parseWkt('MULTIPOINT ((1 2), (3 4))')).toEqual({
      type: 'MultiPoint',
      coordinates: [
        [1, 2],
        [3, 4],
      ],
    })
    expect(parseWkt('POLYGON EMPTY')).toBeNull()
  })

  it('refuses malformed text', () => {
    for (const text of ['', 'POLYGON ((1 2, 3 4)', 'CIRCLE (1 2)', 'POINT (1)', 'POINT (1 2) extra', 'POINT (a b)']) {
      expect(() => parseWkt(text), text).toThrow()
    }
  })
})
