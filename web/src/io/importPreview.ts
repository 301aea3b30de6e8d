import type { ImportChoices, PreviewResponse } from '../api/types'
import { t } from '../i18n'
import { h } from '../ui/dom'
import { type CrsChoice, findCrsChoice, importCrsGroups } from './crsChoices'
import { chooseColumn, columnsUsedTwice, type FieldMapForm } from './fieldMap'
import { choiceSelect, crsLabel, crsSelect, labelled } from './ioForm'

// Step 3 of the import wizard: what the server read from the file, and the choices that change
// how it reads it (layer, encoding, CRS, field map). Every change asks the server again.

export const ENCODINGS = ['auto', 'gbk', 'gb18030', 'utf-8'] as const

export type ReadChoices = Pick<ImportChoices, 'layer' | 'encoding' | 'crs'>

export interface PreviewView {
  preview: PreviewResponse
  choices: ReadChoices
  form: FieldMapForm
  /** The Gauss-Krüger zone of the home region's centre, marked in the CRS list. */
  hereCrs: string
  /** A read choice changed: preview again with it. */
  onChoices(choices: ReadChoices): void
  onFieldMap(form: FieldMapForm): void
}

/** The step's content. */
export function renderPreview(view: PreviewView): HTMLElement[] {
  const { preview } = view
  return [
    h(
      'p',
      { class: 'io-summary', 'data-testid': 'import-summary' },
      t('io.wizard.summary', { format: preview.format, count: preview.feature_count, geometry: preview.geometry_types.join(', ') || '—' }),
    ),
    renderLayer(view),
    renderEncoding(view),
    renderCrs(view),
    renderFields(preview),
    renderFieldMap(view),
    renderMessages(preview),
    // A code list has nothing to draw.
    preview.crs.status === 'none' ? null : h('p', { class: 'panel-note' }, t('io.wizard.mapShown')),
  ].filter((el): el is HTMLElement => el !== null)
}

function renderLayer({ preview, choices, onChoices }: PreviewView): HTMLElement | null {
  if (preview.layers.length < 2) return null
  const select = h('select', { 'data-testid': 'import-layer' }, ...preview.layers.map((name) => h('option', { value: name }, name)))
  select.value = preview.layer
  select.addEventListener('change', () => onChoices({ ...choices, layer: select.value }))
  return labelled('io.wizard.layer', select)
}

function renderEncoding({ preview, choices, onChoices }: PreviewView): HTMLElement {
  if (!preview.encoding) return h('p', { class: 'panel-note' }, `${t('io.wizard.encoding')}：${t('io.wizard.encodingNone')}`)
  const select = choiceSelect(ENCODINGS, 'io.wizard.encodings', choices.encoding ?? 'auto', 'import-encoding')
  select.addEventListener('change', () => {
    const { encoding: _, ...rest } = choices
    onChoices(select.value === 'auto' ? rest : { ...rest, encoding: select.value })
  })
  const detected = h(
    'span',
    { class: 'io-note', 'data-testid': 'import-encoding-detected' },
    t('io.wizard.encodingDetected', {
      name: preview.encoding.name,
      source: t(`io.wizard.encodingSources.${preview.encoding.source}`, { defaultValue: preview.encoding.source }),
    }),
  )
  return labelled('io.wizard.encoding', select, detected)
}

/** A listed system's name on its own: a Gauss-Krüger zone's label says only the zone, its group the rest. */
const knownCrsName = (choice: CrsChoice) =>
  choice.key.startsWith('io.crs.gk') ? t('io.crs.gkKnown', { label: crsLabel(choice) }) : crsLabel(choice)

function renderCrs({ preview, choices, hereCrs, onChoices }: PreviewView): HTMLElement | null {
  const { crs } = preview
  // No geometry (a code list): nothing to ask or to say about coordinates.
  if (crs.status === 'none') return null
  // A system the wizard lists is named in the page's language; another keeps the file's own name.
  const listed = crs.status === 'known' ? findCrsChoice(importCrsGroups(), crs.code) : undefined
  const known =
    crs.status === 'known'
      ? h(
          'span',
          { class: 'io-crs-known', 'data-testid': 'import-crs-known' },
          t('io.wizard.crsKnown', { name: listed ? knownCrsName(listed) : crs.name, code: crs.code }),
        )
      : null
  // The select stays once a CRS was chosen, so the choice can be changed again.
  if (crs.status === 'known' && !choices.crs) return labelled('io.wizard.crs', known ?? h('span', {}))
  const select = crsSelect(importCrsGroups(), {
    value: choices.crs ?? '',
    placeholder: t('io.wizard.crsChoose'),
    here: hereCrs,
    testId: 'import-crs',
  })
  select.addEventListener('change', () => {
    const { crs: _, ...rest } = choices
    onChoices(select.value ? { ...rest, crs: select.value } : rest)
  })
  const found =
    crs.status === 'unknown'
      ? h(
          'span',
          { class: 'io-note io-crs-found', 'data-testid': 'import-crs-found' },
          t('io.wizard.crsUnknown'),
          ' — ',
          crs.found ? t('io.wizard.crsFound', { found: crs.found }) : t('io.wizard.crsNothing'),
        )
      : known
  if (crs.status === 'unknown' && !choices.crs) select.setAttribute('aria-invalid', 'true')
  return labelled('io.wizard.crs', select, found)
}

function renderFields(preview: PreviewResponse): HTMLElement {
  const rows = preview.fields.map((field) =>
    h(
      'tr',
      { 'data-testid': 'import-field', 'data-field': field.name },
      h('th', { scope: 'row' }, field.name),
      h('td', { class: 'muted io-field-type' }, t(`io.wizard.fieldTypes.${field.type}`, { defaultValue: field.type })),
      h('td', { class: 'io-samples' }, field.samples.join(' · ')),
    ),
  )
  return h(
    'section',
    { class: 'io-section' },
    h('h4', {}, t('io.wizard.fields')),
    h(
      'div',
      { class: 'io-table-wrap' },
      h(
        'table',
        { class: 'io-table', 'data-testid': 'import-fields' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, t('io.wizard.fieldName')),
            h('th', {}, t('io.wizard.fieldType')),
            h('th', {}, t('io.wizard.fieldSamples')),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  )
}

function renderFieldMap({ form, onFieldMap }: PreviewView): HTMLElement {
  const selects = form.fields.map((field) => {
    const select = h(
      'select',
      { 'data-testid': 'import-map', 'data-field': field },
      h('option', { value: '' }, t('io.wizard.fieldNone')),
      ...form.columns.map((column) => h('option', { value: column }, column)),
    )
    select.value = form.chosen[field] ?? ''
    select.addEventListener('change', () => onFieldMap(chooseColumn(form, field, select.value)))
    return h('label', { class: 'io-map-row' }, h('span', {}, t(`io.wizard.mapFields.${field}`, { defaultValue: field })), select)
  })
  const twice = columnsUsedTwice(form)
  return h(
    'section',
    { class: 'io-section' },
    h('h4', {}, t('io.wizard.fieldMap')),
    h('div', { class: 'io-map' }, ...selects),
    twice.length ? h('p', { class: 'io-warning' }, t('io.wizard.fieldTwice', { columns: twice.join('、') })) : null,
  )
}

function renderMessages(preview: PreviewResponse): HTMLElement {
  return h(
    'section',
    { class: 'io-section' },
    preview.notes.length
      ? h(
          'div',
          {},
          h('h4', {}, t('io.wizard.notes')),
          h('ul', { class: 'io-notes' }, ...preview.notes.map((note) => h('li', {}, note.message))),
        )
      : null,
    h('h4', {}, t('io.wizard.problems', { count: preview.problems.length })),
    preview.problems.length
      ? h(
          'ul',
          { class: 'io-problems', 'data-testid': 'import-problems' },
          ...preview.problems.map((problem) => h('li', { 'data-code': problem.code }, problem.message)),
        )
      : h('p', { class: 'ok' }, t('io.wizard.noProblems')),
  )
}
