import type { Position } from 'geojson'

/**
 * Twice the signed area of a ring (surveyor's formula): positive when it runs counter-clockwise
 * with y up — and so clockwise on screen, where y runs down (vector-tile coordinates).
 */
export function signedArea(ring: readonly Position[]): number {
  let sum = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[j] as Position
    const b = ring[i] as Position
    sum += (a[0] as number) * (b[1] as number) - (b[0] as number) * (a[1] as number)
  }
  return sum
}

/**
 * The same for a ring stored flat (x, y, x, y…): its vertices `from` to `to` (exclusive) of `flat`,
 * the ring open or closed (a closing point repeating the first adds nothing).
 */
export function flatRingArea2(flat: ArrayLike<number>, from = 0, to = flat.length >> 1): number {
  let sum = 0
  for (let i = from, j = to - 1; i < to; j = i++)
    sum += (flat[j * 2] as number) * (flat[i * 2 + 1] as number) - (flat[i * 2] as number) * (flat[j * 2 + 1] as number)
  return sum
}
