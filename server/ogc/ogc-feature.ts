import type { Geometry } from 'geojson'
import { mapGeometry } from '../io/read.js'
import type { Item } from './collection.js'
import type { OutputCrs } from './ogc-crs.js'

/**
 * A feature as JSON text. In CRS84 the geometry is PostGIS's GeoJSON text as it came, spliced in
 * unparsed (parsing and writing it again was most of a page's time); in another system it is
 * parsed and mapped position by position (axis order as EPSG says).
 */
export function featureJson(item: Item, crs: OutputCrs, links?: unknown[]): string {
  const geometry =
    item.geometryJson === null || crs.fromLonLat === null
      ? (item.geometryJson ?? 'null')
      : JSON.stringify(mapGeometry(JSON.parse(item.geometryJson) as Geometry, crs.fromLonLat))
  const tail = links === undefined ? '' : `,"links":${JSON.stringify(links)}`
  return `{"type":"Feature","id":${JSON.stringify(item.id)},"geometry":${geometry},"properties":${JSON.stringify(item.properties)}${tail}}`
}
