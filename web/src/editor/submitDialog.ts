import type { Proposal, ProposalStep } from '../api/types'
import { t } from '../i18n'
import { h } from '../ui/dom'
import { openModal } from '../ui/modal'

// "提交审核" asks before it sends: the title and the reason (prefilled from the draft, editable),
// what submitting does (the draft locks; who acts next), then 提交 / 取消. Cancel sends nothing.

/** Limits of POST/PUT /proposals (proposals.routes.ts). */
const MAX_TITLE = 200
const MAX_REASON = 4000

/** What is wrong with the typed title and reason (an i18n key), or null when they may be sent. */
export function submitProblem(title: string, reason: string): string | null {
  if (!title.trim()) return 'editor.submitDialog.titleRequired'
  if (!reason.trim()) return 'editor.submitDialog.reasonRequired'
  if (title.trim().length > MAX_TITLE || reason.trim().length > MAX_REASON) return 'editor.submitDialog.tooLong'
  return null
}

/**
 * The title and reason to save before submitting: those typed in the dialog when they differ from
 * the proposal's, else null (an untouched default stays unsaved, worded per reader by the server).
 */
export function editedText(p: Pick<Proposal, 'title' | 'reason'>, title: string, reason: string): { title: string; reason: string } | null {
  return title === p.title && reason === p.reason ? null : { title, reason }
}

/** The step that acts once the draft is submitted (the chain's second step), if any. */
export function nextStep(p: Pick<Proposal, 'steps'>): Pick<ProposalStep, 'role' | 'action'> | null {
  return p.steps[1] ?? null
}

/** What submitting does, in the UI language. */
export function submitConsequence(p: Pick<Proposal, 'steps' | 'changes'>): string {
  const step = nextStep(p)
  const waiting = step
    ? t('editor.submitDialog.waiting', { who: t(`role.${step.role}`, { defaultValue: step.role }), act: t(`step.${step.action}`) })
    : ''
  return t('editor.submitDialog.consequence', { count: p.changes.length, waiting })
}

export interface SubmitDialogOptions {
  proposal: Pick<Proposal, 'title' | 'reason' | 'steps' | 'changes'>
  /** Saves the title and reason (when changed) and submits; a refusal closes the dialog and shows in the panel. */
  confirm(title: string, reason: string): Promise<void>
}

/** Opens the modal dialog on the page; it removes itself when closed. */
export function openSubmitDialog({ proposal, confirm }: SubmitDialogOptions): HTMLDialogElement {
  const title = h('input', { name: 'title', value: proposal.title, maxlength: String(MAX_TITLE), 'data-testid': 'submit-title' })
  const reason = h('textarea', { name: 'reason', rows: '4', 'data-testid': 'submit-reason' })
  reason.value = proposal.reason
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'submit-dialog-error' })
  const cancel = h('button', { type: 'button', class: 'secondary', 'data-testid': 'submit-cancel' }, t('editor.submitDialog.cancel'))
  const ok = h('button', { type: 'submit', class: 'primary', 'data-testid': 'submit-confirm' }, t('editor.submitDialog.confirm'))
  const form = h(
    'form',
    { class: 'submit-form', novalidate: true },
    h('h3', {}, t('editor.submitDialog.heading')),
    h('label', {}, h('span', {}, t('editor.submitDialog.title')), title),
    h('label', {}, h('span', {}, t('editor.submitDialog.reason')), reason),
    h('p', { class: 'panel-note submit-consequence', 'data-testid': 'submit-consequence' }, submitConsequence(proposal)),
    error,
    h('div', { class: 'dialog-actions' }, cancel, ok),
  )
  const dialog = h(
    'dialog',
    { class: 'submit-dialog', 'data-testid': 'submit-dialog', 'aria-label': t('editor.submitDialog.heading') },
    form,
  )
  const close = openModal(dialog, cancel)
  // Typing answers the message: it goes until the next confirm.
  form.addEventListener('input', () => {
    error.hidden = true
    for (const field of [title, reason]) field.removeAttribute('aria-invalid')
  })
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const problem = submitProblem(title.value, reason.value)
    title.setAttribute('aria-invalid', String(problem === 'editor.submitDialog.titleRequired'))
    reason.setAttribute('aria-invalid', String(problem === 'editor.submitDialog.reasonRequired'))
    if (problem) {
      error.hidden = false
      error.textContent = t(problem, { title: MAX_TITLE, reason: MAX_REASON })
      return
    }
    ok.disabled = cancel.disabled = true
    close()
    void confirm(title.value.trim(), reason.value.trim())
  })
  title.focus()
  return dialog
}
