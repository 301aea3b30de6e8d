import { t } from '../i18n'
import { h } from '../ui/dom'

// The sidebar folds to a thin strip so the map gets the whole width (a 1024 px screen, a long
// editing session); the choice is kept in localStorage like the legend's.

export const SIDEBAR_COLLAPSED_KEY = 'gridwork.sidebarCollapsed'

export function sidebarCollapsed(storage: Pick<Storage, 'getItem'>): boolean {
  return storage.getItem(SIDEBAR_COLLAPSED_KEY) === '1'
}

/** Adds the fold button on the sidebar's edge; `resized` runs after the map's width changed. */
export function addSidebarCollapse(sidebar: HTMLElement, resized: () => void): HTMLButtonElement {
  if (!sidebar.id) sidebar.id = 'sidebar'
  const toggle = h('button', { type: 'button', class: 'sidebar-toggle', 'data-testid': 'sidebar-toggle', 'aria-controls': sidebar.id })
  const set = (collapsed: boolean) => {
    sidebar.classList.toggle('collapsed', collapsed)
    toggle.textContent = collapsed ? '▸' : '◂'
    toggle.setAttribute('aria-expanded', String(!collapsed))
    toggle.dataset.i18nAria = collapsed ? 'sidebar.expand' : 'sidebar.collapse'
    toggle.setAttribute('aria-label', t(toggle.dataset.i18nAria))
  }
  set(sidebarCollapsed(localStorage))
  toggle.addEventListener('click', () => {
    const collapsed = !sidebar.classList.contains('collapsed')
    localStorage.setItem(SIDEBAR_COLLAPSED_KEY, collapsed ? '1' : '0')
    set(collapsed)
    resized()
  })
  sidebar.append(toggle)
  return toggle
}
