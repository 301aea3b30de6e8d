import { t } from '../i18n'

/** What a fold button shows and says in each state. */
export interface FoldLabels {
  /** The button's text when open and when folded (e.g. ▾ / ▸). */
  glyphs: readonly [open: string, folded: string]
  /** i18n keys of its aria-label when open (fold) and when folded (unfold). */
  labels: readonly [fold: string, unfold: string]
}

/** The folded state saved under `key` (open unless the user folded it). */
export function savedFold(storage: Pick<Storage, 'getItem'>, key: string): boolean {
  return storage.getItem(key) === '1'
}

/**
 * Makes `toggle` fold `element` (class `collapsed`), the state kept in localStorage under `key` so
 * it outlives reloads and sign-ins; `changed` runs after each click. The label follows a language
 * switch through `data-i18n-aria` (see translateTree).
 */
export function foldToggle(element: HTMLElement, toggle: HTMLButtonElement, key: string, look: FoldLabels, changed?: () => void): void {
  const set = (collapsed: boolean) => {
    element.classList.toggle('collapsed', collapsed)
    toggle.textContent = look.glyphs[collapsed ? 1 : 0]
    toggle.setAttribute('aria-expanded', String(!collapsed))
    toggle.dataset.i18nAria = look.labels[collapsed ? 1 : 0]
    toggle.setAttribute('aria-label', t(toggle.dataset.i18nAria))
  }
  set(savedFold(localStorage, key))
  toggle.addEventListener('click', () => {
    const collapsed = !element.classList.contains('collapsed')
    localStorage.setItem(key, collapsed ? '1' : '0')
    set(collapsed)
    changed?.()
  })
}
