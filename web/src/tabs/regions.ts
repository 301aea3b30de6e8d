import type { BBox } from '../api/types'
import { geometryBBox } from '../map/geometry'
import { h, text } from '../ui/dom'
import { createRegionTree } from '../ui/regionTree'
import { targetsOf } from '../workspace/state'
import type { TabContext, WorkspaceTab } from './context'

/** "区划": the home region's tree; a pick zooms the map and sets the validation and editor targets. */
export function createRegionsTab({ store, gridMap }: TabContext): WorkspaceTab {
  const tree = createRegionTree((region) => {
    const { session } = store.get()
    if (!session) return
    tree.mark(region.code)
    const feature = session.regions.features.find((f) => f.properties.code === region.code)
    const bbox = region.code === session.region.code ? session.region.bbox : (geometryBBox(feature?.geometry) as BBox | null)
    gridMap.fitTo(bbox, 15)
    store.set(targetsOf(session, region))
  })
  store.subscribe(
    ({ session }) => {
      tree.show(session?.region ?? null, session?.regions ?? null)
      if (session) tree.mark(session.region.code)
    },
    ['session'],
  )
  store.subscribe(() => tree.relabel(), ['language'])
  return { element: h('section', { class: 'panel' }, text('h3', 'tree.title'), tree.element) }
}
