import { describe, expect, it } from 'vitest'
import { LEGEND_COLLAPSED_KEY, legendCollapsed } from './legend'

const storage = (entries: Record<string, string>) => ({ getItem: (key: string) => entries[key] ?? null })

describe('legend folded state', () => {
  it('is open unless the user folded it', () => {
    expect(legendCollapsed(storage({}))).toBe(false)
    expect(legendCollapsed(storage({ [LEGEND_COLLAPSED_KEY]: '0' }))).toBe(false)
    expect(legendCollapsed(storage({ [LEGEND_COLLAPSED_KEY]: '1' }))).toBe(true)
  })
})
