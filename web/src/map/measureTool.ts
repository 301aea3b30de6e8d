import type { Feature, Position } from 'geojson'
import type { MapMouseEvent } from 'maplibre-gl'
import { t } from '../i18n'
import { h } from '../ui/dom'
import { typing } from '../ui/shortcutHelp'
import type { GridMap } from './gridMap'
import {
  type AreaUnit,
  enclosedArea,
  type LengthUnit,
  MEASURE_KEYS,
  MEASURE_MODES,
  type MeasureMode,
  pathLength,
  perimeter,
  type Shown,
  showArea,
  showLength,
} from './measure'

// 测距 / 测面 on the map, in every tab and for every role: clicks add points (the map's own
// click handling is paused meanwhile), the cursor drags a live last point, a double click ends,
// Esc clears. The figures are geodesic (Turf, see measure.ts).

export interface MeasureTool {
  /** The two buttons (top right of the map, under the zoom buttons). */
  toolbar: HTMLElement
  /** The figures and the hint (bottom of the map). */
  result: HTMLElement
  /** D / A start measuring, Esc clears; true if the key was handled. */
  key(event: KeyboardEvent): boolean
  stop(): void
  relabel(): void
}

/** A click closer than this (screen pixels) to the last point adds none (the clicks of a double click). */
const SAME_POINT_PIXELS = 4

const point = (coordinates: Position): Feature => ({ type: 'Feature', geometry: { type: 'Point', coordinates }, properties: {} })
const unitText = ({ value, unit }: Shown<LengthUnit | AreaUnit>) => t(`measure.unit.${unit}`, { value })
/** An area in the unit that suits it, in the page's language ("2.50 公顷"). */
export const areaText = (squareMetres: number): string => unitText(showArea(squareMetres))

/** `started` runs as measuring begins (the editor lays its drawing tools down so clicks are ours). */
export function createMeasureTool(gridMap: GridMap, started: () => void): MeasureTool {
  const map = gridMap.map
  let mode: MeasureMode | null = null
  let points: Position[] = []
  let cursor: Position | null = null
  let finished = false
  let frame = 0

  const buttons = MEASURE_MODES.map((m) => {
    const b = h('button', { type: 'button', class: 'measure-button', 'data-testid': `measure-${m}`, 'aria-pressed': 'false' })
    b.addEventListener('click', () => (mode === m ? stop() : start(m)))
    return b
  })
  const toolbar = h('div', { class: 'measure-tool', role: 'toolbar', 'data-testid': 'measure-tool' }, ...buttons)
  const result = h('div', { class: 'measure-result', 'data-testid': 'measure-result', 'aria-live': 'polite', hidden: true })

  const relabel = () => {
    MEASURE_MODES.forEach((m, i) => {
      const b = buttons[i]
      if (!b) return
      b.textContent = t(`measure.tool.${m}`)
      b.title = `${t(`measure.help.${m}`)} (${MEASURE_KEYS[m]})`
      b.setAttribute('aria-pressed', String(mode === m))
    })
    render()
  }

  function render(): void {
    result.hidden = !mode
    if (!mode) return
    const live = cursor && !finished ? [...points, cursor] : points
    const lines: string[] = []
    if (mode === 'distance') {
      const metres = pathLength(live)
      result.dataset.value = metres.toFixed(1)
      if (live.length >= 2) lines.push(t('measure.length', { value: unitText(showLength(metres)) }))
    } else {
      const squareMetres = enclosedArea(live)
      result.dataset.value = squareMetres.toFixed(1)
      if (live.length >= 3)
        lines.push(
          t('measure.area', { value: unitText(showArea(squareMetres)) }),
          t('measure.perimeter', { value: unitText(showLength(perimeter(live))) }),
        )
    }
    result.replaceChildren(
      ...lines.map((line) => h('div', { class: 'measure-figure' }, line)),
      h('div', { class: 'measure-hint' }, t(finished ? 'measure.hint.again' : `measure.hint.${mode}`)),
    )
    const shape: Feature[] = []
    if (mode === 'area' && live.length >= 3)
      shape.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[...live, live[0] as Position]] }, properties: {} })
    else if (live.length >= 2) shape.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: live }, properties: {} })
    void gridMap.setMeasure([...shape, ...points.map(point)])
  }

  /** Redraws at most once a frame: mouse moves come faster than the map draws. */
  const schedule = () => {
    if (frame) return
    frame = requestAnimationFrame(() => {
      frame = 0
      render()
    })
  }

  const click = (at: Position) => {
    const last = points[points.length - 1]
    if (finished) {
      points = [at]
      finished = false
    } else if (!last || gridMap.pixelsBetween(last, at) >= SAME_POINT_PIXELS) points.push(at)
    cursor = null
    render()
  }

  const finish = (e: MapMouseEvent) => {
    e.preventDefault()
    finished = true
    cursor = null
    render()
  }

  const move = (e: MapMouseEvent) => {
    if (finished || !points.length) return
    cursor = [e.lngLat.lng, e.lngLat.lat]
    schedule()
  }

  const taker = { click, release: () => stop() }
  /** Takes the map's clicks, moves and double clicks while measuring; gives them back after. */
  const listen = (on: boolean) => {
    gridMap.takeClicks(on ? taker : null)
    if (on) map.doubleClickZoom.disable()
    else map.doubleClickZoom.enable()
    for (const [type, handler] of [
      ['mousemove', move],
      ['dblclick', finish],
    ] as const)
      if (on) map.on(type, handler)
      else map.off(type, handler)
    map.getCanvas().style.cursor = on ? 'crosshair' : ''
  }

  function start(next: MeasureMode): void {
    if (mode) stop()
    started()
    mode = next
    points = []
    finished = false
    listen(true)
    relabel()
  }

  function stop(): void {
    if (!mode) return
    mode = null
    points = []
    cursor = null
    listen(false)
    void gridMap.setMeasure([])
    relabel()
  }

  relabel()
  return {
    toolbar,
    result,
    key(event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return false
      if (event.key === 'Escape' && mode) {
        stop()
        return true
      }
      const next = MEASURE_MODES.find((m) => MEASURE_KEYS[m].toLowerCase() === event.key.toLowerCase())
      if (!next) return false
      if (mode === next) stop()
      else start(next)
      return true
    },
    stop,
    relabel,
  }
}
