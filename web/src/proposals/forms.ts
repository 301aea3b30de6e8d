import type { Proposal, ProposalAct } from '../api/types'
import { t } from '../i18n'
import { h } from '../ui/dom'
import type { ProposalsActions, ProposalsState } from './state'
import { dayInput, localDay } from '../ui/dates'
import { actNeedsDocument, actRequest } from './view'

/** "在地图上标注": the next map click pins the comment being written. */
function renderPinControl(state: ProposalsState, actions: ProposalsActions): HTMLElement {
  const { pin } = state
  const pick = h(
    'button',
    { type: 'button', class: 'link-button', 'data-testid': 'pin-pick' },
    pin ? t('comments.repin') : t('comments.pin'),
  )
  pick.addEventListener('click', () => actions.pickPin())
  const where = pin
    ? h(
        'span',
        { class: 'muted', 'data-testid': 'pin-location' },
        t('comments.pinnedAt', { lng: (pin[0] ?? 0).toFixed(5), lat: (pin[1] ?? 0).toFixed(5) }),
      )
    : null
  return h('div', { class: 'pin-control' }, pick, where)
}

/** A comment on the open proposal, optionally pinned to the map. */
export function renderCommentForm(p: Proposal, state: ProposalsState, actions: ProposalsActions): HTMLElement {
  const comment = h('textarea', { rows: '2', 'data-testid': 'comment-text', placeholder: t('comments.placeholder') })
  const ok = h('button', { type: 'submit', class: 'secondary', 'data-testid': 'comment-save' }, t('comments.add'))
  const form = h('form', { class: 'comment-form', novalidate: true }, comment, renderPinControl(state, actions), ok)
  if (state.commentError) form.append(h('p', { class: 'form-error', role: 'alert' }, state.commentError))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    if (comment.value.trim()) actions.comment(p, comment.value.trim())
  })
  return form
}

/** A form field's label: its name, a required mark, and the format it takes. */
function fieldLabel(name: string, control: HTMLElement, required: boolean, hint?: string): HTMLElement {
  return h(
    'label',
    {},
    h('span', {}, name, required ? h('span', { class: 'required', title: t('act.required') }, ' *') : ''),
    control,
    hint ? h('span', { class: 'field-hint' }, hint) : '',
  )
}

/**
 * The form of an act that takes more than a click: 文号 and 生效日期 only for the act that applies
 * the change (the approval, or a filing where nobody approves), a reason to return.
 */
export function renderActForm(p: Proposal, act: ProposalAct, state: ProposalsState, actions: ProposalsActions): HTMLElement {
  const { actInput } = state
  const form = h('form', { class: 'act-form', 'data-testid': 'act-form', 'data-act': act, novalidate: true })
  const fields: HTMLElement[] = []
  const needsDocument = actNeedsDocument(p, act)
  const docNo = h('input', {
    name: 'document_no',
    'data-testid': 'act-document-no',
    required: true,
    placeholder: t('act.documentNoExample'),
  })
  const date = dayInput({ name: 'effective_date', 'data-testid': 'act-effective-date', required: true })
  const comment = h('textarea', { name: 'comment', rows: '3', 'data-testid': 'act-comment', required: act === 'reject' })
  // What was typed survives re-renders (e.g. picking a pin on the map).
  docNo.value = actInput.document_no
  date.value = actInput.effective_date || localDay(new Date())
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
  if (needsDocument) {
    fields.push(
      fieldLabel(t('act.documentNo'), docNo, true, t('act.documentNoHint')),
      fieldLabel(t('act.effectiveDate'), date, true, t('act.effectiveDateHint')),
    )
  }
  fields.push(
    fieldLabel(act === 'reject' ? t('act.reason') : t('act.comment'), comment, act === 'reject'),
    renderPinControl(state, actions),
  )
  const ok = h(
    'button',
    { type: 'submit', class: 'primary', 'data-testid': 'act-confirm', disabled: state.acting },
    t(`act.confirm.${act}`),
  )
  const cancel = h('button', { type: 'button', class: 'secondary' }, t('act.cancel'))
  cancel.addEventListener('click', () => actions.cancelAct())
  form.append(
    ...fields,
    state.actError ? h('p', { class: 'form-error', role: 'alert', 'data-testid': 'act-error' }, state.actError) : '',
    h('div', { class: 'button-row' }, ok, cancel),
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    // The fields as shown: the date input shows today until changed.
    const typed = needsDocument ? { document_no: docNo.value, effective_date: date.value } : { document_no: '', effective_date: '' }
    const request = actRequest(act, { comment: comment.value, ...typed }, state.pin, needsDocument)
    if ('error' in request) actions.refuseAct(request.error)
    else actions.act(p, act, request.body)
  })
  return form
}
