import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { zipSync } from 'fflate'
import iconv from 'iconv-lite'
import { afterAll, describe, expect, it } from 'vitest'
import { MAX_ZIP_EXPANDED_BYTES, MAX_ZIP_EXPANSION_RATIO } from '../http/limits.js'
import { readDataset } from './read.js'
import { expectIoError, FIXTURES, makeTempDir, ogr2ogr, uploadOf } from './testing/gdal.js'
import { expandZip } from './zip.js'

// Zipped uploads: Info-ZIP and Windows-style (GBK names) zips, nested folders, and the refusals
// (truncated, bomb by ratio, too large by the central directory) before anything is inflated.

const temp = makeTempDir()
afterAll(temp.remove)

function shapefileDir(name: string): string {
  const dir = path.join(temp.dir, name)
  mkdirSync(dir, { recursive: true })
  ogr2ogr('-t_srs', 'EPSG:4527', '-lco', 'ENCODING=GBK', path.join(dir, '城关镇网格.shp'), path.join(FIXTURES, 'grids-cn.geojson'))
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
