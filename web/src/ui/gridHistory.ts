import type { GridHistory, LineageLink } from '../api/types'
import { t } from '../i18n'
import { h } from './dom'

/** History of the selected grid: not asked for yet (null), loading, loaded or failed. */
export type HistoryState =
  | { code: string; status: 'loading' }
  | { code: string; status: 'loaded'; history: GridHistory; shown: number | null }
  | { code: string; status: 'error'; message: string }

export interface GridHistoryHandlers {
  load: () => void
  /** Outlines one version on the map. */
  show: (version: number) => void
}

const LINK_KEYS = {
  parents: { split: 'history.splitFrom', merge: 'history.mergedFrom' },
  children: { split: 'history.splitInto', merge: 'history.mergedInto' },
} as const

function lineageRows(history: GridHistory): HTMLElement | null {
  const lineage = history.features[0]?.properties.lineage
  if (!lineage) return null
  const rows: Node[] = []
  for (const side of ['parents', 'children'] as const) {
    const byRelation = new Map<LineageLink['relation'], LineageLink[]>()
    for (const link of lineage[side]) byRelation.set(link.relation, [...(byRelation.get(link.relation) ?? []), link])
    for (const [relation, links] of byRelation) {
      rows.push(
        h('dt', {}, t(LINK_KEYS[side][relation])),
        h(
          'dd',
          { 'data-testid': `lineage-${side}`, 'data-relation': relation },
          ...links.flatMap((l, i) => [i > 0 ? '、' : '', h('code', { title: l.effective_date }, l.code)]),
          h('span', { class: 'muted' }, ` (${links[0]?.effective_date ?? ''})`),
        ),
      )
    }
  }
  return rows.length ? h('dl', { class: 'lineage', 'data-testid': 'lineage' }, ...rows) : null
}

/** The "历史版本" section of the grid info panel; rebuilt on every state change and language switch. */
export function renderGridHistory(state: HistoryState | null, handlers: GridHistoryHandlers): HTMLElement {
  const section = h('section', { class: 'grid-history', 'data-testid': 'grid-history' })
  if (!state) {
    const button = h('button', { type: 'button', class: 'secondary', 'data-testid': 'history-load' }, t('history.button'))
    button.addEventListener('click', handlers.load)
    section.append(button)
    return section
  }
  section.append(h('h4', {}, t('history.title')))
  if (state.status === 'loading') {
    section.setAttribute('aria-busy', 'true')
    section.append(h('p', { class: 'muted' }, t('history.loading')))
    return section
  }
  if (state.status === 'error') {
    section.append(
      h('p', { class: 'error', 'data-testid': 'history-error', role: 'alert' }, t('history.failed', { message: state.message })),
    )
    return section
  }
  const lineage = lineageRows(state.history)
  if (lineage) section.append(h('h5', {}, t('history.lineage')), lineage)
  if (!state.history.features.length) {
    section.append(h('p', { class: 'muted' }, t('history.empty')))
    return section
  }
  const none = t('grid.none')
  // Newest first: the version in force is what people look for.
  const items = [...state.history.features].reverse().map((f) => {
    const p = f.properties
    const shown = state.shown === p.version
    const head = h(
      'button',
      { type: 'button', class: 'version-head', title: t(shown ? 'history.shown' : 'history.showOnMap'), 'aria-pressed': String(shown) },
      h('strong', {}, t('history.version', { version: p.version })),
      p.valid_to === null ? h('span', { class: 'current-badge' }, t('history.current')) : '',
    )
    const rows: [string, string][] = [
      ['history.validFrom', p.valid_from],
      ['history.validTo', p.valid_to ?? none],
      ['history.households', p.households === null ? none : t('grid.householdsValue', { count: p.households })],
      ['history.documentNo', p.proposal?.document_no ?? none],
      ['history.approvedBy', p.proposal?.approved_by ?? none],
    ]
    const li = h(
      'li',
      { class: shown ? 'version shown' : 'version', 'data-testid': 'history-version', 'data-version': String(p.version) },
      head,
      h('dl', {}, ...rows.flatMap(([key, value]) => [h('dt', {}, t(key)), h('dd', {}, value)])),
    )
    if (p.name) head.append(h('span', { class: 'muted' }, ` ${p.name}`))
    li.addEventListener('click', () => handlers.show(p.version))
    return li
  })
  section.append(h('ol', { class: 'history-list', 'data-testid': 'history-list' }, ...items))
  return section
}
