import { execFileSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { once } from 'node:events'
import { REPO_ROOT } from './datasets.js'

// The data in/out benchmark's input: a county-sized layer of grid polygons written as a GBK
// shapefile by GDAL (the independent party: what a county's desktop GIS would hand over).
// A lattice of squares, each side cut into ten segments (40 vertices a ring), neighbours sharing
// their edges exactly; Chinese names and codes in the attributes. Cached in .cache/bench-io/.

export const IO_BENCH_DIR = path.join(REPO_ROOT, '.cache/bench-io')

export interface GridLayerFile {
  /** The .shp path; its .shx/.dbf/.prj/.cpg lie beside it. */
  shp: string
  geojson: string
  features: number
}

const CELL_DEGREES = 0.001 // ~100 m
const SEGMENTS_PER_SIDE = 10

function ring(x0: number, y0: number): number[][] {
  const points: number[][] = []
  const step = CELL_DEGREES / SEGMENTS_PER_SIDE
  const round = (value: number) => Math.round(value * 1e9) / 1e9
  for (let i = 0; i < SEGMENTS_PER_SIDE; i++) points.push([round(x0 + i * step), round(y0)])
  for (let i = 0; i < SEGMENTS_PER_SIDE; i++) points.push([round(x0 + CELL_DEGREES), round(y0 + i * step)])
  for (let i = 0; i < SEGMENTS_PER_SIDE; i++) points.push([round(x0 + CELL_DEGREES - i * step), round(y0 + CELL_DEGREES)])
  for (let i = 0; i < SEGMENTS_PER_SIDE; i++) points.push([round(x0), round(y0 + CELL_DEGREES - i * step)])
  points.push(points[0] as number[])
  return points
}

/** `count` grids as a GBK shapefile in EPSG:4490, made once by ogr2ogr and cached. */
export async function gridLayerShapefile(count: number, origin: [number, number] = [117.0, 31.0]): Promise<GridLayerFile> {
  const dir = path.join(IO_BENCH_DIR, `grids-${count}`)
  const shp = path.join(dir, `grids_${count}.shp`)
  const geojson = path.join(dir, `grids_${count}.geojson`)
  if (existsSync(shp) && existsSync(geojson)) return { shp, geojson, features: count }
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const columns = Math.ceil(Math.sqrt(count))
  const out = createWriteStream(geojson)
  out.write('{"type":"FeatureCollection","features":[\n')
  for (let index = 0; index < count; index++) {
    const x0 = origin[0] + (index % columns) * CELL_DEGREES
    const y0 = origin[1] + Math.floor(index / columns) * CELL_DEGREES
    const feature = {
      type: 'Feature',
      properties: { 网格编码: String(index + 1).padStart(6, '0'), 网格名称: `测试第${index + 1}网格`, 户数: 200 + (index % 300) },
      geometry: { type: 'Polygon', coordinates: [ring(x0, y0)] },
    }
    if (!out.write(`${index === 0 ? '' : ',\n'}${JSON.stringify(feature)}`)) await once(out, 'drain')
  }
  out.end(']}\n')
  await once(out, 'finish')
  execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=GBK', '-a_srs', 'EPSG:4490', shp, geojson], { stdio: 'inherit' })
  return { shp, geojson, features: count }
}
