import { promisify } from 'node:util'
import { crc32, deflateRaw } from 'node:zlib'
import { CENTRAL, EOCD, LOCAL, UTF8_NAME } from './zip-directory.js'

// Writes the zips gridwork exports (a shapefile's parts, its field map). Reading uploads is
// zip.ts and zip-directory.ts.

/** A member of a zip to write: its bytes and the deflate level (0 stores it). */
export interface ZipMember {
  name: string
  bytes: Uint8Array
  level: number
}

const deflateRawAsync = promisify(deflateRaw)

/** The MS-DOS date and time fields of a zip entry. */
function dosDateTime(date: Date): [time: number, day: number] {
  const time = (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1)
  const day = ((Math.max(date.getFullYear(), 1980) - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate()
  return [time, day]
}

/**
 * A zip of `members` (UTF-8 names, flagged as such), deflated by Node's zlib: native deflate packs
 * a county's 70 MB .shp 2–4× faster than fflate at the same level (docs/engine-notes.md). No
 * ZIP64: members and the whole zip stay under 4 GB, far above the export's sizes.
 */
export async function zipMembers(members: readonly ZipMember[], modified = new Date()): Promise<Uint8Array> {
  const [time, day] = dosDateTime(modified)
  // Deflated on libuv's thread pool, all at once: the .shp and the .dbf pack on two cores.
  const entries = await Promise.all(
    members.map(async (member) => {
      const name = new TextEncoder().encode(member.name)
      const deflated = member.level > 0 ? await deflateRawAsync(member.bytes, { level: member.level }) : null
      const stored = deflated === null || deflated.length >= member.bytes.length
      return { name, member, data: stored ? member.bytes : deflated, method: stored ? 0 : 8, crc: crc32(member.bytes) }
    }),
  )
  const localBytes = entries.reduce((sum, entry) => sum + 30 + entry.name.length + entry.data.length, 0)
  const centralBytes = entries.reduce((sum, entry) => sum + 46 + entry.name.length, 0)
  if (localBytes + centralBytes > 0xffff_ffff || entries.length > 0xffff) throw new Error('zip too large for a zip without ZIP64')
  const zip = new Uint8Array(localBytes + centralBytes + 22)
  const view = new DataView(zip.buffer)
  let at = 0
  const offsets: number[] = []
  // The fields a local header and its central directory record share, from "version needed" on.
  const common = (entry: (typeof entries)[number], start: number) => {
    view.setUint16(start, 20, true)
    view.setUint16(start + 2, UTF8_NAME, true)
    view.setUint16(start + 4, entry.method, true)
    view.setUint16(start + 6, time, true)
    view.setUint16(start + 8, day, true)
    view.setUint32(start + 10, entry.crc, true)
    view.setUint32(start + 14, entry.data.length, true)
    view.setUint32(start + 18, entry.member.bytes.length, true)
    view.setUint16(start + 22, entry.name.length, true)
  }
  for (const entry of entries) {
    offsets.push(at)
    view.setUint32(at, LOCAL, true)
    common(entry, at + 4)
    zip.set(entry.name, at + 30)
    zip.set(entry.data, at + 30 + entry.name.length)
    at += 30 + entry.name.length + entry.data.length
  }
  entries.forEach((entry, i) => {
    view.setUint32(at, CENTRAL, true)
    view.setUint16(at + 4, 20, true)
    common(entry, at + 6)
    view.setUint32(at + 42, offsets[i] as number, true)
    zip.set(entry.name, at + 46)
    at += 46 + entry.name.length
  })
  view.setUint32(at, EOCD, true)
  view.setUint16(at + 8, entries.length, true)
  view.setUint16(at + 10, entries.length, true)
  view.setUint32(at + 12, centralBytes, true)
  view.setUint32(at + 16, localBytes, true)
  return zip
}
