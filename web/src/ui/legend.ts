import type { Fit } from '../api/types'
import { FIT_COLORS, ISSUE_COLORS } from '../map/style'
import { h, text } from './dom'

const ORDER: Fit[] = ['below', 'within', 'above', 'unknown']
/** The validation layer's colours, so an overlap is not read as 超出标准. */
const ISSUES = [
  ['gap', 'issue.gap'],
  ['overlap', 'issue.overlap'],
  ['outside', 'issue.outside_parent'],
  ['warning', 'severity.warning'],
] as const

/** Legend for the fit colours and the boundary lines; counts per class come from `update`. */
export function createLegend(): { element: HTMLElement; update(counts: Record<Fit, number>): void } {
  const countEls = new Map<Fit, HTMLElement>()
  const rows = ORDER.map((fit) => {
    const count = h('span', { class: 'legend-count' })
    countEls.set(fit, count)
    return h('li', {}, h('span', { class: 'swatch', style: `background:${FIT_COLORS[fit]}` }), text('span', `fit.${fit}`), count)
  })
  const element = h(
    'section',
    { class: 'legend', 'data-testid': 'legend' },
    text('h3', 'legend.title'),
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
  return {
    element,
    update(counts) {
      for (const [fit, el] of countEls) el.textContent = String(counts[fit] ?? 0)
    },
  }
}
