import { t } from '../i18n'
import { h } from '../ui/dom'
import type { WorkspaceStore } from './state'

/** Sets the status line (null clears it); the key is translated when shown. */
export type SetStatus = (key: string | null, params?: Record<string, unknown>, error?: boolean) => void

/** The status line at the bottom of the page. */
export function createStatusLine(store: WorkspaceStore): { element: HTMLElement; setStatus: SetStatus } {
  const element = h('div', { class: 'status', 'data-testid': 'status', role: 'status', 'aria-live': 'polite' })
  const render = () => {
    const { status } = store.get()
    element.textContent = status ? t(status.key, status.params) : ''
    element.classList.toggle('error', !!status?.error)
    element.hidden = !status
  }
  store.subscribe(render, ['status', 'language'])
  render()
  return { element, setStatus: (key, params, error = false) => store.set({ status: key ? { key, params, error } : null }) }
}
