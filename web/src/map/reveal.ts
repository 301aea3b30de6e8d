// When the map should move to show something (a fixed grid, an issue clicked in a list): only when
// it is not already in view. Moving the map under a user who can see the thing loses their place.

/** A box on the screen, in pixels from the map's top left corner. */
export interface ScreenBox {
  left: number
  top: number
  right: number
  bottom: number
}

/** Pixels kept clear along the map's edges (controls, the legend): a box under them is not in view. */
export const REVEAL_MARGIN = 24
/** A box smaller than this across (pixels) cannot be made out: zoom in to it even when it is in view. */
export const REVEAL_MIN_PIXELS = 40

/** Whether a box drawn on a map `width` × `height` pixels is in view: inside the margin and large enough to see. */
export function inView(box: ScreenBox, width: number, height: number): boolean {
  const inside =
    box.left >= REVEAL_MARGIN && box.top >= REVEAL_MARGIN && box.right <= width - REVEAL_MARGIN && box.bottom <= height - REVEAL_MARGIN
  const size = Math.max(box.right - box.left, box.bottom - box.top)
  return inside && size >= REVEAL_MIN_PIXELS
}
