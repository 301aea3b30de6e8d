import { randomUUID } from 'node:crypto'
import { flatRingArea2 } from '../geo/ring-area.js'
import type { BBox } from '../http/query-params.js'
import type { LoadedIndex } from '../lookup/index/index-holder.js'
import type { WrittenPage } from './collection.js'
import type { JsonBytes } from './json-bytes.js'

// Pages of today's grids written from the lookup's in-memory index instead of PostGIS: the index
// already holds every vertex in one Float64Array and the properties of each grid, so a page is a
// filter over an array and each feature written straight into the body's bytes (json-bytes.ts:
// no string per number, no hash of the body for its ETag, see `tag`). Through PGlite a page of 10,000 took
// ~850 ms (sorting every grid by code for the offset, ~150 ms of per-row cost for the properties
// alone, docs/bench.md); from the index, a fraction of that. The geometry is written as PostGIS
// writes it for the other path: a MultiPolygon, exteriors counter-clockwise and holes clockwise
// (ST_ForcePolygonCCW), every number in its shortest exact form (what ST_AsGeoJSON(…, 15) prints
// for coordinates of this size), so both paths give the same features.

const [OPEN, CLOSE, COMMA] = [0x5b, 0x5d, 0x2c] // [ ] ,

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
  /** Names this build of the index in page tags (random: a restarted server never reuses one). */
  build: string
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
  const layout = { byCode, firstPart, boxes, build: randomUUID() }
  layouts.set(loaded, layout)
  return layout
}

function writeGeometry(out: JsonBytes, loaded: LoadedIndex, layout: Layout, grid: number): void {
  const { index } = loaded
  out.ascii('{"type":"MultiPolygon","coordinates":[')
  for (let part = layout.firstPart[grid] as number; part < (layout.firstPart[grid + 1] as number); part++) {
    if (part !== layout.firstPart[grid]) out.byte(COMMA)
    out.byte(OPEN)
    for (let ring = index.partRingStart[part] as number; ring < (index.partRingStart[part + 1] as number); ring++) {
      const from = index.ringStart[ring] as number
      const to = index.ringStart[ring + 1] as number
      const exterior = ring === index.partRingStart[part]
      const counterClockwise = flatRingArea2(index.coords, from, to) > 0
      if (!exterior) out.byte(COMMA)
      out.positions(index.coords, from, to, exterior !== counterClockwise)
    }
    out.byte(CLOSE)
  }
  out.ascii(']}')
}

/** The properties of a grid in the order of PostGIS's rows (findGridPage), each key with what comes before it. */
const PROPERTY_KEYS = [
  'code',
  'name',
  'kind',
  'region_code',
  'parent_code',
  'households',
  'population',
  'count_date',
  'valid_from',
  'valid_to',
  'version',
  'grid_head',
].map((key, i) => `${i === 0 ? '{' : ','}"${key}":`)

/** A feature as featureJson writes it in CRS84 (ogc-feature.ts): its properties as JSON.stringify writes them. */
function writeFeature(out: JsonBytes, loaded: LoadedIndex, layout: Layout, grid: number): void {
  const indexed = loaded.index.grids[grid] as LoadedIndex['index']['grids'][number]
  const record = loaded.records[grid] as LoadedIndex['records'][number]
  out.ascii('{"type":"Feature","id":')
  out.string(indexed.code)
  out.ascii(',"geometry":')
  writeGeometry(out, loaded, layout, grid)
  out.ascii(',"properties":')
  const values = [
    indexed.code,
    indexed.name,
    indexed.kind,
    indexed.region_code,
    record.parent_code,
    indexed.households,
    record.population,
    record.count_date,
    record.valid_from,
    record.valid_to,
    record.version,
    typeof record.grid_head === 'string' ? record.grid_head : null,
  ]
  for (let i = 0; i < values.length; i++) {
    out.ascii(PROPERTY_KEYS[i] as string)
    out.json(values[i] as string | number | null)
  }
  out.ascii('}}')
}

/**
 * A page of today's grids under `scope` (and in `bbox`, by boxes as `&&`), in code order: an
 * unfiltered page. Its features are written when the body is (`write`); `tag` names them.
 */
export function gridPageFromIndex(loaded: LoadedIndex, query: IndexPageQuery): WrittenPage {
  const layout = layoutOf(loaded)
  const { grids } = loaded.index
  const bbox = query.bbox
  const page: number[] = []
  let matched = 0
  for (const grid of layout.byCode) {
    if (!(grids[grid] as (typeof grids)[number]).region_code.startsWith(query.scope)) continue
    if (bbox) {
      const at = grid * 4
      if ((layout.boxes[at] as number) > bbox[2] || (layout.boxes[at + 2] as number) < bbox[0]) continue
      if ((layout.boxes[at + 1] as number) > bbox[3] || (layout.boxes[at + 3] as number) < bbox[1]) continue
    }
    if (matched >= query.offset && page.length < query.limit) page.push(grid)
    matched++
  }
  return {
    matched,
    returned: page.length,
    // Everything the features depend on: this build of the index, and what selected them.
    tag: JSON.stringify([layout.build, query.scope, query.bbox ?? null, query.offset, query.limit]),
    write(out) {
      for (let i = 0; i < page.length; i++) {
        if (i > 0) out.byte(COMMA)
        writeFeature(out, loaded, layout, page[i] as number)
      }
    },
  }
}
