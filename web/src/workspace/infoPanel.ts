import { api } from '../api/client'
import { geometryBBox } from '../map/geometry'
import type { GridMap } from '../map/gridMap'
import { errorMessage } from '../ui/errors'
import { type HistoryState, renderGridHistory } from '../ui/gridHistory'
import { renderGridInfo } from '../ui/gridInfo'
import { h } from '../ui/dom'
import { createPickGuard, resolveSelection } from './pickGuard'
import { gridsToDraw, type WorkspaceStore } from './state'

export interface InfoPanel {
  element: HTMLElement
  /** Opens the info panel of a grid on the map (null, or a code not on the map, closes it). */
  select(code: string | null): void
  /**
   * Starts a pick that is answered later (a lookup): the returned function opens the answer's grid,
   * unless another grid was picked meanwhile — then the late answer is dropped.
   */
  pickLater(): (code: string | null) => void
}

/** The selected grid's info panel, with its history ("历史版本") loaded on demand. */
export function createInfoPanel(store: WorkspaceStore, gridMap: GridMap): InfoPanel {
  const element = h('aside', { class: 'grid-info', 'data-testid': 'grid-info', hidden: true })

  const guard = createPickGuard()
  /** The grid as the map draws it (in the editor, as the draft leaves it), so the panel and the map agree. */
  const show = (code: string | null) => {
    const state = store.get()
    const { selected: previous, history } = state
    const selected = (code && gridsToDraw(state).features.find((f) => f.properties.code === code)) || null
    const changed = selected?.properties.code !== previous?.properties.code
    store.set({ selected, history: changed ? null : history })
  }
  const select = (code: string | null) => {
    guard.take()
    show(code)
  }
  const pickLater = () => {
    const ticket = guard.take()
    return (code: string | null) => {
      if (guard.isLatest(ticket)) show(code)
    }
  }

  const loadHistory = async (code: string) => {
    store.set({ history: { code, status: 'loading' } })
    let next: HistoryState
    try {
      next = { code, status: 'loaded', history: await api.gridHistory(code), shown: null }
    } catch (err) {
      next = { code, status: 'error', message: errorMessage(err) }
    }
    if (store.get().history?.code !== code) return // another grid was picked meanwhile
    store.set({ history: next })
  }

  /** Outlines one version of the selected grid's history on the map and zooms to it. */
  const showVersion = (version: number) => {
    const { history } = store.get()
    if (history?.status !== 'loaded') return
    const feature = history.history.features.find((f) => f.properties.version === version)
    if (!feature) return
    store.set({ history: { ...history, shown: version } })
    void gridMap.setHistory(feature)
    gridMap.fitTo(geometryBBox(feature.geometry), 16)
  }

  const render = () => {
    const { selected: grid, history, session } = store.get()
    element.hidden = !grid
    if (!grid || !session) {
      element.replaceChildren()
      return
    }
    const code = grid.properties.code
    const historySection = renderGridHistory(history?.code === code ? history : null, {
      load: () => void loadHistory(code),
      show: showVersion,
    })
    const scroll = element.scrollTop
    element.replaceChildren(
      renderGridInfo(grid, { regionsByCode: session.regionsByCode, onClose: () => select(null), history: historySection }),
    )
    element.scrollTop = scroll
  }

  store.subscribe(
    (state, previous) => {
      if (state.selected?.properties.code === previous.selected?.properties.code) return
      gridMap.select(state.selected?.properties.code ?? null)
      void gridMap.setHistory(null)
    },
    ['selected'],
  )
  // A reload or a draft edit replaces the grids: show the selected grid's new version, or close.
  store.subscribe(
    (state) => {
      const selected = resolveSelection(state.selected, gridsToDraw(state), !!state.session?.viewport)
      if (selected !== state.selected) store.set({ selected })
    },
    ['grids', 'draftView'],
  )
  store.subscribe(render, ['selected', 'history', 'session', 'language'])
  return { element, select, pickLater }
}
