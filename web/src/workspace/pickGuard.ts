import type { GridCollection, GridFeature } from '../api/types'

// Which grid the info panel shows: the one last picked (a click, a search hit, an issue) or looked
// up. A lookup answers later; by then the user may have picked another grid, so every pick takes a
// ticket and an answer counts only while its ticket is the latest.

export interface PickGuard {
  /** A new pick: every earlier ticket is out of date from now on. */
  take(): number
  /** Whether no pick was made since this ticket was taken. */
  isLatest(ticket: number): boolean
}

export function createPickGuard(): PickGuard {
  let latest = 0
  return {
    take: () => ++latest,
    isLatest: (ticket) => ticket === latest,
  }
}

/**
 * The selected grid as the map now draws it: the same code's new feature after a reload or a draft
 * edit. A grid no longer drawn is closed, except when the map holds only the grids in view
 * (`partial`): panning away from the grid does not close its panel.
 */
export function resolveSelection(selected: GridFeature | null, drawn: GridCollection, partial: boolean): GridFeature | null {
  if (!selected) return null
  const code = selected.properties.code
  return drawn.features.find((f) => f.properties.code === code) ?? (partial ? selected : null)
}
