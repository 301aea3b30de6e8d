import { flatRingArea2 } from '../geo/ring-area.js'
import type { BBox } from '../http/query-params.js'
import type { LoadedIndex } from '../lookup/index/index-holder.js'
import type { Item } from './collection.js'

// Pages of today's grids written from the lookup's in-memory index instead of PostGIS: the index
// already holds every vertex in one Float64Array and the properties of each grid, so a page is a
// filter over an array and a string written per feature. Through PGlite a page of 10,000 took
// ~850 ms (sorting every grid by code for the offset, ~150 ms of per-row cost for the properties
// alone, docs/bench.md); from the index, a fraction of that. The geometry is written as PostGIS
// writes it for the other path: a MultiPolygon, exteriors counter-clockwise and holes clockwise
// (ST_ForcePolygonCCW), every number in its shortest exact form (what ST_AsGeoJSON(…, 15) prints
// for coordinates of this size), so both paths give the same features.

export interface IndexPageQuery {
  scope: string
  bbox: BBox | undefined
  limit: number
  offset: number
}

/** Per index: its grids in code order, the first part of each grid, and each grid's box. */
interface Layout {
  byCode: Uint32Array
  firstPart: Uint32Array
  boxes: Float64Array
}

const layouts = new WeakMap<LoadedIndex, Layout>()

function layoutOf(loaded: LoadedIndex): Layout {
  const cached = layouts.get(loaded)
  if (cached) return cached
  const { index } = loaded
  const grids = index.grids.length
  const byCode = Uint32Array.from(index.grids.keys()).sort((a, b) => {
    const [x, y] = [index.grids[a]?.code as string, index.grids[b]?.code as string]
    return x < y ? -1 : x > y ? 1 : 0
  })
  // The builder adds a grid's parts one after another: each grid's parts are a run, from
  // firstPart[g] to firstPart[g + 1] (the part count last).
  const firstPart = new Uint32Array(grids + 1).fill(index.partGrid.length)
  for (let part = index.partGrid.length - 1; part >= 0; part--) firstPart[index.partGrid[part] as number] = part
  // Each grid's box: the union of its parts' boxes, which the index keeps.
  const boxes = new Float64Array(grids * 4)
  for (let g = 0; g < grids; g++) {
    let [minX, minY, maxX, maxY] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]
    for (let part = firstPart[g] as number; part < (firstPart[g + 1] as number); part++) {
      minX = Math.min(minX, index.partBoxes[part * 4] as number)
      minY = Math.min(minY, index.partBoxes[part * 4 + 1] as number)
      maxX = Math.max(maxX, index.partBoxes[part * 4 + 2] as number)
      maxY = Math.max(maxY, index.partBoxes[part * 4 + 3] as number)
    }
    boxes.set([minX, minY, maxX, maxY], g * 4)
  }
  const layout = { byCode, firstPart, boxes }
  layouts.set(loaded, layout)
  return layout
}

/** One ring as GeoJSON positions, walked forwards or backwards. */
function ringJson(coords: Float64Array, from: number, to: number, reverse: boolean): string {
  const parts: string[] = new Array(to - from)
  for (let k = 0; k < to - from; k++) {
    const v = reverse ? to - 1 - k : from + k
    parts[k] = `[${coords[v * 2]},${coords[v * 2 + 1]}]`
  }
  return `[${parts.join(',')}]`
}

function geometryJson(loaded: LoadedIndex, layout: Layout, grid: number): string {
  const { index } = loaded
  const polygons: string[] = []
  for (let part = layout.firstPart[grid] as number; part < (layout.firstPart[grid + 1] as number); part++) {
    const rings: string[] = []
    for (let ring = index.partRingStart[part] as number; ring < (index.partRingStart[part + 1] as number); ring++) {
      const from = index.ringStart[ring] as number
      const to = index.ringStart[ring + 1] as number
      const exterior = ring === index.partRingStart[part]
      const counterClockwise = flatRingArea2(index.coords, from, to) > 0
      rings.push(ringJson(index.coords, from, to, exterior !== counterClockwise))
    }
    polygons.push(`[${rings.join(',')}]`)
  }
  return `{"type":"MultiPolygon","coordinates":[${polygons.join(',')}]}`
}

/** A page of today's grids under `scope` (and in `bbox`, by boxes as `&&`), in code order: an unfiltered page. */
export function gridPageFromIndex(loaded: LoadedIndex, query: IndexPageQuery): { items: Item[]; matched: number } {
  const layout = layoutOf(loaded)
  const { grids } = loaded.index
  const bbox = query.bbox
  const items: Item[] = []
  let matched = 0
  for (const grid of layout.byCode) {
    const indexed = grids[grid] as (typeof grids)[number]
    const record = loaded.records[grid] as LoadedIndex['records'][number]
    if (!indexed.region_code.startsWith(query.scope)) continue
    if (bbox) {
      const at = grid * 4
      if ((layout.boxes[at] as number) > bbox[2] || (layout.boxes[at + 2] as number) < bbox[0]) continue
      if ((layout.boxes[at + 1] as number) > bbox[3] || (layout.boxes[at + 3] as number) < bbox[1]) continue
    }
    const properties = {
      code: indexed.code,
      name: indexed.name,
      kind: indexed.kind,
      region_code: indexed.region_code,
      parent_code: record.parent_code,
      households: indexed.households,
      population: record.population,
      count_date: record.count_date,
      valid_from: record.valid_from,
      valid_to: record.valid_to,
      version: record.version,
      grid_head: typeof record.grid_head === 'string' ? record.grid_head : null,
    }
    if (matched >= query.offset && items.length < query.limit)
      items.push({ id: indexed.code, geometryJson: geometryJson(loaded, layout, grid), properties })
    matched++
  }
  return { items, matched }
}
