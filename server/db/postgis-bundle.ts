import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { Extension } from '@electric-sql/pglite'
import { postgis } from '@electric-sql/pglite-postgis'

// At every open, PGlite unpacks an extension's whole bundle into its in-memory file system and
// compiles each WebAssembly library in it. The PostGIS bundle (95 MB unpacked) also carries the
// raster and topology extensions: two more ~15 MB libraries gridwork never loads, ~1 s of every
// open on a 2-core machine. `postgisForGridwork` hands PGlite a copy of the bundle without them,
// made once per installed bundle and kept in .cache/; anything amiss → the original bundle.

/** Extensions in the bundle that gridwork never creates (their libraries, control and SQL files). */
const UNUSED = /(^|\/)postgis_(raster|topology)[^/]*$/

const CACHE_DIR = fileURLToPath(new URL('../../.cache/pglite-postgis/', import.meta.url))
const BLOCK = 512

/** The tar archive without the entries whose path matches `drop` (entries are copied byte for byte). */
export function withoutEntries(tar: Uint8Array, drop: RegExp): Uint8Array {
  const kept: Uint8Array[] = []
  // pax and GNU long-name headers describe the entry after them and go (or stay) with it
  let pending: Uint8Array[] = []
  let offset = 0
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK)
    if (header.every((byte) => byte === 0)) break
    const size = Number.parseInt(text(header, 124, 12).trim() || '0', 8)
    if (!Number.isFinite(size)) throw new Error(`unreadable tar entry size at byte ${offset}`)
    const end = offset + BLOCK + Math.ceil(size / BLOCK) * BLOCK
    if (end > tar.length) throw new Error(`tar entry at byte ${offset} runs past the end`)
    const entry = tar.subarray(offset, end)
    const type = String.fromCharCode(header[156] ?? 0)
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') pending.push(entry)
    else {
      const prefix = text(header, 257, 5) === 'ustar' ? text(header, 345, 155) : ''
      const name = prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100)
      if (!drop.test(name)) kept.push(...pending, entry)
      pending = []
    }
    offset = end
  }
  kept.push(new Uint8Array(2 * BLOCK))
  return Buffer.concat(kept)
}

function text(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length)
  const nul = field.indexOf(0)
  return Buffer.from(nul === -1 ? field : field.subarray(0, nul)).toString('utf8')
}

/** The cached trimmed copy of `bundle`, made now if missing; undefined when it cannot be made. */
export function trimmedBundle(bundle: URL, cacheDir: string = CACHE_DIR): URL | undefined {
  try {
    const source = fileURLToPath(bundle)
    const { size, mtimeMs } = statSync(source)
    const key = createHash('sha256').update(`${source}\n${size}\n${mtimeMs}`).digest('hex').slice(0, 16)
    const target = path.join(cacheDir, `postgis-${key}.tar.gz`)
    try {
      statSync(target)
    } catch {
      mkdirSync(cacheDir, { recursive: true })
      const trimmed = gzipSync(withoutEntries(gunzipSync(readFileSync(source)), UNUSED), { level: 1 })
      // Written aside and renamed: a process opening at the same time never reads half a file.
      const partial = `${target}.${process.pid}.partial`
      writeFileSync(partial, trimmed)
      renameSync(partial, target)
    }
    return pathToFileURL(target)
  } catch {
    return undefined
  }
}

/** PostGIS for PGlite, from the trimmed bundle when it can be made (same setup otherwise). */
export const postgisForGridwork: Extension = {
  name: 'postgis',
  async setup(pg, emscriptenOpts) {
    const result = await postgis.setup(pg, emscriptenOpts)
    const trimmed = result.bundlePath && trimmedBundle(result.bundlePath)
    return trimmed ? { ...result, bundlePath: trimmed } : result
  },
}
