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
