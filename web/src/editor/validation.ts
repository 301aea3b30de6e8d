import { api, regionPrefix } from '../api/client'
import type { RegionProps, ValidationIssue, ValidationReport } from '../api/types'
import { t } from '../i18n'
import { ISSUE_COLORS } from '../map/style'
import { h } from '../ui/dom'
import { errorMessage } from '../ui/errors'

export interface ValidationPanelContext {
  /** Draws the report's issues on the error layer; returns how many features it drew. */
  drawIssues(issues: readonly ValidationIssue[]): Promise<number>
  /** Zooms to an issue (its geometry, else the grids it names). */
  focusIssue(issue: ValidationIssue, index: number): void
}

export interface ValidationPanel {
  element: HTMLElement
  /** The township (or whole county) to validate; null: none chosen yet. Clears a report of another. */
  setTownship(township: RegionProps | null): void
  /** Re-renders after a language switch (issue messages stay in the language they came in). */
  relabel(): void
  clear(): void
}

type State =
  | { kind: 'idle' }
  | { kind: 'running'; started: number }
  | { kind: 'done'; report: ValidationReport; drawn: number; ms: number }
  | { kind: 'failed'; message: string }

/** Colour swatch of an issue in the list, matching the error layer. */
export function issueColor(issue: ValidationIssue): string {
  if (issue.severity === 'warning') return ISSUE_COLORS.warning
  if (issue.code === 'overlap' || issue.code === 'micro_overlap') return ISSUE_COLORS.overlap
  if (issue.code === 'outside_parent' || issue.code === 'micro_outside_parent' || issue.code === 'dedicated_outside')
    return ISSUE_COLORS.outside
  return ISSUE_COLORS.error
}

/**
 * The report's headline: "no problems" only when nothing is listed; a report that is valid but
 * has warnings says so, so the headline never contradicts the list under it.
 */
export function renderHeadline(report: ValidationReport): HTMLElement {
  const { errors, warnings } = report.summary
  if (!report.issues.length) return h('p', { class: 'ok', 'data-testid': 'validation-headline' }, t('validation.valid'))
  const onlyWarnings = report.valid && errors === 0
  return h(
    'p',
    { class: onlyWarnings ? 'warn' : 'bad', 'data-testid': 'validation-headline' },
    onlyWarnings
      ? t('validation.warningsOnly', { warnings: warnings || report.issues.length })
      : t('validation.invalid', { errors, warnings }),
  )
}

/** One issue of a report as a list item: a button (severity, type, area, message) that zooms to it. */
export function renderIssue(issue: ValidationIssue, onClick: (button: HTMLButtonElement) => void): HTMLLIElement {
  const button = h(
    'button',
    { type: 'button', class: `issue ${issue.severity}`, 'data-testid': 'issue', 'data-code': issue.code, 'data-severity': issue.severity },
    h('span', { class: 'swatch', style: `background:${issueColor(issue)}` }),
    h(
      'span',
      { class: 'issue-text' },
      h(
        'span',
        { class: 'issue-head' },
        h('span', { class: `severity ${issue.severity}` }, t(`severity.${issue.severity}`)),
        h('span', { class: 'issue-code' }, t(`issue.${issue.code}`, { defaultValue: issue.code })),
        issue.area_m2 !== undefined ? h('span', { class: 'muted' }, t('validation.area', { area: Math.round(issue.area_m2) })) : null,
      ),
      h('span', { class: 'issue-message' }, issue.message),
    ),
  )
  button.addEventListener('click', () => onClick(button))
  return h('li', {}, button)
}

/**
 * "校验本乡镇": loads the township's grids, POSTs them to /validate with the township as parent,
 * draws the issues and lists them; a click on an issue zooms to it.
 */
export function createValidationPanel(ctx: ValidationPanelContext): ValidationPanel {
  const title = h('h3', {})
  const target = h('p', { class: 'panel-note', 'data-testid': 'validation-target' })
  const run = h('button', { type: 'button', class: 'primary', 'data-testid': 'validate-run' })
  const progress = h('div', { class: 'progress', 'data-testid': 'validation-progress', role: 'status', hidden: true })
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'validation-error', hidden: true })
  const summary = h('div', { class: 'validation-summary', 'data-testid': 'validation-summary' })
  const list = h('ol', { class: 'issue-list', 'data-testid': 'issue-list' })
  const element = h(
    'section',
    { class: 'panel validation-panel', 'data-testid': 'validation-panel' },
    title,
    target,
    run,
    progress,
    error,
    summary,
    list,
  )

  let township: RegionProps | null = null
  let state: State = { kind: 'idle' }
  let runId = 0
  let ticker: ReturnType<typeof setInterval> | undefined

  const render = () => {
    title.textContent = t('validation.title')
    run.textContent = township?.level === 3 ? t('validation.runCounty') : t('validation.run')
    target.textContent = township ? t('validation.target', { name: township.name, code: township.code }) : t('validation.pickTownship')
    run.disabled = !township || state.kind === 'running'

    progress.hidden = state.kind !== 'running'
    if (state.kind === 'running') {
      progress.replaceChildren(
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        t('validation.running', { seconds: Math.round((Date.now() - state.started) / 1000) }),
      )
    }
    error.hidden = state.kind !== 'failed'
    error.textContent = state.kind === 'failed' ? state.message : ''

    summary.replaceChildren()
    list.replaceChildren()
    if (state.kind !== 'done') return
    const { report } = state
    const s = report.summary
    summary.append(
      renderHeadline(report),
      h('p', { class: 'panel-note' }, t('validation.stats', { features: s.features, seconds: (state.ms / 1000).toFixed(1) })),
    )
    report.issues.forEach((issue, index) => {
      list.append(
        renderIssue(issue, (button) => {
          for (const b of list.querySelectorAll('.issue.current')) b.classList.remove('current')
          button.classList.add('current')
          ctx.focusIssue(issue, index)
        }),
      )
    })
  }

  const setState = (next: State) => {
    state = next
    clearInterval(ticker)
    if (state.kind === 'running') ticker = setInterval(render, 1000)
    render()
  }

  run.addEventListener('click', async () => {
    if (!township) return
    const id = ++runId
    const code = township.code
    setState({ kind: 'running', started: Date.now() })
    element.setAttribute('aria-busy', 'true')
    try {
      const grids = await api.grids(regionPrefix(code))
      const report = await api.validate(grids, code)
      if (id !== runId) return
      const drawn = await ctx.drawIssues(report.issues)
      const started = state.kind === 'running' ? state.started : Date.now()
      setState({ kind: 'done', report, drawn, ms: Date.now() - started })
      element.dataset.drawn = String(drawn)
    } catch (err) {
      if (id !== runId) return
      setState({ kind: 'failed', message: errorMessage(err) })
    } finally {
      if (id === runId) element.removeAttribute('aria-busy')
    }
  })

  const clear = () => {
    runId++
    element.removeAttribute('aria-busy')
    delete element.dataset.drawn
    void ctx.drawIssues([])
    setState({ kind: 'idle' })
  }

  render()
  return {
    element,
    setTownship(next) {
      if (next?.code === township?.code) return
      township = next
      if (state.kind !== 'idle') clear()
      else render()
    },
    relabel: render,
    clear,
  }
}
