import type { Position } from 'geojson'
import type { DiffCollection, GridProps, Me, Proposal, ProposalAct, ProposalSummary, ValidationIssue } from '../api/types'
import type { ActBody, ActInput } from './view'

/** What the proposals tab holds between renders. */
export interface ProposalsState {
  list: ProposalSummary[] | null
  listError: string | null
  loading: boolean
  open: Proposal | null
  /** The open proposal's diff (null: none, or it failed to load). */
  diff: DiffCollection | null
  openError: string | null
  /** The act whose form is open (approve, file, return). */
  pendingAct: ProposalAct | null
  actError: string | null
  acting: boolean
  /** Where the comment being written is pinned (picked on the map), if anywhere. */
  pin: Position | null
  /** What was typed in the act form; survives re-renders (e.g. picking a pin on the map). */
  actInput: ActInput
  commentError: string | null
}

/** What the list, detail and form stages may do; the panel carries them out and re-renders. */
export interface ProposalsActions {
  me(): Me | null
  regionName(code: string): string
  /** A grid loaded on the page, by code (null: not loaded). */
  gridOf(code: string): GridProps | null
  reload(): void
  open(id: number): void
  back(): void
  /** Opens an act's form, or performs a submit at once. */
  chooseAct(p: Proposal, act: ProposalAct): void
  cancelAct(): void
  act(p: Proposal, act: ProposalAct, body: ActBody): void
  /** The form's check failed: shows the message (a translation key) in place. */
  refuseAct(key: string): void
  comment(p: Proposal, text: string): void
  /** The next map click pins the comment being written. */
  pickPin(): void
  flyTo(point: Position): void
  focusIssue(issue: ValidationIssue): void
}
