import { describe, expect, it } from 'vitest'
import { inView } from './reveal'

describe('revealing a box on the map', () => {
  const box = (left: number, top: number, right: number, bottom: number) => ({ left, top, right, bottom })

  it('leaves the map still for a box well inside the view', () => {
    expect(inView(box(300, 200, 500, 400), 940, 720)).toBe(true)
  })

  it('moves for a box off screen, partly off screen, or under the edge controls', () => {
    expect(inView(box(1200, 200, 1400, 400), 940, 720)).toBe(false)
    expect(inView(box(-100, 200, 100, 400), 940, 720)).toBe(false)
    expect(inView(box(800, 200, 935, 400), 940, 720)).toBe(false)
    expect(inView(box(300, 5, 500, 400), 940, 720)).toBe(false)
  })

  it('zooms in to a box too small to make out even when it is in view', () => {
    expect(inView(box(400, 300, 410, 312), 940, 720)).toBe(false)
  })
})
