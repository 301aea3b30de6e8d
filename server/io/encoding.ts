import iconv from 'iconv-lite'
import { badRequest } from '../http/errors.js'
import type { EncodingInfo } from './types.js'

// Text encodings of Chinese GIS files. A first version: an explicit choice, else valid UTF-8 →
// UTF-8, else GB18030 (a superset of GBK and GB2312). The .cpg and DBF language-driver rules
// live with the shapefile reader.

/** Decodes `bytes` with the explicit encoding when given, else detects UTF-8 or GB18030. */
export function decodeText(bytes: Uint8Array, explicit?: string): { text: string; encoding: EncodingInfo } {
  if (explicit !== undefined) {
    if (!iconv.encodingExists(explicit)) throw badRequest('io_encoding_unknown', { encoding: explicit })
    return { text: stripBom(iconv.decode(Buffer.from(bytes), explicit)), encoding: { name: explicit.toLowerCase(), source: 'explicit' } }
  }
  try {
    return { text: stripBom(new TextDecoder('utf-8', { fatal: true }).decode(bytes)), encoding: { name: 'utf-8', source: 'detected' } }
  } catch {
    return { text: iconv.decode(Buffer.from(bytes), 'gb18030'), encoding: { name: 'gb18030', source: 'detected' } }
  }
}

const stripBom = (text: string) => text.replace(/^\uFEFF/, '')
