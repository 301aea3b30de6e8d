import type { Geometry, Position } from 'geojson'

// Well-known text (OGC 06-103r4 §7) to and from GeoJSON, for the WKT column of CSV and XLSX
// files. 2D: Z/M ordinates are read and dropped. An optional EWKT "SRID=n;" prefix is skipped.

const TYPES: Record<string, Geometry['type']> = {
  POINT: 'Point',
  LINESTRING: 'LineString',
  POLYGON: 'Polygon',
  MULTIPOINT: 'MultiPoint',
  MULTILINESTRING: 'MultiLineString',
  MULTIPOLYGON: 'MultiPolygon',
  GEOMETRYCOLLECTION: 'GeometryCollection',
}

/** The geometry of a WKT string; null for an EMPTY geometry. Throws with a short reason when malformed. */
export function parseWkt(text: string): Geometry | null {
  const tokens = text
    .replace(/^\s*SRID=\d+;/i, '')
    .toUpperCase()
    .match(/[A-Z]+|\(|\)|,|[-+]?(?:\d+\.?\d*|\.\d+)(?:E[-+]?\d+)?|\S/g)
  if (!tokens || tokens.length === 0) throw new Error('empty text')
  let at = 0
  const next = () => tokens[at++]
  const expect = (token: string) => {
    if (next() !== token) throw new Error(`expected "${token}" at token ${at}`)
  }
  const position = (): Position => {
    const values: number[] = []
    while (tokens[at] !== ',' && tokens[at] !== ')' && at < tokens.length) {
      const value = Number(next())
      if (!Number.isFinite(value)) throw new Error(`not a number at token ${at}`)
      values.push(value)
    }
    if (values.length < 2 || values.length > 4) throw new Error(`a position needs 2 to 4 numbers at token ${at}`)
    return [values[0] as number, values[1] as number]
  }
  const list = <T>(item: () => T): T[] => {
    expect('(')
    const items = [item()]
    while (tokens[at] === ',') {
      at++
      items.push(item())
    }
    expect(')')
    return items
  }
  // MULTIPOINT accepts both "(1 2, 3 4)" and "((1 2), (3 4))".
  const point = () => (tokens[at] === '(' ? list(position)[0] : position()) as Position
  const tagged = (): Geometry | null => {
    const word = next() ?? ''
    const type = TYPES[word]
    if (!type) throw new Error(`unknown geometry type "${word}"`)
    while (tokens[at] === 'Z' || tokens[at] === 'M' || tokens[at] === 'ZM') at++
    if (tokens[at] === 'EMPTY') {
      at++
      return null
    }
    switch (type) {
      case 'Point':
        return { type, coordinates: list(position)[0] as Position }
      case 'LineString':
        return { type, coordinates: list(position) }
      case 'Polygon':
        return { type, coordinates: list(() => list(position)) }
      case 'MultiPoint':
        return { type, coordinates: list(point) }
      case 'MultiLineString':
        return { type, coordinates: list(() => list(position)) }
      case 'MultiPolygon':
        return { type, coordinates: list(() => list(() => list(position))) }
      case 'GeometryCollection':
        return { type, geometries: list(tagged).filter((inner): inner is Geometry => inner !== null) }
    }
  }
  const geometry = tagged()
  if (at !== tokens.length) throw new Error(`unexpected "${tokens[at]}" after the geometry`)
  return geometry
}

const positionText = (position: Position) => `${position[0]} ${position[1]}`
const listText = (positions: readonly Position[]) => `(${positions.map(positionText).join(', ')})`
const ringsText = (rings: readonly Position[][]) => `(${rings.map(listText).join(', ')})`

/** The WKT of a GeoJSON geometry (2D, full double precision). */
export function toWkt(geometry: Geometry): string {
  switch (geometry.type) {
    case 'Point':
      return `POINT (${positionText(geometry.coordinates)})`
    case 'LineString':
      return `LINESTRING ${listText(geometry.coordinates)}`
    case 'Polygon':
      return `POLYGON ${ringsText(geometry.coordinates)}`
    case 'MultiPoint':
      return `MULTIPOINT ${listText(geometry.coordinates)}`
    case 'MultiLineString':
      return `MULTILINESTRING ${ringsText(geometry.coordinates)}`
    case 'MultiPolygon':
      return `MULTIPOLYGON (${geometry.coordinates.map(ringsText).join(', ')})`
    case 'GeometryCollection':
      return `GEOMETRYCOLLECTION (${geometry.geometries.map(toWkt).join(', ')})`
  }
}
