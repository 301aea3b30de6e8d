import type { Proposal } from '../api/types'
import { renderIssue } from '../editor/validation'
import { t } from '../i18n'
import { DIFF_COLORS } from '../map/style'
import { formatTime } from '../ui/dates'
import { h } from '../ui/dom'
import { renderActForm, renderCommentForm } from './forms'
import type { ProposalsActions, ProposalsState } from './state'
import {
  availableActs,
  changeRows,
  formatArea,
  type GridChangeRow,
  type GridSide,
  gridChangeRows,
  proposalMeta,
  timelineRows,
  validationView,
} from './view'

const roleName = (role: string) => t(`role.${role}`, { defaultValue: role })

/** The acts this user may take now, and the open act's form or the last act's error. */
function renderActs(p: Proposal, state: ProposalsState, actions: ProposalsActions): HTMLElement[] {
  const acts = availableActs(p, actions.me())
  if (!acts.length) return []
  const row = h('div', { class: 'button-row', 'data-testid': 'proposal-acts' })
  for (const act of acts) {
    const b = h(
      'button',
      { type: 'button', class: act === 'reject' ? 'secondary' : 'primary', 'data-testid': `act-${act}`, disabled: state.acting },
      t(`act.${act}`),
    )
    b.addEventListener('click', () => actions.chooseAct(p, act))
    row.append(b)
  }
  if (state.pendingAct && acts.includes(state.pendingAct)) return [row, renderActForm(p, state.pendingAct, state, actions)]
  if (state.actError) return [row, h('p', { class: 'form-error', role: 'alert', 'data-testid': 'act-error' }, state.actError)]
  return [row]
}

function renderValidation(p: Proposal, actions: ProposalsActions): HTMLElement {
  const view = validationView(p)
  if (view.kind === 'none') return h('p', { class: 'panel-note' }, t('grid.none'))
  if (view.kind === 'valid') return h('p', { class: 'ok' }, t('validation.valid'))
  const ol = h('ol', { class: 'issue-list', 'data-testid': 'proposal-issues' })
  for (const issue of view.issues) ol.append(renderIssue(issue, () => actions.focusIssue(issue)))
  return ol
}

/** "before → after", one side when the grid is new or goes, one value when it did not change. */
function beforeAfter<T>(row: GridChangeRow, value: (side: GridSide) => T, show: (v: T) => string): string {
  const before = row.before ? show(value(row.before)) : null
  const after = row.after ? show(value(row.after)) : null
  if (before === null || after === null || before === after) return before ?? after ?? '—'
  return `${before} → ${after}`
}
const households = (n: number | null) => (n === null ? '—' : String(n))

/** Every grid the proposal touches: name and code, households and area before → after. */
function renderGridChanges(state: ProposalsState, actions: ProposalsActions): HTMLElement | null {
  const rows = gridChangeRows(state.diff, (code) => actions.gridOf(code)?.households ?? null)
  if (!rows.length) return null
  return h(
    'ul',
    { class: 'grid-changes', 'data-testid': 'proposal-grids' },
    ...rows.map((row) => {
      const kind = row.aligned ? 'aligned' : row.before && row.after ? 'changed' : row.after ? 'added' : 'removed'
      return h(
        'li',
        { class: `diff-${kind}`, 'data-testid': 'proposal-grid', 'data-code': row.code ?? '' },
        h(
          'div',
          {},
          h('span', { class: `op diff-${kind}` }, t(`diff.${kind}`)),
          ` ${beforeAfter(row, (side) => side.name, String)} `,
          h('code', {}, row.code ?? t('proposals.newCode')),
        ),
        h(
          'div',
          { class: 'muted' },
          `${t('proposals.households')} ${beforeAfter(row, (side) => side.households, households)} · `,
          `${t('proposals.area')} ${beforeAfter(row, (side) => side.areaM2, formatArea)}`,
        ),
      )
    }),
  )
}

function renderTimeline(p: Proposal, actions: ProposalsActions): HTMLElement {
  return h(
    'ol',
    { class: 'timeline', 'data-testid': 'proposal-timeline' },
    ...timelineRows(p).map((row) => {
      let locate: HTMLElement | null = null
      if (row.pin) {
        const { point, number } = row.pin
        locate = h('button', { type: 'button', class: 'link-button', 'data-testid': 'comment-locate' }, t('comments.locate', { number }))
        locate.addEventListener('click', () => actions.flyTo(point))
      }
      return h(
        'li',
        {},
        h('span', { class: 'muted' }, formatTime(row.at)),
        h(
          'span',
          {},
          `${row.username}（${roleName(row.role)}）${t(`event.${row.action}`, { defaultValue: row.action })}`,
          row.toState ? ` → ${t(`state.${row.toState}`, { defaultValue: row.toState })}` : '',
        ),
        row.document ? h('span', { class: 'muted' }, row.document) : null,
        row.comment ? h('span', { class: 'event-comment' }, row.comment) : null,
        locate,
      )
    }),
  )
}

/** One proposal: steps of its chain, acts, diff legend, changes, validation after the change, timeline and a comment form. */
export function renderDetail(p: Proposal, state: ProposalsState, actions: ProposalsActions): HTMLElement[] {
  const back = h('button', { type: 'button', class: 'link-button', 'data-testid': 'proposal-back' }, `‹ ${t('proposals.back')}`)
  back.addEventListener('click', () => actions.back())
  const changes = changeRows(p, (code) => actions.gridOf(code)?.name ?? null)
  return [
    h('div', { class: 'panel-head' }, back),
    h(
      'h3',
      { 'data-testid': 'proposal-title' },
      h('span', { class: `state-badge state-${p.state}`, 'data-testid': 'proposal-state', 'data-state': p.state }, t(`state.${p.state}`)),
      ` ${p.title}`,
    ),
    h('p', { class: 'panel-note' }, proposalMeta(p, actions.regionName)),
    ...(p.reason ? [h('p', { class: 'proposal-reason' }, p.reason)] : []),
    ...(p.stale ? [h('p', { class: 'form-error' }, t('proposals.staleNote'))] : []),
    h('h4', {}, t('proposals.steps')),
    h(
      'ol',
      { class: 'steps', 'data-testid': 'proposal-steps' },
      ...p.steps.map((s) =>
        h(
          'li',
          { class: `step ${s.status}`, 'data-status': s.status },
          h('span', { class: 'step-dot', 'aria-hidden': 'true' }),
          h('span', {}, `${roleName(s.role)} · ${t(`step.${s.action}`, { defaultValue: s.action })}`),
          h('span', { class: 'muted' }, t(`stepStatus.${s.status}`)),
        ),
      ),
    ),
    ...renderActs(p, state, actions),
    h(
      'ul',
      { class: 'diff-legend' },
      ...(['added', 'removed', 'changed'] as const).map((k) =>
        h('li', {}, h('span', { class: `line diff-${k}`, style: `border-top-color:${DIFF_COLORS[k]}` }), t(`diff.${k}`)),
      ),
    ),
    h('h4', {}, t('proposals.changes', { count: changes.length })),
    h(
      'ul',
      { class: 'change-list' },
      ...changes.map((c) =>
        h(
          'li',
          {},
          h('span', { class: 'op' }, t(`op.${c.op}`, { defaultValue: c.op })),
          c.names && c.names !== c.targets ? ` ${c.names} ` : ' ',
          c.targets ? h('code', {}, c.targets) : '',
          c.newName ? ` → ${c.newName}` : '',
          c.reason ? ` — ${c.reason}` : '',
        ),
      ),
    ),
    ...[renderGridChanges(state, actions)].filter((e): e is HTMLElement => !!e),
    h('h4', {}, t('proposals.validation')),
    renderValidation(p, actions),
    h('h4', {}, t('proposals.timeline')),
    renderTimeline(p, actions),
    ...(state.pendingAct ? [] : [renderCommentForm(p, state, actions)]),
  ]
}
