import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from './logger.js'

const WEB_ROOT = fileURLToPath(new URL('../web', import.meta.url))

/** What goes into the bundle, relative to web/ (folders are walked; tests are left out). */
const WEB_SOURCES = ['index.html', 'vite.config.ts', 'src', 'public']

export type WebBundleState = { build: false } | { build: true; reason: 'missing' } | { build: true; reason: 'stale'; source: string }

/** The most recently modified web source file (path relative to the web root), or null when there are none. */
export function newestWebSource(webRoot: string = WEB_ROOT): { file: string; mtimeMs: number } | null {
  let newest: { file: string; mtimeMs: number } | null = null
  for (const entry of WEB_SOURCES) {
    const full = path.join(webRoot, entry)
    if (!existsSync(full)) continue
    const files = statSync(full).isDirectory()
      ? readdirSync(full, { recursive: true, encoding: 'utf8' }).map((f) => path.join(entry, f))
      : [entry]
    for (const file of files) {
      if (file.endsWith('.test.ts')) continue
      const stat = statSync(path.join(webRoot, file))
      if (stat.isFile() && (newest === null || stat.mtimeMs > newest.mtimeMs)) newest = { file, mtimeMs: stat.mtimeMs }
    }
  }
  return newest
}

/**
 * Whether the bundle in `webDir` must be (re)built: it is missing, or a source under the web root
 * changed after it was built (its index.html carries the time the build started). Without sources
 * (a deployment that ships only the bundle) an existing bundle is served as it is.
 */
export function webBundleState(webDir: string, webRoot: string = WEB_ROOT): WebBundleState {
  const index = path.join(webDir, 'index.html')
  if (!existsSync(index)) return { build: true, reason: 'missing' }
  const newest = newestWebSource(webRoot)
  if (newest && newest.mtimeMs > statSync(index).mtimeMs) return { build: true, reason: 'stale', source: newest.file }
  return { build: false }
}

/** Builds the web bundle with Vite when it is missing or older than its sources, so `npm start` serves the page of the code it runs. */
export async function ensureWebBundle(webDir: string, log: Logger, webRoot: string = WEB_ROOT): Promise<WebBundleState> {
  const state = webBundleState(webDir, webRoot)
  if (!state.build) return state
  if (state.reason === 'missing') log.info('web bundle missing: building it with Vite (~10 s)…')
  else log.info({ source: `web/${state.source}` }, 'web sources changed since the bundle was built: rebuilding it with Vite (~10 s)…')
  const started = new Date()
  const { build } = await import('vite')
  await build({ configFile: path.join(webRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir: webDir } })
  // Stamp the bundle with the build's start, so a source saved while Vite ran still counts as newer.
  utimesSync(path.join(webDir, 'index.html'), started, started)
  log.info({ webDir }, 'web bundle built')
  return state
}
