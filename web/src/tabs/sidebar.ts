import { h, text } from '../ui/dom'
import { TABS, type TabId, tabsFor, type WorkspaceStore } from '../workspace/state'
import type { WorkspaceTab } from './context'

/** The left side panel: one tab at a time, shown once a user is signed in. */
export function createSidebar(store: WorkspaceStore, tabs: Record<TabId, WorkspaceTab>): { element: HTMLElement; show(tab: TabId): void } {
  const buttons = TABS.map((tab) => {
    const b = text('button', `tabs.${tab}`, { type: 'button', role: 'tab', class: 'tab', 'data-testid': `tab-${tab}` })
    b.addEventListener('click', () => show(tab))
    return b
  })
  const element = h(
    'aside',
    { class: 'sidebar', 'data-testid': 'sidebar', hidden: true },
    h('div', { class: 'tabs', role: 'tablist' }, ...buttons),
    h('div', { class: 'tab-body' }, ...TABS.map((tab) => tabs[tab].element)),
  )

  /** Opens a tab; opening the open tab again enters it again (the proposals tab reloads its queue). */
  function show(tab: TabId): void {
    if (!tabsFor(store.get().session?.me.role).includes(tab)) return
    const previous = store.get().tab
    if (previous !== tab) tabs[previous].leave?.()
    store.set({ tab })
    if (store.get().session) tabs[tab].enter?.()
  }

  const render = () => {
    const { tab: open } = store.get()
    TABS.forEach((tab, i) => {
      tabs[tab].element.hidden = tab !== open
      buttons[i]?.setAttribute('aria-selected', String(tab === open))
    })
  }
  store.subscribe(render, ['tab'])
  store.subscribe(
    ({ session }) => {
      element.hidden = !session
      // Only the tabs the role may use (the session flow opens one of them at sign-in).
      const allowed = tabsFor(session?.me.role)
      TABS.forEach((id, i) => {
        if (buttons[i]) buttons[i].hidden = !allowed.includes(id)
      })
    },
    ['session'],
  )
  render()
  return { element, show }
}
