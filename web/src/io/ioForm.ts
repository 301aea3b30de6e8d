import { t } from '../i18n'
import { h, text } from '../ui/dom'
import type { CrsChoice, CrsGroup } from './crsChoices'

// Form pieces the import wizard and the export menu share.

/** An open wizard or menu; `close` tidies up after it (the wizard's map preview). */
export interface IoDialog {
  element: HTMLDialogElement
  close(): void
}

// Texts without parameters carry their key (data-i18n), so translateTree relabels them in place
// on a language switch without touching the controls' values.

/** A labelled control: the label's text above the control, an optional note under it. */
export function labelled(labelKey: string, control: HTMLElement, note?: HTMLElement | null): HTMLLabelElement {
  return h('label', { class: 'io-field' }, text('span', labelKey, { class: 'io-label' }), control, note ?? null)
}

export function crsLabel(choice: CrsChoice): string {
  return t(choice.key, choice.params)
}

/**
 * A CRS select grouped by family. `placeholder`: an empty first option that must be replaced
 * (the select is then `required`); `here`: the code to mark as the home region's own zone.
 */
export function crsSelect(
  groups: readonly CrsGroup[],
  { value, placeholder, here, testId }: { value: string; placeholder?: string; here?: string; testId: string },
): HTMLSelectElement {
  const select = h('select', { 'data-testid': testId, required: placeholder !== undefined })
  if (placeholder !== undefined) select.append(h('option', { value: '' }, placeholder))
  for (const group of groups) select.append(h('optgroup', {}, ...group.choices.map((choice) => h('option', { value: choice.code }))))
  relabelCrsSelect(select, groups, here)
  select.value = value
  return select
}

/** Names the groups and systems of a crsSelect made from `groups` in the current language. */
export function relabelCrsSelect(select: HTMLSelectElement, groups: readonly CrsGroup[], here?: string): void {
  const optgroups = select.querySelectorAll('optgroup')
  groups.forEach((group, index) => {
    const optgroup = optgroups[index]
    if (!optgroup) return
    optgroup.label = t(group.key)
    group.choices.forEach((choice, position) => {
      const option = optgroup.children[position]
      const label = crsLabel(choice)
      if (option) option.textContent = choice.code === here ? t('io.crs.here', { label }) : label
    })
  })
}

/** A select of values with i18n labels (`${prefix}.${value}`). */
export function choiceSelect(values: readonly string[], prefix: string, value: string, testId: string): HTMLSelectElement {
  const select = h('select', { 'data-testid': testId }, ...values.map((v) => text('option', `${prefix}.${v}`, { value: v })))
  select.value = value
  return select
}

/** Bytes as the wizard shows them: 1.2 MB, 340 KB, 512 B. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`
  return `${bytes} B`
}
