import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { zipSync } from 'fflate'
import iconv from 'iconv-lite'
import { afterAll, describe, expect, it } from 'vitest'
import { MAX_ZIP_EXPANDED_BYTES, MAX_ZIP_EXPANSION_RATIO } from '../http/limits.js'
import { readDataset } from './read.js'
import { expectIoError, FIXTURES, makeTempDir, ogr2ogr, uploadOf } from './testing/gdal.js'
import { expandZip, MAX_ZIP_NESTING } from './zip.js'

// Zipped uploads: Info-ZIP and Windows-style (GBK names) zips, nested folders, zips in zips, and
// the refusals (truncated, bomb by ratio, too large by the central directory) before anything is
// inflated, counting every level of a zip in a zip.

const temp = makeTempDir()
afterAll(temp.remove)

function shapefileDir(name: string): string {
  const dir = path.join(temp.dir, name)
  mkdirSync(dir, { recursive: true })
  ogr2ogr('-t_srs', 'EPSG:4527', '-lco', 'ENCODING=GBK', path.join(dir, '城关镇网格.shp'), path.join(FIXTURES, 'grids-cn-shapes.geojson'))
  return dir
}

describe('zipped shapefiles', () => {
  it('a zip made by Info-ZIP with the shapefile in nested folders', async () => {
    const dir = shapefileDir('infozip/县/乡镇')
    const zip = path.join(temp.dir, 'county.zip')
    execFileSync('zip', ['-qr', zip, 'infozip'], { cwd: temp.dir })
    const dataset = await readDataset([{ name: 'county.zip', bytes: new Uint8Array(readFileSync(zip)) }])
    expect(dir).toContain('乡镇')
    expect(dataset.layerNames).toEqual(['城关镇网格'])
    expect(dataset.layer.features).toHaveLength(4)
    expect(dataset.crs?.code).toBe('EPSG:4527')
  })

  it('a zip64 zip (Info-ZIP -fz: sizes in the zip64 extra field)', () => {
    shapefileDir('zip64')
    const zip = path.join(temp.dir, 'zip64.zip')
    execFileSync('zip', ['-qr', '-fz', zip, 'zip64'], { cwd: temp.dir })
    const members = expandZip({ name: 'zip64.zip', bytes: new Uint8Array(readFileSync(zip)) })
    const shp = readFileSync(path.join(temp.dir, 'zip64', '城关镇网格.shp'))
    expect(members.find((file) => file.name === '城关镇网格.shp')?.bytes).toEqual(new Uint8Array(shp))
  })

  it('member names in GBK without the UTF-8 flag (Windows zips) are decoded', () => {
    const files = uploadOf(shapefileDir('gbk-names'))
    // fflate writes ASCII names without the UTF-8 flag; the GBK bytes of 城关镇网格 (10) replace a 10-byte placeholder.
    const gbk = iconv.encode('城关镇网格', 'gbk')
    const placeholder = Buffer.from('ABCDEFGHIJ')
    const zipped = Buffer.from(
      zipSync(Object.fromEntries(files.map((file) => [file.name.replace('城关镇网格', 'ABCDEFGHIJ'), file.bytes]))),
    )
    for (let at = zipped.indexOf(placeholder); at !== -1; at = zipped.indexOf(placeholder, at + 1)) gbk.copy(zipped, at)
    const names = expandZip({ name: 'win.zip', bytes: new Uint8Array(zipped) }).map((file) => file.name)
    expect(names.sort()).toEqual(files.map((file) => file.name).sort())
  })

  it('__MACOSX and ._ members are skipped', () => {
    const zipped = zipSync({
      'a/b.geojson': new Uint8Array([123, 125]),
      '__MACOSX/a/._b.geojson': new Uint8Array(10),
      'a/._c.geojson': new Uint8Array(3),
    })
    expect(expandZip({ name: 'mac.zip', bytes: zipped }).map((file) => file.name)).toEqual(['b.geojson'])
  })
})

/** The zip with its first member's uncompressed size in the central directory (PK\x01\x02, offset 24) set to `size`. */
function declaringSize(zipped: Uint8Array, size: number): Uint8Array {
  const bytes = Buffer.from(zipped)
  bytes.writeUInt32LE(size, bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24)
  return new Uint8Array(bytes)
}

describe('zips in zips', () => {
  it('a zip holding a zipped shapefile (and a readme) imports', async () => {
    shapefileDir('nested/inner')
    execFileSync('zip', ['-qr', path.join(temp.dir, 'nested', '城关镇.zip'), 'inner'], { cwd: path.join(temp.dir, 'nested') })
    writeFileSync(path.join(temp.dir, 'nested', '说明.txt'), '网格数据')
    execFileSync('zip', ['-q', path.join(temp.dir, 'outer.zip'), '城关镇.zip', '说明.txt'], { cwd: path.join(temp.dir, 'nested') })
    const dataset = await readDataset([{ name: 'outer.zip', bytes: new Uint8Array(readFileSync(path.join(temp.dir, 'outer.zip'))) }])
    expect(dataset.layerNames).toEqual(['城关镇网格'])
    expect(dataset.layer.features).toHaveLength(4)
    expect(dataset.crs?.code).toBe('EPSG:4527')
  })

  it(`zips are opened ${MAX_ZIP_NESTING} levels deep; a .kmz inside is kept as it is`, () => {
    const kmz = zipSync({ 'doc.kml': new Uint8Array([60]) })
    const keepZipped = (file: { name: string }) => file.name.endsWith('.kmz')
    // levels[0] holds the data; levels[n] holds levels[n - 1] as `level${n - 1}.zip`.
    const levels = [zipSync({ 'a.geojson': new Uint8Array([123, 125]), 'b.kmz': kmz })]
    for (let level = 1; level <= MAX_ZIP_NESTING; level++)
      levels.push(zipSync({ [`level${level - 1}.zip`]: levels[level - 1] as Uint8Array }))
    const namesOf = (zipped: Uint8Array) => expandZip({ name: 'deep.zip', bytes: zipped }, { keepZipped }).map((file) => file.name)
    expect(namesOf(levels[MAX_ZIP_NESTING - 1] as Uint8Array)).toEqual(['a.geojson', 'b.kmz'])
    expect(namesOf(levels[MAX_ZIP_NESTING] as Uint8Array)).toEqual(['level0.zip'])
  })

  it('an inner zip under the ratio alone is refused as a bomb when the levels together pass it', async () => {
    // 2 MB of zeros stored, declaring 300 MB: 150 times its own size (accepted alone); the outer
    // zip deflates it to a few kB, so the upload would expand thousands of times.
    const inner = declaringSize(zipSync({ 'a.shp': new Uint8Array(2 * 1024 * 1024) }, { level: 0 }), 300 * 1024 * 1024)
    expect(() => expandZip({ name: 'inner.zip', bytes: inner })).not.toThrow(/bomb/)
    const outer = zipSync({ 'inner.zip': inner }, { level: 9 })
    const error = await expectIoError(() => readDataset([{ name: '嵌套.zip', bytes: outer }]), 'io_zip_bomb', {
      zh: '压缩包 嵌套.zip 解压后是自身大小的',
      en: 'and is refused as a possible zip bomb',
    })
    expect(error.statusCode).toBe(413)
  })

  it('the inner zips count towards the expanded total of the upload', async () => {
    // Two stored inner zips of 2 MB of random bytes declaring 300 MB each: each alone is under
    // the limit and the ratio, together they would expand past the limit.
    const random = () => new Uint8Array(2 * 1024 * 1024).map(() => Math.floor(Math.random() * 256))
    const inner = () => declaringSize(zipSync({ 'a.shp': random() }, { level: 0 }), 300 * 1024 * 1024)
    const outer = zipSync({ 'a.zip': inner(), 'b.zip': inner() }, { level: 0 })
    await expectIoError(() => readDataset([{ name: 'twice.zip', bytes: outer }]), 'io_zip_too_large', {
      zh: '压缩包 twice.zip 解压后有 605 MB',
      en: `an upload may expand to at most ${MAX_ZIP_EXPANDED_BYTES / 1024 / 1024} MB`,
    })
  })
})

describe('refused zips', () => {
  it('a truncated zip names the file', async () => {
    const files = uploadOf(shapefileDir('truncated'))
    const zipped = zipSync(Object.fromEntries(files.map((file) => [file.name, file.bytes])))
    const cut = zipped.subarray(0, Math.floor(zipped.length / 2))
    await expectIoError(() => readDataset([{ name: '网格.zip', bytes: cut }]), 'io_zip_broken', {
      zh: '压缩包 网格.zip 已损坏或不完整',
      en: 'The zip file 网格.zip is damaged or incomplete',
    })
  })

  it(`a zip that expands more than ${MAX_ZIP_EXPANSION_RATIO} times its size is refused as a bomb`, async () => {
    const zipped = zipSync({ 'bomb.dbf': new Uint8Array(32 * 1024 * 1024) }, { level: 9 })
    const error = await expectIoError(() => readDataset([{ name: 'bomb.zip', bytes: zipped }]), 'io_zip_bomb', {
      zh: '压缩包 bomb.zip 解压后是自身大小的',
      en: `(at most ${MAX_ZIP_EXPANSION_RATIO} times is accepted) and is refused as a possible zip bomb`,
    })
    expect(error.statusCode).toBe(413)
  })

  it('a zip whose central directory declares more than the limit is refused before inflating', async () => {
    const zipped = Buffer.from(zipSync({ 'a.shp': new Uint8Array(1000).fill(7) }))
    // The central directory entry (PK\x01\x02) holds the uncompressed size at offset 24.
    const central = zipped.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    zipped.writeUInt32LE(MAX_ZIP_EXPANDED_BYTES + 1, central + 24)
    const error = await expectIoError(() => expandZip({ name: 'huge.zip', bytes: new Uint8Array(zipped) }), 'io_zip_too_large', {
      zh: `压缩包 huge.zip 解压后有 513 MB，每次上传解压后最多 ${MAX_ZIP_EXPANDED_BYTES / 1024 / 1024} MB`,
      en: `would expand to 513 MB; an upload may expand to at most ${MAX_ZIP_EXPANDED_BYTES / 1024 / 1024} MB`,
    })
    expect(error.statusCode).toBe(413)
  })
})
