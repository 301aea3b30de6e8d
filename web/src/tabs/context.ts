import type { GridFeature, ValidationIssue } from '../api/types'
import { geometryBBox } from '../map/geometry'
import type { GridMap } from '../map/gridMap'
import type { WorkspaceStore } from '../workspace/state'

/** What every tab may use: the store, the map, and the page's shared actions. */
export interface TabContext {
  store: WorkspaceStore
  gridMap: GridMap
  /** Opens a grid's info panel (null closes it). */
  select(code: string | null): void
  /** A pick answered later (a lookup): the answer opens its grid unless another was picked meanwhile. */
  pickLater(): (code: string | null) => void
  /**
   * Shows an issue: eases to its geometry, else the grids it names, unless that is in view already;
   * `key` emphasises it on the error layer.
   */
  focusIssue(issue: ValidationIssue, key: string | null): void
  /** Redraws the grids layer (after the editor's draft view changed). */
  drawGrids(): Promise<void>
  /** Loads the grids layer again (a proposal was applied: new grids are in force). */
  reloadGrids(): Promise<void>
}

/** One tab of the sidebar. */
export interface WorkspaceTab {
  element: HTMLElement
  /** The tab was opened, or clicked again while open, with a user signed in. */
  enter?(): void
  /** Another tab was opened. */
  leave?(): void
}

export function createTabContext(
  store: WorkspaceStore,
  gridMap: GridMap,
  select: TabContext['select'],
  drawGrids: TabContext['drawGrids'],
  reloadGrids: TabContext['reloadGrids'],
  pickLater: TabContext['pickLater'],
): TabContext {
  return {
    store,
    gridMap,
    select,
    drawGrids,
    reloadGrids,
    pickLater,
    focusIssue(issue, key) {
      gridMap.focusIssue(key)
      let bbox = geometryBBox(issue.geometry)
      if (!bbox && store.get().session) {
        const { gridsByCode } = store.get()
        const grids = issue.feature_ids.map((id) => gridsByCode.get(id)).filter((g): g is GridFeature => !!g)
        bbox = geometryBBox({ type: 'FeatureCollection', features: grids })
        if (grids.length === 1) select(grids[0]?.properties.code ?? null)
      }
      gridMap.reveal(bbox, 16)
    },
  }
}
