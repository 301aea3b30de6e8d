import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Entry } from '../../scripts/bench/report.js'

// The cluster's figures in the bench entry format (scripts/bench/report.ts: name, value, unit,
// extra fields): each test file writes its own part, the global teardown joins them into
// test-results/cluster/bench.json and prints them.

export const RESULTS_DIR = path.resolve('test-results/cluster')
const PARTS_DIR = path.join(RESULTS_DIR, 'parts')

export function clearFigures(): void {
  rmSync(PARTS_DIR, { recursive: true, force: true })
}

/** Adds entries to this test file's part (`part` names it, e.g. "kill-node"). */
export function recordFigures(part: string, entries: Entry[]): void {
  mkdirSync(PARTS_DIR, { recursive: true })
  const file = path.join(PARTS_DIR, `${part}.json`)
  let before: Entry[] = []
  try {
    before = JSON.parse(readFileSync(file, 'utf8')) as Entry[]
  } catch {
    // first entries of this part
  }
  writeFileSync(file, `${JSON.stringify([...before, ...entries], null, 2)}\n`)
}

/** Joins the parts into bench.json and returns the entries. */
export function writeBenchJson(): Entry[] {
  let parts: string[] = []
  try {
    parts = readdirSync(PARTS_DIR).filter((file) => file.endsWith('.json'))
  } catch {
    return []
  }
  const entries = parts.sort().flatMap((file) => JSON.parse(readFileSync(path.join(PARTS_DIR, file), 'utf8')) as Entry[])
  writeFileSync(path.join(RESULTS_DIR, 'bench.json'), `${JSON.stringify(entries, null, 2)}\n`)
  return entries
}
