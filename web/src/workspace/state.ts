import type { Fit, GridCollection, GridFeature, Me, Region, RegionCollection, RegionProps } from '../api/types'
import type { Language } from '../i18n'
import type { HistoryState } from '../ui/gridHistory'
import { createStore, type Store } from './store'

/** The signed-in user's home region, as loaded at sign-in. */
export interface Session {
  me: Me
  region: Region
  regions: RegionCollection
  regionsByCode: Map<string, RegionProps>
  /** Too many grids to load at once: the map holds only those in view (see VIEWPORT_THRESHOLD). */
  viewport: boolean
}

export const TABS = ['regions', 'validation', 'editor', 'proposals', 'lookup'] as const
export type TabId = (typeof TABS)[number]

/**
 * The tabs a role may use, the first opened at sign-in: a department reads (the 查询 tab and the
 * map with its region tree) and never edits, validates or handles proposals.
 */
export function tabsFor(role: string | undefined): readonly TabId[] {
  return role === 'department' ? ['lookup', 'regions'] : TABS
}

/** The status line keeps its key, not its text, so a language switch retranslates it. */
export interface Status {
  key: string
  params?: Record<string, unknown>
  error?: boolean
}

/** What the page shows; panels subscribe to the parts they show. */
export interface WorkspaceState {
  session: Session | null
  /** The grids on the map (all of the home region, or those in view in viewport mode). */
  grids: GridCollection
  gridsByCode: Map<string, GridFeature>
  /** The grid whose info panel is open (as loaded: an as-of change selects it again from the new grids). */
  selected: GridFeature | null
  /** History of the selected grid, once asked for ("历史版本"). */
  history: HistoryState | null
  /** The day the grids layer shows (YYYY-MM-DD), null for today; a failed change keeps the last one. */
  asOf: string | null
  asOfError: string | null
  /** The township the editor is drawing as its draft would leave it (replaces those grids on the map). */
  draftView: { prefix: string; grids: GridFeature[] } | null
  /** What the validation tab checks: a township, or the home county as a whole. */
  validationTarget: RegionProps | null
  /** The township the editor edits. */
  editorTownship: RegionProps | null
  /** The community last picked in the region tree (the editor's 自动划分 starts on it). */
  community: RegionProps | null
  status: Status | null
  tab: TabId
  language: Language
}

export type WorkspaceStore = Store<WorkspaceState>

export const emptyGrids = (): GridCollection => ({ type: 'FeatureCollection', features: [] })
export const emptyRegions = (): RegionCollection => ({ type: 'FeatureCollection', features: [] })

/** The store of the page; a sign-out resets all but the open tab and the language. */
export function createWorkspaceStore(language: Language): WorkspaceStore {
  return createStore<WorkspaceState>(
    () => ({
      session: null,
      grids: emptyGrids(),
      gridsByCode: new Map(),
      selected: null,
      history: null,
      asOf: null,
      asOfError: null,
      draftView: null,
      validationTarget: null,
      editorTownship: null,
      community: null,
      status: null,
      tab: 'regions',
      language,
    }),
    { keepOnReset: ['tab', 'language'] },
  )
}

/** The grids and their index by code, as the store keeps them. */
export function gridsState(grids: GridCollection): Pick<WorkspaceState, 'grids' | 'gridsByCode'> {
  return { grids, gridsByCode: new Map(grids.features.map((f) => [f.properties.code, f])) }
}

/** The township an action applies to: the picked township, a community's township, or the home township. */
export function townshipOf(session: Session | null, code: string | null): RegionProps | null {
  if (!session || !code) return null
  const r = code === session.region.code ? { ...session.region } : session.regionsByCode.get(code)
  if (!r) return null
  if (r.level === 4) return { code: r.code, name: r.name, level: r.level, parent_code: r.parent_code, urban_rural: r.urban_rural }
  if (r.level === 5 && r.parent_code) return townshipOf(session, r.parent_code)
  return null
}

/**
 * What picking `region` (in the tree, or the home region at sign-in) makes the validation and editor
 * targets: its township for both; the county as a whole for validation only (校验全县); else no change.
 */
export function targetsOf(session: Session, region: RegionProps): Partial<Pick<WorkspaceState, 'validationTarget' | 'editorTownship'>> {
  const township = townshipOf(session, region.code)
  if (township) return { validationTarget: township, editorTownship: township }
  if (region.level === 3) return { validationTarget: region }
  return {}
}

export function countFits(grids: GridCollection): Record<Fit, number> {
  const counts: Record<Fit, number> = { below: 0, within: 0, above: 0, unknown: 0 }
  for (const f of grids.features) counts[f.properties.fit in counts ? f.properties.fit : 'unknown']++
  return counts
}

/** The grids to draw: the loaded ones, with the township being edited as its draft would leave it. */
export function gridsToDraw(state: Pick<WorkspaceState, 'grids' | 'draftView'>): GridCollection {
  const view = state.draftView
  if (!view) return state.grids
  return {
    type: 'FeatureCollection',
    features: [...state.grids.features.filter((g) => !g.properties.region_code.startsWith(view.prefix)), ...view.grids],
  }
}

/** What the header's grid count says: the live layer, or the township as the editor's draft leaves it. */
export interface GridCountView {
  /** i18n key of the text. */
  key: 'header.gridCount' | 'header.gridCountViewport' | 'header.gridCountDraft' | 'header.gridCountDraftViewport'
  /** The count the text names (in viewport mode the region's total unless a draft is shown). */
  count: number
  /** Grids on the map. */
  shown: number
  view: 'draft' | 'live'
}

export function gridCountView(state: Pick<WorkspaceState, 'session' | 'grids' | 'draftView'>): GridCountView {
  const drawn = gridsToDraw(state).features.length
  const viewport = state.session?.viewport ?? false
  // A draft changes the township's grids, so in viewport mode only the grids on the map can be counted.
  if (state.draftView)
    return { key: viewport ? 'header.gridCountDraftViewport' : 'header.gridCountDraft', count: drawn, shown: drawn, view: 'draft' }
  const total = viewport ? (state.session?.region.grid_count ?? drawn) : drawn
  return { key: viewport ? 'header.gridCountViewport' : 'header.gridCount', count: total, shown: drawn, view: 'live' }
}
