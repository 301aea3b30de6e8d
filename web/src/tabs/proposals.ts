import { geometryBBox } from '../map/geometry'
import { createProposalsPanel } from '../proposals/panel'
import type { TabContext, WorkspaceTab } from './context'

export interface ProposalsTab extends WorkspaceTab {
  /** Reloads the queue (and the open proposal). */
  refresh(): Promise<void>
  /** Opens a proposal in the tab (the tab must be shown for its diff to be drawn). */
  open(id: number): Promise<void>
}

/** "变更申请": the queue of proposals and the open one, its diff and pinned comments on the map. */
export function createProposalsTab({ store, gridMap, focusIssue, reloadGrids }: TabContext): ProposalsTab {
  const panel = createProposalsPanel({
    me: () => store.get().session?.me ?? null,
    regionsByCode: () => store.get().session?.regionsByCode ?? new Map(),
    gridOf: (code) => store.get().gridsByCode.get(code)?.properties ?? null,
    showDiff: async (diff) => {
      await gridMap.setDiff(diff)
      if (diff) gridMap.fitTo(geometryBBox(diff), 15)
    },
    focusIssue: (issue) => focusIssue(issue, null),
    pickPoint: () => gridMap.pickPoint(),
    showComments: (pins) => void gridMap.setComments(pins),
    flyTo: (point) => gridMap.map.flyTo({ center: point as [number, number], zoom: Math.max(gridMap.map.getZoom(), 16) }),
    applied: () => void reloadGrids(),
  })
  store.subscribe(
    ({ session }) => {
      if (session) return
      panel.clear()
      void gridMap.setDiff(null)
    },
    ['session'],
  )
  store.subscribe(() => panel.relabel(), ['language'])
  return {
    element: panel.element,
    // The diff and pins of the open proposal stay on this tab: gone when it is left, back (reloaded) when it is opened.
    enter() {
      panel.setVisible(true)
      void panel.refresh()
    },
    leave: () => panel.setVisible(false),
    refresh: () => panel.refresh(),
    open: (id) => panel.open(id),
  }
}
