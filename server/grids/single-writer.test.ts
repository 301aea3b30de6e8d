import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

// Each table below is written only by its repository: grid versions only by grids.repository.ts
// (inside writeGrids, so every write is announced to the lookup index), proposals and their
// timelines only by proposals.repository.ts. Tests may write their own fixtures; migrations are
// not application code. This reads every other source file under server/ and scripts/ and fails
// naming the file that writes one of these tables.

const WRITERS: Record<string, string> = {
  grids: 'server/grids/grids.repository.ts',
  proposals: 'server/proposals/proposals.repository.ts',
  proposal_events: 'server/proposals/proposals.repository.ts',
  buildings: 'server/buildings/buildings.repository.ts',
  reference_layers: 'server/reference/reference.repository.ts',
  reference_features: 'server/reference/reference.repository.ts',
}

/** SQL and Kysely ways to write `table`. */
function writesTo(table: string): RegExp[] {
  return [
    new RegExp(`\\bINSERT\\s+INTO\\s+${table}\\b`, 'i'),
    new RegExp(`\\bUPDATE\\s+${table}\\b`, 'i'),
    new RegExp(`\\bDELETE\\s+FROM\\s+${table}\\b`, 'i'),
    new RegExp(`\\bTRUNCATE\\s+(TABLE\\s+)?${table}\\b`, 'i'),
    new RegExp(`\\b(insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\\(\\s*['"\`]${table}\\b`),
  ]
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(file)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [file] : []
  })
}

/** "file: table" for every write outside the table's repository. */
function strayWrites(files: string[]): string[] {
  return files.flatMap((file) => {
    const text = readFileSync(file, 'utf8')
    return Object.entries(WRITERS)
      .filter(([table, writer]) => file !== writer && writesTo(table).some((pattern) => pattern.test(text)))
      .map(([table]) => `${file}: ${table}`)
  })
}

describe('one writer per table', () => {
  it('no source file outside the repository writes grids, proposals, proposal_events or reference layers', () => {
    expect(strayWrites([...sourceFiles('server'), ...sourceFiles('scripts')])).toEqual([])
  })

  it('the check finds the writes where they are (the repositories themselves)', () => {
    const inRepositories = Object.entries(WRITERS).filter(([table, writer]) =>
      writesTo(table).some((pattern) => pattern.test(readFileSync(writer, 'utf8'))),
    )
    expect(inRepositories.map(([table]) => table)).toEqual(Object.keys(WRITERS))
  })
})
