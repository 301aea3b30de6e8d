import type { FeatureCollection } from 'geojson'
import type { GeoJSONSource, LayerSpecification, LngLatBoundsLike, Map as MapLibreMap } from 'maplibre-gl'
import type { BBox } from '../api/types'
import { geometryBBox } from '../map/geometry'

// The import wizard's map preview: the file's features over the region, on a source and layers of
// their own that exist only while the wizard is open (the map's style keeps no trace of it).

export const PREVIEW_SOURCE = 'import-preview'
const PREVIEW_COLOR = '#e8590c'
const LAYERS: LayerSpecification[] = [
  {
    id: 'import-preview-fill',
    type: 'fill',
    source: PREVIEW_SOURCE,
    filter: ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]],
    paint: { 'fill-color': PREVIEW_COLOR, 'fill-opacity': 0.2 },
  },
  { id: 'import-preview-line', type: 'line', source: PREVIEW_SOURCE, paint: { 'line-color': PREVIEW_COLOR, 'line-width': 2 } },
  {
    id: 'import-preview-point',
    type: 'circle',
    source: PREVIEW_SOURCE,
    filter: ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]],
    paint: { 'circle-color': PREVIEW_COLOR, 'circle-radius': 4, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 },
  },
]

export interface PreviewLayer {
  /** Draws the features (a GeoJSON FeatureCollection in lon/lat) and frames them; returns their bbox. */
  show(features: FeatureCollection): BBox | null
  /** Takes the source and layers off the map. */
  remove(): void
}

/** `padding`: room kept free on each side when framing (the wizard's dialog covers the right). */
export function createPreviewLayer(
  map: MapLibreMap,
  padding: () => { top: number; right: number; bottom: number; left: number },
): PreviewLayer {
  return {
    show(features) {
      const source = map.getSource<GeoJSONSource>(PREVIEW_SOURCE)
      if (source) source.setData(features)
      else {
        map.addSource(PREVIEW_SOURCE, { type: 'geojson', data: features })
        for (const layer of LAYERS) map.addLayer(layer)
      }
      const bbox = geometryBBox(features) as BBox | null
      if (bbox) map.fitBounds(bbox as LngLatBoundsLike, { padding: padding(), maxZoom: 17, duration: 0 })
      return bbox
    },
    remove() {
      for (const layer of LAYERS) if (map.getLayer(layer.id)) map.removeLayer(layer.id)
      if (map.getSource(PREVIEW_SOURCE)) map.removeSource(PREVIEW_SOURCE)
    },
  }
}
