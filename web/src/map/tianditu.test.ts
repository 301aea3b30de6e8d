import { describe, expect, it } from 'vitest'
import { tiandituBasemap } from './tianditu'

describe('Tianditu basemap', () => {
  it('asks Tianditu’s web-mercator WMTS for vector tiles and labels with the configured key', () => {
    const { sources, layers } = tiandituBasemap('0123456789abcdef0123456789abcdef')
    expect(layers.map((l) => l.id)).toEqual(['tianditu-vec', 'tianditu-cva'])
    const vec = sources['tianditu-vec'] as { tiles: string[] }
    expect(vec.tiles).toHaveLength(8)
    expect(vec.tiles[0]).toBe(
      'https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=0123456789abcdef0123456789abcdef',
    )
    expect((sources['tianditu-cva'] as { tiles: string[] }).tiles[7]).toContain('https://t7.tianditu.gov.cn/cva_w/wmts?')
  })
})
