import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from './logger.js'

const WEB_ROOT = fileURLToPath(new URL('../web', import.meta.url))

/** Builds the web bundle with Vite when it is missing, so `npm start` works on a fresh clone. */
export async function ensureWebBundle(webDir: string, log: Logger): Promise<void> {
  if (existsSync(path.join(webDir, 'index.html'))) return
  log.info('web bundle missing: building it with Vite (once, ~10 s)…')
  const { build } = await import('vite')
  await build({ configFile: path.join(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: webDir } })
  log.info({ webDir }, 'web bundle built')
}
