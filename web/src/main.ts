import { api, getToken, setApiLanguage } from './api/client'
import { i18next, initI18n, type Language, setLanguage, t } from './i18n'
import { GridMap } from './map/gridMap'
import { createMeasureTool } from './map/measureTool'
import { ReferenceLayers } from './map/referenceLayers'
import { createTabContext } from './tabs/context'
import { createEditorTab } from './tabs/editor'
import { createLookupTab } from './tabs/lookup'
import { createProposalsTab } from './tabs/proposals'
import { createRegionsTab } from './tabs/regions'
import { createSidebar } from './tabs/sidebar'
import { addSidebarCollapse } from './tabs/sidebarCollapse'
import { createValidationTab } from './tabs/validation'
import { createIoActions } from './io/ioActions'
import { h, translateTree } from './ui/dom'
import { createLegend } from './ui/legend'
import { createLoginForm } from './ui/login'
import { createShortcutHelp } from './ui/shortcutHelp'
import { createAsOfControl } from './workspace/asOf'
import { createGridsLoader } from './workspace/gridsLoader'
import { createHeader } from './workspace/header'
import { createInfoPanel } from './workspace/infoPanel'
import { createSearchBox } from './workspace/search'
import { createSessionFlow } from './workspace/session'
import { countFits, createWorkspaceStore, gridsToDraw } from './workspace/state'
import { createStatusLine } from './workspace/statusLine'
import './styles.css'

// The page: a workspace store, the map, and the panels that show the store, wired together.

await initI18n()
setApiLanguage(i18next.language)
const store = createWorkspaceStore(i18next.language as Language)

// ---- page skeleton -------------------------------------------------------------------------

// Callbacks reach the map, loader and tabs made below: the map needs its container on the page first.
const asOf = createAsOfControl(store, (date) => loader.changeAsOf(date))
const search = createSearchBox(store, { select: (code) => info.select(code), fitTo: (bbox, maxZoom) => gridMap.fitTo(bbox, maxZoom) })
const header = createHeader(store, h('div', { class: 'header-middle' }, search.element, asOf.group))
const mapEl = h('div', { class: 'map', 'data-testid': 'map' })
const legend = createLegend()
legend.element.hidden = true
const statusLine = createStatusLine(store)
const login = createLoginForm((username, password) => session.signIn(username, password))
const sidebarSlot = h('div', {})
const mapArea = h('div', { class: 'map-area' }, mapEl, asOf.badge, legend.element)

const app = document.querySelector<HTMLElement>('#app') ?? document.body
app.append(header.element, h('main', { class: 'workspace' }, sidebarSlot, mapArea), statusLine.element, login.element)

const gridMap = new GridMap({
  container: mapEl,
  // While editing, a click picks grids for the editor's tools instead of opening the info panel.
  onSelect: (code) => (store.get().tab === 'editor' ? editorTab.clickGrid(code) : info.select(code)),
})
const info = createInfoPanel(store, gridMap)
// Roads, water and other reference layers of the signed-in region, under the grids; the editor snaps to them.
const referenceLayers = new ReferenceLayers(gridMap)
gridMap.map.addControl(referenceLayers, 'top-left')
gridMap.referenceLines = () => referenceLayers.snapLines()
store.subscribe(
  ({ session }) => void (session ? referenceLayers.load(session.region.code).catch(() => undefined) : referenceLayers.clear()),
  ['session'],
)
mapArea.append(info.element)
const loader = createGridsLoader(store, gridMap, statusLine.setStatus, info.select)

// ---- tabs ----------------------------------------------------------------------------------

const tabContext = createTabContext(store, gridMap, info.select, loader.draw, loader.reload, info.pickLater)
const proposalsTab = createProposalsTab(tabContext)
/** Shows a proposal in its tab (the tab must be open for its diff to be drawn). */
const openProposal = (id: number) => {
  sidebar.show('proposals')
  void proposalsTab.open(id)
}
const editorTab = createEditorTab(tabContext, () => void proposalsTab.refresh(), openProposal)
const sidebar = createSidebar(store, {
  regions: createRegionsTab(tabContext, { openImport: () => io.openImport(), openExport: () => io.openExport() }),
  validation: createValidationTab(tabContext),
  editor: editorTab,
  proposals: proposalsTab,
  lookup: createLookupTab(tabContext),
})
sidebarSlot.replaceWith(sidebar.element)
const io = createIoActions({
  store,
  gridMap,
  focusIssue: (issue) => tabContext.focusIssue(issue, null),
  openProposal,
  reloadGrids: loader.reload,
})
header.importButton.addEventListener('click', () => void io.openImport())
header.exportButton.addEventListener('click', () => void io.openExport())
addSidebarCollapse(sidebar.element, () => gridMap.map.resize())

const shortcutHelp = createShortcutHelp()
mapArea.append(shortcutHelp.element)
// Measuring works in every tab; in the editor it lays the drawing tools down so the clicks are its own.
const measure = createMeasureTool(gridMap, () => store.get().tab === 'editor' && editorTab.stopDrawing())
measure.toolbar.hidden = true
mapArea.append(measure.toolbar, measure.result)
document.addEventListener('keydown', (event) => {
  if (shortcutHelp.key(event)) event.preventDefault()
  else if (store.get().session && measure.key(event)) event.preventDefault()
  else if (store.get().tab === 'editor' && editorTab.key(event)) event.preventDefault()
})

// The legend counts what the map shows: the editor's draft view of a township included.
store.subscribe((state) => legend.update(countFits(gridsToDraw(state)), state.draftView ? 'draft' : 'live'), ['grids', 'draftView'])
store.subscribe(
  ({ session }) => {
    legend.element.hidden = !session
    measure.toolbar.hidden = !session
    if (!session) measure.stop()
  },
  ['session'],
)

// Debug hook for tests and for poking at the page from the console.
declare global {
  interface Window {
    __gridwork?: { map: GridMap['map']; gridCount: () => number; selected: () => string | null; referenceLines: () => number }
  }
}
window.__gridwork = {
  map: gridMap.map,
  gridCount: () => store.get().grids.features.length,
  selected: () => store.get().selected?.properties.code ?? null,
  referenceLines: () => referenceLayers.snapLines().length,
}

// ---- language and session ------------------------------------------------------------------

header.langSelect.addEventListener('change', async () => {
  const lng = header.langSelect.value as Language
  // The API's language first: views that listen for the switch ask the server again in it.
  setApiLanguage(lng)
  await setLanguage(lng)
  translateTree(document)
  for (const opt of header.langSelect.options) opt.textContent = t(`language.${opt.value}`)
  document.title = t('app.title')
  measure.relabel()
  store.set({ language: lng })
})

const session = createSessionFlow({
  store,
  gridMap,
  login,
  loader,
  asOf,
  setStatus: statusLine.setStatus,
  select: info.select,
  showTab: sidebar.show,
})
header.logoutButton.addEventListener('click', () => session.logout())

// ---- start -----------------------------------------------------------------------------------

document.title = t('app.title')
login.element.hidden = !!getToken()
await session.waitForServer()
login.setEnabled(true)
void api
  .clientConfig()
  .then((config) => (config.tianditu_key ? gridMap.addTianditu(config.tianditu_key) : undefined))
  .catch(() => undefined) // an older server without the route: our own basemap only
void api
  .basemap()
  .then(({ basemap }) => (basemap ? gridMap.addLocalBasemap(basemap) : undefined))
  .catch(() => undefined)
if (getToken()) await session.loadWorkspace()
else session.showLogin(null)
