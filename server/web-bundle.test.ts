import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { ensureWebBundle, webBundleState } from './web-bundle.js'

// The bundle is rebuilt when it is missing or older than any web source, so `npm start` after a
// pull serves the new page. A tiny web root of its own keeps the real Vite build to a second.

const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function webRoot(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gridwork-web-root-'))
  folders.push(root)
  mkdirSync(path.join(root, 'src', 'editor'), { recursive: true })
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title><script type="module" src="./src/main.ts"></script>')
  writeFileSync(
    path.join(root, 'vite.config.ts'),
    "import { fileURLToPath } from 'node:url'\nexport default { root: fileURLToPath(new URL('.', import.meta.url)), base: './', logLevel: 'silent' }\n",
  )
  writeFileSync(path.join(root, 'src', 'main.ts'), "import { label } from './editor/label'\ndocument.title = label\n")
  writeFileSync(path.join(root, 'src', 'editor', 'label.ts'), "export const label = 'first'\n")
  writeFileSync(path.join(root, 'src', 'editor', 'label.test.ts'), '// not bundled\n')
  return root
}

/** Sets a file's modification time `seconds` from now. */
const age = (file: string, seconds: number) => {
  const at = new Date(Date.now() + seconds * 1000)
  utimesSync(file, at, at)
}

/** A logger whose lines are kept, to check what the start says about the bundle. */
function recordingLogger() {
  const lines: { msg: string; source?: string }[] = []
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) })
  return { log, messages: () => lines.map((l) => (l.source ? `${l.msg} [${l.source}]` : l.msg)) }
}

describe('web bundle freshness', () => {
  it('missing → build; newer than every source → keep; a source saved after it → rebuild, naming the file', () => {
    const root = webRoot()
    const dist = path.join(root, 'dist')
    expect(webBundleState(dist, root)).toEqual({ build: true, reason: 'missing' })
    mkdirSync(dist)
    writeFileSync(path.join(dist, 'index.html'), 'built')
    for (const file of ['index.html', 'vite.config.ts', 'src/main.ts', 'src/editor/label.ts', 'src/editor/label.test.ts'])
      age(path.join(root, file), -60)
    expect(webBundleState(dist, root)).toEqual({ build: false })

    age(path.join(root, 'src/editor/label.ts'), 5)
    expect(webBundleState(dist, root)).toEqual({ build: true, reason: 'stale', source: 'src/editor/label.ts' })
    age(path.join(root, 'src/editor/label.ts'), -60)
    age(path.join(root, 'vite.config.ts'), 5)
    expect(webBundleState(dist, root)).toEqual({ build: true, reason: 'stale', source: 'vite.config.ts' })
    age(path.join(root, 'vite.config.ts'), -60)
    // a file added under public/
    mkdirSync(path.join(root, 'public'))
    writeFileSync(path.join(root, 'public', 'favicon.svg'), '<svg/>')
    age(path.join(root, 'public', 'favicon.svg'), 5)
    expect(webBundleState(dist, root)).toEqual({ build: true, reason: 'stale', source: 'public/favicon.svg' })
    rmSync(path.join(root, 'public'), { recursive: true })
    // tests are not bundled: editing one does not rebuild
    age(path.join(root, 'src/editor/label.test.ts'), 5)
    expect(webBundleState(dist, root)).toEqual({ build: false })
  })

  it('a bundle shipped without its sources is served as it is', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'gridwork-web-only-'))
    folders.push(root)
    writeFileSync(path.join(root, 'index.html'), 'built')
    expect(webBundleState(root, path.join(root, 'no-sources'))).toEqual({ build: false })
  })

  it('really builds with Vite, keeps the fresh bundle, and rebuilds after a source changes', async () => {
    const root = webRoot()
    const dist = path.join(root, 'dist')
    const { log, messages } = recordingLogger()
    const bundled = () =>
      readdirSync(path.join(dist, 'assets'))
        .map((f) => readFileSync(path.join(dist, 'assets', f), 'utf8'))
        .join('')
    expect(await ensureWebBundle(dist, log, root)).toEqual({ build: true, reason: 'missing' })
    expect(bundled()).toContain('first')
    expect(await ensureWebBundle(dist, log, root)).toEqual({ build: false })

    writeFileSync(path.join(root, 'src', 'editor', 'label.ts'), "export const label = 'second'\n")
    age(path.join(root, 'src', 'editor', 'label.ts'), 5)
    expect(await ensureWebBundle(dist, log, root)).toEqual({ build: true, reason: 'stale', source: 'src/editor/label.ts' })
    expect(bundled()).toContain('second')
    expect(bundled()).not.toContain('first')
    expect(messages()).toEqual([
      'web bundle missing: building it with Vite (~10 s)…',
      'web bundle built',
      'web sources changed since the bundle was built: rebuilding it with Vite (~10 s)… [web/src/editor/label.ts]',
      'web bundle built',
    ])
  }, 60_000)
})
