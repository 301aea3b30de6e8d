// The shapes of a proposal, its changes and exception requests as the API returns them, with no
// server imports, so the web client can import them as types without pulling server code into
// its type check.

import type { ProposalState } from '../db/database.js'
import type { GridKind } from '../grids/kinds.js'
import type { ValidationReport } from '../validation/report.schemas.js'

export type { ProposalState }

/** Grid properties a change may set (schema and limits: change-rules.ts); other keys become attributes. */
export interface ChangeProperties {
  name?: string
  kind?: GridKind
  region_code?: string
  parent_code?: string | null
  households?: number | null
  population?: number | null
  count_date?: string | null
  attributes?: Record<string, unknown>
  [attribute: string]: unknown
}

export type Change =
  | { op: 'create'; geometry: unknown; properties?: ChangeProperties; reason?: string }
  | { op: 'reshape'; grid: string; geometry: unknown; reason?: string }
  | { op: 'split'; grid: string; line: unknown; reason?: string }
  | { op: 'merge'; grids: string[]; properties?: ChangeProperties; reason?: string }
  | { op: 'retire'; grid: string; reason?: string }
  | { op: 'update'; grid: string; properties: ChangeProperties; reason?: string }

/** An exception asked for an error the proposal keeps (same code, same grids), with the reason. */
export interface ExceptionRequest {
  code: string
  feature_ids: string[]
  reason: string
}

/** What an exception and the error it covers share: the issue code and the same grids, in any order. */
export function exceptionKey(issue: { code: string; feature_ids: readonly string[] }): string {
  return `${issue.code}|${[...issue.feature_ids].sort().join(',')}`
}

export type ProposalAct = 'submit' | 'approve' | 'file' | 'reject'
export type StepAction = 'propose' | 'review' | 'approve' | 'file'

/** A row of `GET /api/v1/proposals` (timestamps as ISO strings in JSON). */
export interface ProposalSummary {
  id: number
  region_code: string
  title: string
  state: ProposalState
  step: number
  stale: boolean
  profile_id: string
  created_by: string
  created_at: string
  updated_at: string
  initial_division: boolean
  waiting_for_me: boolean
}

export interface ProposalStep {
  role: string
  action: StepAction
  source?: string
  status: 'done' | 'current' | 'pending'
}

export interface ProposalEvent {
  id: number
  at: string
  username: string
  role: string
  action: string
  from_state: string | null
  to_state: string | null
  comment: string | null
  document_no: string | null
  effective_date: string | null
  /** GeoJSON Point the comment is pinned to */
  location: { type: 'Point'; coordinates: number[] } | null
}

/** `GET /api/v1/proposals/{id}`. */
export interface ProposalView extends Omit<ProposalSummary, 'waiting_for_me'> {
  reason: string
  changes: Change[]
  exceptions: ExceptionRequest[]
  validation: ValidationReport | null
  document_no: string | null
  effective_date: string | null
  version: number
  steps: ProposalStep[]
  events: ProposalEvent[]
}

