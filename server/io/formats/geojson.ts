import type { Geometry } from 'geojson'
import { badRequest } from '../../http/errors.js'
import type { FieldInfo, FormatReader, FormatWriter, IoFeature, PropertyValue } from '../types.js'

// GeoJSON (RFC 7946: lon/lat). A first version: UTF-8 only; encoding detection comes with the
// shapefile reader's (server/io/encoding.ts).

export const readGeoJson: FormatReader = async (files) => {
  const file = files[0]
  if (!file) throw badRequest('io_no_files')
  let document: { type?: unknown; features?: unknown }
  try {
    document = JSON.parse(new TextDecoder('utf-8').decode(file.bytes).replace(/^\uFEFF/, ''))
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
  const fields = new Map<string, FieldInfo>()
  for (const feature of features) {
    for (const [name, value] of Object.entries(feature.properties)) {
      if (fields.has(name) || value === null) continue
      fields.set(name, { name, type: typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string' })
    }
  }
  const name = file.name.replace(/\.[^.]*$/, '')
  return {
    format: 'geojson',
    layerNames: [name],
    layer: {
      name,
      geometryTypes: [...new Set(features.map((feature) => feature.geometry?.type).filter((type) => type !== undefined))],
      fields: [...fields.values()],
      crs: { kind: 'lonlat' },
      encoding: { name: 'utf-8', source: 'format' },
      features,
      notes: [],
    },
  }
}

export const writeGeoJson: FormatWriter = async (layer) => {
  const collection = {
    type: 'FeatureCollection',
    name: layer.name,
    features: layer.features.map((feature) => ({ type: 'Feature', properties: feature.properties, geometry: feature.geometry })),
  }
  return {
    name: `${layer.name}.geojson`,
    contentType: 'application/geo+json',
    bytes: new TextEncoder().encode(JSON.stringify(collection)),
  }
}
