import { api } from '../api/client'
import type { GridCollection } from '../api/types'
import type { GridMap } from '../map/gridMap'
import { errorMessage } from '../ui/errors'
import { today } from './asOf'
import { emptyGrids, gridsState, gridsToDraw, type Session, type WorkspaceStore } from './state'
import type { SetStatus } from './statusLine'

/**
 * Above this many grids in the home region the map loads only the grids in view, and only from
 * VIEWPORT_MIN_ZOOM in; a county of a few hundred grids loads whole. (localStorage can lower it,
 * which the browser test does to exercise viewport loading on the demo county.)
 */
export const VIEWPORT_THRESHOLD = Number(localStorage.getItem('gridwork.viewportThreshold') ?? 1500)
export const VIEWPORT_MIN_ZOOM = 12

export interface GridsLoader {
  /** Redraws the grids layer: the loaded grids, with the editor's township as its draft leaves it. */
  draw(): Promise<void>
  /** Viewport mode: loads the grids in view. */
  refreshViewport(): Promise<void>
  /** Reloads the grids layer as of `date` (null: today); an API error is shown next to the date input. */
  changeAsOf(date: string | null): Promise<void>
  /** Reloads the grids layer for the day it shows (after a proposal was applied). */
  reload(): Promise<void>
}

/**
 * Loads the grids the map holds. The map is drawn before the store changes, so what the header
 * counts is on the map by the time it shows.
 */
export function createGridsLoader(
  store: WorkspaceStore,
  gridMap: GridMap,
  setStatus: SetStatus,
  select: (code: string | null) => void,
): GridsLoader {
  /** Bumped on every grids reload (and session change) so a slow answer for an older request is dropped. */
  let request = 0
  store.subscribe(() => void request++, ['session'])

  /** The grids the map should hold: all of the home region, or in viewport mode those in view. */
  const fetchGrids = async (session: Session, date: string | null): Promise<GridCollection> => {
    if (!session.viewport) return api.grids(session.region.code, date)
    if (gridMap.map.getZoom() < VIEWPORT_MIN_ZOOM) return emptyGrids()
    const b = gridMap.map.getBounds()
    return api.grids(session.region.code, date, [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()])
  }
  const show = (grids: GridCollection) => gridMap.showGrids(gridsToDraw({ grids, draftView: store.get().draftView }))

  async function refreshViewport(): Promise<void> {
    const session = store.get().session
    if (!session?.viewport) return
    const seq = ++request
    try {
      const grids = await fetchGrids(session, store.get().asOf)
      if (seq !== request || store.get().session !== session) return
      await show(grids)
      store.set(gridsState(grids))
      if (gridMap.map.getZoom() < VIEWPORT_MIN_ZOOM)
        setStatus('status.zoomIn', { count: session.region.grid_count, zoom: VIEWPORT_MIN_ZOOM })
      else setStatus('status.viewportLoaded', { count: grids.features.length })
    } catch (err) {
      if (seq === request) setStatus('status.failed', { message: errorMessage(err) }, true)
    }
  }

  async function changeAsOf(date: string | null): Promise<void> {
    const session = store.get().session
    if (!session) return
    const seq = ++request
    const day = date ?? today()
    store.set({ asOfError: null })
    // Every grid's outline of that day from the tiles; the editable grids in view load below.
    if (session.viewport) await gridMap.showGridTiles(date, VIEWPORT_MIN_ZOOM)
    setStatus('asOf.loading', { date: day })
    try {
      const grids = await fetchGrids(session, date)
      if (seq !== request || store.get().session !== session) return
      await show(grids)
      store.set({ asOf: date, ...gridsState(grids) })
      select(store.get().selected?.properties.code ?? null) // keeps the selection if that grid exists on the new day
      setStatus('asOf.loaded', { date: day, count: grids.features.length })
    } catch (err) {
      if (seq !== request || store.get().session !== session) return
      store.set({ asOfError: errorMessage(err) })
      setStatus(null)
    }
  }

  /** Viewport mode: reload the grids in view after the map stops moving. */
  let viewportTimer: ReturnType<typeof setTimeout> | undefined
  gridMap.map.on('moveend', () => {
    if (!store.get().session?.viewport) return
    clearTimeout(viewportTimer)
    viewportTimer = setTimeout(() => void refreshViewport(), 200)
  })

  return {
    async draw() {
      const state = store.get()
      if (state.session) await gridMap.showGrids(gridsToDraw(state))
    },
    refreshViewport,
    changeAsOf,
    reload: async () => {
      if (!store.get().session?.viewport) return changeAsOf(store.get().asOf)
      // The tiles again: the server cut new ones when the approval rebuilt its index.
      await gridMap.showGridTiles(store.get().asOf, VIEWPORT_MIN_ZOOM)
      return refreshViewport()
    },
  }
}
