import { unzipSync } from 'fflate'
import { badRequest } from '../http/errors.js'
import type { InputFile } from './types.js'

// Expands .zip (and .kmz) uploads into their member files. A first version without the zip-bomb
// guard (expansion ratio and total size), which comes with the shapefile reader.

export const isZip = (file: InputFile) => file.bytes[0] === 0x50 && file.bytes[1] === 0x4b

/** The members of a zip as files (folders flattened to their base names; __MACOSX skipped). */
export function expandZip(file: InputFile): InputFile[] {
  let entries: Record<string, Uint8Array>
  try {
    entries = unzipSync(file.bytes)
  } catch (error) {
    throw badRequest('io_zip_broken', { file: file.name, detail: (error as Error).message })
  }
  return Object.entries(entries)
    .filter(([name]) => !name.endsWith('/') && !name.startsWith('__MACOSX/'))
    .map(([name, bytes]) => ({ name: name.replace(/^.*\//, ''), bytes }))
}
