import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { UPLOAD_MAX_AGE_MS } from '../http/limits.js'
import { sanitiseFileName, UploadStore } from './upload-store.js'

// The upload folder on a real file system: a shapefile's parts gathered under one id, the size
// limit across them, names that cannot climb out of the folder, and the 24-hour sweep.

const root = mkdtempSync(path.join(os.tmpdir(), 'gridwork-upload-store-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const bytes = (size: number) => Readable.from([Buffer.alloc(size, 65)])

describe('UploadStore', () => {
  const store = new UploadStore({ root, limitBytes: 1000 })

  it('gathers the parts of a shapefile under one id and counts the limit over all of them', async () => {
    const { id, files } = await store.create('county', '网格.shp', bytes(400))
    expect(files).toEqual([{ name: '网格.shp', size: 400 }])
    expect(await store.add(id, 'county', '网格.dbf', bytes(500))).toEqual([
      { name: '网格.dbf', size: 500 },
      { name: '网格.shp', size: 400 },
    ])
    await expect(store.add(id, 'county', '网格.shx', bytes(200))).rejects.toMatchObject({ statusCode: 413, code: 'upload_too_large' })
    expect((await store.list(id)).map((file) => file.name)).toEqual(['网格.dbf', '网格.shp'])
    // Replacing a part counts its new size only.
    expect(await store.add(id, 'county', '网格.dbf', bytes(600))).toHaveLength(2)
    await expect(store.read(id, 'township')).rejects.toMatchObject({ statusCode: 404 })
    expect((await store.read(id, 'county')).map((file) => file.bytes.length)).toEqual([600, 400])
  })

  it('keeps names inside the upload folder', () => {
    expect(sanitiseFileName('../../etc/passwd')).toBe('passwd')
    expect(sanitiseFileName('C:\\GIS\\县界.prj')).toBe('县界.prj')
    expect(sanitiseFileName('a:b?.geojson')).toBe('a_b_.geojson')
    expect(() => sanitiseFileName('..')).toThrow()
  })

  it('sweeps uploads older than 24 hours and keeps newer ones', async () => {
    const old = await store.create('county', 'old.geojson', bytes(10))
    const fresh = await store.create('county', 'fresh.geojson', bytes(10))
    const past = new Date(Date.now() - UPLOAD_MAX_AGE_MS - 60_000)
    utimesSync(path.join(root, old.id, 'owner'), past, past)
    await store.sweep()
    expect(existsSync(path.join(root, old.id))).toBe(false)
    expect(existsSync(path.join(root, fresh.id))).toBe(true)
  })
})
