import iconv from 'iconv-lite'
import { badRequest } from '../http/errors.js'
import type { EncodingInfo } from './types.js'

// Text encodings of Chinese GIS files. An explicit choice wins; a shapefile then says what it is
// by its .cpg, else by the DBF language-driver byte; otherwise the bytes decide: valid UTF-8 →
// UTF-8, else GB18030 (a superset of GBK and GB2312, so GBK text decodes the same).

/** An encoding name as iconv-lite knows it ('gbk', 'utf-8', 'gb18030'…), or null when unknown. */
export function encodingNamed(name: string): string | null {
  const cleaned = name.trim().toLowerCase().replace(/\s+/g, '')
  const alias = ENCODING_ALIASES[cleaned] ?? cleaned
  return iconv.encodingExists(alias) ? alias : null
}

// .cpg texts and code pages seen in Chinese data, and what they mean (ArcGIS writes code pages).
const ENCODING_ALIASES: Record<string, string> = {
  '936': 'gbk',
  cp936: 'gbk',
  gb2312: 'gbk',
  'gb-2312': 'gbk',
  '54936': 'gb18030',
  '65001': 'utf-8',
  utf8: 'utf-8',
  '950': 'big5',
  '1252': 'windows-1252',
}

/** The explicit encoding's iconv name; 400 naming it when unknown. */
function explicitEncoding(explicit: string): string {
  const name = encodingNamed(explicit)
  if (name === null) throw badRequest('io_encoding_unknown', { encoding: explicit })
  return name
}

/** Decodes `bytes` with the explicit encoding when given, else detects UTF-8 or GB18030. */
export function decodeText(bytes: Uint8Array, explicit?: string): { text: string; encoding: EncodingInfo } {
  const encoding = explicit === undefined ? detectEncoding(bytes) : { name: explicitEncoding(explicit), source: 'explicit' as const }
  return { text: decodeWith(bytes, encoding.name).replace(/^\uFEFF/, ''), encoding }
}

export const decodeWith = (bytes: Uint8Array, name: string) =>
  iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name)
/** Encodes `text`; ASCII text (most cells: codes, numbers) skips the encoder (every encoding here is ASCII-compatible). */
export const encodeWith = (text: string, name: string): Uint8Array =>
  isAscii(text) ? Buffer.from(text, 'latin1') : iconv.encode(text, name)
const isAscii = (text: string) => {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false
  return true
}

/** Valid UTF-8 (ASCII included) → UTF-8, else GB18030. */
export function detectEncoding(bytes: Uint8Array): EncodingInfo {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return { name: 'utf-8', source: 'detected' }
  } catch {
    return { name: 'gb18030', source: 'detected' }
  }
}

/**
 * DBF language-driver ids that name a Chinese code page. 0x4D and 0x7A are both code page 936
 * (GBK) in the dBase/ESRI tables, 0x4F is 950 (Big5). 0x57 ("current ANSI code page") and the
 * Western ids that tools write by default say nothing about Chinese text, so they are no signal.
 */
const LANGUAGE_DRIVERS = new Map<number, string>([
  [0x4d, 'gbk'],
  [0x7a, 'gbk'],
  [0x4f, 'big5'],
])

export interface ShapefileEncodingEvidence {
  explicit?: string
  /** The .cpg text, when the shapefile has one. */
  cpg?: string
  /** Byte 29 of the DBF header. */
  languageDriver: number
  /** The text bytes to detect from when nothing else says (the DBF records). */
  sample: Uint8Array
}

/** The encoding of a shapefile's DBF: explicit → .cpg → language driver → detection. An unknown .cpg is skipped (`cpgIgnored`). */
export function shapefileEncoding(evidence: ShapefileEncodingEvidence): EncodingInfo & { cpgIgnored?: string } {
  if (evidence.explicit !== undefined) return { name: explicitEncoding(evidence.explicit), source: 'explicit' }
  const cpg = evidence.cpg?.trim()
  const fromCpg = cpg ? encodingNamed(cpg) : null
  if (fromCpg !== null) return { name: fromCpg, source: 'cpg' }
  const fromDriver = LANGUAGE_DRIVERS.get(evidence.languageDriver)
  const found: EncodingInfo = fromDriver ? { name: fromDriver, source: 'ldid' } : detectEncoding(evidence.sample)
  return cpg ? { ...found, cpgIgnored: cpg } : found
}
