import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The import graph of server/ (not its tests), read from the import statements: no module may
// reach itself through its imports, and a few folder dependencies that would turn the layering
// upside down are refused. Type-only imports count too: they tie the modules together all the same.

const SERVER = path.dirname(fileURLToPath(import.meta.url))

// Folder dependencies that must not exist ('*': any other folder; a folder covers its subfolders):
// - db, geo and i18n are the bottom layer every feature uses, so they use none — except that the
//   table types (db/database.ts) take a column's type from its API schema (SCHEMA_MODULE: grid
//   kinds, proposal states), so there is one source for each, and schemas import only schemas;
//   and db's bulk statements encode geometry with geo's EWKB writer (geo uses nothing: no cycle);
// - auth authenticates for every feature: a feature brings its own access rules (lookup/access);
// - the address registry serves lookups and knows nothing of them;
// - grids are the record that proposals change, so grids never know about proposals;
// - the grid index is the base of the lookup: built from grids alone, used by the rest of lookup.
const FORBIDDEN: readonly (readonly [from: string, to: string])[] = [
  ['db', '*'],
  ['geo', '*'],
  ['i18n', '*'],
  ['auth', 'lookup'],
  ['auth', 'addresses'],
  ['addresses', 'lookup'],
  ['grids', 'proposals'],
  ['lookup/index', 'lookup'],
]

// Modules that declare shapes only (TypeBox schemas and the types derived from them).
const SCHEMA_MODULE = /(\.schemas|\/kinds)\.ts$/

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g

/** Each module (path relative to server/) and the server modules it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  const files = (readdirSync(SERVER, { recursive: true }) as string[]).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'),
  )
  for (const file of files) {
    const source = readFileSync(path.join(SERVER, file), 'utf8')
    const targets = [...source.matchAll(IMPORT)].map((match) => path.join(path.dirname(file), (match[1] as string).replace(/\.js$/, '.ts')))
    graph.set(file, [...new Set(targets.filter((target) => !target.startsWith('..')))])
  }
  return graph
}

/** The strongly connected components of more than one module (Tarjan), or a module importing itself. */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  const order = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const cycles: string[][] = []
  const visit = (module: string): void => {
    order.set(module, order.size)
    low.set(module, order.get(module) as number)
    stack.push(module)
    for (const next of graph.get(module) ?? []) {
      if (!order.has(next)) {
        visit(next)
        low.set(module, Math.min(low.get(module) as number, low.get(next) as number))
      } else if (stack.includes(next)) {
        low.set(module, Math.min(low.get(module) as number, order.get(next) as number))
      }
    }
    if (low.get(module) !== order.get(module)) return
    const component = stack.splice(stack.indexOf(module))
    if (component.length > 1 || graph.get(module)?.includes(module)) cycles.push(component.sort())
  }
  for (const module of graph.keys()) if (!order.has(module)) visit(module)
  return cycles
}

const folderOf = (module: string) => path.dirname(module).split(path.sep).join('/')
const within = (folder: string, rule: string) => folder === rule || folder.startsWith(`${rule}/`)

describe('server import graph', () => {
  const graph = importGraph()

  it('reads the imports of every server module', () => {
    expect(graph.size).toBeGreaterThan(100)
    expect(graph.get(path.join('lookup', 'lookup.routes.ts'))).toContain(path.join('lookup', 'lookup.service.ts'))
  })

  it('finds a cycle when there is one', () => {
    const graphWithCycle = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ])
    expect(cyclesOf(graphWithCycle)).toEqual([['a.ts', 'b.ts', 'c.ts']])
  })

  it('schema modules import only schema modules (and shared http/geo definitions), so anything may use them', () => {
    const found = [...graph].flatMap(([module, targets]) =>
      SCHEMA_MODULE.test(module)
        ? targets.filter((target) => !SCHEMA_MODULE.test(target) && !/^(http|geo)\//.test(target)).map((target) => `${module} → ${target}`)
        : [],
    )
    expect(found).toEqual([])
  })

  it('has no cycle between modules', () => {
    expect(cyclesOf(graph)).toEqual([])
  })

  it('has none of the forbidden folder dependencies', () => {
    const found: string[] = []
    for (const [module, targets] of graph) {
      for (const target of targets) {
        const from = folderOf(module)
        const to = folderOf(target)
        if (from === to) continue
        if (SCHEMA_MODULE.test(target) && (SCHEMA_MODULE.test(module) || module === 'db/database.ts')) continue
        if (from === 'db' && to === 'geo') continue
        for (const [ruleFrom, ruleTo] of FORBIDDEN) {
          if (within(from, ruleFrom) && (ruleTo === '*' ? !within(to, ruleFrom) : within(to, ruleTo))) found.push(`${module} → ${target}`)
        }
      }
    }
    expect(found).toEqual([])
  })
})
