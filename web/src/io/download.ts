// Saving a file the API answers with: the server names it in Content-Disposition.

/**
 * The filename of a Content-Disposition header: RFC 5987's `filename*=UTF-8''…` (percent-encoded,
 * how Chinese names travel) wins over the plain `filename="…"`; null when neither is there.
 */
export function filenameFromContentDisposition(header: string | null): string | null {
  if (!header) return null
  const extended = /filename\*\s*=\s*([\w!#$%&+^`{}~-]+)'[\w-]*'([^;]+)/i.exec(header)
  if (extended?.[1] && extended[2]) {
    const value = extended[2].trim().replace(/^"(.*)"$/, '$1')
    try {
      if (/^utf-8$/i.test(extended[1])) return decodeURIComponent(value)
      // ISO-8859-1, the only other charset RFC 5987 requires: bytes are code points.
      return value.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    } catch {
      // a malformed escape: fall back to the plain filename
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header)
  if (!plain) return null
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : (plain[2] ?? null)
}

/** Offers a blob to the browser as a download named `filename`. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.append(link)
  link.click()
  link.remove()
  // Chromium reads the blob after the click returns; revoke once it had time to start.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
