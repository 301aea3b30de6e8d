// The shapes of a proposal's changes and exception requests, with no imports, so the web client
// can import them as types without pulling server code into its type check.

export type Change =
  | { op: 'create'; geometry: unknown; properties?: Record<string, unknown>; reason?: string }
  | { op: 'reshape'; grid: string; geometry: unknown; reason?: string }
  | { op: 'split'; grid: string; line: unknown; reason?: string }
  | { op: 'merge'; grids: string[]; properties?: Record<string, unknown>; reason?: string }
  | { op: 'retire'; grid: string; reason?: string }
  | { op: 'update'; grid: string; properties: Record<string, unknown>; reason?: string }

/** An exception asked for an error the proposal keeps (same code, same grids), with the reason. */
export interface ExceptionRequest {
  code: string
  feature_ids: string[]
  reason: string
}
