import { kmlWithFolders } from '@tmcw/togeojson'
import { DOMParser } from '@xmldom/xmldom'
import type { Feature, Geometry, Position } from 'geojson'
import { badRequest } from '../../http/errors.js'
import { crsByCode } from '../crs.js'
import { decodeText } from '../encoding.js'
import { chooseLayer, fieldsOfFeatures, geometryTypesOf, refuseEmptyLayer, valueAs } from '../layer-fields.js'
import type {
  EncodingInfo,
  FieldType,
  FormatReader,
  FormatWriter,
  InputFile,
  IoFeature,
  IoNote,
  OutputLayer,
  PropertyValue,
} from '../types.js'
import { expandZip, isZip } from '../zip.js'

// KML 2.2 and KMZ (a zip holding a .kml). Placemarks become features and their ExtendedData
// (Data or SchemaData) their properties; folders that hold placemarks are the layers. KML is
// WGS84 lon/lat by definition (OGC 07-147r2 §6.2), so the writer always writes lon/lat.

// Style properties togeojson derives from <Style>: not data, so not imported.
const STYLE_KEY = /^(?:fill|stroke|icon|label)(?:-|$)|^style(?:Url|Hash|Map)$|^visibility$|^coordinateProperties$/

type FolderTree = ReturnType<typeof kmlWithFolders>
type TreeNode = FolderTree['children'][number]

const baseName = (name: string) => name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '')

/** The KML documents of an upload: the .kml itself, or every .kml of a KMZ (GDAL's LIBKML puts one per layer beside doc.kml). */
function kmlDocuments(file: InputFile): InputFile[] {
  if (!isZip(file)) return [file]
  const members = expandZip(file).filter((member) => member.name.toLowerCase().endsWith('.kml'))
  if (members.length === 0) throw badRequest('io_kmz_no_kml', { file: file.name })
  return members
}

/**
 * The placemark tree of a KML text and its Document's name; a Document inside a Document
 * (GDAL's LIBKML layers) counts as a folder.
 */
function parseKml(upload: string, text: string): { tree: FolderTree; name: string | null } {
  try {
    const document = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message)
      },
    }).parseFromString(text, 'text/xml')
    const [root, ...inners] = Array.from(document.getElementsByTagName('Document'))
    const nameElement = Array.from(root?.childNodes ?? []).find((node) => node.nodeName === 'name')
    for (const inner of inners) {
      const folder = document.createElementNS(inner.namespaceURI, 'Folder')
      while (inner.firstChild) folder.appendChild(inner.firstChild)
      inner.parentNode?.replaceChild(folder, inner)
    }
    // xmldom's Document implements the DOM interfaces togeojson walks, but not TypeScript's lib.dom type.
    return { tree: kmlWithFolders(document as unknown as Document), name: nameElement?.textContent?.trim() || null }
  } catch (error) {
    throw badRequest('io_kml_not_xml', { file: upload, detail: (error as Error).message.split('\n')[0] ?? '' })
  }
}

/** Placemarks grouped by the folder path that directly holds them (the root's under the file's name). */
function layersOf(tree: FolderTree, rootName: string): Map<string, Feature<Geometry | null>[]> {
  const layers = new Map<string, Feature<Geometry | null>[]>()
  const visit = (children: readonly TreeNode[], path: string | null) => {
    for (const child of children) {
      if (child.type === 'Feature') {
        // Network links and ground overlays (images) come as features tagged with their kind: not data.
        if (child.properties?.['@geometry-type'] !== undefined) continue
        const layer = path ?? rootName
        const features = layers.get(layer)
        if (features) features.push(child)
        else layers.set(layer, [child])
      } else if (child.type === 'folder') {
        const name = String(child.meta.name ?? '').trim() || rootName
        visit(child.children, path === null ? name : `${path}/${name}`)
      }
    }
  }
  visit(tree.children, null)
  return layers
}

/** 2D, and a MultiGeometry of one kind as its Multi* type. */
function flatGeometry(geometry: Geometry | null): Geometry | null {
  if (geometry === null) return null
  const flat = (value: unknown): unknown =>
    typeof (value as number[])[0] === 'number' ? (value as number[]).slice(0, 2) : (value as unknown[]).map(flat)
  if (geometry.type !== 'GeometryCollection') return { type: geometry.type, coordinates: flat(geometry.coordinates) } as Geometry
  const parts = geometry.geometries.map(flatGeometry).filter((part): part is Geometry => part !== null)
  const kinds = new Set(parts.map((part) => part.type))
  if (kinds.size === 1 && (kinds.has('Polygon') || kinds.has('LineString') || kinds.has('Point'))) {
    const coordinates = parts.map((part) => (part as { coordinates: unknown }).coordinates)
    return { type: `Multi${parts[0]?.type}`, coordinates } as Geometry
  }
  return { type: 'GeometryCollection', geometries: parts }
}

export const readKml: FormatReader = async (files, options) => {
  const upload = files[0]
  if (!upload) throw badRequest('io_no_files')
  const layers = new Map<string, Feature<Geometry | null>[]>()
  let encoding: EncodingInfo | undefined
  for (const document of kmlDocuments(upload)) {
    // KML should be UTF-8, but files saved by Chinese desktop tools are sometimes GBK.
    const decoded = decodeText(document.bytes, options.encoding)
    encoding ??= decoded.encoding
    const { tree, name: documentName } = parseKml(upload.name, decoded.text)
    // Zip member names are often not UTF-8 (GDAL writes CP437), so a Document's own name comes first.
    const rootName =
      documentName ?? baseName(document === upload || document.name.toLowerCase() === 'doc.kml' ? upload.name : document.name)
    for (const [name, features] of layersOf(tree, rootName)) {
      layers.set(name, [...(layers.get(name) ?? []), ...features])
    }
  }
  const layerNames = [...layers.keys()]
  if (layerNames.length === 0) refuseEmptyLayer(upload.name, baseName(upload.name), 0)
  const name = chooseLayer(upload.name, layerNames, options.layer)
  let droppedStyles = false
  const features = (layers.get(name) ?? []).map((feature): IoFeature => {
    const properties: Record<string, PropertyValue> = {}
    for (const [key, value] of Object.entries(feature.properties ?? {})) {
      if (STYLE_KEY.test(key)) droppedStyles = true
      else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) properties[key] = value as PropertyValue
      else properties[key] = JSON.stringify(value)
    }
    return { geometry: flatGeometry(feature.geometry), properties }
  })
  const notes: IoNote[] = droppedStyles ? [{ code: 'io.note.kml_styles_dropped', params: {} }] : []
  return {
    format: 'kml',
    layerNames,
    layer: {
      name,
      geometryTypes: geometryTypesOf(features),
      fields: fieldsOfFeatures(features),
      crs: { kind: 'lonlat' },
      encoding: encoding ?? null,
      features,
      notes,
    },
  }
}

const escapeXml = (text: string) =>
  text.replace(/[<>&"']/g, (character) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[character] as string)

const SIMPLE_FIELD_TYPES: Record<FieldType, string> = {
  string: 'string',
  integer: 'int',
  number: 'double',
  date: 'string',
  boolean: 'bool',
}
const NAME_FIELDS = ['name', '名称', '网格名称']

function geometryKml(geometry: Geometry, toLonLat: (position: readonly number[]) => Position): string {
  const coordinates = (positions: readonly Position[]) =>
    `<coordinates>${positions.map((position) => toLonLat(position).join(',')).join(' ')}</coordinates>`
  const ring = (positions: readonly Position[]) => `<LinearRing>${coordinates(positions)}</LinearRing>`
  const polygon = (rings: readonly Position[][]) =>
    `<Polygon><outerBoundaryIs>${ring(rings[0] ?? [])}</outerBoundaryIs>${rings
      .slice(1)
      .map((inner) => `<innerBoundaryIs>${ring(inner)}</innerBoundaryIs>`)
      .join('')}</Polygon>`
  switch (geometry.type) {
    case 'Point':
      return `<Point>${coordinates([geometry.coordinates])}</Point>`
    case 'LineString':
      return `<LineString>${coordinates(geometry.coordinates)}</LineString>`
    case 'Polygon':
      return polygon(geometry.coordinates)
    case 'MultiPoint':
      return `<MultiGeometry>${geometry.coordinates.map((position) => `<Point>${coordinates([position])}</Point>`).join('')}</MultiGeometry>`
    case 'MultiLineString':
      return `<MultiGeometry>${geometry.coordinates.map((line) => `<LineString>${coordinates(line)}</LineString>`).join('')}</MultiGeometry>`
    case 'MultiPolygon':
      return `<MultiGeometry>${geometry.coordinates.map(polygon).join('')}</MultiGeometry>`
    case 'GeometryCollection':
      return `<MultiGeometry>${geometry.geometries.map((inner) => geometryKml(inner, toLonLat)).join('')}</MultiGeometry>`
  }
}

/** A KML 2.2 document: one Folder with a Schema for the fields and a Placemark per feature. */
function kmlText(layer: OutputLayer, toLonLat: (position: readonly number[]) => Position): string {
  const schemaId = 'fields'
  const nameField = layer.fields.find((field) => NAME_FIELDS.includes(field.name.toLowerCase()))
  const schema = layer.fields
    .map((field) => `<SimpleField name="${escapeXml(field.name)}" type="${SIMPLE_FIELD_TYPES[field.type]}"/>`)
    .join('')
  const placemarks = layer.features.map((feature) => {
    const name = nameField ? valueAs('string', feature.properties[nameField.name]) : null
    const data = layer.fields
      .map((field) => [field.name, valueAs(field.type, feature.properties[field.name])] as const)
      .filter(([, value]) => value !== null)
      .map(([field, value]) => `<SimpleData name="${escapeXml(field)}">${escapeXml(String(value))}</SimpleData>`)
      .join('')
    return [
      '<Placemark>',
      name === null ? '' : `<name>${escapeXml(String(name))}</name>`,
      `<ExtendedData><SchemaData schemaUrl="#${schemaId}">${data}</SchemaData></ExtendedData>`,
      feature.geometry ? geometryKml(feature.geometry, toLonLat) : '',
      '</Placemark>',
    ].join('')
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<kml xmlns="http://www.opengis.net/kml/2.2">',
    `<Document><name>${escapeXml(layer.name)}</name>`,
    `<Schema name="${schemaId}" id="${schemaId}">${schema}</Schema>`,
    `<Folder><name>${escapeXml(layer.name)}</name>`,
    ...placemarks,
    '</Folder></Document></kml>',
    '',
  ].join('\n')
}

export const writeKml: FormatWriter = async (layer, options) => {
  // The features come in options.crs; KML holds lon/lat only, so a projected export is taken back.
  const crs = crsByCode(`EPSG:${options.crs}`)
  return {
    name: `${layer.name}.kml`,
    contentType: 'application/vnd.google-earth.kml+xml',
    bytes: new TextEncoder().encode(kmlText(layer, crs.toLonLat)),
  }
}
