import type { Fit } from '../api/types'
import { FIT_COLORS } from '../map/style'
import { h, text } from './dom'

const ORDER: Fit[] = ['below', 'within', 'above', 'unknown']

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
  )
  return {
    element,
    update(counts) {
      for (const [fit, el] of countEls) el.textContent = String(counts[fit] ?? 0)
    },
  }
}
