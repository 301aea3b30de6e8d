import type { BBox } from '../api/types'
import { geometryBBox } from '../map/geometry'
import { canImport, type IoActions } from '../io/ioActions'
import { h, text } from '../ui/dom'
import { createRegionTree } from '../ui/regionTree'
import { targetsOf } from '../workspace/state'
import type { TabContext, WorkspaceTab } from './context'

/** "区划": the home region's tree; a pick zooms the map and sets the validation and editor targets. */
export function createRegionsTab({ store, gridMap }: TabContext, io: IoActions): WorkspaceTab {
  const tree = createRegionTree((region) => {
    const { session } = store.get()
    if (!session) return
    tree.mark(region.code)
    const feature = session.regions.features.find((f) => f.properties.code === region.code)
    const bbox = region.code === session.region.code ? session.region.bbox : (geometryBBox(feature?.geometry) as BBox | null)
    gridMap.fitTo(bbox, 15)
    store.set({ ...targetsOf(session, region), community: region.level === 5 ? region : null })
  })
  store.subscribe(
    ({ session }) => {
      tree.show(session?.region ?? null, session?.regions ?? null)
      if (session) tree.mark(session.region.code)
    },
    ['session'],
  )
  store.subscribe(() => tree.relabel(), ['language'])
  // 导入 / 导出 for the region picked in the tree (the header's buttons do the same).
  const importButton = text('button', 'io.open.importHere', { type: 'button', class: 'secondary', 'data-testid': 'regions-import' })
  const exportButton = text('button', 'io.open.exportHere', { type: 'button', class: 'secondary', 'data-testid': 'regions-export' })
  importButton.addEventListener('click', () => void io.openImport())
  exportButton.addEventListener('click', () => void io.openExport())
  store.subscribe(
    ({ session }) => {
      importButton.hidden = !canImport(session?.me.role)
    },
    ['session'],
  )
  return {
    element: h(
      'section',
      { class: 'panel' },
      text('h3', 'tree.title'),
      tree.element,
      h('div', { class: 'io-actions' }, importButton, exportButton),
    ),
  }
}
