import type { Feature, Point, Position } from 'geojson'
import { ApiError, api } from '../api/client'
import { changeTargets, type DiffCollection, type Me, type Proposal, type ProposalAct, type ProposalStep, type ProposalSummary, type RegionProps, type ValidationIssue } from '../api/types'
import { renderIssue } from '../editor/validation'
import { t } from '../i18n'
import { DIFF_COLORS } from '../map/style'
import { h } from '../ui/dom'

export interface ProposalsPanelContext {
  me: () => Me | null
  regionsByCode: () => Map<string, RegionProps>
  /** Draws a proposal's diff (null clears) and zooms to it. */
  showDiff(diff: DiffCollection | null): Promise<void>
  focusIssue(issue: ValidationIssue): void
  /** The next click on the map (lon/lat), to pin a comment to. */
  pickPoint(): Promise<Position | null>
  /** Draws the open proposal's pinned comments (empty: none). */
  showComments(pins: Feature<Point, { number: string; comment: string }>[]): void
  flyTo(point: Position): void
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
  /** Where the comment being written is pinned (picked on the map), if anywhere. */
  let pin: Position | null = null
  let actInput = { comment: '', document_no: '', effective_date: '' }
  let commentError: string | null = null

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

  /** "在地图上标注": the next map click pins the comment being written. */
  const renderPinControl = (): HTMLElement => {
    const pick = h('button', { type: 'button', class: 'link-button', 'data-testid': 'pin-pick' }, pin ? t('comments.repin') : t('comments.pin'))
    pick.addEventListener('click', async () => {
      const point = await ctx.pickPoint()
      if (point) pin = point
      render()
    })
    const where = pin ? h('span', { class: 'muted', 'data-testid': 'pin-location' }, t('comments.pinnedAt', { lng: (pin[0] ?? 0).toFixed(5), lat: (pin[1] ?? 0).toFixed(5) })) : null
    return h('div', { class: 'pin-control' }, pick, where)
  }
  const pinned = (): { location?: { type: 'Point'; coordinates: Position } } => (pin ? { location: { type: 'Point', coordinates: pin } } : {})

  const renderCommentForm = (p: Proposal): HTMLElement => {
    const comment = h('textarea', { rows: '2', 'data-testid': 'comment-text', placeholder: t('comments.placeholder') })
    const ok = h('button', { type: 'submit', class: 'secondary', 'data-testid': 'comment-save' }, t('comments.add'))
    const form = h('form', { class: 'comment-form', novalidate: true }, comment, renderPinControl(), ok)
    if (commentError) form.append(h('p', { class: 'form-error', role: 'alert' }, commentError))
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      if (!comment.value.trim()) return
      try {
        await api.comment(p.id, { comment: comment.value.trim(), ...pinned() })
        pin = null
        commentError = null
        await openProposal(p.id, false)
      } catch (err) {
        commentError = errorText(err)
        render()
      }
    })
    return form
  }

  const renderActForm = (p: Proposal): HTMLElement => {
    const act = pendingAct as ProposalAct
    const form = h('form', { class: 'act-form', 'data-testid': 'act-form', 'data-act': act, novalidate: true })
    const fields: HTMLElement[] = []
    const docNo = h('input', { name: 'document_no', 'data-testid': 'act-document-no', required: true })
    const date = h('input', { name: 'effective_date', type: 'date', 'data-testid': 'act-effective-date', required: true })
    const comment = h('textarea', { name: 'comment', rows: '3', 'data-testid': 'act-comment', required: act === 'reject' })
    // What was typed survives re-renders (e.g. picking a pin on the map).
    docNo.value = actInput.document_no
    date.value = actInput.effective_date || new Date().toISOString().slice(0, 10)
    comment.value = actInput.comment
    docNo.addEventListener('input', () => {
      actInput.document_no = docNo.value
    })
    date.addEventListener('input', () => {
      actInput.effective_date = date.value
    })
    comment.addEventListener('input', () => {
      actInput.comment = comment.value
    })
    if (act === 'approve' || act === 'file') {
      fields.push(h('label', {}, h('span', {}, t('act.documentNo')), docNo), h('label', {}, h('span', {}, t('act.effectiveDate')), date))
    }
    fields.push(h('label', {}, h('span', {}, act === 'reject' ? t('act.reason') : t('act.comment')), comment), renderPinControl())
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
      const body: { comment?: string; document_no?: string; effective_date?: string; location?: { type: 'Point'; coordinates: Position } } = { ...pinned() }
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
      pin = null
      actInput = { comment: '', document_no: '', effective_date: '' }
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
          h('li', {}, h('span', { class: 'op' }, t(`op.${c.op}`, { defaultValue: c.op })), ' ', h('code', {}, changeTargets(c).join('、')), c.reason ? ` — ${c.reason}` : ''),
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
      for (const issue of issues) ol.append(renderIssue(issue, () => ctx.focusIssue(issue)))
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
            e.location ? locateButton(e.location.coordinates, pinNumber(p, e.id)) : null,
          ),
        ),
      ),
    )
    if (!pendingAct) out.push(renderCommentForm(p))
    return out
  }

  const pinNumber = (p: Proposal, eventId: number): string => String(p.events.filter((e) => e.location).findIndex((e) => e.id === eventId) + 1)
  const locateButton = (point: Position, number: string): HTMLElement => {
    const b = h('button', { type: 'button', class: 'link-button', 'data-testid': 'comment-locate' }, t('comments.locate', { number }))
    b.addEventListener('click', () => ctx.flyTo(point))
    return b
  }
  /** Pins drawn now (as JSON), so the map is touched only when they change. */
  let drawnPins = '[]'
  const showPins = () => {
    const pins: Feature<Point, { number: string; comment: string }>[] = (open?.events ?? [])
      .filter((e) => e.location)
      .map((e, i) => ({ type: 'Feature', geometry: e.location as Point, properties: { number: String(i + 1), comment: e.comment ?? '' } }))
    if (JSON.stringify(pins) === drawnPins) return
    drawnPins = JSON.stringify(pins)
    ctx.showComments(pins)
  }

  const render = () => {
    showPins()
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

  async function doAct(p: Proposal, act: ProposalAct, body: Parameters<typeof api.act>[2]) {
    acting = true
    actError = null
    render()
    try {
      await api.act(p.id, act, body)
      pendingAct = null
      pin = null
      actInput = { comment: '', document_no: '', effective_date: '' }
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
      pin = null
      pendingAct = null
      listError = openError = actError = null
      render()
    },
  }
}
