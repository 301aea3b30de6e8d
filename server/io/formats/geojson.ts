import type { Geometry } from 'geojson'
import { badRequest } from '../../http/errors.js'
import { decodeText } from '../encoding.js'
import { fieldsOfFeatures, geometryTypesOf } from '../layer-fields.js'
import type { CrsEvidence, FormatReader, FormatWriter, IoFeature, PropertyValue } from '../types.js'

// GeoJSON: RFC 7946 says UTF-8 lon/lat, but files from older platforms come in GBK and with a
// GeoJSON-2008 `crs` member naming a projected system; both are honoured.

export const readGeoJson: FormatReader = async (files, options) => {
  const file = files[0]
  if (!file) throw badRequest('io_no_files')
  let document: { type?: unknown; features?: unknown; crs?: unknown }
  const { text, encoding } = decodeText(file.bytes, options.encoding)
  try {
    document = JSON.parse(text)
  } catch (error) {
    throw badRequest('io_not_json', { file: file.name, detail: (error as Error).message })
  }
  if (document.type !== 'FeatureCollection' || !Array.isArray(document.features)) {
    throw badRequest('io_not_feature_collection', { file: file.name })
  }
  const features: IoFeature[] = document.features.map(
    (feature: { geometry?: Geometry | null; properties?: Record<string, PropertyValue> | null }) => ({
      geometry: feature?.geometry ?? null,
      properties: feature?.properties ?? {},
    }),
  )
  const name = file.name.replace(/\.[^.]*$/, '')
  return {
    format: 'geojson',
    layerNames: [name],
    layer: {
      name,
      geometryTypes: geometryTypesOf(features),
      fields: fieldsOfFeatures(features),
      crs: crsEvidence(document.crs),
      encoding,
      features,
      notes: [],
    },
  }
}

/** The `crs` member: an EPSG code by OGC URN or "EPSG:n", CRS84 as lon/lat, any other name kept for the preview. */
function crsEvidence(member: unknown): CrsEvidence {
  const name = (member as { properties?: { name?: unknown } } | undefined)?.properties?.name
  if (typeof name !== 'string') return { kind: 'lonlat' }
  if (/crs84$/i.test(name.trim())) return { kind: 'lonlat' }
  const epsg = /epsg:(?:[\d.]*:)?(\d+)$/i.exec(name.trim())
  return epsg ? { kind: 'epsg', code: Number(epsg[1]) } : { kind: 'wkt', wkt: name }
}

/** RFC 7946 GeoJSON for lon/lat; a projected export names its zone by the `crs` member GDAL and QGIS read. */
export const writeGeoJson: FormatWriter = async (layer, options) => {
  const collection = {
    type: 'FeatureCollection',
    name: layer.name,
    ...(options.crs === 4490 ? {} : { crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${options.crs}` } } }),
    features: layer.features.map((feature) => ({ type: 'Feature', properties: feature.properties, geometry: feature.geometry })),
  }
  return {
    name: `${layer.name}.geojson`,
    contentType: 'application/geo+json',
    bytes: new TextEncoder().encode(JSON.stringify(collection)),
  }
}
