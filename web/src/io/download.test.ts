import { describe, expect, it } from 'vitest'
import { filenameFromContentDisposition } from './download'

describe('filename from Content-Disposition', () => {
  it("prefers RFC 5987's UTF-8 name (how Chinese names travel) over the ASCII fallback", () => {
    const header = `attachment; filename="grids.zip"; filename*=UTF-8''${encodeURIComponent('城关镇网格_2026-12-07.zip')}`
    expect(filenameFromContentDisposition(header)).toBe('城关镇网格_2026-12-07.zip')
    expect(filenameFromContentDisposition(`attachment; filename*=utf-8'zh-CN'${encodeURIComponent('网格.gpkg')}`)).toBe('网格.gpkg')
  })

  it('reads a plain quoted or bare filename', () => {
    expect(filenameFromContentDisposition('attachment; filename="a \\"b\\".csv"')).toBe('a "b".csv')
    expect(filenameFromContentDisposition('attachment; filename=grids.fgb')).toBe('grids.fgb')
  })

  it('decodes ISO-8859-1 names byte by byte and falls back on a broken escape', () => {
    expect(filenameFromContentDisposition("attachment; filename*=iso-8859-1'en'caf%E9.csv")).toBe('café.csv')
    expect(filenameFromContentDisposition(`attachment; filename="x.zip"; filename*=UTF-8''%E7%BD.zip`)).toBe('x.zip')
  })

  it('is null without a name', () => {
    expect(filenameFromContentDisposition(null)).toBeNull()
    expect(filenameFromContentDisposition('attachment')).toBeNull()
  })
})
