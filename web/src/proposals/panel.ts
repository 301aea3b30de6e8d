import type { Feature, Point, Position } from 'geojson'
import { api } from '../api/client'
import type { DiffCollection, GridProps, Me, Proposal, ProposalAct, RegionProps, ValidationIssue } from '../api/types'
import { t } from '../i18n'
import { h } from '../ui/dom'
import { errorMessage } from '../ui/errors'
import { editedText, openSubmitDialog } from '../editor/submitDialog'
import { renderDetail } from './detail'
import { renderList } from './list'
import type { ProposalsActions, ProposalsState } from './state'
import { type ActBody, commentPins, emptyActInput } from './view'

export interface ProposalsPanelContext {
  me: () => Me | null
  regionsByCode: () => Map<string, RegionProps>
  /** A grid loaded on the page, by code (null: not loaded). */
  gridOf: (code: string) => GridProps | null
  /** Draws a proposal's diff (null clears) and zooms to it. */
  showDiff(diff: DiffCollection | null): Promise<void>
  focusIssue(issue: ValidationIssue): void
  /** The next click on the map (lon/lat), to pin a comment to. */
  pickPoint(): Promise<Position | null>
  /** Draws the open proposal's pinned comments (empty: none). */
  showComments(pins: Feature<Point, { number: string; comment: string }>[]): void
  flyTo(point: Position): void
  /** An act applied a proposal (approved or filed): the grids in force changed. */
  applied(): void
}

export interface ProposalsPanel {
  element: HTMLElement
  /** Loads the queue (and re-opens the open proposal). */
  refresh(): Promise<void>
  /** Opens a proposal (one just made elsewhere, e.g. by an import). */
  open(id: number): Promise<void>
  relabel(): void
  clear(): void
  /** The tab was opened (true) or left (false): the diff and the pins are drawn only while it is open. */
  setVisible(visible: boolean): void
}

/**
 * "变更申请": the queue of proposals in scope (list.ts) and the open proposal (detail.ts) with its
 * act and comment forms (forms.ts); this stage loads, acts and keeps the diff and the pinned
 * comments on the map in step with the open proposal.
 */
export function createProposalsPanel(ctx: ProposalsPanelContext): ProposalsPanel {
  const element = h('section', { class: 'panel proposals-panel', 'data-testid': 'proposals-panel' })
  const state: ProposalsState = {
    list: null,
    listError: null,
    loading: false,
    open: null,
    diff: null,
    openError: null,
    pendingAct: null,
    actError: null,
    acting: false,
    pin: null,
    actInput: emptyActInput(),
    commentError: null,
  }

  /** The tab is open: the open proposal's diff and pins belong on the map only then. */
  let visible = false
  /** Pins drawn now (as JSON), so the map is touched only when they change. */
  let drawnPins = '[]'
  const showPins = () => {
    const pins = visible ? commentPins(state.open) : []
    if (JSON.stringify(pins) === drawnPins) return
    drawnPins = JSON.stringify(pins)
    ctx.showComments(pins)
  }

  const render = () => {
    showPins()
    element.replaceChildren(...(state.open ? renderDetail(state.open, state, actions) : renderList(state, actions)))
    if (state.openError) element.append(h('p', { class: 'form-error', role: 'alert', 'data-testid': 'proposal-error' }, state.openError))
  }

  async function load(): Promise<void> {
    state.loading = true
    state.listError = null
    render()
    try {
      state.list = (await api.proposals()).proposals
    } catch (err) {
      state.listError = errorMessage(err)
    } finally {
      state.loading = false
      render()
    }
  }

  async function openProposal(id: number, zoom = true): Promise<void> {
    state.openError = null
    try {
      const [p, diff] = await Promise.all([api.proposal(id), api.proposalDiff(id).catch(() => null)])
      state.open = p
      state.diff = diff
      render()
      // Left meanwhile: the tab draws it again when opened (refresh).
      if (visible && (zoom || diff)) await ctx.showDiff(diff)
    } catch (err) {
      state.openError = errorMessage(err)
      render()
    }
  }

  /** Saves an edited title or reason, then submits. */
  async function submitWith(p: Proposal, title: string, reason: string): Promise<void> {
    const edited = editedText(p, title, reason)
    if (!edited) return doAct(p, 'submit', {})
    try {
      await doAct(await api.updateProposal(p.id, { version: p.version, ...edited }), 'submit', {})
    } catch (err) {
      state.actError = errorMessage(err)
      render()
    }
  }

  async function doAct(p: Proposal, act: ProposalAct, body: ActBody): Promise<void> {
    state.acting = true
    state.actError = null
    render()
    try {
      const after = await api.act(p.id, act, body)
      if (after.applied_at !== null && p.applied_at === null) ctx.applied()
      state.pendingAct = null
      state.pin = null
      state.actInput = emptyActInput()
      state.acting = false
      await Promise.all([openProposal(p.id), load()])
    } catch (err) {
      state.actError = errorMessage(err)
    } finally {
      state.acting = false
      render()
    }
  }

  const actions: ProposalsActions = {
    me: ctx.me,
    regionName: (code) => ctx.regionsByCode().get(code)?.name ?? code,
    gridOf: ctx.gridOf,
    reload: () => void load(),
    open: (id) => void openProposal(id),
    back() {
      state.open = null
      state.diff = null
      state.pin = null
      state.actInput = emptyActInput()
      state.pendingAct = null
      void ctx.showDiff(null)
      render()
    },
    chooseAct(p, act) {
      state.actError = null
      // Submitting from the queue asks the same as in the editor: title, reason, confirm.
      if (act === 'submit') openSubmitDialog({ proposal: p, confirm: (title, reason) => submitWith(p, title, reason) })
      else {
        state.pendingAct = act
        render()
      }
    },
    cancelAct() {
      state.pendingAct = null
      state.actError = null
      render()
    },
    act: (p, act, body) => void doAct(p, act, body),
    refuseAct(key) {
      state.actError = t(key)
      render()
    },
    async comment(p, text) {
      try {
        await api.comment(p.id, { comment: text, ...(state.pin ? { location: { type: 'Point', coordinates: state.pin } } : {}) })
        state.pin = null
        state.commentError = null
        await openProposal(p.id, false)
      } catch (err) {
        state.commentError = errorMessage(err)
        render()
      }
    },
    async pickPin() {
      const point = await ctx.pickPoint()
      if (point) state.pin = point
      render()
    },
    flyTo: (point) => ctx.flyTo(point),
    focusIssue: (issue) => ctx.focusIssue(issue),
  }

  render()
  return {
    element,
    async refresh() {
      await load()
      if (state.open) await openProposal(state.open.id, false)
    },
    open: (id) => openProposal(id),
    relabel: render,
    setVisible(next) {
      visible = next
      if (!next) void ctx.showDiff(null)
      showPins()
    },
    clear() {
      state.list = null
      state.open = null
      state.diff = null
      state.pin = null
      state.pendingAct = null
      state.listError = state.openError = state.actError = null
      render()
    },
  }
}
