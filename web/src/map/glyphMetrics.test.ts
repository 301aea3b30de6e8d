import { describe, expect, it } from 'vitest'
import { clampGlyphLeft } from './glyphMetrics'

// A context measuring "（": ink from 28 to 46 px right of the origin, as Noto Sans CJK at 48 px.
class FakeContext {
  measureText(text: string): TextMetrics {
    const left = text === '（' ? -28 : 2
    return { width: 48, actualBoundingBoxLeft: left, actualBoundingBoxRight: 46 } as TextMetrics
  }
}

describe('glyph metrics for locally drawn labels', () => {
  it('measures a glyph whose ink starts right of the origin as starting at it, others as they are', () => {
    clampGlyphLeft(FakeContext.prototype)
    const ctx = new FakeContext()
    expect(ctx.measureText('（')).toMatchObject({ width: 48, actualBoundingBoxLeft: 0, actualBoundingBoxRight: 46 })
    expect(ctx.measureText('）').actualBoundingBoxLeft).toBe(2)
  })
})
