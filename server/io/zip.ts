import { AppError, badRequest } from '../http/errors.js'
import { MAX_ZIP_EXPANDED_BYTES, MAX_ZIP_EXPANSION_RATIO, ZIP_RATIO_CHECK_FROM_BYTES, formatCount } from '../http/limits.js'
import { decodeText } from './encoding.js'
import type { InputFile } from './types.js'
import { readZipDirectory, readZipMember, type ZipEntry } from './zip-directory.js'

// Expands .zip (and .kmz) uploads into their member files, and zips inside them (counties mail
// zips of zips) down to MAX_ZIP_NESTING levels. The sizes in each zip's central directory are
// checked before anything of it is inflated, against one budget for the whole upload file: every
// level's expansion counts towards MAX_ZIP_EXPANDED_BYTES and towards MAX_ZIP_EXPANSION_RATIO of
// the file as uploaded, so a bomb cannot hide one level down.

export const isZip = (file: InputFile) => file.bytes[0] === 0x50 && file.bytes[1] === 0x4b

/** Levels of zips opened, the uploaded zip included; a zip deeper than that stays a file (and is not read). */
export const MAX_ZIP_NESTING = 3

const MB = 1024 * 1024
const directoryPart = (path: string) => path.endsWith('/') || path.startsWith('__MACOSX/') || /(^|\/)\._/.test(path)

export interface ExpandZipOptions {
  /** Zips inside the zip are expanded too, except those this says to keep (a .kmz or .xlsx member is a file of its own). */
  keepZipped?: (member: InputFile) => boolean
}

/** The members of a zip as files (folders flattened to their base names; __MACOSX and ._ files skipped). */
export function expandZip(file: InputFile, options: ExpandZipOptions = {}): InputFile[] {
  const budget = { upload: file, expanded: 0 }
  const expand = (zip: InputFile, level: number): InputFile[] =>
    membersOf(zip, budget).flatMap((member) =>
      level < MAX_ZIP_NESTING && isZip(member) && !(options.keepZipped?.(member) ?? false) ? expand(member, level + 1) : [member],
    )
  return expand(file, 1)
}

function membersOf(zip: InputFile, budget: { upload: InputFile; expanded: number }): InputFile[] {
  const entries = zipOrRefuse(zip, () => readZipDirectory(zip.bytes)).flatMap((entry) => {
    const path = entryPath(entry)
    return directoryPart(path) ? [] : [{ entry, path }]
  })
  budget.expanded += entries.reduce((sum, { entry }) => sum + entry.originalSize, 0)
  assertExpansion(budget.upload, budget.expanded)
  return entries.map(({ entry, path }) => ({
    name: path.replace(/^.*\//, ''),
    bytes: zipOrRefuse(zip, () => readZipMember(zip.bytes, entry)),
  }))
}

function zipOrRefuse<T>(zip: InputFile, read: () => T): T {
  try {
    return read()
  } catch (error) {
    throw badRequest('io_zip_broken', { file: zip.name, detail: (error as Error).message })
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
 * A member's path. Names flagged UTF-8 (or given in the Unicode Path field) are UTF-8; zips made
 * on Chinese Windows store GBK names without the flag, so other names are decoded as UTF-8 when
 * they are valid UTF-8, else as GB18030.
 */
function entryPath(entry: ZipEntry): string {
  return entry.utf8 ? new TextDecoder().decode(entry.nameBytes) : decodeText(entry.nameBytes).text
}
