import { ApiError, api, regionPrefix } from '../api/client'
import { householdFit } from '../../../server/profiles/household-range'
import type {
  Change,
  DiffCollection,
  ExceptionRequest,
  GridFeature,
  GridProps,
  Me,
  Proposal,
  RegionProps,
  ValidationReport,
} from '../api/types'
import { errorMessage } from '../ui/errors'
import { editedText } from './submitDialog'

// The township's draft proposal as the editor works on it. Every edit is saved on the server at
// once (PUT with the version edited, so nothing is lost on reload and a stale tab gets a 409),
// and the server answers with the validation of the township after the change; the township as
// it would be is rebuilt from the draft's diff.

export type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; at: Date } | { kind: 'failed'; message: string }

/** States in which the author may still edit a proposal. */
const EDITABLE_STATES = new Set(['draft', 'returned'])

export class DraftSession {
  proposal: Proposal | null = null
  diff: DiffCollection | null = null
  /** Validation of today's township, shown until the first edit makes a draft. */
  private baseline: ValidationReport | null = null
  save: SaveState = { kind: 'idle' }
  /** Change groups undone, most recent last; cleared by a new edit. */
  private redoStack: Change[][] = []
  /** Size of each edit's change group (a shared-vertex drag is several reshapes), for undo. */
  private groups: number[] = []
  /** Server calls run one after another: each needs the version the previous one returned. */
  private queue: Promise<unknown> = Promise.resolve()

  /** The township's grids in force today (the "before"), loaded with the draft: the map may hold only the view's. */
  private before: GridFeature[] = []

  constructor(
    readonly township: RegionProps,
    private readonly me: Me,
    private readonly onChange: () => void,
  ) {}

  get editable(): boolean {
    return !this.proposal || EDITABLE_STATES.has(this.proposal.state)
  }
  get canUndo(): boolean {
    return !!this.proposal?.changes.length && this.editable
  }
  get canRedo(): boolean {
    return this.redoStack.length > 0 && this.editable
  }

  /** Resumes this user's open draft (or returned proposal) of the township, if there is one. */
  async load(): Promise<void> {
    const [{ proposals }, grids] = await Promise.all([api.proposals(), api.grids(this.township.code)])
    this.before = grids.features
    const mine = proposals.find(
      (p) =>
        p.created_by === this.me.username && EDITABLE_STATES.has(p.state) && p.region_code.startsWith(regionPrefix(this.township.code)),
    )
    this.proposal = mine ? await api.proposal(mine.id) : null
    this.baseline = this.proposal ? null : await api.validate(grids, this.township.code)
    await this.refreshDiff()
    this.onChange()
  }

  /** Adds one edit (one or more changes) to the draft, creating the draft on the first edit. */
  apply(changes: Change[]): Promise<void> {
    return this.run(async () => {
      await this.saveChanges([...(this.proposal?.changes ?? []), ...changes])
      this.groups.push(changes.length)
      this.redoStack = []
    })
  }

  undo(): Promise<void> {
    return this.run(async () => {
      const all = this.proposal?.changes ?? []
      if (!all.length) return
      const size = Math.min(this.groups.pop() ?? 1, all.length)
      const undone = all.slice(all.length - size)
      await this.saveChanges(all.slice(0, all.length - size))
      this.redoStack.push(undone)
    })
  }

  redo(): Promise<void> {
    return this.run(async () => {
      const group = this.redoStack.pop()
      if (!group) return
      await this.saveChanges([...(this.proposal?.changes ?? []), ...group])
      this.groups.push(group.length)
    })
  }

  /** Replaces the exception requests (errors the draft keeps, each with a reason). */
  setExceptions(exceptions: ExceptionRequest[]): Promise<void> {
    return this.run(() => this.put({ exceptions }))
  }

  /** Submits the draft, saving the title and reason first when they were edited (one queued step). */
  submit(text?: { title: string; reason: string }): Promise<void> {
    return this.run(async () => {
      if (!this.proposal) return
      const { id } = this.proposal
      const edited = text && editedText(this.proposal, text.title, text.reason)
      if (edited) await this.put(edited)
      this.proposal = await api.act(id, 'submit')
      this.redoStack = []
      this.groups = []
    })
  }

  /** The draft was made on grids that have changed since: re-computes it on today's grids. */
  rebase(): Promise<void> {
    return this.run(async () => {
      if (!this.proposal) return
      this.proposal = await api.rebaseProposal(this.proposal.id)
    })
  }

  /** The township's validation as the draft leaves it (today's, before the first edit). */
  get report(): ValidationReport | null {
    return this.proposal?.validation ?? this.baseline
  }

  /** The township as the draft would leave it: today's grids with the diff applied. */
  afterGrids(): GridFeature[] {
    const current = this.before
    if (!this.diff?.features.length) return current
    const sample = current[0]?.properties
    const gone = new Set(
      this.diff.features
        .filter((f) => f.properties.change === 'removed' || f.properties.change === 'changed_before')
        .map((f) => f.properties.code),
    )
    const after: GridFeature[] = current.filter((g) => !gone.has(g.properties.code))
    for (const f of this.diff.features) {
      if ((f.properties.change !== 'added' && f.properties.change !== 'changed_after') || !f.geometry) continue
      const p = f.properties as DiffCollection['features'][number]['properties'] & Partial<GridProps> & { id?: string }
      const id = p.code ?? p.id ?? 'new'
      const before = current.find((g) => g.properties.code === p.code)?.properties
      const households = p.households ?? null
      const min = before?.households_min ?? sample?.households_min ?? null
      const max = before?.households_max ?? sample?.households_max ?? null
      after.push({
        type: 'Feature',
        geometry: f.geometry,
        properties: {
          ...(before ?? (sample as GridProps)),
          code: id,
          name: p.name ?? id,
          kind: p.kind ?? before?.kind ?? 'comprehensive',
          region_code: p.region_code ?? before?.region_code ?? this.township.code,
          households,
          count_date: p.count_date ?? before?.count_date ?? null,
          attributes: p.attributes ?? before?.attributes ?? {},
          version: p.version ?? 0,
          fit: min === null || max === null ? 'unknown' : householdFit(households, { min, max }),
          households_min: min,
          households_max: max,
          draft: p.change,
        } as GridProps,
      })
    }
    return after
  }

  private async saveChanges(changes: Change[]): Promise<void> {
    if (this.proposal) {
      await this.put({ changes })
      return
    }
    // No title or reason yet: the server words a default in each reader's language until the
    // author types one in the submit dialog.
    this.proposal = await api.createProposal({ region: this.township.code, changes })
  }

  private async put(body: { changes?: Change[]; exceptions?: ExceptionRequest[]; title?: string; reason?: string }): Promise<void> {
    if (!this.proposal) return
    this.proposal = await api.updateProposal(this.proposal.id, { version: this.proposal.version, ...body })
  }

  private async refreshDiff(): Promise<void> {
    this.diff = this.proposal ? await api.proposalDiff(this.proposal.id) : null
  }

  /** Runs a server step after the previous one; keeps the save state and the diff current. */
  private run(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(async () => {
      this.save = { kind: 'saving' }
      this.onChange()
      try {
        await step()
        await this.refreshDiff()
        this.save = { kind: 'saved', at: new Date() }
      } catch (err) {
        // A 409 means another tab or colleague saved first: reload what the server has.
        if (err instanceof ApiError && err.status === 409 && err.code.includes('version')) await this.load().catch(() => undefined)
        this.save = { kind: 'failed', message: errorMessage(err) }
        throw err
      } finally {
        this.onChange()
      }
    })
    this.queue = next.catch(() => undefined)
    return next
  }
}
