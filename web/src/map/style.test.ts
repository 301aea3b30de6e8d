import type { SymbolLayerSpecification } from 'maplibre-gl'
import { describe, expect, it } from 'vitest'
import { buildStyle, GRID_CODE_LABEL_ZOOM } from './style'

describe('grid labels', () => {
  const layer = buildStyle().layers.find((l): l is SymbolLayerSpecification => l.id === 'grid-label')

  it('keep the short name below street zoom and add the code from street zoom on', () => {
    expect(layer?.minzoom).toBe(13.5)
    expect(GRID_CODE_LABEL_ZOOM).toBe(14)
    const [op, input, below, zoom, above] = (layer?.layout?.['text-field'] ?? []) as unknown[]
    expect([op, input, below, zoom]).toEqual(['step', ['zoom'], ['get', 'label'], 14])
    expect(above).toEqual(['format', ['get', 'label'], {}, '\n', {}, ['get', 'code'], { 'font-scale': 0.85 }])
  })
})
