import type { Feature, LineString, Point, Polygon, Position } from 'geojson'
import type { MapMouseEvent } from 'maplibre-gl'
import { TerraDraw, TerraDrawLineStringMode, TerraDrawPolygonMode, type TerraDrawMouseEvent } from 'terra-draw'
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter'
import type { Change, GridFeature } from '../api/types'
import { t } from '../i18n'
import type { GridMap } from '../map/gridMap'
import { areaText } from '../map/measureTool'
import { EDIT_VERTEX_LAYER } from '../map/style'
import { h } from '../ui/dom'
import { gridIdLabel } from './attributeForm'
import { coverEstimate, splitEstimate } from './drawEstimate'
import { type EditableGrid, gridsTouching, moveSharedVertex, verticesOf } from './shared-vertices'
import { snapPoint } from './snapping'

// The editor's tools on the map. Drawing (split lines, new grids) is terra-draw with snapping to
// the neighbours' corners; reshaping drags a corner with every grid that shares it (see
// shared-vertices.ts). The results go to the server as changes: the server computes splits and
// merges so edges match exactly.

export const TOOLS = ['select', 'reshape', 'split', 'draw', 'merge'] as const
export type Tool = (typeof TOOLS)[number]

/** Snap radius in screen pixels. */
const SNAP_PIXELS = 12

export interface MapEditorContext {
  /** The map (created after the side panel; asked for when the editor is first turned on). */
  gridMap(): GridMap
  /** The township's grids as the draft leaves them (what the user edits). */
  grids(): GridFeature[]
  /** Corners of the community and township boundaries, to snap to as well. */
  boundaryVertices(): Position[]
  edit(changes: Change[]): Promise<void>
  selectionChanged(ids: string[]): void
  /** A plain-language refusal (i18n key) — e.g. a corner shared with a grid not yet approved. */
  refuse(key: string, params?: Record<string, unknown>): void
}

export class MapEditor {
  tool: Tool = 'select'
  selection: string[] = []
  private draw: TerraDraw | null = null
  private drag: { from: Position; to: Position } | null = null
  /** The exact corners behind the handles drawn (rendered features come back rounded to tile precision). */
  private handles: Position[] = []
  /** The running estimate while a split line or a new grid is drawn (see drawEstimate.ts). */
  private readonly estimate = h('div', { class: 'draw-estimate', 'data-testid': 'draw-estimate', 'aria-live': 'polite', hidden: true })
  /** Says when the last snap went to a road or another reference line (corners need no word). */
  private readonly snapHint = h('div', { class: 'snap-hint', 'data-testid': 'snap-hint', hidden: true })
  private estimateFrame = 0

  constructor(private readonly ctx: MapEditorContext) {}

  private get map() {
    return this.ctx.gridMap().map
  }

  /** Attaches terra-draw and the corner-drag handlers to the map, once. */
  private attach(): TerraDraw {
    if (this.draw) return this.draw
    const map = this.map
    const snapping = { toCustom: (event: TerraDrawMouseEvent) => this.snap([event.lng, event.lat]) ?? undefined }
    const draw = new TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map }),
      modes: [new TerraDrawLineStringMode({ snapping }), new TerraDrawPolygonMode({ snapping })],
    })
    draw.on('finish', (id) => void this.finishDrawing(id))
    // Mouse moves while drawing: one estimate a frame at most.
    draw.on('change', () => {
      if (!this.estimateFrame) this.estimateFrame = requestAnimationFrame(() => this.showEstimate())
    })
    ;(map.getContainer().parentElement ?? map.getContainer()).append(this.estimate, this.snapHint)
    map.on('mousedown', EDIT_VERTEX_LAYER, (e) => this.startDrag(e))
    map.on('mouseenter', EDIT_VERTEX_LAYER, () => {
      map.getCanvas().style.cursor = 'move'
    })
    map.on('mouseleave', EDIT_VERTEX_LAYER, () => {
      if (!this.drag) map.getCanvas().style.cursor = ''
    })
    this.draw = draw
    return draw
  }

  /** Turns the editor on (terra-draw attaches to the map) or off. */
  setActive(active: boolean): void {
    if (active && !this.attach().enabled) this.attach().start()
    if (!active && this.draw?.enabled) this.draw.stop()
    if (!active) {
      this.selection = []
      this.tool = 'select'
    }
    this.render()
  }

  setTool(tool: Tool): void {
    this.tool = tool
    this.estimate.hidden = true
    this.snapHint.hidden = true
    if (tool !== 'select') this.ctx.gridMap().takeClicks(null) // a drawing tool takes the map from the measure tool
    if (this.draw?.enabled) this.draw.setMode(tool === 'split' ? 'linestring' : tool === 'draw' ? 'polygon' : 'static')
    if (tool !== 'merge' && this.selection.length > 1) this.selection = this.selection.slice(-1)
    this.render()
  }

  /** A grid was clicked: in merge mode it toggles, otherwise it becomes the selection. */
  clickGrid(id: string | null): void {
    if (this.tool === 'split' || this.tool === 'draw') return // clicks belong to the drawing
    if (this.tool === 'merge' && id)
      this.selection = this.selection.includes(id) ? this.selection.filter((s) => s !== id) : [...this.selection, id]
    else this.selection = id ? [id] : []
    this.ctx.selectionChanged(this.selection)
    this.render()
  }

  /** The split's two sides or the new grid's area and households, as the drawing stands. */
  private showEstimate(): void {
    this.estimateFrame = 0
    const drawing = this.tool === 'split' || this.tool === 'draw' ? this.draw?.getSnapshot() : undefined
    const line = drawing?.find((f) => f.geometry.type === 'LineString')?.geometry.coordinates as Position[] | undefined
    const shape = drawing?.find((f) => f.geometry.type === 'Polygon')?.geometry.coordinates[0] as Position[] | undefined
    let text: string | null = null
    if (this.tool === 'split' && line) {
      const grid = this.ctx.grids().find((g) => g.properties.code === this.selection[0])
      const split = grid ? splitEstimate(grid.geometry, grid.properties.households, line) : null
      if (grid && !split) text = t('editor.estimate.across')
      else if (split)
        text = [
          split.households ? t('editor.estimate.split', { a: split.households[0], b: split.households[1] }) : t('editor.estimate.noCount'),
          t('editor.estimate.areas', { a: areaText(split.areas[0]), b: areaText(split.areas[1]) }),
        ].join(' · ')
    } else if (this.tool === 'draw' && shape) {
      const cover = coverEstimate(
        shape.slice(0, -1),
        this.ctx.grids().map((g) => ({ geometry: g.geometry, households: g.properties.households })),
      )
      if (cover) text = t('editor.estimate.draw', { area: areaText(cover.area), households: cover.households, count: cover.grids })
    }
    this.estimate.hidden = !text
    this.estimate.textContent = text
  }

  /** Cancels a drawing in progress or empties the selection (Esc). */
  cancel(): void {
    if (this.draw && (this.tool === 'split' || this.tool === 'draw')) {
      this.draw.clear()
      this.draw.setMode(this.tool === 'split' ? 'linestring' : 'polygon')
      return
    }
    this.selection = []
    this.ctx.selectionChanged(this.selection)
    this.render()
  }

  /** Redraws the selection outline and, when reshaping, the selected grid's corners. */
  render(): void {
    if (!this.draw) return // not attached to the map yet
    const grids = this.ctx.grids()
    const byId = new Map(grids.map((g) => [g.properties.code, g]))
    this.selection = this.selection.filter((id) => byId.has(id))
    const selected = this.selection.map((id) => byId.get(id)).filter((g): g is GridFeature => !!g)
    const editable = grids.map(toEditable)
    this.handles = this.tool === 'reshape' && selected[0] ? verticesOf(selected[0].geometry) : []
    const vertices: Feature<Point>[] = this.handles.map((v, index) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: v },
      properties: { index, shared: gridsTouching(editable, v).length },
    }))
    void this.ctx.gridMap().setEditOverlay({ vertices, selection: selected, preview: [] })
  }

  /** Grid and boundary corners first, then reference lines (snapping.ts); null when nothing is near. */
  private snap(point: Position, except?: Position): Position | null {
    const corners = [...this.ctx.grids().flatMap((g) => verticesOf(g.geometry)), ...this.ctx.boundaryVertices()].filter(
      (c) => !except || c[0] !== except[0] || c[1] !== except[1],
    )
    const gridMap = this.ctx.gridMap()
    const map = gridMap.map
    const toScreen = (p: Position): [number, number] => {
      const { x, y } = map.project([p[0] ?? 0, p[1] ?? 0])
      return [x, y]
    }
    const [px, py] = toScreen(point)
    const reachCorner = map.unproject([px + SNAP_PIXELS, py + SNAP_PIXELS])
    const reach = Math.max(Math.abs(reachCorner.lng - (point[0] ?? 0)), Math.abs(reachCorner.lat - (point[1] ?? 0)))
    const found = snapPoint(point, { corners, lines: gridMap.referenceLines() }, toScreen, SNAP_PIXELS, reach)
    // A road through the dragged corner would pull every short drag back to where it started.
    const snapped = found && except && found.point[0] === except[0] && found.point[1] === except[1] ? null : found
    const onReference = snapped && snapped.kind !== 'corner'
    this.snapHint.hidden = !onReference
    if (onReference) this.snapHint.textContent = snapped.name ? t('reference.snapped', { name: snapped.name }) : t('reference.snappedLine')
    return snapped?.point ?? null
  }

  private startDrag(e: MapMouseEvent & { features?: unknown[] }): void {
    if (this.tool !== 'reshape') return
    const index = (e.features as Feature<Point, { index?: number }>[] | undefined)?.[0]?.properties?.index
    const from = index === undefined ? undefined : this.handles[index]
    if (!from) return
    e.preventDefault() // keeps the map from panning while a corner is dragged
    const map = this.map
    this.drag = { from, to: from }
    const editable = this.ctx.grids().map(toEditable)
    const move = (ev: MapMouseEvent) => {
      if (!this.drag) return
      const raw: Position = [ev.lngLat.lng, ev.lngLat.lat]
      this.drag.to = this.snap(raw, from) ?? raw
      const moved = moveSharedVertex(editable, from, this.drag.to)
      void this.ctx.gridMap().setEditOverlay({
        preview: moved.map((g) => ({ type: 'Feature', geometry: g.geometry, properties: { id: g.id } })),
        vertices: [{ type: 'Feature', geometry: { type: 'Point', coordinates: this.drag.to }, properties: { index: -1, shared: 2 } }],
      })
    }
    map.on('mousemove', move)
    map.once('mouseup', () => {
      map.off('mousemove', move)
      map.getCanvas().style.cursor = ''
      const drag = this.drag
      this.drag = null
      this.snapHint.hidden = true
      if (!drag || (drag.to[0] === drag.from[0] && drag.to[1] === drag.from[1])) {
        this.render()
        return
      }
      const moved = moveSharedVertex(editable, drag.from, drag.to)
      if (!moved.length) return this.render()
      const notYetApproved = moved.filter((g) => g.id.startsWith('new-'))
      if (notYetApproved.length) {
        this.ctx.refuse('editor.refuse.newGrid', { grids: notYetApproved.map((g) => gridIdLabel(g.id)).join('、') })
        this.render()
        return
      }
      void this.ctx.edit(moved.map((g) => ({ op: 'reshape', grid: g.id, geometry: g.geometry }))).finally(() => this.render())
    })
  }

  private async finishDrawing(id: string | number): Promise<void> {
    const draw = this.attach()
    const feature = draw.getSnapshotFeature(id)
    draw.removeFeatures([id])
    if (!feature) return
    if (this.tool === 'split') {
      const target = this.selection[0]
      if (!target) return this.ctx.refuse('editor.refuse.pickGridToSplit')
      if (target.startsWith('new-')) return this.ctx.refuse('editor.refuse.newGrid', { grids: gridIdLabel(target) })
      await this.ctx.edit([{ op: 'split', grid: target, line: feature.geometry as LineString }])
      this.selection = []
      this.ctx.selectionChanged(this.selection)
    } else if (this.tool === 'draw') {
      await this.ctx.edit([
        { op: 'create', geometry: feature.geometry as Polygon, properties: { kind: 'comprehensive', name: t('editor.newGridName') } },
      ])
    }
    this.render()
  }
}

export const toEditable = (g: GridFeature): EditableGrid => ({ id: g.properties.code, geometry: g.geometry })
