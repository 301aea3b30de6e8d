import { SHORTCUT_HELP } from '../editor/shortcuts'
import { t } from '../i18n'
import { h } from './dom'

/** Whether a key press belongs to a text field (typing "?" there is not a shortcut). */
export const typing = (event: KeyboardEvent) => {
  const target = event.target as HTMLElement | null
  return !!target && (['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.isContentEditable)
}

/** The "?" panel: every keyboard shortcut of the page. `key` handles "?" and Esc; true if it did. */
export function createShortcutHelp(): { element: HTMLElement; key(event: KeyboardEvent): boolean } {
  const element = h('div', { class: 'shortcut-help', 'data-testid': 'shortcut-help', role: 'dialog', hidden: true })
  const render = () => {
    const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': t('grid.close'), title: t('grid.close') }, '×')
    close.addEventListener('click', () => {
      element.hidden = true
    })
    element.setAttribute('aria-label', t('shortcuts.title'))
    element.replaceChildren(
      h('div', { class: 'panel-head' }, h('h3', {}, t('shortcuts.title')), close),
      h(
        'table',
        {},
        h('tbody', {}, ...SHORTCUT_HELP.map(({ keys, what }) => h('tr', {}, h('td', {}, h('kbd', {}, keys)), h('td', {}, t(what))))),
      ),
      h('p', { class: 'panel-note' }, t('shortcuts.note')),
    )
  }
  return {
    element,
    key(event) {
      if (event.key === 'Escape' && !element.hidden) {
        element.hidden = true
        return true
      }
      if (event.key !== '?' || typing(event) || event.ctrlKey || event.metaKey || event.altKey) return false
      if (element.hidden) render()
      element.hidden = !element.hidden
      return true
    },
  }
}
