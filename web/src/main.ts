import type { MultiPolygon, Polygon } from 'geojson'
import { ApiError, api, getToken, regionPrefix, setApiLanguage, setToken } from './api/client'
import type { BBox, Fit, GridCollection, GridFeature, Me, Region, RegionCollection, RegionProps, ValidationIssue } from './api/types'
import { i18next, initI18n, type Language, offeredLanguages, setLanguage, t } from './i18n'
import { createEditorPanel } from './editor/editorPanel'
import { createValidationPanel } from './editor/validation'
import { collectionBBox, geometryBBox } from './map/geometry'
import { GridMap, issueKey } from './map/gridMap'
import { createLookupPanel } from './lookup/lookupPanel'
import { createProposalsPanel } from './proposals/panel'
import { h, text, translateTree } from './ui/dom'
import { type HistoryState, renderGridHistory } from './ui/gridHistory'
import { renderGridInfo } from './ui/gridInfo'
import { createLegend } from './ui/legend'
import { createLoginForm } from './ui/login'
import { createRegionTree } from './ui/regionTree'
import './styles.css'

/** What the page shows for the signed-in user. */
interface Workspace {
  me: Me
  region: Region
  regions: RegionCollection
  regionsByCode: Map<string, RegionProps>
  grids: GridCollection
  gridsByCode: Map<string, GridFeature>
  /** Too many grids to load at once: the map holds only those in view (see VIEWPORT_THRESHOLD). */
  viewport: boolean
}

/**
 * Above this many grids in the home region the map loads only the grids in view, and only from
 * VIEWPORT_MIN_ZOOM in; a county of a few hundred grids loads whole. (localStorage can lower it,
 * which the browser test does to exercise viewport loading on the demo county.)
 */
const VIEWPORT_THRESHOLD = Number(localStorage.getItem('gridwork.viewportThreshold') ?? 1500)
const VIEWPORT_MIN_ZOOM = 12
/** The township the editor is drawing as its draft would leave it (replaces those grids on the map). */
let draftView: { prefix: string; grids: GridFeature[] } | null = null

let workspace: Workspace | null = null
let selected: string | null = null
/** History of the selected grid, once asked for ("历史版本"). */
let history: HistoryState | null = null
/** The day the grids layer shows (YYYY-MM-DD), null for today; a failed change keeps the last one. */
let asOf: string | null = null
let asOfErrorMessage: string | null = null
/** Bumped on every grids reload so a slow answer for an older date is dropped. */
let gridsRequest = 0
/** The status line keeps its key, not its text, so a language switch retranslates it. */
let status: { key: string; params?: Record<string, unknown>; error?: boolean } | null = null

await initI18n()
setApiLanguage(i18next.language)

// ---- page skeleton -------------------------------------------------------------------------

const langSelect = h('select', { 'data-testid': 'language-select', 'data-i18n-aria': 'language.label' })
/** Fills the language selector; Tibetan appears when the user's region profile asks for it. */
function renderLanguageOptions(): void {
  const offered = offeredLanguages(workspace?.me.notice_languages ?? null)
  if ([...langSelect.options].map((o) => o.value).join() === offered.join()) return
  langSelect.replaceChildren(...offered.map((lng) => h('option', { value: lng }, t(`language.${lng}`))))
  langSelect.value = i18next.language
}
renderLanguageOptions()

const userLabel = h('span', { class: 'user', 'data-testid': 'user' })
const breadcrumb = h('nav', { class: 'breadcrumb', 'data-testid': 'region' })
const gridCount = h('span', { class: 'grid-count', 'data-testid': 'grid-count', hidden: true })
// As-of date: "查看日期" reloads the grids in force on that day; a badge says so, with a way back.
const asOfInput = h('input', { type: 'date', class: 'as-of-input', 'data-testid': 'as-of-date', 'data-i18n-aria': 'asOf.label' })
// The slider runs over days, from a year before the oldest version on the map to today; moving it
// sets the date input and reloads the layer once it rests.
const asOfSlider = h('input', { type: 'range', class: 'as-of-slider', min: '0', max: '365', step: '1', 'data-testid': 'as-of-slider', 'data-i18n-aria': 'asOf.slider' })
const asOfControl = h('label', { class: 'as-of', hidden: true }, text('span', 'asOf.label'), asOfSlider, asOfInput)
const asOfBadgeText = h('span', {})
const asOfTodayButton = text('button', 'asOf.today', { type: 'button', class: 'link-button', 'data-testid': 'as-of-today' })
const asOfBadge = h('span', { class: 'as-of-badge', 'data-testid': 'as-of-badge', hidden: true }, asOfBadgeText, asOfTodayButton)
const asOfError = h('span', { class: 'as-of-error', 'data-testid': 'as-of-error', role: 'alert', hidden: true })
const logoutButton = text('button', 'header.logout', { type: 'button', class: 'link-button', 'data-testid': 'logout', hidden: true })

const header = h(
  'header',
  { class: 'app-header' },
  h('div', { class: 'brand' }, text('span', 'app.title', { class: 'title' }), h('span', { class: 'product' }, 'gridwork')),
  breadcrumb,
  h('div', { class: 'spacer' }),
  h('div', { class: 'as-of-group' }, asOfControl, asOfError),
  gridCount,
  userLabel,
  logoutButton,
  langSelect,
)

const mapEl = h('div', { class: 'map', 'data-testid': 'map' })
const legend = createLegend()
const infoPanel = h('aside', { class: 'grid-info', 'data-testid': 'grid-info', hidden: true })
const statusLine = h('div', { class: 'status', 'data-testid': 'status', role: 'status', 'aria-live': 'polite' })
const login = createLoginForm(signIn)

// Left side panel: region tree, validation, proposals (one at a time, as tabs).
const TABS = ['regions', 'validation', 'editor', 'proposals', 'lookup'] as const
type Tab = (typeof TABS)[number]
let activeTab: Tab = 'regions'
const regionTree = createRegionTree(pickRegion)
const validationPanel = createValidationPanel({
  drawIssues: (issues) => gridMap.setIssues(issues),
  focusIssue: (issue, index) => focusIssue(issue, issueKey(index)),
})
const proposalsPanel = createProposalsPanel({
  me: () => workspace?.me ?? null,
  regionsByCode: () => workspace?.regionsByCode ?? new Map(),
  showDiff: async (diff) => {
    await gridMap.setDiff(diff)
    if (diff) gridMap.fitTo(geometryBBox(diff), 15)
  },
  focusIssue: (issue) => focusIssue(issue, null),
  pickPoint: () => gridMap.pickPoint(),
  showComments: (pins) => void gridMap.setComments(pins),
  flyTo: (point) => gridMap.map.flyTo({ center: point as [number, number], zoom: Math.max(gridMap.map.getZoom(), 16) }),
})
const editorPanel = createEditorPanel({
  gridMap: () => gridMap,
  me: () => workspace?.me ?? null,
  boundaries: (township) =>
    (workspace?.regions.features ?? [])
      .filter((f) => f.properties.code.startsWith(regionPrefix(township)) && f.geometry !== null)
      .map((f) => f.geometry as Polygon | MultiPolygon),
  showAfter: async (township, after) => {
    draftView = after ? { prefix: regionPrefix(township), grids: after } : null
    await drawGrids()
  },
  drawIssues: (issues) => gridMap.setIssues(issues),
  focusIssue: (issue, index) => focusIssue(issue, issueKey(index)),
  submitted: () => void proposalsPanel.refresh(),
})
const lookupPanel = createLookupPanel({
  pickPoint: () => gridMap.pickPoint(),
  showPoint: (point) => {
    void gridMap.setLookupPoint(point)
    if (point) gridMap.map.flyTo({ center: point as [number, number], zoom: Math.max(gridMap.map.getZoom(), 15) })
  },
  selectGrid: (code) => select(code),
})
const tabPanels: Record<Tab, HTMLElement> = {
  regions: h('section', { class: 'panel' }, text('h3', 'tree.title'), regionTree.element),
  validation: validationPanel.element,
  editor: editorPanel.element,
  proposals: proposalsPanel.element,
  lookup: lookupPanel.element,
}
const tabButtons = TABS.map((tab) => {
  const b = text('button', `tabs.${tab}`, { type: 'button', role: 'tab', class: 'tab', 'data-testid': `tab-${tab}` })
  b.addEventListener('click', () => showTab(tab))
  return b
})
const sidebar = h(
  'aside',
  { class: 'sidebar', 'data-testid': 'sidebar', hidden: true },
  h('div', { class: 'tabs', role: 'tablist' }, ...tabButtons),
  h('div', { class: 'tab-body' }, ...TABS.map((tab) => tabPanels[tab])),
)

function showTab(tab: Tab): void {
  if (activeTab === 'editor' && tab !== 'editor') editorPanel.setActive(false)
  activeTab = tab
  if (tab === 'editor' && workspace) {
    select(null) // clicks now pick grids for the editor; the info panel would hide them
    editorPanel.setActive(true)
  }
  TABS.forEach((name, i) => {
    tabPanels[name].hidden = name !== tab
    tabButtons[i]?.setAttribute('aria-selected', String(name === tab))
  })
  if (tab === 'proposals' && workspace) void proposalsPanel.refresh()
}
showTab(activeTab)

const app = document.querySelector<HTMLElement>('#app') ?? document.body
app.append(
  header,
  h('main', { class: 'workspace' }, sidebar, h('div', { class: 'map-area' }, mapEl, asOfBadge, legend.element, infoPanel)),
  statusLine,
  login.element,
)
legend.element.hidden = true

const gridMap = new GridMap({
  container: mapEl,
  // While editing, a click picks grids for the editor's tools instead of opening the info panel.
  onSelect: (code) => (activeTab === 'editor' ? editorPanel.clickGrid(code) : select(code)),
})

document.addEventListener('keydown', (event) => {
  if (activeTab === 'editor' && editorPanel.key(event)) event.preventDefault()
})

/** The township an action applies to: the picked township, a community's township, or the home township. */
function townshipOf(code: string | null): RegionProps | null {
  const ws = workspace
  if (!ws || !code) return null
  const r = code === ws.region.code ? { ...ws.region } : ws.regionsByCode.get(code)
  if (!r) return null
  if (r.level === 4) return { code: r.code, name: r.name, level: r.level, parent_code: r.parent_code, urban_rural: r.urban_rural }
  if (r.level === 5 && r.parent_code) return townshipOf(r.parent_code)
  return null
}

function pickRegion(region: RegionProps): void {
  const ws = workspace
  if (!ws) return
  regionTree.mark(region.code)
  const feature = ws.regions.features.find((f) => f.properties.code === region.code)
  const bbox = region.code === ws.region.code ? ws.region.bbox : (geometryBBox(feature?.geometry) as BBox | null)
  gridMap.fitTo(bbox, 15)
  const township = townshipOf(region.code)
  if (township) {
    validationPanel.setTownship(township)
    editorPanel.setTownship(township)
  } else if (region.level === 3) validationPanel.setTownship(region) // 校验全县: the whole county at once
}

/** What the validation tab checks first: the home township, or the home county as a whole. */
function validationTargetOf(region: Region): RegionProps | null {
  return townshipOf(region.code) ?? (region.level === 3 ? region : null)
}

/** Zooms to an issue: its geometry, else the grids it names. */
function focusIssue(issue: ValidationIssue, key: string | null): void {
  gridMap.focusIssue(key)
  let bbox = geometryBBox(issue.geometry)
  if (!bbox && workspace) {
    const grids = issue.feature_ids.map((id) => workspace?.gridsByCode.get(id)).filter((g): g is GridFeature => !!g)
    bbox = collectionBBox({ type: 'FeatureCollection', features: grids })
    if (grids.length === 1) select(grids[0]?.properties.code ?? null)
  }
  gridMap.fitTo(bbox, 16)
}

// Debug hook for tests and for poking at the page from the console.
declare global {
  interface Window {
    __gridwork?: { map: GridMap['map']; gridCount: () => number; selected: () => string | null }
  }
}
window.__gridwork = { map: gridMap.map, gridCount: () => workspace?.grids.features.length ?? 0, selected: () => selected }

// ---- rendering -------------------------------------------------------------------------------

function setStatus(key: string | null, params?: Record<string, unknown>, error = false): void {
  status = key ? { key, params, error } : null
  renderStatus()
}

function renderStatus(): void {
  statusLine.textContent = status ? t(status.key, status.params) : ''
  statusLine.classList.toggle('error', !!status?.error)
  statusLine.hidden = !status
}

function renderHeader(): void {
  const ws = workspace
  renderLanguageOptions()
  breadcrumb.replaceChildren()
  if (ws) {
    const names = [...ws.region.ancestors.map((a) => a.name), ws.region.name]
    names.forEach((name, i) => {
      if (i > 0) breadcrumb.append(h('span', { class: 'sep' }, '›'))
      breadcrumb.append(h('span', { class: i === names.length - 1 ? 'current' : '' }, name))
    })
    userLabel.textContent = `${ws.me.display_name} · ${t(`role.${ws.me.role}`, { defaultValue: ws.me.role })}`
    // In viewport mode the header names the region's total and how many are on the map.
    gridCount.textContent = ws.viewport
      ? t('header.gridCountViewport', { count: ws.region.grid_count, shown: ws.grids.features.length })
      : t('header.gridCount', { count: ws.grids.features.length })
    gridCount.dataset.count = String(ws.viewport ? ws.region.grid_count : ws.grids.features.length)
    gridCount.dataset.shown = String(ws.grids.features.length)
  } else {
    userLabel.textContent = ''
  }
  gridCount.hidden = !ws
  asOfControl.hidden = !ws
  asOfBadge.hidden = !ws || !asOf
  asOfBadgeText.textContent = asOf ? t('asOf.badge', { date: asOf }) : ''
  asOfError.hidden = !ws || !asOfErrorMessage
  asOfError.textContent = asOfErrorMessage ?? ''
  asOfInput.setAttribute('aria-invalid', String(!!asOfErrorMessage))
  logoutButton.hidden = !ws
  legend.element.hidden = !ws
  sidebar.hidden = !ws
}

function renderInfo(): void {
  const grid = selected ? workspace?.gridsByCode.get(selected) : undefined
  infoPanel.hidden = !grid
  if (!grid || !workspace) {
    infoPanel.replaceChildren()
    return
  }
  const code = grid.properties.code
  const historySection = renderGridHistory(history?.code === code ? history : null, {
    load: () => void loadHistory(code),
    show: showVersion,
  })
  const scroll = infoPanel.scrollTop
  infoPanel.replaceChildren(
    renderGridInfo(grid, { regionsByCode: workspace.regionsByCode, onClose: () => select(null), history: historySection }),
  )
  infoPanel.scrollTop = scroll
}

function select(code: string | null): void {
  const previous = selected
  selected = code && workspace?.gridsByCode.has(code) ? code : null
  if (selected !== previous) {
    history = null
    void gridMap.setHistory(null)
  }
  gridMap.select(selected)
  renderInfo()
}

async function loadHistory(code: string): Promise<void> {
  history = { code, status: 'loading' }
  renderInfo()
  let next: HistoryState
  try {
    next = { code, status: 'loaded', history: await api.gridHistory(code), shown: null }
  } catch (err) {
    next = { code, status: 'error', message: errorMessage(err) }
  }
  if (history?.code !== code) return // another grid was picked meanwhile
  history = next
  renderInfo()
}

/** Outlines one version of the selected grid's history on the map and zooms to it. */
function showVersion(version: number): void {
  if (history?.status !== 'loaded') return
  const feature = history.history.features.find((f) => f.properties.version === version)
  if (!feature) return
  history = { ...history, shown: version }
  void gridMap.setHistory(feature)
  gridMap.fitTo(geometryBBox(feature.geometry), 16)
  renderInfo()
}

/** Today as YYYY-MM-DD in the browser's time zone. */
function today(): string {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

function errorMessage(err: unknown): string {
  return err instanceof ApiError && err.code === 'network' ? t('errors.network') : (err as Error).message
}

/** Draws the loaded grids, with the township being edited as its draft would leave it. */
async function drawGrids(): Promise<void> {
  const ws = workspace
  if (!ws) return
  const view = draftView
  const features = view ? [...ws.grids.features.filter((g) => !g.properties.region_code.startsWith(view.prefix)), ...view.grids] : ws.grids.features
  await gridMap.showGrids({ type: 'FeatureCollection', features })
}

/** The grids the map should hold: all of the home region, or in viewport mode those in view. */
async function fetchGrids(ws: Workspace, date: string | null): Promise<GridCollection> {
  if (!ws.viewport) return api.grids(ws.region.code, date)
  if (gridMap.map.getZoom() < VIEWPORT_MIN_ZOOM) return { type: 'FeatureCollection', features: [] }
  const b = gridMap.map.getBounds()
  return api.grids(ws.region.code, date, [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()])
}

function setGrids(ws: Workspace, grids: GridCollection): void {
  ws.grids = grids
  ws.gridsByCode = new Map(grids.features.map((f) => [f.properties.code, f]))
  legend.update(countFits(grids))
}

/** Viewport mode: reload the grids in view after the map stops moving. */
let viewportTimer: ReturnType<typeof setTimeout> | undefined
gridMap.map.on('moveend', () => {
  if (!workspace?.viewport) return
  clearTimeout(viewportTimer)
  viewportTimer = setTimeout(() => void refreshViewport(), 200)
})

async function refreshViewport(): Promise<void> {
  const ws = workspace
  if (!ws?.viewport) return
  const seq = ++gridsRequest
  try {
    const grids = await fetchGrids(ws, asOf)
    if (seq !== gridsRequest || workspace !== ws) return
    setGrids(ws, grids)
    await drawGrids()
    renderHeader()
    if (gridMap.map.getZoom() < VIEWPORT_MIN_ZOOM) setStatus('status.zoomIn', { count: ws.region.grid_count, zoom: VIEWPORT_MIN_ZOOM })
    else setStatus('status.viewportLoaded', { count: grids.features.length })
  } catch (err) {
    if (seq === gridsRequest) setStatus('status.failed', { message: errorMessage(err) }, true)
  }
}

/** Reloads the grids layer as of `date` (null: today); an API error is shown next to the date input. */
async function changeAsOf(date: string | null): Promise<void> {
  const ws = workspace
  if (!ws) return
  const seq = ++gridsRequest
  const day = date ?? today()
  asOfErrorMessage = null
  renderHeader()
  setStatus('asOf.loading', { date: day })
  try {
    const grids = await fetchGrids(ws, date)
    if (seq !== gridsRequest || workspace !== ws) return
    asOf = date
    setGrids(ws, grids)
    await drawGrids()
    select(selected) // keeps the selection if that grid exists on the new day
    renderHeader()
    setStatus('asOf.loaded', { date: day, count: grids.features.length })
  } catch (err) {
    if (seq !== gridsRequest || workspace !== ws) return
    asOfErrorMessage = errorMessage(err)
    renderHeader()
    setStatus(null)
  }
}

/** Resets the view to today (sign-in, sign-out). */
function resetAsOf(): void {
  gridsRequest++
  asOf = null
  asOfErrorMessage = null
  asOfInput.value = today()
  syncSlider()
}

const DAY_MS = 86_400_000
/** First day of the slider (epoch ms): a year before the oldest version in force today; fixed at sign-in. */
let sliderFirstDay = Date.parse(`${today()}T00:00:00Z`) - 365 * DAY_MS
const sliderStart = () => sliderFirstDay
/** Sets the slider's range from today's grids (sign-in) and its thumb from the date input. */
function syncSlider(fromGrids?: GridCollection): void {
  if (fromGrids) {
    const oldest = [today(), ...fromGrids.features.map((g) => g.properties.valid_from)].sort()[0] ?? today()
    sliderFirstDay = Date.parse(`${oldest}T00:00:00Z`) - 365 * DAY_MS
  }
  const start = sliderStart()
  const end = Date.parse(`${today()}T00:00:00Z`)
  asOfSlider.max = String(Math.round((end - start) / DAY_MS))
  const shown = Date.parse(`${asOfInput.value || today()}T00:00:00Z`)
  if (Number.isFinite(shown)) asOfSlider.value = String(Math.round((shown - start) / DAY_MS))
}

asOfInput.addEventListener('change', () => {
  const value = asOfInput.value
  syncSlider()
  void changeAsOf(!value || value === today() ? null : value)
})
let sliderTimer: ReturnType<typeof setTimeout> | undefined
asOfSlider.addEventListener('input', () => {
  asOfInput.value = new Date(sliderStart() + Number(asOfSlider.value) * DAY_MS).toISOString().slice(0, 10)
  clearTimeout(sliderTimer)
  sliderTimer = setTimeout(() => asOfInput.dispatchEvent(new Event('change')), 300)
})
asOfTodayButton.addEventListener('click', () => {
  asOfInput.value = today()
  syncSlider()
  void changeAsOf(null)
})

langSelect.addEventListener('change', async () => {
  const lng = langSelect.value as Language
  await setLanguage(lng)
  setApiLanguage(lng)
  translateTree(document)
  for (const opt of langSelect.options) opt.textContent = t(`language.${opt.value}`)
  document.title = t('app.title')
  renderHeader()
  renderInfo()
  renderStatus()
  regionTree.relabel()
  validationPanel.relabel()
  editorPanel.relabel()
  proposalsPanel.relabel()
  lookupPanel.relabel()
})

// ---- data ------------------------------------------------------------------------------------

async function signIn(username: string, password: string): Promise<void> {
  const { token } = await api.login(username, password)
  setToken(token)
  await loadWorkspace()
}

logoutButton.addEventListener('click', () => {
  setToken(null)
  workspace = null
  draftView = null
  resetAsOf()
  select(null)
  void gridMap.show(emptyRegions(), emptyGrids(), null)
  void gridMap.setDiff(null)
  regionTree.show(null, null)
  validationPanel.setTownship(null)
  validationPanel.clear()
  editorPanel.setTownship(null)
  lookupPanel.clear()
  proposalsPanel.clear()
  renderHeader()
  showLogin(null)
})

function showLogin(message: string | null): void {
  login.element.hidden = false
  login.showError(message)
  setStatus(null)
  login.element.querySelector<HTMLInputElement>('input')?.focus()
}

async function loadWorkspace(): Promise<void> {
  try {
    setStatus('status.loadingUser')
    const me = await api.me()
    if (!me.home_region) throw new ApiError(0, 'no_home_region', t('errors.noHomeRegion'))
    login.element.hidden = true

    setStatus('status.loadingRegion')
    const [region, regions] = await Promise.all([api.region(me.home_region), api.descendants(me.home_region)])

    setStatus('status.loadingGrids')
    resetAsOf()
    const viewport = region.grid_count > VIEWPORT_THRESHOLD
    const grids: GridCollection = viewport ? { type: 'FeatureCollection', features: [] } : await api.grids(me.home_region)
    const ws: Workspace = {
      me,
      region,
      regions,
      regionsByCode: new Map(regions.features.map((f) => [f.properties.code, f.properties])),
      grids,
      gridsByCode: new Map(),
      viewport,
    }
    workspace = ws
    draftView = null
    setGrids(ws, grids)
    syncSlider(grids)
    await gridMap.show(regions, grids, region.bbox ?? collectionBBox(grids) ?? collectionBBox(regions))
    regionTree.show(region, regions)
    regionTree.mark(region.code)
    validationPanel.setTownship(validationTargetOf(region))
    editorPanel.setTownship(townshipOf(region.code))
    // Department staff come for lookups: they open on the lookup page.
    if (me.role === 'department') showTab('lookup')
    if (activeTab === 'editor') editorPanel.setActive(true)
    if (activeTab === 'proposals') void proposalsPanel.refresh()
    renderHeader()
    select(null)
    if (viewport) await refreshViewport()
    else
      setStatus(grids.features.length ? 'status.loaded' : 'status.noGrids', {
        region: region.name,
        count: grids.features.length,
      })
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      // Stale or revoked token: back to the form, with the reason.
      setToken(null)
      workspace = null
      renderHeader()
      showLogin(t('errors.sessionExpired'))
      return
    }
    const message = errorMessage(err)
    // Nothing on screen yet: go back to the form (signing in again retries the loading).
    if (!workspace) showLogin(message)
    setStatus('status.failed', { message }, true)
  }
}

function countFits(grids: GridCollection): Record<Fit, number> {
  const counts: Record<Fit, number> = { below: 0, within: 0, above: 0, unknown: 0 }
  for (const f of grids.features) counts[f.properties.fit in counts ? f.properties.fit : 'unknown']++
  return counts
}

const emptyRegions = (): RegionCollection => ({ type: 'FeatureCollection', features: [] })
const emptyGrids = (): GridCollection => ({ type: 'FeatureCollection', features: [] })

/**
 * The server needs ~20 s on its first start (database init and demo seed). Until /health
 * answers, keep the form disabled and say how long we have been waiting.
 */
async function waitForServer(): Promise<void> {
  const started = Date.now()
  for (;;) {
    try {
      await api.health()
      return
    } catch (err) {
      // Any HTTP answer other than 502/503/504 means the server is up (even a 404: no health route).
      if (err instanceof ApiError && err.code !== 'network' && ![502, 503, 504].includes(err.status)) return
    }
    login.setEnabled(false)
    setStatus('status.waitingServer', { seconds: Math.round((Date.now() - started) / 1000) })
    await new Promise((r) => setTimeout(r, 1000))
  }
}

// ---- start -----------------------------------------------------------------------------------

document.title = t('app.title')
renderHeader()
login.element.hidden = !!getToken()
await waitForServer()
login.setEnabled(true)
void api
  .clientConfig()
  .then((config) => (config.tianditu_key ? gridMap.addTianditu(config.tianditu_key) : undefined))
  .catch(() => undefined) // an older server without the route: our own basemap only
if (getToken()) await loadWorkspace()
else showLogin(null)
