import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The documentation a newcomer reads first must point at things that exist: the README's map of
// the code names every source folder and only folders that exist, and the links between the
// README and docs/ resolve. Paths in backticks are checked where they are written in full.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8')
const isFolder = (relative: string) => existsSync(path.join(ROOT, relative)) && statSync(path.join(ROOT, relative)).isDirectory()

/** The folders the README's code map lists (lines of its fenced block that start with a path ending in '/'). */
function mappedFolders(): string[] {
  const readme = read('README.md')
  const section = readme.slice(readme.indexOf('## Map of the code'))
  const block = section.slice(section.indexOf('```') + 3, section.indexOf('```', section.indexOf('```') + 3))
  return block
    .split('\n')
    .map((line) => line.split(/\s+/)[0] ?? '')
    .filter((entry) => entry.endsWith('/'))
    .map((entry) => entry.replace(/\/$/, ''))
}

/** Source folders that hold code: every folder under server/ and web/src/ that has a .ts file. */
function sourceFolders(): string[] {
  const folders: string[] = []
  for (const base of ['server', 'web/src']) {
    for (const entry of readdirSync(path.join(ROOT, base), { recursive: true }) as string[]) {
      const relative = path.join(base, entry)
      if (!isFolder(relative)) continue
      if (readdirSync(path.join(ROOT, relative)).some((file) => file.endsWith('.ts'))) folders.push(relative)
    }
  }
  return folders
}

const documents = ['README.md', 'web/README.md', 'bench/README.md', ...readdirSync(path.join(ROOT, 'docs')).map((file) => `docs/${file}`)]

describe('documentation', () => {
  it("README's map of the code lists every source folder, and only folders that exist", () => {
    const mapped = mappedFolders()
    expect(mapped.filter((folder) => !isFolder(folder))).toEqual([])
    // A folder is covered when it, or a parent that the map lists with its subfolders named in
    // the line (profiles/regions), is in the map.
    const uncovered = sourceFolders().filter(
      (folder) =>
        !mapped.includes(folder) &&
        !mapped.some((parent) => folder.startsWith(`${parent}/`) && read('README.md').includes(path.relative(parent, folder))),
    )
    expect(uncovered).toEqual([])
  })

  it('links between the README and docs/ resolve', () => {
    const broken: string[] = []
    for (const document of documents) {
      for (const match of read(document).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = match[1] as string
        if (/^[a-z]+:/.test(target)) continue
        if (!existsSync(path.join(ROOT, path.dirname(document), target))) broken.push(`${document} → ${target}`)
      }
    }
    expect(broken).toEqual([])
  })

  it('source paths written in full in backticks exist', () => {
    const missing: string[] = []
    for (const document of documents) {
      for (const match of read(document).matchAll(
        /`((?:server|web|scripts|migrations|fixtures|docs)\/[\w./-]+\.(?:ts|json|md|sql|csv|geojson))`/g,
      )) {
        const target = match[1] as string
        if (!existsSync(path.join(ROOT, target))) missing.push(`${document}: ${target}`)
      }
    }
    expect(missing).toEqual([])
  })
})
