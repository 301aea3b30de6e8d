import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { CsvRecords, TOO_LONG } from './csv-records.js'

// The batch's CSV splitter reads what csv-parse reads, whatever the chunking.

function readAll(bytes: Buffer, chunkSize: number): string[][] {
  const splitter = new CsvRecords()
  const records: string[][] = []
  for (let i = 0; i < bytes.length; i += chunkSize) records.push(...splitter.push(bytes.subarray(i, i + chunkSize)))
  records.push(...splitter.end())
  return records
}

const TEXT = [
  '\uFEFFid,address,lng,lat',
  '1,示范县城关镇桂花社区人民路1号,113.001,28.001',
  '2,"人民路12号, 3栋","113.002",28.002',
  '3,"他说""你好""",113,28',
  '',
  '4,"两行\n地址",113,28',
  '5,,,',
  '6,末行无换行,113.5,28.5',
].join('\r\n')

describe('CsvRecords', () => {
  it('agrees with csv-parse for every chunk size (quotes, "" escapes, CRLF, quoted line breaks, BOM, UTF-8 split across chunks)', () => {
    const expected = parse(TEXT, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][]
    expect(expected).toHaveLength(7)
    const bytes = Buffer.from(TEXT)
    for (const size of [1, 2, 3, 5, 7, 16, 64, bytes.length]) expect(readAll(bytes, size), `chunks of ${size} bytes`).toEqual(expected)
  })

  it('takes LF and CRLF alike, also mixed in one file', () => {
    expect(readAll(Buffer.from('a,b\r\n1,2\n"3",4\r\n'), 4)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ])
  })

  it('reports a quote left open at the end', () => {
    const splitter = new CsvRecords()
    splitter.push('id,lng\n1,"113')
    expect(() => splitter.end()).toThrow(/unterminated/)
  })

  it('reports a record over the limit in its place and skips it to its end, keeping at most the limit (quote-free and quoted, any chunking)', () => {
    const text = [
      'id,lng',
      '1,2',
      `1,${'x'.repeat(1000)}`,
      '3,4',
      `"${'y'.repeat(500)}`,
      `quoted line break",${'z'.repeat(300)}`,
      '5,6',
      `7,"${'w'.repeat(200)}"`,
      '8,9',
    ].join('\n')
    const bytes = Buffer.from(text)
    for (const size of [1, 7, 64, 150, 1024, bytes.length]) {
      const splitter = new CsvRecords(100)
      const records: string[][] = []
      for (let i = 0; i < bytes.length; i += size) {
        records.push(...splitter.push(bytes.subarray(i, i + size)))
        expect(splitter.carried, `chunks of ${size}`).toBeLessThanOrEqual(100)
      }
      records.push(...splitter.end())
      expect(records, `chunks of ${size}`).toEqual([
        ['id', 'lng'],
        ['1', '2'],
        TOO_LONG,
        ['3', '4'],
        TOO_LONG,
        ['5', '6'],
        TOO_LONG,
        ['8', '9'],
      ])
    }
  })

  it('reports a too-long last record that runs to the end of the input', () => {
    const splitter = new CsvRecords(10)
    expect(splitter.push('a,b\n1,2\n3333333333333')).toEqual([['a', 'b'], ['1', '2'], TOO_LONG])
    expect(splitter.push('333')).toEqual([])
    expect(splitter.end()).toEqual([])
  })
})
