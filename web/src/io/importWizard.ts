import type { FeatureCollection } from 'geojson'
import type { Map as MapLibreMap } from 'maplibre-gl'
import { api } from '../api/client'
import type {
  CommitRequest,
  CommitResponse,
  ImportChoices,
  ImportType,
  PreviewResponse,
  ReferenceKind,
  UploadResponse,
  ValidationIssue,
} from '../api/types'
import { renderHeadline, renderIssue } from '../editor/validation'
import { i18next, t } from '../i18n'
import { h } from '../ui/dom'
import { errorMessage } from '../ui/errors'
import type { Session } from '../workspace/state'
import { IMPORT_TYPES, REFERENCE_KINDS } from '../../../server/import/upload.schemas'
import { defaultGaussKrugerZone } from './crsChoices'
import { type FieldMapForm, fieldMapForm, fieldMapToSend } from './fieldMap'
import { homeLongitude, ioRegions } from './regions'
import { renderPreview, type ReadChoices } from './importPreview'
import { choiceSelect, formatBytes, type IoDialog, labelled } from './ioForm'
import { createPreviewLayer } from './previewLayer'

// "导入": a dialog docked on the right of the map, in five steps: files (uploaded with progress),
// what they are and where, the server's preview (drawn on the map), the validation report, commit.

export interface ImportWizardContext {
  session: Session
  /** The region picked in the tree (the wizard's default). */
  region: string
  map: MapLibreMap
  /** Whether the map shows grids of that region (a region without any may take a direct import). */
  hasGrids(region: string): boolean
  focusIssue(issue: ValidationIssue): void
  /** A draft proposal was made: show it in the proposals tab. */
  openProposal(id: number): void
  /** Something was imported: reload what the map shows. */
  imported(result: CommitResponse): void
}

const STEPS = ['files', 'type', 'preview', 'report', 'commit'] as const
type Step = (typeof STEPS)[number]
const ACCEPT = '.shp,.shx,.dbf,.prj,.cpg,.qpj,.zip,.gpkg,.kml,.kmz,.fgb,.geojson,.json,.csv,.xlsx'

export function openImportWizard(ctx: ImportWizardContext): IoDialog {
  const regions = ioRegions(ctx.session)
  let step: Step = 'files'
  let files: File[] = []
  let upload: UploadResponse | null = null
  let progress: { sent: number; total: number } | null = null
  let type: ImportType = 'grids'
  let region = regions.some((r) => r.code === ctx.region) ? ctx.region : ctx.session.region.code
  let reference: { name: string; kind: ReferenceKind } = { name: '', kind: 'road' }
  let read: ReadChoices = {}
  let form: FieldMapForm | null = null
  let preview: PreviewResponse | null = null
  let result: CommitResponse | null = null
  let busy: string | null = null
  let error: string | null = null
  let ticket = 0

  const stepper = h('ol', { class: 'io-steps' })
  const body = h('div', { class: 'io-body', 'data-testid': 'import-body' })
  const status = h('p', { class: 'io-status', role: 'status', 'data-testid': 'import-status' })
  const alert = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'import-error' })
  const back = h('button', { type: 'button', class: 'secondary', 'data-testid': 'import-back' })
  const next = h('button', { type: 'button', class: 'primary', 'data-testid': 'import-next' })
  const closeButton = h('button', { type: 'button', class: 'link-button io-close', 'data-testid': 'import-close' })
  const title = h('h3', { 'data-testid': 'import-title' })
  const dialog = h(
    'dialog',
    { class: 'io-dialog', 'data-testid': 'import-wizard' },
    h('header', { class: 'io-head' }, title, closeButton),
    stepper,
    body,
    status,
    alert,
    h('div', { class: 'dialog-actions' }, back, next),
  )
  const layer = createPreviewLayer(ctx.map, () => ({ top: 40, bottom: 40, left: 40, right: dialog.offsetWidth + 40 }))
  const hereCrs = defaultGaussKrugerZone(homeLongitude(ctx.session) ?? 117).code

  const choices = (): ImportChoices => ({ type, region, ...read, ...(form ? { map: fieldMapToSend(form) } : {}) })

  /** Runs one request at a time; a newer one makes an older answer stale. */
  async function run<T>(label: string, work: () => Promise<T>, done: (value: T) => void): Promise<void> {
    const id = ++ticket
    busy = label
    error = null
    render()
    try {
      const value = await work()
      if (id === ticket) done(value)
    } catch (err) {
      if (id === ticket) error = t('io.wizard.failed', { message: errorMessage(err) })
    } finally {
      if (id === ticket) busy = null
      render()
    }
  }

  function chooseFiles(list: FileList | null): void {
    if (!list?.length) return
    files = [...list]
    upload = preview = result = null
    form = null
    read = {}
    layer.remove()
    void run(
      'upload',
      () =>
        api.uploadFiles(files, (sent, total) => {
          progress = { sent, total }
          renderStatus()
        }),
      (answer) => {
        upload = answer
      },
    )
  }

  function askPreview(then?: Step): void {
    const current = upload
    if (!current) return
    void run(
      'preview',
      () => api.importPreview(current.id, choices()),
      (answer) => {
        preview = answer
        read = { ...read, layer: answer.layer }
        form = fieldMapForm(
          type,
          answer.fields.map((f) => f.name),
          answer.map,
          form ?? undefined,
        )
        // Drawn only when the server sent lon/lat features (none while the CRS is unknown).
        if ((answer.features as FeatureCollection | null)?.type === 'FeatureCollection') layer.show(answer.features as FeatureCollection)
        else layer.remove()
        if (then) step = then
      },
    )
  }

  function commit(body: Partial<CommitRequest>): void {
    const current = upload
    if (!current) return
    void run(
      'commit',
      () => api.importCommit(current.id, { ...choices(), ...body }),
      (answer) => {
        result = answer
        layer.remove()
        ctx.imported(answer)
        if (answer.proposal_id !== null) ctx.openProposal(answer.proposal_id)
      },
    )
  }

  function renderStatus(): void {
    if (busy === 'upload' && progress)
      status.textContent = t('io.wizard.uploading', { sent: formatBytes(progress.sent), total: formatBytes(progress.total) })
    else if (busy) status.textContent = t(busy === 'commit' ? 'io.wizard.committing' : 'io.wizard.previewing')
    else status.textContent = ''
    const bar = body.querySelector('progress')
    if (bar && progress) {
      bar.max = Math.max(progress.total, 1)
      bar.value = progress.sent
    }
  }

  function renderFiles(): HTMLElement[] {
    const input = h('input', { type: 'file', multiple: true, accept: ACCEPT, 'data-testid': 'import-file-input', class: 'io-file-input' })
    input.addEventListener('change', () => chooseFiles(input.files))
    const choose = h('button', { type: 'button', class: 'secondary', 'data-testid': 'import-choose' }, t('io.wizard.choose'))
    choose.addEventListener('click', () => input.click())
    const drop = h(
      'div',
      { class: 'io-drop', 'data-testid': 'import-drop' },
      h('p', {}, t('io.wizard.drop'), ' ', choose),
      h('p', { class: 'panel-note' }, t('io.wizard.dropHint')),
      input,
    )
    drop.addEventListener('dragover', (e) => {
      e.preventDefault()
      drop.classList.add('over')
    })
    drop.addEventListener('dragleave', () => drop.classList.remove('over'))
    drop.addEventListener('drop', (e) => {
      e.preventDefault()
      drop.classList.remove('over')
      chooseFiles(e.dataTransfer?.files ?? null)
    })
    const list = h(
      'ul',
      { class: 'io-files', 'data-testid': 'import-files' },
      ...files.map((f) => h('li', {}, `${f.name} · ${formatBytes(f.size)}`)),
    )
    const bar = progress ? h('progress', { 'data-testid': 'import-progress' }) : null
    const uploaded = upload
      ? h(
          'p',
          { class: 'ok', 'data-testid': 'import-uploaded' },
          t('io.wizard.uploaded', { count: upload.files.length, total: formatBytes(upload.files.reduce((s, f) => s + f.size, 0)) }),
        )
      : null
    return [drop, list, bar, uploaded].filter((el) => el !== null)
  }

  function renderType(): HTMLElement[] {
    const typeSelect = choiceSelect(IMPORT_TYPES, 'io.wizard.types', type, 'import-type')
    typeSelect.addEventListener('change', () => {
      type = typeSelect.value as ImportType
      form = null
      render()
    })
    const regionSelect = h(
      'select',
      { 'data-testid': 'import-region' },
      ...regions.map((r) => h('option', { value: r.code }, `${r.name}（${r.code}）`)),
    )
    regionSelect.value = region
    regionSelect.addEventListener('change', () => {
      region = regionSelect.value
    })
    const out = [
      labelled('io.wizard.type', typeSelect),
      labelled('io.wizard.region', regionSelect, h('span', { class: 'io-note' }, t('io.wizard.regionHint'))),
    ]
    if (type === 'reference') {
      const name = h('input', { value: reference.name, maxlength: '60', 'data-testid': 'import-reference-name' })
      name.addEventListener('input', () => {
        reference = { ...reference, name: name.value }
        next.disabled = !canGoOn()
      })
      const kind = choiceSelect(REFERENCE_KINDS, 'io.wizard.referenceKinds', reference.kind, 'import-reference-kind')
      kind.addEventListener('change', () => {
        reference = { ...reference, kind: kind.value as ReferenceKind }
      })
      out.push(labelled('io.wizard.referenceName', name), labelled('io.wizard.referenceKind', kind))
    }
    return out
  }

  function renderReport(): HTMLElement[] {
    const report = preview?.report
    if (!report) return [h('p', { class: 'panel-note', 'data-testid': 'import-report-none' }, t('io.wizard.reportNone'))]
    const list = h('ol', { class: 'issue-list', 'data-testid': 'import-report' })
    for (const issue of report.issues) list.append(renderIssue(issue, () => ctx.focusIssue(issue)))
    return [h('p', { class: 'panel-note' }, t('io.wizard.reportGridsOnly')), renderHeadline(report), list]
  }

  function renderCommit(): HTMLElement[] {
    if (result) return [h('p', { class: 'ok io-result', 'data-testid': 'import-result' }, result.message)]
    const button = (key: string, testId: string, body: Partial<CommitRequest>) => {
      const b = h('button', { type: 'button', class: 'primary', 'data-testid': testId, disabled: busy !== null }, t(key))
      b.addEventListener('click', () => commit(body))
      return b
    }
    if (type === 'reference')
      return [button('io.wizard.commitReference', 'import-commit', { reference: { name: reference.name.trim(), kind: reference.kind } })]
    if (type !== 'grids') return [button('io.wizard.commit', 'import-commit', {})]
    const out: HTMLElement[] = [button('io.wizard.commitDraft', 'import-commit', { mode: 'draft' })]
    if (!ctx.hasGrids(region))
      out.push(
        h('p', { class: 'panel-note' }, t('io.wizard.commitDirectHint')),
        button('io.wizard.commitDirect', 'import-commit-direct', { mode: 'direct' }),
      )
    return out
  }

  const crsMissing = () => preview?.crs.status === 'unknown' && !read.crs

  function canGoOn(): boolean {
    if (busy) return false
    if (step === 'files') return upload !== null
    if (step === 'type') return type !== 'reference' || reference.name.trim() !== ''
    if (step === 'preview') return preview !== null && !crsMissing()
    return step === 'report' || result !== null
  }

  function render(): void {
    title.textContent = t('io.wizard.title')
    stepper.replaceChildren(
      ...STEPS.map((s, i) =>
        h(
          'li',
          { class: s === step ? 'current' : '', 'aria-current': s === step ? 'step' : undefined },
          `${i + 1} ${t(`io.wizard.steps.${s}`)}`,
        ),
      ),
    )
    dialog.dataset.step = step
    let content: HTMLElement[] = []
    if (step === 'files') content = renderFiles()
    else if (step === 'type') content = renderType()
    else if (step === 'preview' && preview)
      content = renderPreview({
        preview,
        choices: read,
        form: form ?? fieldMapForm(type, [], {}),
        hereCrs,
        onChoices: (next) => {
          read = next
          askPreview()
        },
        onFieldMap: (next) => {
          form = next
          askPreview()
        },
      })
    else if (step === 'report') content = renderReport()
    else if (step === 'commit') content = renderCommit()
    body.replaceChildren(...content)
    alert.textContent = error ?? (step === 'preview' && crsMissing() ? t('io.wizard.crsRequired') : '')
    alert.hidden = !alert.textContent
    back.textContent = t('io.wizard.back')
    back.hidden = step === 'files' || result !== null
    back.disabled = busy !== null
    next.textContent = t(step === 'commit' ? 'io.wizard.done' : 'io.wizard.next')
    next.hidden = step === 'commit' && result === null
    next.disabled = !canGoOn()
    closeButton.textContent = t('io.wizard.close')
    dialog.setAttribute('aria-busy', String(busy !== null))
    renderStatus()
  }

  next.addEventListener('click', () => {
    if (step === 'type') return askPreview('preview')
    if (step === 'commit') return close()
    step = STEPS[STEPS.indexOf(step) + 1] ?? step
    render()
  })
  back.addEventListener('click', () => {
    step = STEPS[STEPS.indexOf(step) - 1] ?? step
    render()
  })

  // Relabelled when the language changes while open. The server writes a preview's notes,
  // problems and report in the request's language, so a preview on show is asked for again.
  const relabel = () => {
    render()
    if (preview && result === null && (step === 'preview' || step === 'report') && (busy === null || busy === 'preview')) askPreview()
  }
  i18next.on('languageChanged', relabel)

  function close(): void {
    ticket++
    i18next.off('languageChanged', relabel)
    layer.remove()
    dialog.close()
    dialog.remove()
  }
  closeButton.addEventListener('click', close)
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close()
  })

  render()
  document.body.append(dialog)
  // Not modal: the map stays live beside it (the preview is drawn there).
  dialog.show()
  body.querySelector<HTMLElement>('button, select, input')?.focus()
  return { element: dialog, close }
}
