import type { Geometry, Position } from 'geojson'
import type { ExpressionSpecification, FilterSpecification, IControl, LayerSpecification } from 'maplibre-gl'
import { type ReferenceFeatureCollection, type ReferenceLayer, referenceTileMinZoom } from '../../../server/reference/reference.schemas'
import { api } from '../api/client'
import { t } from '../i18n'
import { h, text } from '../ui/dom'
import type { GridMap } from './gridMap'
import { GRID_FILL_LAYER } from './style'

// Reference layers (roads, water, footprints) under the grids: listed for the signed-in region,
// drawn from the server's vector tiles (/tiles/reference-<id>/…, every feature at any zoom), switched
// on and off in a small panel on the map (remembered in localStorage). The editor snaps to lines in
// lon/lat, not to tiles cut in screen units: those come as GeoJSON for the view (the server caps and
// simplifies them by zoom).

const HIDDEN_KEY = 'gridwork.reference.hidden'
const RELOAD_DELAY_MS = 250

/** Road width (px at zoom 14) and colour by class; other classes draw as a minor road. */
const ROAD_WIDTH: ExpressionSpecification = ['match', ['get', 'class'], '国道', 4, '省道', 3.5, '县道', 3, '乡道', 2, '村道', 1.3, 1.2]
const ROAD_COLOR: ExpressionSpecification = [
  'match',
  ['get', 'class'],
  '国道',
  '#d9822b',
  '省道',
  '#e39a3b',
  '县道',
  '#e8a33d',
  '乡道',
  '#f0bf62',
  '村道',
  '#c9b27a',
  '#b9a98a',
]
const WATER = '#4a90d9'

export const referenceSourceId = (layer: Pick<ReferenceLayer, 'id'>) => `reference-${layer.id}`
/** The tiles' URL template of a layer (its MVT layer has the collection's name, as the source's id). */
export const referenceTilesUrl = (origin: string, layer: Pick<ReferenceLayer, 'id'>) =>
  `${origin}/tiles/reference-${layer.id}/{z}/{x}/{y}.mvt`
export const referenceLayerIds = (layer: Pick<ReferenceLayer, 'id'>) => [`reference-${layer.id}-fill`, `reference-${layer.id}-line`]
/** A layer's key in the remembered choice: re-imports keep region and name, not the id. */
const choiceKey = (layer: ReferenceLayer) => `${layer.region_code}:${layer.name}`

const POLYGONS: FilterSpecification = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false]

/** The fill and line layers of one reference layer, styled by kind (roads by class). */
export function referenceStyle(layer: ReferenceLayer): LayerSpecification[] {
  const source = referenceSourceId(layer)
  const from = { source, 'source-layer': source }
  const [fillId, lineId] = referenceLayerIds(layer) as [string, string]
  const fillColor = layer.kind === 'water' ? WATER : layer.kind === 'building' ? '#9d9a94' : '#bdbab3'
  const fill: LayerSpecification = {
    id: fillId,
    type: 'fill',
    ...from,
    filter: POLYGONS,
    paint: { 'fill-color': fillColor, 'fill-opacity': layer.kind === 'water' ? 0.45 : 0.35 },
  }
  if (layer.kind === 'road') {
    return [
      fill,
      {
        id: lineId,
        type: 'line',
        ...from,
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: {
          'line-color': ROAD_COLOR,
          'line-width': [
            'interpolate',
            ['exponential', 1.6],
            ['zoom'],
            9,
            ['*', ROAD_WIDTH, 0.35],
            14,
            ROAD_WIDTH,
            18,
            ['*', ROAD_WIDTH, 3],
          ],
        },
      },
    ]
  }
  const color = layer.kind === 'water' ? WATER : layer.kind === 'building' ? '#7d7a74' : '#8a8782'
  return [fill, { id: lineId, type: 'line', ...from, paint: { 'line-color': color, 'line-width': layer.kind === 'water' ? 2 : 1 } }]
}

function readHidden(): Set<string> {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(HIDDEN_KEY) ?? '[]')
    return new Set(Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [])
  } catch {
    return new Set()
  }
}

/** The lines of a geometry to snap to: line strings, and polygon rings (footprint edges). */
function linesOf(geometry: Geometry): Position[][] {
  switch (geometry.type) {
    case 'LineString':
      return [geometry.coordinates]
    case 'MultiLineString':
    case 'Polygon':
      return geometry.coordinates
    case 'MultiPolygon':
      return geometry.coordinates.flat()
    default:
      return []
  }
}

export class ReferenceLayers implements IControl {
  private layers: ReferenceLayer[] = []
  private readonly loaded = new Map<number, ReferenceFeatureCollection['features']>()
  private readonly hidden = readHidden()
  private ticket = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly list = h('div', { class: 'reference-list' })
  private readonly note = h('div', { class: 'reference-note', 'data-testid': 'reference-note', hidden: true })
  readonly element = h(
    'details',
    { class: 'maplibregl-ctrl maplibregl-ctrl-group reference-panel', 'data-testid': 'reference-panel' },
    text('summary', 'reference.title'),
    this.list,
    this.note,
  )

  constructor(private readonly gridMap: GridMap) {
    gridMap.map.on('moveend', () => this.scheduleReload())
  }

  onAdd(): HTMLElement {
    return this.element
  }

  onRemove(): void {
    this.element.remove()
  }

  /** Lists the layers that apply to `region` and draws those switched on in the current view. */
  async load(region: string): Promise<void> {
    await this.gridMap.whenReady()
    this.clear()
    this.layers = (await api.referenceLayers(region)).layers
    const map = this.gridMap.map
    for (const layer of this.layers) {
      // Tiles past zoom 16 are drawn from 16's (overzoom): they hold every vertex a screen can show there.
      map.addSource(referenceSourceId(layer), {
        type: 'vector',
        tiles: [referenceTilesUrl(location.origin, layer)],
        minzoom: referenceTileMinZoom(layer.kind),
        maxzoom: 16,
      })
      for (const style of referenceStyle(layer)) map.addLayer(style, GRID_FILL_LAYER)
      this.applyVisibility(layer)
    }
    this.renderList()
    await this.reload()
  }

  /** Removes every reference layer from the map (sign-out, another region). */
  clear(): void {
    const map = this.gridMap.map
    for (const layer of this.layers) {
      for (const id of referenceLayerIds(layer)) if (map.getLayer(id)) map.removeLayer(id)
      if (map.getSource(referenceSourceId(layer))) map.removeSource(referenceSourceId(layer))
    }
    this.layers = []
    this.loaded.clear()
    this.renderList()
  }

  isVisible(layer: ReferenceLayer): boolean {
    return !this.hidden.has(choiceKey(layer))
  }

  setVisible(layer: ReferenceLayer, visible: boolean): void {
    if (visible) this.hidden.delete(choiceKey(layer))
    else this.hidden.add(choiceKey(layer))
    localStorage.setItem(HIDDEN_KEY, JSON.stringify([...this.hidden]))
    this.applyVisibility(layer)
    if (visible) void this.reload()
  }

  /** The drawn lines of the visible layers, named, for the editor's snapping. */
  snapLines(): { coordinates: Position[]; name: string | null }[] {
    return this.layers
      .filter((layer) => this.isVisible(layer))
      .flatMap((layer) =>
        (this.loaded.get(layer.id) ?? []).flatMap((feature) =>
          linesOf(feature.geometry as Geometry).map((coordinates) => ({
            coordinates,
            name: feature.properties.name ?? feature.properties.class,
          })),
        ),
      )
  }

  private applyVisibility(layer: ReferenceLayer): void {
    const visibility = this.isVisible(layer) ? 'visible' : 'none'
    for (const id of referenceLayerIds(layer)) this.gridMap.map.setLayoutProperty(id, 'visibility', visibility)
  }

  private renderList(): void {
    if (this.layers.length === 0) {
      this.list.replaceChildren(text('div', 'reference.none', { class: 'reference-empty' }))
      return
    }
    this.list.replaceChildren(
      ...this.layers.map((layer) => {
        const box = h('input', { type: 'checkbox', 'data-testid': `reference-toggle-${layer.name}`, checked: this.isVisible(layer) })
        box.addEventListener('change', () => this.setVisible(layer, box.checked))
        const kind = h('span', { class: 'reference-kind', 'data-i18n': `reference.kind.${layer.kind}` }, t(`reference.kind.${layer.kind}`))
        // The kind is worth a word only when the name does not say it (the demo's 道路 is roads).
        return h('label', { class: 'reference-item' }, box, ` ${layer.name}`, kind.textContent === layer.name ? null : kind)
      }),
    )
  }

  private scheduleReload(): void {
    if (this.layers.length === 0) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.reload(), RELOAD_DELAY_MS)
  }

  /** Fetches the visible layers' lines in view for snapping; answers to an older view are dropped. */
  private async reload(): Promise<void> {
    const ticket = ++this.ticket
    const map = this.gridMap.map
    const bounds = map.getBounds()
    const bbox: [number, number, number, number] = [
      Math.max(-180, bounds.getWest()),
      Math.max(-90, bounds.getSouth()),
      Math.min(180, bounds.getEast()),
      Math.min(90, bounds.getNorth()),
    ]
    const visible = this.layers.filter((layer) => this.isVisible(layer))
    const answers = await Promise.all(visible.map((layer) => api.referenceFeatures(layer.id, bbox, map.getZoom()).catch(() => null)))
    if (ticket !== this.ticket) return
    const truncated: { name: string; count: number }[] = []
    visible.forEach((layer, i) => {
      const answer = answers[i]
      if (!answer) return
      this.loaded.set(layer.id, answer.features)
      if (answer.truncated) truncated.push({ name: layer.name, count: answer.features.length })
    })
    this.note.hidden = truncated.length === 0
    this.note.textContent = truncated.map(({ name, count }) => t('reference.truncated', { name, count })).join('\n')
  }
}
