import { createLookupPanel } from '../lookup/lookupPanel'
import type { TabContext, WorkspaceTab } from './context'

/** "查询": which grid an address or a point is in. */
export function createLookupTab({ store, gridMap, select, pickLater }: TabContext): WorkspaceTab {
  const panel = createLookupPanel({
    pickPoint: () => gridMap.pickPoint(),
    showPoint: (point) => {
      void gridMap.setLookupPoint(point)
      if (point) gridMap.map.flyTo({ center: point as [number, number], zoom: Math.max(gridMap.map.getZoom(), 15) })
    },
    selectGrid: (code) => select(code),
    beginLookup: pickLater,
  })
  store.subscribe(
    ({ session }) => {
      if (!session) panel.clear()
    },
    ['session'],
  )
  store.subscribe(() => panel.relabel(), ['language'])
  return { element: panel.element }
}
