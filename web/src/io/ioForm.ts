import { t } from '../i18n'
import { h } from '../ui/dom'
import type { CrsChoice, CrsGroup } from './crsChoices'

// Form pieces the import wizard and the export menu share.

/** An open wizard or menu; `close` tidies up after it (the wizard's map preview). */
export interface IoDialog {
  element: HTMLDialogElement
  close(): void
}

/** A labelled control: the label's text above the control, an optional note under it. */
export function labelled(labelKey: string, control: HTMLElement, note?: HTMLElement | null): HTMLLabelElement {
  return h('label', { class: 'io-field' }, h('span', { class: 'io-label' }, t(labelKey)), control, note ?? null)
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
  for (const group of groups) {
    const optgroup = h('optgroup', { label: t(group.key) })
    for (const choice of group.choices) {
      const label = crsLabel(choice)
      optgroup.append(h('option', { value: choice.code }, choice.code === here ? t('io.crs.here', { label }) : label))
    }
    select.append(optgroup)
  }
  select.value = value
  return select
}

/** A select of values with i18n labels (`${prefix}.${value}`). */
export function choiceSelect(values: readonly string[], prefix: string, value: string, testId: string): HTMLSelectElement {
  const select = h('select', { 'data-testid': testId }, ...values.map((v) => h('option', { value: v }, t(`${prefix}.${v}`))))
  select.value = value
  return select
}

/** Bytes as the wizard shows them: 1.2 MB, 340 KB, 512 B. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`
  return `${bytes} B`
}
