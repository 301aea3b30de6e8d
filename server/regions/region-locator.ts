import Flatbush from 'flatbush'
import pointInPolygon from 'point-in-polygon-hao'
import { geometryBBox } from '../geo/bbox.js'

// Which region holds a point, in memory: an import finds the village of each of a county's
// 100,000 grids by its interior point, which took PGlite ~7 s as one ST_Contains lookup per grid
// and takes well under a second here. Regions are few (hundreds), so nested arrays are fine.

export interface LocatedRegion {
  code: string
  level: number
  /** Polygons (rings of [lon, lat]) of the boundary. */
  polygons: number[][][][]
}

export class RegionLocator {
  private readonly tree: Flatbush | null

  constructor(private readonly regions: readonly LocatedRegion[]) {
    if (regions.length === 0) {
      this.tree = null
      return
    }
    this.tree = new Flatbush(regions.length)
    for (const region of regions) {
      const box = geometryBBox({ type: 'MultiPolygon', coordinates: region.polygons })
      // A region without positions gets a box no point falls in.
      this.tree.add(...(box ?? [Infinity, Infinity, -Infinity, -Infinity]))
    }
    this.tree.finish()
  }

  /**
   * The region of the highest level whose interior holds the point, as ST_Contains says (a point
   * on a boundary is in neither region it divides); among regions of one level the smallest code
   * (they should not overlap). Null when none holds it.
   */
  regionAt(point: [number, number]): string | null {
    let found: LocatedRegion | null = null
    for (const i of this.tree?.search(point[0], point[1], point[0], point[1]) ?? []) {
      const region = this.regions[i] as LocatedRegion
      const better = found === null || region.level > found.level || (region.level === found.level && region.code < found.code)
      // point-in-polygon-hao answers 0 for a point on the boundary (robust orientation test).
      if (better && region.polygons.some((polygon) => pointInPolygon(point, polygon) === true)) found = region
    }
    return found?.code ?? null
  }
}
