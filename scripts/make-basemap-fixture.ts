import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { zxyToTileId } from 'pmtiles'

// Writes fixtures/basemap/tiny.pmtiles: a PMTiles v3 archive (spec: github.com/protomaps/PMTiles,
// spec/v3) of zoom 0–1 raster tiles, each a 1×1 PNG, uncompressed directories. The pmtiles npm
// package only reads archives and GDAL writes PMTiles only from 3.8, so this encodes one itself.
// Run: node --import tsx scripts/make-basemap-fixture.ts

/** A 1×1 opaque PNG; the tile at z/x/y carries its own copy with a tEXt chunk naming it. */
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')

function varint(value: number, out: number[]): void {
  let v = value
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
}

/** Tile bytes that tell tiles apart: the PNG followed by "z/x/y" (image readers ignore trailing bytes). */
export function fixtureTile(z: number, x: number, y: number): Buffer {
  return Buffer.concat([PNG_1X1, Buffer.from(`${z}/${x}/${y}`)])
}

export function buildTinyPmtiles(): Buffer {
  const tiles: { id: number; data: Buffer }[] = []
  for (const [z, x, y] of [
    [0, 0, 0],
    [1, 0, 0],
    [1, 1, 0],
    [1, 0, 1],
    [1, 1, 1],
  ] as const)
    tiles.push({ id: zxyToTileId(z, x, y), data: fixtureTile(z, x, y) })
  tiles.sort((a, b) => a.id - b.id)
  // Root directory: count, tile-id deltas, run lengths, lengths, offsets (0 = right after the
  // previous tile, else offset + 1: the first tile is at offset 0 of the data section).
  const directory: number[] = []
  varint(tiles.length, directory)
  for (const [i, tile] of tiles.entries()) varint(tile.id - (tiles[i - 1]?.id ?? 0), directory)
  for (const _ of tiles) varint(1, directory)
  for (const tile of tiles) varint(tile.data.length, directory)
  for (const i of tiles.keys()) varint(i === 0 ? 1 : 0, directory)
  const root = Buffer.from(directory)
  const metadata = Buffer.from(JSON.stringify({ name: 'gridwork test basemap', format: 'png' }))
  const data = Buffer.concat(tiles.map((tile) => tile.data))
  const header = Buffer.alloc(127)
  header.write('PMTiles', 0, 'ascii')
  header.writeUInt8(3, 7)
  const rootOffset = 127
  const metadataOffset = rootOffset + root.length
  const dataOffset = metadataOffset + metadata.length
  const u64 = (offset: number, value: number) => header.writeBigUInt64LE(BigInt(value), offset)
  u64(8, rootOffset)
  u64(16, root.length)
  u64(24, metadataOffset)
  u64(32, metadata.length)
  u64(40, dataOffset) // no leaf directories
  u64(48, 0)
  u64(56, dataOffset)
  u64(64, data.length)
  u64(72, tiles.length)
  u64(80, tiles.length)
  u64(88, tiles.length)
  header.writeUInt8(1, 96) // clustered
  header.writeUInt8(1, 97) // internal compression: none
  header.writeUInt8(1, 98) // tile compression: none
  header.writeUInt8(2, 99) // tile type: PNG
  header.writeUInt8(0, 100)
  header.writeUInt8(1, 101)
  header.writeInt32LE(-180e7, 102)
  header.writeInt32LE(Math.round(-85.0511287 * 1e7), 106)
  header.writeInt32LE(180e7, 110)
  header.writeInt32LE(Math.round(85.0511287 * 1e7), 114)
  header.writeUInt8(0, 118)
  header.writeInt32LE(113e7, 119)
  header.writeInt32LE(28.2e7, 123)
  return Buffer.concat([header, root, metadata, data])
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = path.resolve('fixtures/basemap/tiny.pmtiles')
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, buildTinyPmtiles())
  console.log(`wrote ${file}`)
}
