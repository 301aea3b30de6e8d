import type { FieldMap, ImportType } from '../api/types'
import { MAPPED_FIELDS } from '../../../server/import/upload.schemas'

// The wizard's field map: one select per gridwork field, each naming a column of the file (or none).

export interface FieldMapForm {
  /** gridwork fields of the import type, in the order the form shows them. */
  fields: readonly string[]
  /** The file's columns (what each select offers). */
  columns: readonly string[]
  /** gridwork field → chosen column; '' (cleared by the person, sent as null) or no entry: not imported. */
  chosen: Readonly<Record<string, string>>
}

/**
 * The form as a preview leaves it: the server's suggestion, kept where the person changed it
 * before (`previous`) and the column still exists; columns the file lacks are dropped.
 */
export function fieldMapForm(type: ImportType, columns: readonly string[], suggestion: FieldMap, previous?: FieldMapForm): FieldMapForm {
  const fields = MAPPED_FIELDS[type]
  const chosen: Record<string, string> = {}
  for (const field of fields) {
    const kept = previous && Object.hasOwn(previous.chosen, field) ? previous.chosen[field] : suggestion[field]
    // A field the person cleared stays cleared whatever the server suggests again; null from the
    // server is a field cleared at the last commit (remembered for the region).
    if (kept === '' || kept === null) chosen[field] = ''
    else if (kept !== undefined && columns.includes(kept)) chosen[field] = kept
  }
  return { fields, columns, chosen }
}

/** The form with one field set to a column ('' clears it). */
export function chooseColumn(form: FieldMapForm, field: string, column: string): FieldMapForm {
  return { ...form, chosen: { ...form.chosen, [field]: form.columns.includes(column) ? column : '' } }
}

/** The columns chosen: only fields with a column. */
export function fieldMapOf(form: FieldMapForm): FieldMap {
  return Object.fromEntries(form.fields.flatMap((field) => (form.chosen[field] ? [[field, form.chosen[field]]] : [])))
}

/** The map to send: the columns chosen, and null for each field the person cleared (the server remembers that). */
export function fieldMapToSend(form: FieldMapForm): FieldMap {
  const cleared = form.fields.filter((field) => form.chosen[field] === '')
  return { ...fieldMapOf(form), ...Object.fromEntries(cleared.map((field) => [field, null])) }
}

/** Columns chosen for more than one field (shown as a warning: one column rarely means two things). */
export function columnsUsedTwice(form: FieldMapForm): string[] {
  const seen = new Map<string, number>()
  for (const column of Object.values(form.chosen)) if (column) seen.set(column, (seen.get(column) ?? 0) + 1)
  return [...seen].filter(([, n]) => n > 1).map(([column]) => column)
}
