import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { CsvRecords } from './csv-records.js'

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
    expect(readAll(Buffer.from('a,b\r\n1,2\n"3",4\r\n'), 4)).toEqual([['a', 'b'], ['1', '2'], ['3', '4']])
  })

  it('reports a quote left open at the end', () => {
    const splitter = new CsvRecords()
    splitter.push('id,lng\n1,"113')
    expect(() => splitter.end()).toThrow(/unterminated/)
  })
})
