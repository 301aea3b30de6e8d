import type { MultiPolygon, Polygon, Position } from 'geojson'
import { ApiError } from '../api/client'
import { exceptionKey } from '../../../server/proposals/exception-key'
import {
  type Change,
  changeTargets,
  type ExceptionRequest,
  type GridFeature,
  type Me,
  type RegionProps,
  type ValidationIssue,
} from '../api/types'
import { t } from '../i18n'
import { geometryBBox } from '../map/geometry'
import type { GridMap } from '../map/gridMap'
import { h } from '../ui/dom'
import { DraftSession } from './draft'
import { fixChange, isFixable, joinsGap } from './fixes'
import { MapEditor, TOOLS, type Tool } from './mapEditor'
import { TOOL_KEYS } from './shortcuts'
import { ringsOf } from './shared-vertices'
import { gridIdLabel, renderAttributeForm } from './attributeForm'
import { openSubmitDialog } from './submitDialog'
import { renderHeadline, renderIssue } from './validation'

// "编辑": the township's draft — tools, undo/redo, attributes of the selected grid, the live
// validation of the township after the change (with fixes and exception requests) and submit.

export interface EditorPanelContext {
  gridMap(): GridMap
  me: () => Me | null
  /** Boundaries of the township and its communities, for snapping. */
  boundaries(township: string): (Polygon | MultiPolygon)[]
  /** Shows the township as the draft leaves it (null: back to today's grids). */
  showAfter(township: string, grids: GridFeature[] | null): Promise<void>
  drawIssues(issues: readonly ValidationIssue[]): Promise<number>
  focusIssue(issue: ValidationIssue, index: number): void
  /** The draft was submitted: refresh what depends on proposals. */
  submitted(): void
}

export interface EditorPanel {
  element: HTMLElement
  setTownship(township: RegionProps | null): void
  setActive(active: boolean): void
  /** A grid was clicked on the map while editing. */
  clickGrid(code: string | null): void
  /** Keyboard shortcut; true when it was handled. */
  key(event: KeyboardEvent): boolean
  relabel(): void
  setTool(tool: Tool): void
}

export function createEditorPanel(ctx: EditorPanelContext): EditorPanel {
  const element = h('section', { class: 'panel editor-panel', 'data-testid': 'editor-panel' })
  let township: RegionProps | null = null
  let session: DraftSession | null = null
  let active = false
  let loadError: string | null = null
  let notice: { key: string; params?: Record<string, unknown> } | null = null
  let actionError: string | null = null
  /** The error issue whose exception form is open (index in the report). */
  let exceptionFor: number | null = null

  const afterGrids = () => session?.afterGrids() ?? []
  const editor = new MapEditor({
    gridMap: ctx.gridMap,
    grids: afterGrids,
    boundaryVertices: () => (township ? ctx.boundaries(township.code).flatMap((b) => ringsOf(b).flat() as Position[]) : []),
    edit: (changes) => edit(changes),
    selectionChanged: () => render(),
    refuse: (key, params) => {
      notice = { key, params }
      render()
    },
  })

  async function edit(changes: Change[]): Promise<void> {
    if (!session) return
    notice = null
    actionError = null
    try {
      await session.apply(changes)
    } catch {
      // the save state carries the message
    }
  }

  /** Redraws the map (township after the change, error layer) and the panel. */
  function refreshMap(): void {
    if (!township) return
    const after = session?.proposal ? afterGrids() : null
    void ctx.showAfter(township.code, active ? after : null)
    void ctx.drawIssues(active ? (session?.report?.issues ?? []) : [])
    editor.render()
  }

  function onSessionChange(): void {
    // While saving, the map still shows the last saved draft: redraw it once the save is back.
    if (session?.save.kind !== 'saving') refreshMap()
    render()
  }

  function renderToolbar(): HTMLElement {
    const bar = h('div', { class: 'toolbar', role: 'toolbar', 'data-testid': 'editor-tools' })
    for (const tool of TOOLS) {
      const b = h(
        'button',
        {
          type: 'button',
          class: `tool${editor.tool === tool ? ' active' : ''}`,
          'data-testid': `tool-${tool}`,
          'aria-pressed': String(editor.tool === tool),
          title: `${t(`editor.tool.${tool}`)} (${TOOL_KEYS[tool]})`,
        },
        t(`editor.tool.${tool}`),
      )
      b.addEventListener('click', () => setTool(tool))
      bar.append(b)
    }
    const undo = h(
      'button',
      { type: 'button', class: 'tool', 'data-testid': 'undo', disabled: !session?.canUndo, title: `${t('editor.undo')} (Ctrl+Z)` },
      t('editor.undo'),
    )
    const redo = h(
      'button',
      { type: 'button', class: 'tool', 'data-testid': 'redo', disabled: !session?.canRedo, title: `${t('editor.redo')} (Ctrl+Shift+Z)` },
      t('editor.redo'),
    )
    undo.addEventListener('click', () => void session?.undo().catch(() => undefined))
    redo.addEventListener('click', () => void session?.redo().catch(() => undefined))
    bar.append(undo, redo)
    return bar
  }

  function setTool(tool: Tool): void {
    editor.setTool(tool)
    notice = tool === 'split' && !editor.selection[0] ? { key: 'editor.hint.pickFirst' } : { key: `editor.hint.${tool}` }
    render()
  }

  function renderSaveState(): HTMLElement {
    const p = session?.proposal
    const save = session?.save ?? { kind: 'idle' }
    const line = h('p', {
      class: 'panel-note draft-state',
      'data-testid': 'draft-state',
      'data-save': save.kind,
      'data-version': p ? String(p.version) : '',
    })
    if (!p) line.append(t('editor.noDraft'))
    else line.append(t('editor.draftLine', { id: p.id, version: p.version, state: t(`state.${p.state}`), count: p.changes.length }))
    if (save.kind === 'saving') line.append(' · ', h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('editor.saving'))
    if (save.kind === 'saved') line.append(' · ', t('editor.saved'))
    const out = h('div', {}, line)
    if (save.kind === 'failed') out.append(h('p', { class: 'form-error', role: 'alert', 'data-testid': 'editor-error' }, save.message))
    if (p?.stale) {
      const rebase = h('button', { type: 'button', class: 'secondary', 'data-testid': 'rebase' }, t('editor.rebase'))
      rebase.addEventListener('click', () => void session?.rebase().catch(() => undefined))
      out.append(h('p', { class: 'form-error' }, t('proposals.stale'), ' ', rebase))
    }
    return out
  }

  function renderSelection(): HTMLElement | null {
    const grids = afterGrids()
    const selected = editor.selection.map((id) => grids.find((g) => g.properties.code === id)).filter((g): g is GridFeature => !!g)
    if (editor.tool === 'merge') {
      const merge = h(
        'button',
        { type: 'button', class: 'primary', 'data-testid': 'merge-selected', disabled: selected.length < 2 },
        t('editor.mergeSelected', { count: selected.length }),
      )
      merge.addEventListener('click', () => {
        if (selected.some((g) => g.properties.code.startsWith('new-'))) return editor.clickGrid(null)
        void edit([{ op: 'merge', grids: selected.map((g) => g.properties.code) }])
        editor.clickGrid(null)
      })
      return h(
        'div',
        { class: 'selection' },
        h('p', { class: 'panel-note' }, selected.map((g) => g.properties.name).join('、') || t('editor.hint.merge')),
        merge,
      )
    }
    const grid = selected[0]
    return grid ? renderAttributeForm(grid.properties, (change) => void edit([change])) : null
  }

  function fixButtons(issue: ValidationIssue): HTMLElement[] {
    // A submitted (or further along) proposal is read-only: no links that would edit it.
    if (!session?.editable) return []
    const grids = afterGrids()
    const byId = new Map(grids.map((g) => [g.properties.code, g]))
    const fixable = issue.feature_ids
      .map((id) => byId.get(id))
      .filter((g): g is GridFeature => !!g && !g.properties.code.startsWith('new-'))
    if (!isFixable(issue)) return []
    return fixable.map((grid) => {
      const b = h(
        'button',
        { type: 'button', class: 'link-button fix', 'data-testid': 'fix', 'data-grid': grid.properties.code },
        t(joinsGap(issue) ? 'editor.fix.joinGap' : 'editor.fix.cutOverlap', { name: grid.properties.name }),
      )
      b.addEventListener('click', () => {
        const change = fixChange({ id: grid.properties.code, geometry: grid.geometry }, issue)
        if (!change) return
        ctx.gridMap().reveal(geometryBBox(change.geometry)) // a fix made from the list may be off screen
        void edit([change])
      })
      return b
    })
  }

  function exceptionControls(issue: ValidationIssue, index: number): HTMLElement | null {
    if (issue.severity !== 'error' || !session?.proposal) return null
    const exceptions = session.proposal.exceptions ?? []
    const same = (e: ExceptionRequest) => exceptionKey(e) === exceptionKey(issue)
    const existing = exceptions.find(same)
    const { editable } = session
    if (existing) {
      const note = h(
        'p',
        { class: 'exception-note', 'data-testid': 'exception-requested' },
        t('editor.exception.requested', { reason: existing.reason }),
      )
      if (!editable) return note
      const withdraw = h('button', { type: 'button', class: 'link-button' }, t('editor.exception.withdraw'))
      withdraw.addEventListener('click', () => void session?.setExceptions(exceptions.filter((e) => !same(e))).catch(() => undefined))
      note.append(' ', withdraw)
      return note
    }
    // A locked proposal keeps the requests it was submitted with; no new ones.
    if (!editable) return null
    if (exceptionFor !== index) {
      const ask = h('button', { type: 'button', class: 'link-button', 'data-testid': 'exception-ask' }, t('editor.exception.ask'))
      ask.addEventListener('click', () => {
        exceptionFor = index
        render()
      })
      return h('div', {}, ask)
    }
    const reason = h('textarea', { rows: '2', 'data-testid': 'exception-reason', placeholder: t('editor.exception.placeholder') })
    const ok = h('button', { type: 'submit', class: 'secondary', 'data-testid': 'exception-save' }, t('editor.exception.save'))
    const form = h('form', { class: 'exception-form', novalidate: true }, reason, ok)
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      if (!reason.value.trim()) {
        reason.setAttribute('aria-invalid', 'true')
        return
      }
      exceptionFor = null
      void session
        ?.setExceptions([...exceptions, { code: issue.code, feature_ids: issue.feature_ids, reason: reason.value.trim() }])
        .catch(() => undefined)
    })
    return form
  }

  function renderValidation(): HTMLElement | null {
    const report = session?.report
    if (!report) return null
    const list = h('ol', { class: 'issue-list', 'data-testid': 'draft-issues' })
    report.issues.forEach((issue, index) => {
      const item = renderIssue(issue, (button) => {
        for (const b of list.querySelectorAll('.issue.current')) b.classList.remove('current')
        button.classList.add('current')
        ctx.focusIssue(issue, index)
      })
      const extras = [...fixButtons(issue), exceptionControls(issue, index)].filter((x): x is HTMLElement => !!x)
      if (extras.length) item.append(h('div', { class: 'issue-actions' }, ...extras))
      list.append(item)
    })
    const s = report.summary
    return h(
      'div',
      {
        class: 'draft-validation',
        'data-testid': 'draft-validation',
        'data-errors': String(s.errors),
        'data-warnings': String(s.warnings),
      },
      h('h4', {}, t('editor.validationTitle')),
      renderHeadline(report),
      list,
    )
  }

  function renderChanges(): HTMLElement | null {
    const changes = session?.proposal?.changes ?? []
    if (!changes.length) return null
    return h(
      'ol',
      { class: 'change-list', 'data-testid': 'draft-changes' },
      ...changes.map((c) =>
        h(
          'li',
          {},
          h('span', { class: 'op' }, t(`op.${c.op}`, { defaultValue: c.op })),
          ' ',
          h('code', {}, changeTargets(c).map(gridIdLabel).join('、')),
        ),
      ),
    )
  }

  function renderSubmit(): HTMLElement | null {
    const p = session?.proposal
    if (!p || !session?.editable) return null
    const submit = h(
      'button',
      { type: 'button', class: 'primary', 'data-testid': 'draft-submit', disabled: !p.changes.length },
      t('editor.submit'),
    )
    submit.addEventListener('click', () => {
      actionError = null
      openSubmitDialog({
        proposal: p,
        async confirm(title, reason) {
          try {
            await session?.submit({ title, reason })
            ctx.submitted()
          } catch (err) {
            actionError = err instanceof ApiError ? err.message : String(err)
            render()
          }
        },
      })
    })
    return h(
      'div',
      { class: 'submit-row' },
      submit,
      actionError ? h('p', { class: 'form-error', role: 'alert', 'data-testid': 'submit-error' }, actionError) : null,
    )
  }

  function render(): void {
    const children: (HTMLElement | null)[] = [
      h('h3', {}, t('editor.title')),
      h(
        'p',
        { class: 'panel-note', 'data-testid': 'editor-target' },
        township ? t('validation.target', { name: township.name, code: township.code }) : t('validation.pickTownship'),
      ),
    ]
    if (loadError) children.push(h('p', { class: 'form-error', role: 'alert' }, loadError))
    if (township && session) {
      children.push(renderSaveState())
      if (session.editable) children.push(renderToolbar())
      else
        children.push(
          h(
            'p',
            { class: 'panel-note', 'data-testid': 'draft-locked' },
            t('editor.locked', { state: t(`state.${session.proposal?.state ?? 'draft'}`) }),
          ),
        )
      if (notice) children.push(h('p', { class: 'panel-note hint', 'data-testid': 'editor-notice' }, t(notice.key, notice.params)))
      children.push(renderSelection(), renderChanges(), renderValidation(), renderSubmit())
    }
    element.replaceChildren(...children.filter((c): c is HTMLElement => !!c))
  }

  async function openTownship(next: RegionProps | null): Promise<void> {
    township = next
    loadError = null
    session = null
    editor.clickGrid(null)
    if (next && ctx.me()) {
      const me = ctx.me() as Me
      const s = new DraftSession(next, me, onSessionChange)
      session = s
      try {
        await s.load()
      } catch (err) {
        loadError = (err as Error).message
      }
    }
    refreshMap()
    render()
  }

  render()
  return {
    element,
    setTownship(next) {
      if (next?.code === township?.code) return
      if (township) void ctx.showAfter(township.code, null)
      // The draft and its validation are loaded only when the editor is opened.
      if (active) void openTownship(next)
      else {
        township = next
        session = null
        render()
      }
    },
    setActive(next) {
      active = next
      editor.setActive(next)
      // Back from another tab: the draft may have moved on (submitted, returned) meanwhile.
      if (next && township) void openTownship(township)
      else refreshMap()
    },
    clickGrid(code) {
      editor.clickGrid(code)
    },
    key(event) {
      if (!active || !session?.editable) return false
      const target = event.target as HTMLElement | null
      if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return false
      const k = event.key.toLowerCase()
      if ((event.ctrlKey || event.metaKey) && k === 'z') {
        void (event.shiftKey ? session.redo() : session.undo()).catch(() => undefined)
        return true
      }
      if ((event.ctrlKey || event.metaKey) && k === 'y') {
        void session.redo().catch(() => undefined)
        return true
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return false
      if (k === 'escape') {
        editor.cancel()
        return true
      }
      const tool = TOOLS.find((name) => TOOL_KEYS[name].toLowerCase() === k)
      if (tool) {
        setTool(tool)
        return true
      }
      return false
    },
    relabel: render,
    setTool,
  }
}
