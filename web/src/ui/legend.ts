import type { Fit } from '../api/types'
import { FIT_COLORS, ISSUE_COLORS } from '../map/style'
import { t } from '../i18n'
import { h, text } from './dom'
import { foldToggle, savedFold } from './foldToggle'

const ORDER: Fit[] = ['below', 'within', 'above', 'unknown']
/** The validation layer's colours, so an overlap is not read as 超出标准. */
const ISSUES = [
  ['gap', 'issue.gap'],
  ['overlap', 'issue.overlap'],
  ['outside', 'issue.outside_parent'],
  ['warning', 'severity.warning'],
] as const

/** Where the legend's folded state is kept, so it stays folded across reloads and sign-ins. */
export const LEGEND_COLLAPSED_KEY = 'gridwork.legendCollapsed'

/** The saved folded state (unfolded unless the user folded it). */
export function legendCollapsed(storage: Pick<Storage, 'getItem'>): boolean {
  return savedFold(storage, LEGEND_COLLAPSED_KEY)
}

/** Which grids the map shows: those in force, or a township as the editor's draft leaves it. */
export type LegendView = 'live' | 'draft'

/**
 * Legend for the fit colours and the boundary lines; counts per class come from `update`, of the
 * grids the map shows (`view` says which).
 */
export function createLegend(): { element: HTMLElement; update(counts: Record<Fit, number>, view?: LegendView): void } {
  const countEls = new Map<Fit, HTMLElement>()
  const rows = ORDER.map((fit) => {
    const count = h('span', { class: 'legend-count' })
    countEls.set(fit, count)
    return h('li', {}, h('span', { class: 'swatch', style: `background:${FIT_COLORS[fit]}` }), text('span', `fit.${fit}`), count)
  })
  // Folds to its title (at 1024×768 the open legend covers a good part of the map).
  const toggle = h('button', { type: 'button', class: 'legend-toggle', 'data-testid': 'legend-toggle' })
  // The button sits beside the h3, so the heading's text stays the title alone.
  const title = h('div', { class: 'legend-head' }, text('h3', 'legend.title'), toggle)
  const viewLine = text('p', 'legend.liveView', { class: 'legend-view', 'data-testid': 'legend-view', 'data-view': 'live' })
  const element = h(
    'section',
    { class: 'legend', 'data-testid': 'legend' },
    title,
    viewLine,
    text('p', 'legend.note', { class: 'legend-note' }),
    h('ul', {}, ...rows),
    h(
      'ul',
      { class: 'legend-lines' },
      h('li', {}, h('span', { class: 'line township' }), text('span', 'legend.townshipBoundary')),
      h('li', {}, h('span', { class: 'line community' }), text('span', 'legend.communityBoundary')),
    ),
    h(
      'ul',
      { class: 'legend-issues', 'data-testid': 'legend-issues' },
      ...ISSUES.map(([kind, key]) =>
        h('li', {}, h('span', { class: 'swatch', style: `background:${ISSUE_COLORS[kind]}` }), text('span', key)),
      ),
    ),
  )
  foldToggle(element, toggle, LEGEND_COLLAPSED_KEY, { glyphs: ['▾', '▸'], labels: ['legend.collapse', 'legend.expand'] })
  return {
    element,
    update(counts, view = 'live') {
      for (const [fit, el] of countEls) el.textContent = String(counts[fit] ?? 0)
      // data-i18n keeps the line relabelled on a language switch (translateTree).
      viewLine.dataset.i18n = view === 'draft' ? 'legend.draftView' : 'legend.liveView'
      viewLine.dataset.view = view
      viewLine.textContent = t(viewLine.dataset.i18n)
      element.classList.toggle('draft', view === 'draft')
    },
  }
}
