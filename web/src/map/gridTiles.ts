import type maplibregl from 'maplibre-gl'
import { GRID_FILL_LAYER } from './style'

// The grids of a large region as vector tiles (/tiles/grids/{z}/{x}/{y}.mvt): outlines of every
// grid at any zoom, cut by the server, so a county of 20,000 grids pans without loading them all.
// Below `editZoom` they are the only grids drawn; from it on, the editable grids in view (loaded
// as GeoJSON) draw over them. Tiles carry the caller's token (transformRequest in gridMap.ts).

export const GRID_TILES_SOURCE = 'grid-tiles'
export const GRID_TILES_FILL = 'grid-tiles-fill'
export const GRID_TILES_LINE = 'grid-tiles-line'

/** The tiles' URL template for the grids in force on `asOf` (null: today). */
export function gridTilesUrl(origin: string, asOf: string | null): string {
  return `${origin}/tiles/grids/{z}/{x}/{y}.mvt${asOf ? `?datetime=${asOf}` : ''}`
}

/** Shows the grid tiles (as of a day), under the editable grids; replaces those shown before. */
export function showGridTiles(map: maplibregl.Map, origin: string, asOf: string | null, editZoom: number): void {
  hideGridTiles(map)
  map.addSource(GRID_TILES_SOURCE, { type: 'vector', tiles: [gridTilesUrl(origin, asOf)], minzoom: 0, maxzoom: 16, promoteId: 'code' })
  map.addLayer(
    {
      id: GRID_TILES_FILL,
      type: 'fill',
      source: GRID_TILES_SOURCE,
      'source-layer': 'grids',
      maxzoom: editZoom,
      paint: { 'fill-color': '#9ecae1', 'fill-opacity': 0.25 },
    },
    GRID_FILL_LAYER,
  )
  map.addLayer(
    {
      id: GRID_TILES_LINE,
      type: 'line',
      source: GRID_TILES_SOURCE,
      'source-layer': 'grids',
      paint: { 'line-color': '#3b6e8f', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.3, 14, 1] },
    },
    GRID_FILL_LAYER,
  )
}

export function hideGridTiles(map: maplibregl.Map): void {
  for (const layer of [GRID_TILES_LINE, GRID_TILES_FILL]) if (map.getLayer(layer)) map.removeLayer(layer)
  if (map.getSource(GRID_TILES_SOURCE)) map.removeSource(GRID_TILES_SOURCE)
}
