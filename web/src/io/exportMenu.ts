import { api } from '../api/client'
import type { ExportQuery, FormatName } from '../api/types'
import { i18next, t } from '../i18n'
import { dayInput, isDay } from '../ui/dates'
import { h, text, translateTree } from '../ui/dom'
import { openModal } from '../ui/modal'
import { errorMessage } from '../ui/errors'
import type { Session } from '../workspace/state'
import { FORMAT_NAMES } from '../../../server/io/formats.schemas'
import { defaultGaussKrugerZone, exportCrsGroups } from './crsChoices'
import { filenameFromContentDisposition, saveBlob } from './download'
import { choiceSelect, crsLabel, crsSelect, type IoDialog, labelled, relabelCrsSelect } from './ioForm'
import { homeLongitude, ioRegions } from './regions'

// "导出": a region's grids (today or as of a day), its validation issues or a reference layer, in
// a format, CRS and encoding of the person's choice; the file downloads with the server's name.

/** Formats whose text encoding can be chosen (the others are UTF-8 by definition). */
const ENCODED_FORMATS: readonly FormatName[] = ['shp', 'csv']
const ENCODINGS = ['gbk', 'utf-8'] as const

/** The query of the menu's choices; the as-of day only with the as-of layer, the encoding only where it applies. */
export function exportQuery(choice: {
  region: string
  layer: string
  asOf: string
  format: FormatName
  crs: string
  encoding: string
}): ExportQuery {
  const asOf = choice.layer === 'gridsAsOf'
  return {
    region: choice.region,
    layer: asOf ? 'grids' : choice.layer,
    format: choice.format,
    crs: choice.crs,
    ...(asOf ? { as_of: choice.asOf } : {}),
    ...(ENCODED_FORMATS.includes(choice.format) && (choice.encoding === 'gbk' || choice.encoding === 'utf-8')
      ? { encoding: choice.encoding }
      : {}),
  }
}

export function openExportMenu({ session, region: picked }: { session: Session; region: string }): IoDialog {
  const regions = ioRegions(session)
  const lon = homeLongitude(session)
  const zone = defaultGaussKrugerZone(lon ?? 117)

  const region = h(
    'select',
    { 'data-testid': 'export-region' },
    ...regions.map((r) => h('option', { value: r.code }, `${r.name}（${r.code}）`)),
  )
  region.value = regions.some((r) => r.code === picked) ? picked : session.region.code
  const layer = h('select', { 'data-testid': 'export-layer' })
  const asOf = dayInput({ 'data-testid': 'export-as-of' })
  const asOfField = labelled('io.export.asOf', asOf)
  const format = choiceSelect(FORMAT_NAMES, 'io.export.formats', 'geojson', 'export-format')
  const crsGroups = exportCrsGroups()
  const crs = crsSelect(crsGroups, { value: zone.code, here: zone.code, testId: 'export-crs' })
  const crsNote = h('span', { class: 'io-note', 'data-testid': 'export-crs-default' })
  const nameDefaultCrs = () => {
    crsNote.textContent = t('io.export.crsDefault', { lon: (lon ?? 117).toFixed(2), name: `${zone.code} ${crsLabel(zone)}` })
  }
  nameDefaultCrs()
  const encoding = choiceSelect(ENCODINGS, 'io.export.encodings', 'gbk', 'export-encoding')
  const encodingField = labelled('io.export.encoding', encoding)
  const status = h('p', { class: 'io-status', role: 'status', 'data-testid': 'export-status' })
  const alert = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'export-error' })
  const cancel = text('button', 'io.export.cancel', { type: 'button', class: 'secondary', 'data-testid': 'export-cancel' })
  const download = text('button', 'io.export.download', { type: 'submit', class: 'primary', 'data-testid': 'export-download' })
  const form = h(
    'form',
    { class: 'io-form', novalidate: true },
    text('h3', 'io.export.title', { 'data-testid': 'export-title' }),
    labelled('io.export.region', region),
    labelled('io.export.layer', layer),
    asOfField,
    labelled('io.export.format', format),
    labelled('io.export.crs', crs, crsNote),
    encodingField,
    status,
    alert,
    h('div', { class: 'dialog-actions' }, cancel, download),
  )
  const dialog = h(
    'dialog',
    { class: 'io-dialog io-export', 'data-testid': 'export-menu', 'aria-label': t('io.export.title'), 'data-i18n-aria': 'io.export.title' },
    form,
  )

  let references: string[] = []
  const fillLayers = (names: string[]) => {
    references = names
    const kept = layer.value
    layer.replaceChildren(
      ...['grids', 'gridsAsOf', 'issues'].map((value) => h('option', { value }, t(`io.export.layers.${value}`))),
      ...names.map((name) => h('option', { value: `reference:${name}` }, t('io.export.layers.reference', { name }))),
    )
    if ([...layer.options].some((o) => o.value === kept)) layer.value = kept
  }
  const showFields = () => {
    asOfField.hidden = layer.value !== 'gridsAsOf'
    encodingField.hidden = !ENCODED_FORMATS.includes(format.value as FormatName)
  }
  let referenceTicket = 0
  const loadReferences = async () => {
    const id = ++referenceTicket
    // The reference list is optional: a server without it (or an error) offers the fixed layers only.
    const names = await api
      .referenceLayers(region.value)
      .then((list) => list.layers.map((layer) => layer.name))
      .catch((): string[] => [])
    if (id === referenceTicket) fillLayers(names)
    showFields()
  }
  fillLayers([])
  showFields()
  void loadReferences()
  region.addEventListener('change', () => void loadReferences())
  layer.addEventListener('change', showFields)
  format.addEventListener('change', showFields)

  // The status line's text, kept as a function so a language switch can word it again.
  let statusText: (() => string) | null = null
  const showStatus = (text: (() => string) | null) => {
    statusText = text
    status.textContent = text?.() ?? ''
  }
  // Relabelled in place when the language changes while open; the choices stay as they are.
  const relabel = () => {
    translateTree(dialog)
    relabelCrsSelect(crs, crsGroups, zone.code)
    nameDefaultCrs()
    fillLayers(references)
    if (statusText) status.textContent = statusText()
  }
  i18next.on('languageChanged', relabel)
  dialog.addEventListener('close', () => i18next.off('languageChanged', relabel))

  const close = openModal(dialog, cancel)
  form.addEventListener('input', () => {
    alert.hidden = true
  })
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    if (layer.value === 'gridsAsOf' && !isDay(asOf.value)) {
      alert.hidden = false
      alert.textContent = t('io.export.asOfRequired')
      return
    }
    const query = exportQuery({
      region: region.value,
      layer: layer.value,
      asOf: asOf.value,
      format: format.value as FormatName,
      crs: crs.value,
      encoding: encoding.value,
    })
    download.disabled = true
    showStatus(() => t('io.export.downloading'))
    try {
      const file = await api.exportFile(query)
      const name = filenameFromContentDisposition(file.disposition) ?? `${query.region}-${query.layer}.${query.format}`
      saveBlob(file.blob, name)
      showStatus(() => t('io.export.downloaded', { name }))
      status.dataset.filename = name
    } catch (err) {
      showStatus(null)
      alert.hidden = false
      alert.textContent = errorMessage(err)
    } finally {
      download.disabled = false
    }
  })
  layer.focus()
  return { element: dialog, close }
}
