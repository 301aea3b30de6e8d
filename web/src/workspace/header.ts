import { i18next, offeredLanguages, t } from '../i18n'
import { canImport } from '../io/ioActions'
import { h, text } from '../ui/dom'
import { gridCountView, type WorkspaceStore } from './state'

/**
 * The page header: breadcrumb of the home region, grid count, the signed-in user, sign-out and the
 * language selector. `middle` (the as-of date control) sits before the count.
 */
export function createHeader(
  store: WorkspaceStore,
  middle: HTMLElement,
): {
  element: HTMLElement
  langSelect: HTMLSelectElement
  logoutButton: HTMLButtonElement
  importButton: HTMLButtonElement
  exportButton: HTMLButtonElement
} {
  const langSelect = h('select', { 'data-testid': 'language-select', 'data-i18n-aria': 'language.label' })
  const userLabel = h('span', { class: 'user', 'data-testid': 'user' })
  const breadcrumb = h('nav', { class: 'breadcrumb', 'data-testid': 'region' })
  const gridCount = h('span', { class: 'grid-count', 'data-testid': 'grid-count', hidden: true })
  const logoutButton = text('button', 'header.logout', { type: 'button', class: 'link-button', 'data-testid': 'logout', hidden: true })
  const importButton = text('button', 'io.open.import', {
    type: 'button',
    class: 'header-action',
    'data-testid': 'open-import',
    hidden: true,
  })
  const exportButton = text('button', 'io.open.export', {
    type: 'button',
    class: 'header-action',
    'data-testid': 'open-export',
    hidden: true,
  })
  const element = h(
    'header',
    { class: 'app-header' },
    h('div', { class: 'brand' }, text('span', 'app.title', { class: 'title' }), h('span', { class: 'product' }, 'gridwork')),
    breadcrumb,
    h('div', { class: 'spacer' }),
    middle,
    importButton,
    exportButton,
    gridCount,
    userLabel,
    logoutButton,
    langSelect,
  )

  /** Fills the language selector; Tibetan appears when the user's region profile asks for it. */
  const renderLanguageOptions = () => {
    const offered = offeredLanguages(store.get().session?.me.notice_languages ?? null)
    if ([...langSelect.options].map((o) => o.value).join() === offered.join()) return
    langSelect.replaceChildren(...offered.map((lng) => h('option', { value: lng }, t(`language.${lng}`))))
    langSelect.value = i18next.language
  }

  const render = () => {
    const state = store.get()
    const { session } = state
    renderLanguageOptions()
    breadcrumb.replaceChildren()
    if (session) {
      const names = [...session.region.ancestors.map((a) => a.name), session.region.name]
      names.forEach((name, i) => {
        if (i > 0) breadcrumb.append(h('span', { class: 'sep' }, '›'))
        breadcrumb.append(h('span', { class: i === names.length - 1 ? 'current' : '' }, name))
      })
      userLabel.textContent = `${session.me.display_name} · ${t(`role.${session.me.role}`, { defaultValue: session.me.role })}`
      // In viewport mode the header names the region's total and how many are on the map; while the
      // editor shows a township as its draft leaves it, the count is of what the map shows.
      const view = gridCountView(state)
      gridCount.textContent = t(view.key, { count: view.count, shown: view.shown })
      gridCount.dataset.count = String(view.count)
      gridCount.dataset.shown = String(view.shown)
      gridCount.dataset.view = view.view
    } else {
      userLabel.textContent = ''
    }
    gridCount.hidden = !session
    logoutButton.hidden = !session
    importButton.hidden = !canImport(session?.me.role)
    exportButton.hidden = !session
  }
  store.subscribe(render, ['session', 'grids', 'draftView', 'language'])
  render()
  return { element, langSelect, logoutButton, importButton, exportButton }
}
