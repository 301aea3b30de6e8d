import maplibregl, { type LayerSpecification, type SourceSpecification } from 'maplibre-gl'
import { Protocol } from 'pmtiles'
import type { BasemapInfo } from '../../../server/basemap/basemap.schemas'

// The server's local basemap file (GRIDWORK_BASEMAP) as the bottom layer: a PMTiles archive read
// by byte ranges through the pmtiles protocol, or MBTiles tiles by URL. Vector tiles get a plain
// generic style from their vector_layers (fills and lines, no labels: no glyphs to download).

export const BASEMAP_SOURCE = 'local-basemap'
let protocolAdded = false

function source(info: BasemapInfo): SourceSpecification {
  const url = new URL(info.url, window.location.href).href
  const range = { minzoom: info.minzoom, maxzoom: info.maxzoom, ...(info.bounds ? { bounds: info.bounds } : {}) }
  if (info.format === 'pmtiles') {
    if (!protocolAdded) {
      maplibregl.addProtocol('pmtiles', new Protocol().tile)
      protocolAdded = true
    }
    return info.tiles === 'raster'
      ? { type: 'raster', url: `pmtiles://${url}`, tileSize: 256 }
      : { type: 'vector', url: `pmtiles://${url}` }
  }
  // The template's braces are kept literally: MapLibre fills {z}/{x}/{y} in.
  const tiles = [decodeURI(url)]
  return info.tiles === 'raster' ? { type: 'raster', tiles, tileSize: 256, ...range } : { type: 'vector', tiles, ...range }
}

/** Raster: one layer. Vector: a fill and a line per source layer, in muted greys. */
export function basemapLayers(info: BasemapInfo): LayerSpecification[] {
  if (info.tiles === 'raster') return [{ id: BASEMAP_SOURCE, type: 'raster', source: BASEMAP_SOURCE }]
  return info.vector_layers.flatMap((layer): LayerSpecification[] => [
    {
      id: `${BASEMAP_SOURCE}-${layer}-fill`,
      type: 'fill',
      source: BASEMAP_SOURCE,
      'source-layer': layer,
      filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': '#e4e1da', 'fill-opacity': 0.8 },
    },
    {
      id: `${BASEMAP_SOURCE}-${layer}-line`,
      type: 'line',
      source: BASEMAP_SOURCE,
      'source-layer': layer,
      paint: { 'line-color': '#b8b3a8', 'line-width': 0.8 },
    },
  ])
}

/** Adds the basemap under every other layer (just above the background colour). */
export function addLocalBasemap(map: maplibregl.Map, info: BasemapInfo): void {
  if (map.getSource(BASEMAP_SOURCE)) return
  map.addSource(BASEMAP_SOURCE, source(info))
  const bottom = map.getStyle().layers.find((layer) => layer.type !== 'background')?.id
  for (const layer of basemapLayers(info)) map.addLayer(layer, bottom)
  // The jurisdiction's white land would hide the basemap: let it show through.
  if (map.getLayer('region-fill')) map.setPaintProperty('region-fill', 'fill-opacity', 0.45)
}
