import { type Language, translate } from './index.js'

// A proposal's title and reason as the reader reads them. The editor drafts without either, and a
// missing one is stored NULL and worded here in the reader's language, so an English reviewer of a
// draft started in Chinese reads an English title. A title or reason the author typed is theirs and
// is answered as written.

export function readableTitle(
  proposal: { title: string | null; region_code: string; region_name: string | null },
  language: Language,
): string {
  return proposal.title ?? translate(language, 'proposal.default_title', { name: proposal.region_name ?? proposal.region_code })
}

export function readableReason(reason: string | null, language: Language): string {
  return reason ?? translate(language, 'proposal.default_reason')
}

/** The proposal a grid version came from, as GET /grids/{code}/history answers it. */
export function proposalOfVersion<
  P extends { title: string | null; region_code: string; region_name: string | null; approved_at: Date | null },
>(proposal: P, language: Language) {
  const { region_code: _code, region_name: _name, ...rest } = proposal
  return { ...rest, title: readableTitle(proposal, language), approved_at: proposal.approved_at?.toISOString() ?? null }
}
