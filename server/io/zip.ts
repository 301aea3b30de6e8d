import { type UnzipFileInfo, unzipSync } from 'fflate'
import { promisify } from 'node:util'
import { crc32, deflateRaw } from 'node:zlib'
import { AppError, badRequest } from '../http/errors.js'
import { MAX_ZIP_EXPANDED_BYTES, MAX_ZIP_EXPANSION_RATIO, ZIP_RATIO_CHECK_FROM_BYTES, formatCount } from '../http/limits.js'
import { decodeText } from './encoding.js'
import type { InputFile } from './types.js'

// Expands .zip (and .kmz) uploads into their member files. The sizes in the zip's central
// directory are checked against MAX_ZIP_EXPANDED_BYTES and MAX_ZIP_EXPANSION_RATIO before anything
// is inflated; fflate inflates each member into a buffer of its declared size, so a member that
// lies about its size cannot grow past it.

export const isZip = (file: InputFile) => file.bytes[0] === 0x50 && file.bytes[1] === 0x4b

const MB = 1024 * 1024
const wanted = (info: UnzipFileInfo) => !info.name.endsWith('/') && !info.name.startsWith('__MACOSX/') && !/(^|\/)\._/.test(info.name)

/** The members of a zip as files (folders flattened to their base names; __MACOSX and ._ files skipped). */
export function expandZip(file: InputFile): InputFile[] {
  // First pass: read the central directory only (the filter declines every member).
  const declared: UnzipFileInfo[] = []
  unzipOrRefuse(file, (info) => {
    if (wanted(info)) declared.push(info)
    return false
  })
  assertExpansion(
    file,
    declared.reduce((sum, info) => sum + info.originalSize, 0),
  )
  return Object.entries(unzipOrRefuse(file, wanted)).map(([name, bytes]) => ({ name: memberName(name), bytes }))
}

function unzipOrRefuse(file: InputFile, filter: (info: UnzipFileInfo) => boolean): Record<string, Uint8Array> {
  try {
    return unzipSync(file.bytes, { filter })
  } catch (error) {
    throw badRequest('io_zip_broken', { file: file.name, detail: (error as Error).message })
  }
}

function assertExpansion(file: InputFile, expanded: number) {
  const ratio = expanded / Math.max(file.bytes.length, 1)
  if (expanded > MAX_ZIP_EXPANDED_BYTES) {
    throw new AppError(413, 'io_zip_too_large', {
      file: file.name,
      size: formatCount(Math.ceil(expanded / MB)),
      limit: formatCount(MAX_ZIP_EXPANDED_BYTES / MB),
    })
  }
  if (expanded > ZIP_RATIO_CHECK_FROM_BYTES && ratio > MAX_ZIP_EXPANSION_RATIO) {
    throw new AppError(413, 'io_zip_bomb', { file: file.name, ratio: formatCount(Math.round(ratio)), limit: MAX_ZIP_EXPANSION_RATIO })
  }
}

/**
 * The base name of a member. Zips made on Chinese Windows store GBK names without the UTF-8 flag,
 * which fflate reads as Latin-1: such a name (only characters below U+0100) is turned back into
 * its bytes and decoded as UTF-8 or GB18030.
 */
function memberName(path: string): string {
  const name = path.replace(/^.*\//, '')
  const codes = [...name].map((character) => character.codePointAt(0) as number)
  if (!codes.some((code) => code >= 0x80) || codes.some((code) => code > 0xff)) return name
  return decodeText(Uint8Array.from(codes)).text
}

/** A member of a zip to write: its bytes and the deflate level (0 stores it). */
export interface ZipMember {
  name: string
  bytes: Uint8Array
  level: number
}

const LOCAL_HEADER = 0x04034b50
const CENTRAL_HEADER = 0x02014b50
const END_OF_DIRECTORY = 0x06054b50
/** General purpose flag bit 11: the name is UTF-8 (APPNOTE 6.3, appendix D). */
const UTF8_NAME = 0x0800
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
    view.setUint32(at, LOCAL_HEADER, true)
    common(entry, at + 4)
    zip.set(entry.name, at + 30)
    zip.set(entry.data, at + 30 + entry.name.length)
    at += 30 + entry.name.length + entry.data.length
  }
  entries.forEach((entry, i) => {
    view.setUint32(at, CENTRAL_HEADER, true)
    view.setUint16(at + 4, 20, true)
    common(entry, at + 6)
    view.setUint32(at + 42, offsets[i] as number, true)
    zip.set(entry.name, at + 46)
    at += 46 + entry.name.length
  })
  view.setUint32(at, END_OF_DIRECTORY, true)
  view.setUint16(at + 8, entries.length, true)
  view.setUint16(at + 10, entries.length, true)
  view.setUint32(at + 12, centralBytes, true)
  view.setUint32(at + 16, localBytes, true)
  return zip
}
