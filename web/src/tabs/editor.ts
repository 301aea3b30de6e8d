import type { MultiPolygon, Polygon } from 'geojson'
import { regionPrefix } from '../api/client'
import { createEditorPanel } from '../editor/editorPanel'
import { issueKey } from '../map/gridMap'
import { createPartitionPanel } from '../partition/partitionPanel'
import { h } from '../ui/dom'
import type { TabContext, WorkspaceTab } from './context'

export interface EditorTab extends WorkspaceTab {
  /** A grid was clicked on the map while this tab is open. */
  clickGrid(code: string | null): void
  /** Keyboard shortcut; true when it was handled. */
  key(event: KeyboardEvent): boolean
  /** Back to 选择 (another tool, e.g. measuring, takes the map's clicks). */
  stopDrawing(): void
}

/**
 * "编辑": the township's draft, drawn on the map as it would leave the township; above it 自动划分
 * of one of its communities (`openProposal` shows the draft it creates).
 */
export function createEditorTab(
  { store, gridMap, select, focusIssue, drawGrids }: TabContext,
  submitted: () => void,
  openProposal: (id: number) => void,
): EditorTab {
  const panel = createEditorPanel({
    gridMap: () => gridMap,
    me: () => store.get().session?.me ?? null,
    boundaries: (township) =>
      (store.get().session?.regions.features ?? [])
        .filter((f) => f.properties.code.startsWith(regionPrefix(township)) && f.geometry !== null)
        .map((f) => f.geometry as Polygon | MultiPolygon),
    showAfter: async (township, after) => {
      store.set({ draftView: after ? { prefix: regionPrefix(township), grids: after } : null })
      await drawGrids()
    },
    drawIssues: (issues) => gridMap.setIssues(issues),
    focusIssue: (issue, index) => focusIssue(issue, issueKey(index)),
    submitted,
  })
  store.subscribe(({ editorTownship }) => panel.setTownship(editorTownship), ['editorTownship'])
  store.subscribe(() => panel.relabel(), ['language'])
  const partition = createPartitionPanel({
    gridMap,
    session: () => store.get().session,
    township: () => store.get().editorTownship,
    gridsOf: (community) => store.get().grids.features.filter((g) => g.properties.region_code === community),
    openProposal,
  })
  store.subscribe(({ editorTownship, community }) => partition.setTarget(editorTownship, community), ['editorTownship', 'community'])
  store.subscribe(() => partition.gridsLoaded(), ['grids'])
  store.subscribe(() => partition.relabel(), ['language'])
  store.subscribe(({ session }) => void (session ? partition.relabel() : partition.clear()), ['session'])
  return {
    element: h('div', { class: 'editor-tab' }, partition.element, panel.element),
    enter() {
      select(null) // clicks now pick grids for the editor; the info panel would hide them
      panel.setActive(true)
      partition.setActive(true)
    },
    leave: () => {
      panel.setActive(false)
      partition.setActive(false)
    },
    clickGrid: (code) => panel.clickGrid(code),
    key: (event) => panel.key(event),
    stopDrawing: () => panel.setTool('select'),
  }
}
