import type { Change, GridProps } from '../api/types'
import { t } from '../i18n'
import { dayInput, isDay } from '../ui/dates'
import { h } from '../ui/dom'

// The selected grid's attributes (name, households, count date, grid head) → an `update` change.
// A grid the draft creates (`new-N`: split parts, a merge, a drawn grid) has the same form; the
// update addresses its draft id and approval writes what it set with the code it allocates.

const NEW_GRID = /^new-([1-9][0-9]*)$/

/** The number of a draft's new grid (`new-3` → 3), or null for a grid in force. */
export function newGridNumber(id: string): number | null {
  const match = NEW_GRID.exec(id)
  return match ? Number(match[1]) : null
}

/** How a grid id reads on screen: its code, or "新网格 3（审批后赋码）" for a draft's new grid. */
export function gridIdLabel(id: string): string {
  const number = newGridNumber(id)
  return number === null ? id : t('editor.newGridLabel', { number })
}

export function renderAttributeForm(props: GridProps, save: (change: Change) => void): HTMLFormElement {
  const isNew = newGridNumber(props.code) !== null
  const form = h('form', { class: 'attribute-form', 'data-testid': 'attribute-form', 'data-grid': props.code, novalidate: true })
  const name = h('input', { name: 'name', value: props.name, required: true, 'data-testid': 'attr-name' })
  const households = h('input', {
    name: 'households',
    type: 'number',
    min: '0',
    step: '1',
    value: props.households === null ? '' : String(props.households),
    'data-testid': 'attr-households',
  })
  const countDate = dayInput({ name: 'count_date', value: props.count_date ?? '', 'data-testid': 'attr-count-date' })
  const head = h('input', { name: 'grid_head', value: String(props.attributes?.grid_head ?? ''), 'data-testid': 'attr-grid-head' })
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const submit = h('button', { type: 'submit', class: 'secondary', 'data-testid': 'attr-save' }, t('editor.saveAttributes'))
  form.append(
    h('p', { class: 'panel-note' }, isNew ? h('strong', { class: 'new-grid' }, gridIdLabel(props.code)) : h('code', {}, props.code)),
    h('label', {}, h('span', {}, t('editor.attr.name')), name),
    h('label', {}, h('span', {}, t('editor.attr.households')), households),
    h('label', {}, h('span', {}, t('editor.attr.countDate')), countDate),
    h('label', {}, h('span', {}, t('editor.attr.gridHead')), head),
    error,
    submit,
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const count = households.value.trim() === '' ? null : Number(households.value)
    const badDay = countDate.value.trim() !== '' && !isDay(countDate.value.trim())
    if (!name.value.trim() || badDay || (count !== null && (!Number.isInteger(count) || count < 0))) {
      error.hidden = false
      error.textContent = t('editor.attr.invalid')
      return
    }
    save({
      op: 'update',
      grid: props.code,
      properties: {
        name: name.value.trim(),
        households: count,
        count_date: countDate.value.trim() || null,
        attributes: { grid_head: head.value.trim() },
      },
    })
  })
  return form
}
