import { t } from '../i18n'
import { h } from '../ui/dom'
import type { ProposalsActions, ProposalsState } from './state'
import { formatTime } from '../ui/dates'

/** The queue: proposals in scope, those waiting for this user highlighted. */
export function renderList(state: ProposalsState, actions: ProposalsActions): HTMLElement[] {
  const { list } = state
  const refresh = h('button', { type: 'button', class: 'link-button', 'data-testid': 'proposals-refresh' }, t('proposals.refresh'))
  refresh.addEventListener('click', () => actions.reload())
  const out: HTMLElement[] = [h('div', { class: 'panel-head' }, h('h3', {}, t('proposals.title')), refresh)]
  if (state.loading)
    out.push(h('div', { class: 'progress' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('proposals.loading')))
  if (state.listError) out.push(h('p', { class: 'form-error', role: 'alert', 'data-testid': 'proposals-error' }, state.listError))
  if (list && !list.length) out.push(h('p', { class: 'panel-note' }, t('proposals.empty')))
  if (!list?.length) return out
  const waiting = list.filter((p) => p.waiting_for_me).length
  if (waiting) out.push(h('p', { class: 'panel-note' }, t('proposals.waitingCount', { count: waiting })))
  const ul = h('ul', { class: 'proposal-list', 'data-testid': 'proposal-list' })
  for (const p of list) {
    const item = h(
      'button',
      {
        type: 'button',
        class: `proposal-item${p.waiting_for_me ? ' waiting' : ''}`,
        'data-testid': 'proposal-item',
        'data-id': String(p.id),
        'data-waiting': p.waiting_for_me ? 'true' : 'false',
      },
      h(
        'span',
        { class: 'proposal-line' },
        h('span', { class: `state-badge state-${p.state}` }, t(`state.${p.state}`)),
        h('span', { class: 'proposal-title' }, p.title),
      ),
      h(
        'span',
        { class: 'proposal-meta' },
        `#${p.id} · ${actions.regionName(p.region_code)} · ${formatTime(p.updated_at)}`,
        p.waiting_for_me ? h('span', { class: 'waiting-badge' }, t('proposals.waitingForMe')) : null,
        p.stale ? h('span', { class: 'stale-badge' }, t('proposals.stale')) : null,
      ),
    )
    item.addEventListener('click', () => actions.open(p.id))
    ul.append(h('li', {}, item))
  }
  out.push(ul)
  return out
}
