import { h } from '../ui/dom'
import { foldToggle } from '../ui/foldToggle'

// The sidebar folds to a thin strip so the map gets the whole width (a 1024 px screen, a long
// editing session); the choice is kept in localStorage like the legend's.

export const SIDEBAR_COLLAPSED_KEY = 'gridwork.sidebarCollapsed'

/** Adds the fold button on the sidebar's edge; `resized` runs after the map's width changed. */
export function addSidebarCollapse(sidebar: HTMLElement, resized: () => void): HTMLButtonElement {
  if (!sidebar.id) sidebar.id = 'sidebar'
  const toggle = h('button', { type: 'button', class: 'sidebar-toggle', 'data-testid': 'sidebar-toggle', 'aria-controls': sidebar.id })
  foldToggle(sidebar, toggle, SIDEBAR_COLLAPSED_KEY, { glyphs: ['◂', '▸'], labels: ['sidebar.collapse', 'sidebar.expand'] }, resized)
  sidebar.append(toggle)
  return toggle
}
