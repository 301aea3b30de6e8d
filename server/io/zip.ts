import { type UnzipFileInfo, unzipSync } from 'fflate'
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
