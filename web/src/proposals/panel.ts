import { ApiError, api } from '../api/client'
import type { DiffCollection, Me, Proposal, ProposalAct, ProposalStep, ProposalSummary, RegionProps, ValidationIssue } from '../api/types'
import { issueColor } from '../editor/validation'
import { t } from '../i18n'
import { DIFF_COLORS } from '../map/style'
import { h } from '../ui/dom'

export interface ProposalsPanelContext {
  me: () => Me | null
  regionsByCode: () => Map<string, RegionProps>
  /** Draws a proposal's diff (null clears) and zooms to it. */
  showDiff(diff: DiffCollection | null): Promise<void>
  focusIssue(issue: ValidationIssue): void
}

export interface ProposalsPanel {
  element: HTMLElement
  /** Loads the queue (and re-opens the open proposal). */
  refresh(): Promise<void>
  relabel(): void
  clear(): void
}

/** Which endpoint performs a step's action (`approve` does reviews and approvals too). */
const ACT_FOR: Record<ProposalStep['action'], ProposalAct> = { propose: 'submit', review: 'approve', approve: 'approve', file: 'file' }

const errorText = (err: unknown): string =>
  err instanceof ApiError && err.code === 'network' ? t('errors.network') : (err as Error).message

const formatTime = (at: string): string => {
  const d = new Date(at)
  return Number.isNaN(d.getTime()) ? at : d.toLocaleString(document.documentElement.lang || 'zh-CN', { hour12: false })
}

/** The acts this user may take now: submit a draft; approve / file / return at the current step. */
export function availableActs(p: Proposal, me: Me | null): ProposalAct[] {
  if (!me) return []
  const may = (step: ProposalStep | undefined) => !!step && (me.role === 'admin' || me.role === step.role)
  if (p.state === 'draft' || p.state === 'returned') return may(p.steps[0]) ? ['submit'] : []
  if (p.state === 'filed') return []
  const current = p.steps.find((s) => s.status === 'current')
  if (!current || !may(current)) return []
  return [ACT_FOR[current.action], 'reject']
}

/** "变更申请": the queue of proposals in scope and the open proposal with its steps, timeline, issues and diff. */
export function createProposalsPanel(ctx: ProposalsPanelContext): ProposalsPanel {
  const element = h('section', { class: 'panel proposals-panel', 'data-testid': 'proposals-panel' })
  let list: ProposalSummary[] | null = null
  let listError: string | null = null
  let loading = false
  let open: Proposal | null = null
  let openError: string | null = null
  let pendingAct: ProposalAct | null = null
  let actError: string | null = null
  let acting = false

  const regionName = (code: string) => ctx.regionsByCode().get(code)?.name ?? code

  const renderList = (): HTMLElement[] => {
    const refresh = h('button', { type: 'button', class: 'link-button', 'data-testid': 'proposals-refresh' }, t('proposals.refresh'))
    refresh.addEventListener('click', () => void load())
    const head = h('div', { class: 'panel-head' }, h('h3', {}, t('proposals.title')), refresh)
    const out: HTMLElement[] = [head]
    if (loading) out.push(h('div', { class: 'progress' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('proposals.loading')))
    if (listError) out.push(h('p', { class: 'form-error', role: 'alert', 'data-testid': 'proposals-error' }, listError))
    if (list && !list.length) out.push(h('p', { class: 'panel-note' }, t('proposals.empty')))
    if (list?.length) {
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
            `#${p.id} · ${regionName(p.region_code)} · ${formatTime(p.updated_at)}`,
            p.waiting_for_me ? h('span', { class: 'waiting-badge' }, t('proposals.waitingForMe')) : null,
            p.stale ? h('span', { class: 'stale-badge' }, t('proposals.stale')) : null,
          ),
        )
        item.addEventListener('click', () => void openProposal(p.id))
        ul.append(h('li', {}, item))
      }
      out.push(ul)
    }
    return out
  }

  const renderActForm = (p: Proposal): HTMLElement => {
    const act = pendingAct as ProposalAct
    const form = h('form', { class: 'act-form', 'data-testid': 'act-form', 'data-act': act, novalidate: true })
    const fields: HTMLElement[] = []
    const docNo = h('input', { name: 'document_no', 'data-testid': 'act-document-no', required: true })
    const date = h('input', { name: 'effective_date', type: 'date', 'data-testid': 'act-effective-date', required: true })
    date.value = new Date().toISOString().slice(0, 10)
    const comment = h('textarea', { name: 'comment', rows: '3', 'data-testid': 'act-comment', required: act === 'reject' })
    if (act === 'approve' || act === 'file') {
      fields.push(h('label', {}, h('span', {}, t('act.documentNo')), docNo), h('label', {}, h('span', {}, t('act.effectiveDate')), date))
    }
    fields.push(h('label', {}, h('span', {}, act === 'reject' ? t('act.reason') : t('act.comment')), comment))
    const ok = h('button', { type: 'submit', class: 'primary', 'data-testid': 'act-confirm', disabled: acting }, t(`act.confirm.${act}`))
    const cancel = h('button', { type: 'button', class: 'secondary' }, t('act.cancel'))
    cancel.addEventListener('click', () => {
      pendingAct = null
      actError = null
      render()
    })
    form.append(
      ...fields,
      actError ? h('p', { class: 'form-error', role: 'alert', 'data-testid': 'act-error' }, actError) : '',
      h('div', { class: 'button-row' }, ok, cancel),
    )
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      const body: { comment?: string; document_no?: string; effective_date?: string } = {}
      if (comment.value.trim()) body.comment = comment.value.trim()
      if (act === 'reject' && !body.comment) {
        actError = t('act.reasonRequired')
        render()
        return
      }
      if (act === 'approve' || act === 'file') {
        if (docNo.value.trim()) body.document_no = docNo.value.trim()
        if (date.value) body.effective_date = date.value
      }
      await doAct(p, act, body)
    })
    return form
  }

  const renderDetail = (p: Proposal): HTMLElement[] => {
    const back = h('button', { type: 'button', class: 'link-button', 'data-testid': 'proposal-back' }, `‹ ${t('proposals.back')}`)
    back.addEventListener('click', () => {
      open = null
      pendingAct = null
      void ctx.showDiff(null)
      render()
    })
    const out: HTMLElement[] = [
      h('div', { class: 'panel-head' }, back),
      h(
        'h3',
        { 'data-testid': 'proposal-title' },
        h('span', { class: `state-badge state-${p.state}`, 'data-testid': 'proposal-state', 'data-state': p.state }, t(`state.${p.state}`)),
        ` ${p.title}`,
      ),
      h('p', { class: 'panel-note' }, `#${p.id} · ${regionName(p.region_code)} (${p.region_code}) · ${p.created_by}`),
    ]
    if (p.reason) out.push(h('p', { class: 'proposal-reason' }, p.reason))
    if (p.stale) out.push(h('p', { class: 'form-error' }, t('proposals.staleNote')))

    // Steps of the chain.
    out.push(
      h('h4', {}, t('proposals.steps')),
      h(
        'ol',
        { class: 'steps', 'data-testid': 'proposal-steps' },
        ...p.steps.map((s) =>
          h(
            'li',
            { class: `step ${s.status}`, 'data-status': s.status },
            h('span', { class: 'step-dot', 'aria-hidden': 'true' }),
            h('span', {}, `${t(`role.${s.role}`, { defaultValue: s.role })} · ${t(`step.${s.action}`, { defaultValue: s.action })}`),
            h('span', { class: 'muted' }, t(`stepStatus.${s.status}`)),
          ),
        ),
      ),
    )

    // Acts.
    const acts = availableActs(p, ctx.me())
    if (acts.length) {
      const row = h('div', { class: 'button-row', 'data-testid': 'proposal-acts' })
      for (const act of acts) {
        const b = h(
          'button',
          { type: 'button', class: act === 'reject' ? 'secondary' : 'primary', 'data-testid': `act-${act}`, disabled: acting },
          t(`act.${act}`),
        )
        b.addEventListener('click', () => {
          actError = null
          if (act === 'submit') void doAct(p, act, {})
          else {
            pendingAct = act
            render()
          }
        })
        row.append(b)
      }
      out.push(row)
      if (pendingAct && acts.includes(pendingAct)) out.push(renderActForm(p))
      else if (actError) out.push(h('p', { class: 'form-error', role: 'alert', 'data-testid': 'act-error' }, actError))
    }

    // Diff legend.
    out.push(
      h(
        'ul',
        { class: 'diff-legend' },
        ...(['added', 'removed', 'changed'] as const).map((k) =>
          h('li', {}, h('span', { class: `line diff-${k}`, style: `border-top-color:${DIFF_COLORS[k]}` }), t(`diff.${k}`)),
        ),
      ),
    )

    // Changes.
    out.push(
      h('h4', {}, t('proposals.changes', { count: p.changes.length })),
      h(
        'ul',
        { class: 'change-list' },
        ...p.changes.map((c) =>
          h('li', {}, h('span', { class: 'op' }, t(`op.${c.op}`, { defaultValue: c.op })), ' ', h('code', {}, c.grid ?? c.grids?.join('、') ?? ''), c.reason ? ` — ${c.reason}` : ''),
        ),
      ),
    )

    // Validation of the township after the change.
    const issues = p.validation?.issues ?? []
    out.push(h('h4', {}, t('proposals.validation')))
    if (!p.validation) out.push(h('p', { class: 'panel-note' }, t('grid.none')))
    else if (!issues.length) out.push(h('p', { class: 'ok' }, t('validation.valid')))
    else {
      const ol = h('ol', { class: 'issue-list', 'data-testid': 'proposal-issues' })
      for (const issue of issues) {
        const b = h(
          'button',
          { type: 'button', class: `issue ${issue.severity}` },
          h('span', { class: 'swatch', style: `background:${issueColor(issue)}` }),
          h(
            'span',
            { class: 'issue-text' },
            h('span', { class: 'issue-head' }, h('span', { class: `severity ${issue.severity}` }, t(`severity.${issue.severity}`)), t(`issue.${issue.code}`, { defaultValue: issue.code })),
            h('span', { class: 'issue-message' }, issue.message),
          ),
        )
        b.addEventListener('click', () => ctx.focusIssue(issue))
        ol.append(h('li', {}, b))
      }
      out.push(ol)
    }

    // Timeline.
    out.push(
      h('h4', {}, t('proposals.timeline')),
      h(
        'ol',
        { class: 'timeline', 'data-testid': 'proposal-timeline' },
        ...p.events.map((e) =>
          h(
            'li',
            {},
            h('span', { class: 'muted' }, formatTime(e.at)),
            h(
              'span',
              {},
              `${e.username}（${t(`role.${e.role}`, { defaultValue: e.role })}）${t(`event.${e.action}`, { defaultValue: e.action })}`,
              e.to_state ? ` → ${t(`state.${e.to_state}`, { defaultValue: e.to_state })}` : '',
            ),
            e.document_no || e.effective_date
              ? h('span', { class: 'muted' }, [e.document_no, e.effective_date].filter(Boolean).join(' · '))
              : null,
            e.comment ? h('span', { class: 'event-comment' }, e.comment) : null,
          ),
        ),
      ),
    )
    return out
  }

  const render = () => {
    element.replaceChildren(...(open ? renderDetail(open) : renderList()))
    if (openError) element.append(h('p', { class: 'form-error', role: 'alert', 'data-testid': 'proposal-error' }, openError))
  }

  async function load(): Promise<void> {
    loading = true
    listError = null
    render()
    try {
      list = (await api.proposals()).proposals
    } catch (err) {
      listError = errorText(err)
    } finally {
      loading = false
      render()
    }
  }

  async function openProposal(id: number, zoom = true): Promise<void> {
    openError = null
    try {
      const [p, diff] = await Promise.all([api.proposal(id), api.proposalDiff(id).catch(() => null)])
      open = p
      render()
      if (zoom || diff) await ctx.showDiff(diff)
    } catch (err) {
      openError = errorText(err)
      render()
    }
  }

  async function doAct(p: Proposal, act: ProposalAct, body: { comment?: string; document_no?: string; effective_date?: string }) {
    acting = true
    actError = null
    render()
    try {
      await api.act(p.id, act, body)
      pendingAct = null
      acting = false
      await Promise.all([openProposal(p.id), load()])
    } catch (err) {
      actError = errorText(err)
    } finally {
      acting = false
      render()
    }
  }

  render()
  return {
    element,
    async refresh() {
      await load()
      if (open) await openProposal(open.id, false)
    },
    relabel: render,
    clear() {
      list = null
      open = null
      pendingAct = null
      listError = openError = actError = null
      render()
    },
  }
}
