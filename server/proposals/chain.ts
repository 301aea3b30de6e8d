import type { ProposalState, Role } from '../db/database.js'
import type { ApprovalAction, ApprovalStep, RuleProfile } from '../profiles/rule-profile.js'
import type { ProposalAct } from './proposals.schemas.js'

// The approval chain as data (the rule profile's approvalChain): step 0 proposes; each later step
// reviews, approves or files. A proposal's `step` points at the step that acts next. Approving —
// or filing, where the chain has no approval (001, 002, 003 only record a filing) — applies the
// change; the step that applies needs a document number and an effective date.

export type Act = ProposalAct

export interface Transition {
  to: ProposalState
  nextStep: number
  /** True when this act applies the change to the grids. */
  applies: boolean
}

/** The step that applies the change: the approval, or the filing when nobody approves. */
export function applyingStep(chain: readonly ApprovalStep[]): number {
  const approve = chain.findIndex((step) => step.action === 'approve')
  return approve >= 0 ? approve : chain.findIndex((step) => step.action === 'file')
}

const STATE_AFTER: Record<Exclude<ApprovalAction, 'propose'>, ProposalState> = {
  review: 'reviewed',
  approve: 'approved',
  file: 'filed',
}

/** Which endpoint performs a step's action: `approve` does reviews and approvals. */
export const ACT_FOR: Record<ApprovalAction, Act> = { propose: 'submit', review: 'approve', approve: 'approve', file: 'file' }

/**
 * What `act` does to a proposal at `step` in `state`, or the reason it cannot:
 * 'wrong_state' (e.g. approving a draft) or 'wrong_act' (filing where the step approves).
 */
export function transition(
  chain: readonly ApprovalStep[],
  state: ProposalState,
  step: number,
  act: Act,
): Transition | 'wrong_state' | 'wrong_act' {
  const editable = state === 'draft' || state === 'returned'
  if (act === 'submit') return editable ? { to: 'submitted', nextStep: 1, applies: false } : 'wrong_state'
  if (editable || state === 'filed' || step >= chain.length) return 'wrong_state'
  if (act === 'reject') return { to: 'returned', nextStep: 0, applies: false }
  const current = chain[step] as ApprovalStep
  if (ACT_FOR[current.action] !== act) return 'wrong_act'
  const to = STATE_AFTER[current.action as Exclude<ApprovalAction, 'propose'>]
  return { to, nextStep: step + 1, applies: step === applyingStep(chain) }
}

/** The chain that governs a proposal: the first division of an area may have its own. */
export function chainOf(profile: RuleProfile, initialDivision: boolean): readonly ApprovalStep[] {
  return initialDivision && profile.initialDivisionChain ? profile.initialDivisionChain : profile.approvalChain
}

/** Whether a user of `role` may act at a step (admins may act anywhere in their scope). */
export function mayAct(role: Role, step: ApprovalStep | undefined): boolean {
  return step !== undefined && (role === 'admin' || role === step.role)
}

/** Whether a user of `role` has a step in the chain at all (admins always do). */
export function takesPart(role: Role, chain: readonly ApprovalStep[]): boolean {
  return role === 'admin' || chain.some((step) => step.role === role)
}
