import { describe, expect, it } from 'vitest'
import { formatTime, isDay, localDay } from './dates'

describe('days and times', () => {
  it('writes days and times as YYYY-MM-DD whatever the locale', () => {
    expect(localDay(new Date(2026, 0, 5, 1, 2))).toBe('2026-01-05')
    expect(formatTime(new Date(2026, 6, 1, 9, 5).toISOString())).toBe('2026-07-01 09:05')
    expect(formatTime('not a date')).toBe('not a date')
  })

  it('takes only YYYY-MM-DD as a day', () => {
    expect(isDay('2026-07-01')).toBe(true)
    for (const bad of ['2026/7/1', '07/01/2026', '2026-7-1', '']) expect(isDay(bad)).toBe(false)
  })
})
