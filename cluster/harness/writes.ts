import { type Answer, call, type SampleGrid } from './api.js'

// Writes under faults: grid renames carried through the chain, each act's answer kept, so a test
// can say which acts failed, how (503 with Retry-After, never a 500), and which proposals the
// client was told were applied — the expectations of server/testing/consistency.ts.

export type Act = 'draft' | 'edit' | 'submit' | 'approve' | 'file'

export interface WriteRecord {
  act: Act
  proposal: number | null
  /** HTTP status, or 0 when the request got no answer (connection error, timeout). */
  status: number
  code: string | null
  retryAfter: string | null
  start: number
  end: number
  error?: string
}

export class WriteLog {
  readonly records: WriteRecord[] = []
  /** Proposals whose applying act (approve) was answered 200. */
  readonly applied = new Set<number>()
  /** Proposals whose filing was answered 200. */
  readonly filed = new Set<number>()
  readonly proposals = new Set<number>()

  async act(act: Act, proposal: number | null, send: () => Promise<Answer>): Promise<Answer | null> {
    const start = Date.now()
    try {
      const answer = await send()
      this.records.push({
        act,
        proposal: proposal ?? ((answer.body.id as number | undefined) || null),
        status: answer.status,
        code: answer.body.error?.code ?? null,
        retryAfter: answer.headers.get('retry-after'),
        start,
        end: Date.now(),
      })
      return answer
    } catch (error) {
      this.records.push({ act, proposal, status: 0, code: null, retryAfter: null, start, end: Date.now(), error: (error as Error).message })
      return null
    }
  }

  /** Answers that are server errors other than 503 + Retry-After, or no answer at all. */
  improper(): WriteRecord[] {
    return this.records.filter((r) => r.status === 0 || (r.status >= 500 && !(r.status === 503 && r.retryAfter)))
  }

  count(test: (record: WriteRecord) => boolean): number {
    return this.records.filter(test).length
  }
}

/**
 * Renames `grid` through the chain (draft → submit → approve → file), stopping at the first act
 * not answered 200. Resolves with whether the chain went through.
 */
export async function renameChain(
  log: WriteLog,
  baseUrl: string,
  token: string,
  grid: SampleGrid,
  name: string,
  effectiveDate: string,
  timeoutMs = 30_000,
): Promise<boolean> {
  const draft = await log.act('draft', null, () =>
    call(baseUrl, 'POST', '/api/v1/proposals', {
      token,
      timeoutMs,
      body: { region: grid.region_code, changes: [{ op: 'update', grid: grid.code, properties: { name }, reason: 'cluster test' }] },
    }),
  )
  if (draft?.status !== 200) return false
  const id = draft.body.id as number
  log.proposals.add(id)
  const acts: [Act, string, object][] = [
    ['submit', 'submit', {}],
    ['approve', 'approve', { document_no: `集群〔2026〕${id}号`, effective_date: effectiveDate }],
    ['file', 'file', {}],
  ]
  for (const [act, path, body] of acts) {
    const answer = await log.act(act, id, () => call(baseUrl, 'POST', `/api/v1/proposals/${id}/${path}`, { token, body, timeoutMs }))
    if (answer?.status !== 200) return false
    if (act === 'approve') log.applied.add(id)
    if (act === 'file') log.filed.add(id)
  }
  return true
}

/**
 * Renames the grids one after another until stopped; a failed chain moves on to the next grid.
 * Without `repeat` each grid is renamed once (the list ends the loop): a grid renamed with
 * today's date cannot be renamed again today.
 */
export function renameLoop(
  log: WriteLog,
  baseUrl: string,
  token: string,
  grids: SampleGrid[],
  options: { effectiveDate: (k: number) => string; pauseMs?: number; label: string; repeat?: boolean },
) {
  let running = true
  let k = 0
  const done = (async () => {
    while (running && (options.repeat || k < grids.length)) {
      const grid = grids[k % grids.length] as SampleGrid
      await renameChain(log, baseUrl, token, grid, `${grid.name}（${options.label}${k + 1}）`, options.effectiveDate(k))
      k++
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs))
    }
  })()
  return {
    /** Chains started so far. */
    get count() {
      return k
    },
    async stop() {
      running = false
      await done
    },
  }
}

/**
 * Edits drafts until stopped: one draft per grid of the list, each edited (PUT, a new name in its
 * change) `editsPerDraft` times, then the next — what the editor's saves look like to the API.
 */
export function editLoop(
  log: WriteLog,
  baseUrl: string,
  token: string,
  grids: SampleGrid[],
  options: { pauseMs: number; editsPerDraft?: number },
) {
  let running = true
  let edits = 0
  const sleep = () => new Promise((resolve) => setTimeout(resolve, options.pauseMs))
  const changeOf = (grid: SampleGrid, n: number) => [
    { op: 'update', grid: grid.code, properties: { name: `${grid.name}（草稿${n}）` }, reason: 'cluster load' },
  ]
  const done = (async () => {
    for (let g = 0; running; g++) {
      const grid = grids[g % grids.length] as SampleGrid
      const draft = await log.act('draft', null, () =>
        call(baseUrl, 'POST', '/api/v1/proposals', { token, body: { region: grid.region_code, changes: changeOf(grid, 0) } }),
      )
      await sleep()
      if (draft?.status !== 200) continue
      const id = draft.body.id as number
      log.proposals.add(id)
      let version = draft.body.version as number
      for (let n = 1; running && n <= (options.editsPerDraft ?? 10); n++) {
        const edit = await log.act('edit', id, () =>
          call(baseUrl, 'PUT', `/api/v1/proposals/${id}`, { token, body: { version, changes: changeOf(grid, n) } }),
        )
        edits++
        if (edit?.status === 200) version = edit.body.version as number
        await sleep()
      }
    }
  })()
  return {
    get edits() {
      return edits
    },
    async stop() {
      running = false
      await done
    },
  }
}
