// Grids of a community are numbered "west→east, then north→south" (docs/design.md, Codes) like lines
// of text: the interior points are cut into east–west rows ROW_HEIGHT_DEG tall (≈ 550 m), rows
// are taken from north to south, and within a row points go from west to east.
export const ROW_HEIGHT_DEG = 0.005

export interface Located {
  /** Interior point (ST_PointOnSurface) as [lng, lat]. */
  point: [number, number]
}

export function inReadingOrder<T extends Located>(items: readonly T[]): T[] {
  const row = (item: T) => Math.floor(-item.point[1] / ROW_HEIGHT_DEG)
  return [...items].sort((a, b) => row(a) - row(b) || a.point[0] - b.point[0])
}

/** cn-stat-15: the 12-digit community code followed by a 3-digit sequence 001…999. */
export function sequenceCode(regionCode: string, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 999) {
    throw new RangeError(`grid sequence ${sequence} is outside 001–999 for region ${regionCode}`)
  }
  return `${regionCode}${String(sequence).padStart(3, '0')}`
}
