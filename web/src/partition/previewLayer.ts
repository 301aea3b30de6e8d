import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson'
import type { GeoJSONSource, LayerSpecification, Map as MapLibreMap } from 'maplibre-gl'
import type { PartitionGridProps } from '../api/types'
import { labelPoints } from '../map/geometry'
import { LABEL_FONT } from '../map/style'

// 自动划分's preview on the map: the proposed grids outlined and numbered (out-of-range ones in a
// warning colour), over a veil that dims today's grids of the community. Sources and layers of
// their own, on top of the map's, that exist only while a preview is shown.

export const PARTITION_SOURCES = { grids: 'partition-preview', labels: 'partition-preview-labels', veil: 'partition-veil' } as const
export const PARTITION_COLORS = { grid: '#1864ab', outOfRange: '#e8590c', veil: '#ffffff' } as const

const outOfRange: ['!', ['get', string]] = ['!', ['get', 'in_range']]

const LAYERS: LayerSpecification[] = [
  // Today's grids stay visible but step back: the proposal is what is read.
  {
    id: 'partition-veil',
    type: 'fill',
    source: PARTITION_SOURCES.veil,
    paint: { 'fill-color': PARTITION_COLORS.veil, 'fill-opacity': 0.6 },
  },
  {
    id: 'partition-fill',
    type: 'fill',
    source: PARTITION_SOURCES.grids,
    paint: {
      'fill-color': ['case', outOfRange, PARTITION_COLORS.outOfRange, PARTITION_COLORS.grid],
      'fill-opacity': ['case', outOfRange, 0.3, 0.08],
    },
  },
  {
    id: 'partition-line',
    type: 'line',
    source: PARTITION_SOURCES.grids,
    paint: {
      'line-color': ['case', outOfRange, PARTITION_COLORS.outOfRange, PARTITION_COLORS.grid],
      'line-width': ['interpolate', ['linear'], ['zoom'], 12, 1.5, 16, 3],
    },
  },
  {
    id: 'partition-label',
    type: 'symbol',
    source: PARTITION_SOURCES.labels,
    layout: {
      'text-field': ['get', 'label'],
      'text-font': LABEL_FONT,
      'text-size': ['interpolate', ['linear'], ['zoom'], 12, 11, 16, 15],
      'text-max-width': 10,
      'text-allow-overlap': false,
    },
    paint: {
      'text-color': ['case', outOfRange, '#c2410c', PARTITION_COLORS.grid],
      'text-halo-color': '#ffffff',
      'text-halo-width': 1.6,
    },
  },
]
export const PARTITION_LAYER_IDS = LAYERS.map((layer) => layer.id)

type PreviewGrid = Feature<Polygon | MultiPolygon, PartitionGridProps>

export interface PartitionPreviewLayer {
  /**
   * Draws the proposed grids over the community's outline (the veil); `label` words each grid's
   * label (its number and households, in the UI's language).
   */
  show(grids: readonly PreviewGrid[], community: Polygon | MultiPolygon | null, label: (grid: PartitionGridProps) => string): void
  /** Shows or hides what is drawn (the editor tab was left or opened again). */
  setVisible(visible: boolean): void
  /** Takes the sources and layers off the map. */
  remove(): void
}

export function createPartitionPreviewLayer(map: () => MapLibreMap): PartitionPreviewLayer {
  const data = (features: Feature[]): FeatureCollection => ({ type: 'FeatureCollection', features })
  function setData(id: string, collection: FeatureCollection): void {
    const m = map()
    const source = m.getSource<GeoJSONSource>(id)
    if (source) source.setData(collection)
    else m.addSource(id, { type: 'geojson', data: collection })
  }
  return {
    show(grids, community, label) {
      const m = map()
      setData(PARTITION_SOURCES.veil, data(community ? [{ type: 'Feature', geometry: community, properties: {} }] : []))
      setData(PARTITION_SOURCES.grids, data([...grids]))
      const points = labelPoints({ type: 'FeatureCollection', features: [...grids] })
      setData(PARTITION_SOURCES.labels, {
        ...points,
        features: points.features.map((f) => ({ ...f, properties: { in_range: f.properties.in_range, label: label(f.properties) } })),
      })
      for (const layer of LAYERS) if (!m.getLayer(layer.id)) m.addLayer(layer)
    },
    setVisible(visible) {
      const m = map()
      for (const id of PARTITION_LAYER_IDS) if (m.getLayer(id)) m.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none')
    },
    remove() {
      const m = map()
      for (const id of PARTITION_LAYER_IDS) if (m.getLayer(id)) m.removeLayer(id)
      for (const id of Object.values(PARTITION_SOURCES)) if (m.getSource(id)) m.removeSource(id)
    },
  }
}
