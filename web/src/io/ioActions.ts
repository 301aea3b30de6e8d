import { regionPrefix } from '../api/client'
import type { GridMap } from '../map/gridMap'
import type { WorkspaceStore } from '../workspace/state'
import type { ImportWizardContext } from './importWizard'
import type { IoDialog } from './ioForm'

// The wizard and the menu load on first use: they bring the API schemas (TypeBox, about 50 KB)
// that the rest of the page does without.

/** Roles that import: counties, townships and the administrator (a department only reads). */
export function canImport(role: string | undefined): boolean {
  return role === 'admin' || role === 'county' || role === 'township'
}

export interface IoActions {
  openImport(): Promise<void>
  openExport(): Promise<void>
}

/** The page's 导入 and 导出, for the region picked in the tree (else the home region). */
export function createIoActions(parts: {
  store: WorkspaceStore
  gridMap: GridMap
  focusIssue: ImportWizardContext['focusIssue']
  openProposal(id: number): void
  reloadGrids(): Promise<void>
}): IoActions {
  const { store, gridMap } = parts
  const picked = () => {
    const { session, validationTarget } = store.get()
    return validationTarget?.code ?? session?.region.code ?? ''
  }
  let open: IoDialog | null = null
  const replace = (dialog: IoDialog | null) => {
    if (open?.element.isConnected) open.close()
    open = dialog
  }
  // Signing out closes whatever is open: the next user must not see the last one's file.
  store.subscribe(
    ({ session }) => {
      if (!session) replace(null)
    },
    ['session'],
  )
  return {
    async openImport() {
      const { session } = store.get()
      if (!session || !canImport(session.me.role)) return
      const { openImportWizard } = await import('./importWizard')
      if (store.get().session !== session) return
      replace(
        openImportWizard({
          session,
          region: picked(),
          map: gridMap.map,
          // In viewport mode the map holds only the grids in view: never offer a direct import then.
          hasGrids: (region) =>
            session.viewport || store.get().grids.features.some((g) => g.properties.region_code.startsWith(regionPrefix(region))),
          focusIssue: parts.focusIssue,
          openProposal: parts.openProposal,
          imported: () => void parts.reloadGrids(),
        }),
      )
    },
    async openExport() {
      const { session } = store.get()
      if (!session) return
      const { openExportMenu } = await import('./exportMenu')
      if (store.get().session === session) replace(openExportMenu({ session, region: picked() }))
    },
  }
}
