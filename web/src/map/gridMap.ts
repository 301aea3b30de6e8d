import maplibregl, { type GeoJSONSource, type LngLatBoundsLike } from 'maplibre-gl'
import 'maplibre-gl/dist/maplibre-gl.css'
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Point, Polygon, Position } from 'geojson'
import type { BBox, DiffCollection, GridCollection, RegionCollection, RegionProps, ValidationIssue } from '../api/types'
import type { BasemapInfo } from '../../../server/basemap/basemap.schemas'
import { authHeaders } from '../api/client'
import { addLocalBasemap } from './basemap'
import { hideGridTiles, showGridTiles } from './gridTiles'
import { labelPoints } from './geometry'
import { inView } from './reveal'
import { fixLocalGlyphMetrics } from './glyphMetrics'
import { tiandituBasemap } from './tianditu'
import { buildStyle, GRID_FILL_LAYER, GRID_SELECTED_LAYER, SOURCES } from './style'

const collection = <T extends Feature>(features: T[]): FeatureCollection => ({ type: 'FeatureCollection', features })

/** Key of an issue on the error layer: its index in the report. */
export const issueKey = (index: number): string => `issue-${index}`

/** A tool that takes the map's clicks while it is on (the measure tool). */
export interface ClickTaker {
  click(point: Position): void
  /** Another tool took the map: stop. */
  release(): void
}

export interface GridMapOptions {
  container: HTMLElement
  /** Called with the clicked grid's code, or null when the click missed every grid. */
  onSelect: (code: string | null) => void
}

/** The map of one jurisdiction: region boundaries, grids coloured by household fit, labels. */
export class GridMap {
  readonly map: maplibregl.Map
  private readonly ready: Promise<void>
  private focusedIssue: string | null = null
  private pendingPick: ((point: Position | null) => void) | null = null
  /** A tool that takes every click while it is on (the measure tool), before picks and selection. */
  private clickTaker: ClickTaker | null = null
  /** The reference lines drawn (roads, rivers, footprint edges) for the editor to snap to; set by main.ts. */
  referenceLines: () => { coordinates: Position[]; name: string | null }[] = () => []

  constructor({ container, onSelect }: GridMapOptions) {
    // Region and grid names are Chinese whatever the UI language: draw them with Simplified
    // Chinese glyph forms (MapLibre reads the container's lang for locally drawn glyphs).
    container.lang = 'zh-CN'
    // Opening full-width brackets in labels (e.g. a split part "第二网格（1）") drawn whole.
    fixLocalGlyphMetrics()
    this.map = new maplibregl.Map({
      container,
      style: buildStyle(),
      center: [113.0, 28.2],
      zoom: 10,
      attributionControl: false,
      // CJK glyphs come from the browser's fonts too; no glyph server exists offline.
      localIdeographFontFamily: "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
      // Keep the drawing buffer so screenshots and tests can read the canvas.
      canvasContextAttributes: { preserveDrawingBuffer: true },
      // Vector tiles of our own server need the caller's token and language, as API calls do.
      transformRequest: (url) => (url.startsWith(`${location.origin}/tiles/`) ? { url, headers: authHeaders() } : { url }),
    })
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right')
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right')
    this.ready = new Promise((resolve) => this.map.once('load', () => resolve()))

    this.map.on('click', (e) => {
      if (this.clickTaker) return this.clickTaker.click([e.lngLat.lng, e.lngLat.lat])
      // A pending "pick a point on the map" (pinned comment, lookup) takes the click first.
      const pick = this.pendingPick
      if (pick) {
        this.pendingPick = null
        this.map.getCanvas().style.cursor = ''
        pick([e.lngLat.lng, e.lngLat.lat])
        return
      }
      const hit = this.map.queryRenderedFeatures(e.point, { layers: [GRID_FILL_LAYER] })[0]
      const code = hit?.properties?.code
      onSelect(typeof code === 'string' ? code : null)
    })
    // A tool taking the clicks (measuring) keeps its own cursor.
    this.map.on('mousemove', GRID_FILL_LAYER, () => {
      if (!this.clickTaker) this.map.getCanvas().style.cursor = 'pointer'
    })
    this.map.on('mouseleave', GRID_FILL_LAYER, () => {
      if (!this.clickTaker) this.map.getCanvas().style.cursor = ''
    })
  }

  private regions: RegionCollection = { type: 'FeatureCollection', features: [] }

  /** Resolves once the style has loaded (layers can be added). */
  whenReady(): Promise<void> {
    return this.ready
  }

  async show(regions: RegionCollection, grids: GridCollection): Promise<void> {
    await this.ready
    // Regions without a boundary (null geometry) can only be listed, not drawn.
    const drawable = regions.features.filter((f): f is Feature<Polygon | MultiPolygon, RegionProps> => f.geometry !== null)
    this.regions = regions
    this.source(SOURCES.regions).setData({ type: 'FeatureCollection', features: drawable })
    this.source(SOURCES.regionLabels).setData(labelPoints(regions))
    await this.showGrids(grids)
  }

  /**
   * Frames a whole region at once (the first view after sign-in). The map is resized first: the
   * sidebar appears with the session, and a fit to the old, full-width canvas cut off both sides.
   */
  frame(bbox: BBox): void {
    this.map.resize()
    this.map.fitBounds(bbox as LngLatBoundsLike, { padding: 40, duration: 0 })
  }

  /** Replaces the grids layer (e.g. with a township as a draft would leave it), keeping the regions. */
  async showGrids(grids: GridCollection): Promise<void> {
    await this.ready
    this.source(SOURCES.grids).setData(grids)
    this.source(SOURCES.gridLabels).setData(gridLabels(grids, this.regions))
  }

  /** Editor overlays: vertex handles, the selected grids' outlines, a drag preview. */
  async setEditOverlay(overlay: { vertices?: Feature<Point>[]; selection?: Feature[]; preview?: Feature[] }): Promise<void> {
    await this.ready
    if (overlay.vertices) this.source(SOURCES.editVertices).setData(collection(overlay.vertices))
    if (overlay.selection) this.source(SOURCES.editSelection).setData(collection(overlay.selection))
    if (overlay.preview) this.source(SOURCES.editPreview).setData(collection(overlay.preview))
  }

  /** Large regions: every grid's outline from vector tiles (as of a day; null: today), under the editable grids. */
  async showGridTiles(asOf: string | null, editZoom: number): Promise<void> {
    await this.ready
    showGridTiles(this.map, location.origin, asOf, editZoom)
  }

  async hideGridTiles(): Promise<void> {
    await this.ready
    hideGridTiles(this.map)
  }

  /** Adds 天地图 tiles under every layer of ours (only with a configured key; never required). */
  async addTianditu(key: string): Promise<void> {
    await this.ready
    const { sources, layers } = tiandituBasemap(key)
    for (const [id, source] of Object.entries(sources)) if (!this.map.getSource(id)) this.map.addSource(id, source)
    for (const layer of layers) if (!this.map.getLayer(layer.id)) this.map.addLayer(layer, 'region-fill')
  }

  /** The server's local basemap file under every layer (GRIDWORK_BASEMAP; see basemap.ts). */
  async addLocalBasemap(info: BasemapInfo): Promise<void> {
    await this.ready
    addLocalBasemap(this.map, info)
  }

  /** Comment pins of the open proposal (`number` is shown in the pin). */
  async setComments(pins: Feature<Point, { number: string; comment: string }>[]): Promise<void> {
    await this.ready
    this.source(SOURCES.comments).setData(collection(pins))
  }

  /** Marks the point a lookup asked about (null clears). */
  async setLookupPoint(point: Position | null): Promise<void> {
    await this.ready
    const features: Feature<Point>[] = point ? [{ type: 'Feature', geometry: { type: 'Point', coordinates: point }, properties: {} }] : []
    this.source(SOURCES.lookup).setData(collection(features))
  }

  /**
   * Hands every click on the map to `taker` (null gives clicks back to picking and selecting
   * grids). A taker replaced by another (or by null, when the editor picks a drawing tool) is told
   * so through `release`.
   */
  takeClicks(taker: ClickTaker | null): void {
    const previous = this.clickTaker
    this.clickTaker = taker
    if (previous && previous !== taker) previous.release()
  }

  /** The measure tool's drawing: a line or polygon and its points (empty clears). */
  async setMeasure(features: Feature[]): Promise<void> {
    await this.ready
    this.source(SOURCES.measure).setData(collection(features))
  }

  /** The next click on the map, as lon/lat (null if cancelled by another pick). */
  pickPoint(): Promise<Position | null> {
    this.pendingPick?.(null)
    this.map.getCanvas().style.cursor = 'crosshair'
    return new Promise((resolve) => {
      this.pendingPick = resolve
    })
  }

  cancelPick(): void {
    this.pendingPick?.(null)
    this.pendingPick = null
    this.map.getCanvas().style.cursor = ''
  }

  /** Draws every issue that has a geometry; `key` is its index in the report (see `issueKey`). */
  async setIssues(issues: readonly ValidationIssue[]): Promise<number> {
    await this.ready
    const features = issues.flatMap((issue, i) =>
      issue.geometry && typeof issue.geometry === 'object'
        ? [
            {
              type: 'Feature' as const,
              geometry: issue.geometry as Geometry,
              properties: { key: issueKey(i), code: issue.code, severity: issue.severity },
            },
          ]
        : [],
    )
    this.focusedIssue = null
    this.source(SOURCES.issues).setData({ type: 'FeatureCollection', features })
    return features.length
  }

  /** Emphasises one issue on the error layer (null clears). */
  focusIssue(key: string | null): void {
    if (this.focusedIssue) this.map.setFeatureState({ source: SOURCES.issues, id: this.focusedIssue }, { focus: false })
    this.focusedIssue = key
    if (key) this.map.setFeatureState({ source: SOURCES.issues, id: key }, { focus: true })
  }

  async setDiff(diff: DiffCollection | null): Promise<void> {
    await this.ready
    const features = (diff?.features ?? []).filter(
      (f): f is Feature<Polygon | MultiPolygon, (typeof f)['properties']> => f.geometry !== null,
    )
    this.source(SOURCES.diff).setData({ type: 'FeatureCollection', features })
  }

  /** Outlines one version of a grid from its history (null clears). */
  async setHistory(feature: Feature<Polygon | MultiPolygon> | null): Promise<void> {
    await this.ready
    this.source(SOURCES.history).setData({ type: 'FeatureCollection', features: feature ? [feature] : [] })
  }

  /** Zooms to a box; tiny boxes (a point, a sliver) get a sensible neighbourhood instead. */
  fitTo(bbox: BBox | null, maxZoom = 16): void {
    if (!bbox) return
    this.map.fitBounds(bbox as LngLatBoundsLike, { padding: 60, maxZoom, duration: 400 })
  }

  /** Screen distance in pixels between two positions at the current view (snapping, double clicks). */
  pixelsBetween(a: Position, b: Position): number {
    const pa = this.map.project([a[0] ?? 0, a[1] ?? 0])
    const pb = this.map.project([b[0] ?? 0, b[1] ?? 0])
    return Math.hypot(pa.x - pb.x, pa.y - pb.y)
  }

  /** Eases to a box unless it is already in view (see reveal.ts): a map the user can see it on stays still. */
  reveal(bbox: BBox | null, maxZoom = 16): void {
    if (!bbox) return
    const [west, south, east, north] = bbox
    const topLeft = this.map.project([west, north])
    const bottomRight = this.map.project([east, south])
    const { clientWidth, clientHeight } = this.map.getContainer()
    const box = { left: topLeft.x, top: topLeft.y, right: bottomRight.x, bottom: bottomRight.y }
    if (!inView(box, clientWidth, clientHeight)) this.fitTo(bbox, maxZoom)
  }

  select(code: string | null): void {
    this.map.setFilter(GRID_SELECTED_LAYER, ['==', ['get', 'code'], code ?? ''])
  }

  /** Resolves once every loaded tile has been drawn (used by tests and after data changes). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      if (this.map.loaded() && !this.map.isMoving()) resolve()
      else this.map.once('idle', () => resolve())
    })
  }

  private source(id: string): GeoJSONSource {
    const s = this.map.getSource<GeoJSONSource>(id)
    if (!s) throw new Error(`map source ${id} missing`)
    return s
  }
}

/**
 * Grid label points with a short `label`: "明珠社区第一网格" shows as "第一网格", since the
 * community's own name is already on the map at the zooms where grid labels appear.
 */
function gridLabels(grids: GridCollection, regions: RegionCollection) {
  const names = new Map(regions.features.map((f) => [f.properties.code, f.properties.name]))
  const points = labelPoints(grids)
  return {
    ...points,
    features: points.features.map((f) => {
      const community = names.get(f.properties.region_code)
      const name = f.properties.name
      const label = community && name.startsWith(community) && name.length > community.length ? name.slice(community.length) : name
      return { ...f, properties: { ...f.properties, label } }
    }),
  }
}
