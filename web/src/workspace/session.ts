import { ApiError, api, setToken } from '../api/client'
import type { GridCollection } from '../api/types'
import { t } from '../i18n'
import { geometryBBox } from '../map/geometry'
import type { GridMap } from '../map/gridMap'
import { errorMessage } from '../ui/errors'
import type { LoginForm } from '../ui/login'
import type { AsOfControl } from './asOf'
import { type GridsLoader, VIEWPORT_MIN_ZOOM, VIEWPORT_THRESHOLD } from './gridsLoader'
import { emptyGrids, emptyRegions, gridsState, type Session, type TabId, tabsFor, targetsOf, type WorkspaceStore } from './state'
import type { SetStatus } from './statusLine'

export interface SessionFlowParts {
  store: WorkspaceStore
  gridMap: GridMap
  login: LoginForm
  loader: GridsLoader
  asOf: AsOfControl
  setStatus: SetStatus
  select(code: string | null): void
  /** Opens a tab (again): the sidebar's own action. */
  showTab(tab: TabId): void
}

export interface SessionFlow {
  signIn(username: string, password: string): Promise<void>
  /** Loads the signed-in user's home region and its grids into the store. */
  loadWorkspace(): Promise<void>
  /** Forgets the token; the store's reset clears every panel. */
  logout(): void
  showLogin(message: string | null): void
  /** Resolves once the server answers (it needs ~20 s on its first start); the form is disabled meanwhile. */
  waitForServer(): Promise<void>
}

export function createSessionFlow({ store, gridMap, login, loader, asOf, setStatus, select, showTab }: SessionFlowParts): SessionFlow {
  // A sign-out empties the map; the panels clear themselves on the same change.
  store.subscribe(
    ({ session }) => {
      if (session) return
      void gridMap.show(emptyRegions(), emptyGrids())
    },
    ['session'],
  )

  const showLogin = (message: string | null) => {
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
      const viewport = region.grid_count > VIEWPORT_THRESHOLD
      const grids: GridCollection = viewport ? emptyGrids() : await api.grids(me.home_region)
      const session: Session = {
        me,
        region,
        regions,
        regionsByCode: new Map(regions.features.map((f) => [f.properties.code, f.properties])),
        viewport,
      }
      asOf.fitSlider(grids)
      // The map first: once the header shows the count, the grids are on the map.
      await gridMap.show(regions, grids)
      // A large region: every grid's outline from vector tiles; editable grids load in view.
      if (viewport) await gridMap.showGridTiles(null, VIEWPORT_MIN_ZOOM)
      else await gridMap.hideGridTiles()
      store.set({ session, ...gridsState(grids), asOf: null, asOfError: null, draftView: null, ...targetsOf(session, region) })
      // Department staff come for lookups: they open on the lookup page; others find their tab as they left it.
      const tabs = tabsFor(me.role)
      showTab(me.role === 'department' || !tabs.includes(store.get().tab) ? (tabs[0] ?? 'lookup') : store.get().tab)
      // Framed once the session's sidebar is laid out, so the whole home region is in view.
      const home = region.bbox ?? geometryBBox(grids) ?? geometryBBox(regions)
      if (home) gridMap.frame(home)
      select(null)
      if (viewport) await loader.refreshViewport()
      else setStatus(grids.features.length ? 'status.loaded' : 'status.noGrids', { region: region.name, count: grids.features.length })
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        // Stale or revoked token: back to the form, with the reason.
        setToken(null)
        store.reset()
        showLogin(t('errors.sessionExpired'))
        return
      }
      const message = errorMessage(err)
      // Nothing on screen yet: go back to the form (signing in again retries the loading).
      if (!store.get().session) showLogin(message)
      setStatus('status.failed', { message }, true)
    }
  }

  return {
    async signIn(username, password) {
      const { token } = await api.login(username, password)
      setToken(token)
      await loadWorkspace()
    },
    loadWorkspace,
    logout() {
      setToken(null)
      store.reset()
      showLogin(null)
    },
    showLogin,
    async waitForServer() {
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
    },
  }
}
