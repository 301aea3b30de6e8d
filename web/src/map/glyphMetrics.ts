// MapLibre draws label glyphs in the browser (no glyph server, see web/README.md) with the TinySDF
// it bundles. That TinySDF reads `actualBoundingBoxLeft` with the wrong sign: positive means ink
// to the LEFT of the origin, but it shifts a glyph whose ink starts to the right of the origin
// (negative) further right by the same amount, past its canvas. Most glyphs lose a pixel of side
// bearing; an opening full-width bracket — （ 〔 《 「, ink in the right half of its em — vanishes,
// so a split part "第二网格（1）" was labelled "第二网格　1）". Measuring such glyphs as starting at
// the origin keeps their ink inside the canvas (their offset stays in the bitmap) and they draw whole.

interface Measures {
  measureText(text: string): TextMetrics
}

/** Wraps `measureText` on a 2D context prototype so a negative `actualBoundingBoxLeft` reads 0. */
export function clampGlyphLeft(proto: Measures): void {
  const measure = proto.measureText
  proto.measureText = function (this: Measures, text: string): TextMetrics {
    const metrics = measure.call(this, text)
    if (metrics.actualBoundingBoxLeft < 0) Object.defineProperty(metrics, 'actualBoundingBoxLeft', { value: 0 })
    return metrics
  }
}

let installed = false

/** Applies `clampGlyphLeft` to the contexts TinySDF may draw on (offscreen, else a canvas), once. */
export function fixLocalGlyphMetrics(): void {
  if (installed) return
  installed = true
  if (typeof OffscreenCanvasRenderingContext2D !== 'undefined') clampGlyphLeft(OffscreenCanvasRenderingContext2D.prototype)
  if (typeof CanvasRenderingContext2D !== 'undefined') clampGlyphLeft(CanvasRenderingContext2D.prototype)
}
