import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { AppError, badRequest, notFound } from '../http/errors.js'
import { UPLOAD_MAX_AGE_MS } from '../http/limits.js'
import type { InputFile } from '../io/types.js'

// Uploaded files wait on disk between the wizard's steps (upload, preview, commit), never in
// memory: `<root>/<id>/owner` names the account, `<root>/<id>/files/` holds the files under
// sanitised names. Ids are 128 random bits; an upload of another account is "not found".

export interface UploadStoreOptions {
  /** Folder of all uploads (`${dataDir}/uploads`). */
  root: string
  /** Most bytes one upload's files may take together. */
  limitBytes: number
}

export interface StoredFile {
  name: string
  size: number
}

const ID = /^[0-9a-f]{32}$/

/** A file name without folders or characters a file system may refuse; keeps Chinese letters. */
export function sanitiseFileName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/'))
  const cleaned = [...base]
    .map((char) => (char.charCodeAt(0) < 0x20 || '<>:"/\\|?*'.includes(char) ? '_' : char))
    .join('')
    .replace(/^\.+/, '')
  if (cleaned === '') throw badRequest('upload_name_invalid', { name })
  return cleaned.slice(0, 200)
}

export class UploadStore {
  constructor(private readonly options: UploadStoreOptions) {}

  get limitBytes(): number {
    return this.options.limitBytes
  }

  private folder(id: string): string {
    return path.join(this.options.root, id)
  }

  /** Starts an upload for `owner` with its first file. */
  async create(owner: string, name: string, body: Readable): Promise<{ id: string; files: StoredFile[] }> {
    await this.sweep()
    const id = randomBytes(16).toString('hex')
    await mkdir(path.join(this.folder(id), 'files'), { recursive: true })
    await writeFile(path.join(this.folder(id), 'owner'), owner)
    try {
      return { id, files: await this.add(id, owner, name, body) }
    } catch (error) {
      await this.remove(id)
      throw error
    }
  }

  /** Adds a file to the owner's upload (a file of the same name is replaced); the folder's total stays under the limit. */
  async add(id: string, owner: string, name: string, body: Readable): Promise<StoredFile[]> {
    await this.assertOwner(id, owner)
    const safeName = sanitiseFileName(name)
    const target = path.join(this.folder(id), 'files', safeName)
    const others = (await this.list(id)).filter((file) => file.name !== safeName)
    const budget = this.options.limitBytes - others.reduce((sum, file) => sum + file.size, 0)
    if ((await writeCapped(body, target, budget)) === 'over') {
      await rm(target, { force: true })
      throw new AppError(413, 'upload_too_large', { limit: Math.floor(this.options.limitBytes / (1024 * 1024)) })
    }
    return this.list(id)
  }

  /** The upload's files, read into memory for a reader (server/io/read.ts). */
  async read(id: string, owner: string): Promise<InputFile[]> {
    await this.assertOwner(id, owner)
    const files = await this.list(id)
    if (files.length === 0) throw badRequest('io_no_files')
    return Promise.all(
      files.map(async (file) => ({
        name: file.name,
        bytes: new Uint8Array(await readFile(path.join(this.folder(id), 'files', file.name))),
      })),
    )
  }

  async list(id: string): Promise<StoredFile[]> {
    const folder = path.join(this.folder(id), 'files')
    const names = (await readdir(folder)).sort()
    return Promise.all(names.map(async (name) => ({ name, size: (await stat(path.join(folder, name))).size })))
  }

  async remove(id: string): Promise<void> {
    if (ID.test(id)) await rm(this.folder(id), { recursive: true, force: true })
  }

  /** 404 unless the upload exists and belongs to `owner` (another's upload is indistinguishable from none). */
  async assertOwner(id: string, owner: string): Promise<void> {
    const stored = ID.test(id) ? await readFile(path.join(this.folder(id), 'owner'), 'utf8').catch(() => null) : null
    if (stored !== owner) throw notFound('upload_not_found', { id })
  }

  /** Removes uploads older than UPLOAD_MAX_AGE_MS (at start and before each new upload). */
  async sweep(now = Date.now()): Promise<void> {
    await mkdir(this.options.root, { recursive: true })
    for (const id of await readdir(this.options.root)) {
      if (!ID.test(id)) continue
      const created = await stat(path.join(this.folder(id), 'owner')).catch(() => null)
      if (created === null || now - created.mtimeMs > UPLOAD_MAX_AGE_MS) await this.remove(id)
    }
  }
}

/**
 * Streams `body` into `target` until it ends ('ok') or passes `budget` bytes ('over'). Over the
 * budget the rest of the body is read and dropped, not destroyed, so the client gets the 413.
 */
function writeCapped(body: Readable, target: string, budget: number): Promise<'ok' | 'over'> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(target)
    let left = budget
    const onData = (chunk: Buffer) => {
      left -= chunk.length
      if (left >= 0) {
        if (!out.write(chunk)) {
          body.pause()
          out.once('drain', () => body.resume())
        }
        return
      }
      body.off('data', onData)
      body.resume()
      // Resolved once the file is closed: the stream opens its file asynchronously, and a removal
      // before that open completes would leave the refused part behind.
      out.once('close', () => resolve('over'))
      out.destroy()
    }
    body.on('data', onData)
    body.once('end', () => out.end())
    body.once('error', reject)
    out.once('error', reject)
    out.once('finish', () => resolve('ok'))
  })
}
