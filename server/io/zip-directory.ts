import { crc32 } from 'node:zlib'
import { inflateSync } from 'fflate'

// A zip's central directory read by hand, because fflate's unzipSync gives member names only as
// it decodes them (UTF-8 with flag bit 11, else Latin-1) and keys its result by name: GDAL's LIBKML
// writes Chinese names as CP437 "?" with the UTF-8 name in an Info-ZIP Unicode Path extra field
// (0x7075), so two layers' files came out under one name and one was lost. Members are inflated
// by index with fflate's inflateSync into a buffer of the declared size (a member that lies about
// its size cannot grow past it). Zip64 sizes and offsets are read; encryption is not supported.

export interface ZipEntry {
  /** The name's bytes as stored in the central directory, or the Unicode Path field's when present and current. */
  nameBytes: Uint8Array
  /** True when the name is known to be UTF-8 (flag bit 11, or taken from the Unicode Path field). */
  utf8: boolean
  method: number
  encrypted: boolean
  compressedSize: number
  originalSize: number
  localHeaderOffset: number
}

/** Thrown for a malformed zip; the caller turns it into its own message. */
export class ZipFormatError extends Error {}

export const EOCD = 0x06054b50
const EOCD64_LOCATOR = 0x07064b50
export const CENTRAL = 0x02014b50
export const LOCAL = 0x04034b50
/** General purpose flag bit 11: the name is UTF-8 (APPNOTE 6.3, appendix D). */
export const UTF8_NAME = 0x0800
const UNICODE_PATH = 0x7075
const ZIP64 = 0x0001
const MAX32 = 0xffffffff

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function need(bytes: Uint8Array, end: number, what: string) {
  if (end > bytes.length) throw new ZipFormatError(`truncated ${what}`)
}

/** Where the central directory starts and how many entries it has (zip64 when the classic record is saturated). */
function directoryOf(bytes: Uint8Array): { offset: number; count: number } {
  const data = view(bytes)
  // The end record is the last 22 bytes, or earlier by a comment of at most 65535 bytes.
  let end = -1
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (data.getUint32(at, true) === EOCD) {
      end = at
      break
    }
  }
  if (end < 0) throw new ZipFormatError('no end of central directory record')
  let count = data.getUint16(end + 10, true)
  let offset = data.getUint32(end + 16, true)
  if ((count === 0xffff || offset === MAX32) && end >= 20 && data.getUint32(end - 20, true) === EOCD64_LOCATOR) {
    const record = Number(data.getBigUint64(end - 12, true))
    need(bytes, record + 56, 'zip64 end record')
    count = Number(data.getBigUint64(record + 32, true))
    offset = Number(data.getBigUint64(record + 48, true))
  }
  return { offset, count }
}

/** The entries of a zip's central directory, in order. */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  const data = view(bytes)
  const { offset, count } = directoryOf(bytes)
  const entries: ZipEntry[] = []
  let at = offset
  for (let index = 0; index < count; index++) {
    need(bytes, at + 46, 'central directory')
    if (data.getUint32(at, true) !== CENTRAL) throw new ZipFormatError('bad central directory entry')
    const flags = data.getUint16(at + 8, true)
    const nameLength = data.getUint16(at + 28, true)
    const extraLength = data.getUint16(at + 30, true)
    const commentLength = data.getUint16(at + 32, true)
    need(bytes, at + 46 + nameLength + extraLength, 'central directory')
    const rawName = bytes.subarray(at + 46, at + 46 + nameLength)
    const extra = bytes.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength)
    const sizes = {
      compressedSize: data.getUint32(at + 20, true),
      originalSize: data.getUint32(at + 24, true),
      localHeaderOffset: data.getUint32(at + 42, true),
    }
    const { unicodeName } = readExtra(extra, rawName, sizes)
    entries.push({
      nameBytes: unicodeName ?? rawName,
      utf8: unicodeName !== null || (flags & UTF8_NAME) !== 0,
      method: data.getUint16(at + 10, true),
      encrypted: (flags & 1) !== 0,
      ...sizes,
    })
    at += 46 + nameLength + extraLength + commentLength
  }
  return entries
}

/** Reads the extra fields: zip64 sizes (into `sizes`, for the fields saturated at 0xFFFFFFFF) and the Unicode Path name. */
function readExtra(
  extra: Uint8Array,
  rawName: Uint8Array,
  sizes: { compressedSize: number; originalSize: number; localHeaderOffset: number },
): { unicodeName: Uint8Array | null } {
  const data = view(extra)
  let unicodeName: Uint8Array | null = null
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = data.getUint16(at, true)
    const size = data.getUint16(at + 2, true)
    const body = extra.subarray(at + 4, Math.min(at + 4 + size, extra.length))
    if (id === UNICODE_PATH && body.length > 5 && body[0] === 1) {
      // Version 1, then the CRC-32 of the header's own name: a name changed since by a tool that
      // ignores the field no longer matches, and then the header's name wins (APPNOTE 4.6.9).
      if (view(body).getUint32(1, true) === crc32(rawName) >>> 0) unicodeName = body.subarray(5)
    } else if (id === ZIP64) {
      const fields = view(body)
      let next = 0
      for (const key of ['originalSize', 'compressedSize', 'localHeaderOffset'] as const) {
        if (sizes[key] !== MAX32 || next + 8 > body.length) continue
        sizes[key] = Number(fields.getBigUint64(next, true))
        next += 8
      }
    }
    at += 4 + size
  }
  return { unicodeName }
}

/** The member's bytes, inflated into a buffer of its declared size. */
export function readZipMember(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  if (entry.encrypted) throw new ZipFormatError('encrypted members are not supported')
  const data = view(bytes)
  const at = entry.localHeaderOffset
  need(bytes, at + 30, 'local header')
  if (data.getUint32(at, true) !== LOCAL) throw new ZipFormatError('bad local header')
  const start = at + 30 + data.getUint16(at + 26, true) + data.getUint16(at + 28, true)
  need(bytes, start + entry.compressedSize, 'member data')
  const compressed = bytes.subarray(start, start + entry.compressedSize)
  if (entry.method === 0) return compressed.slice(0, entry.originalSize)
  if (entry.method === 8) return inflateSync(compressed, { out: new Uint8Array(entry.originalSize) })
  throw new ZipFormatError(`compression method ${entry.method} is not supported`)
}
