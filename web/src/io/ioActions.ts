import { regionPrefix } from '../api/client'
import type { GridMap } from '../map/gridMap'
import type { WorkspaceStore } from '../workspace/state'
import { openExportMenu } from './exportMenu'
import { openImportWizard } from './importWizard'
import type { IoDialog } from './ioForm'

/** Roles that import: counties, townships and the administrator (a department only reads). */
export function canImport(role: string | undefined): boolean {
  return role === 'admin' || role === 'county' || role === 'township'
}

export interface IoActions {
  openImport(): void
  openExport(): void
}

/** The page's 导入 and 导出, for the region picked in the tree (else the home region). */
export function createIoActions(parts: {
  store: WorkspaceStore
  gridMap: GridMap
  focusIssue: Parameters<typeof openImportWizard>[0]['focusIssue']
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
    openImport() {
      const { session } = store.get()
      if (!session || !canImport(session.me.role)) return
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
    openExport() {
      const { session } = store.get()
      if (session) replace(openExportMenu({ session, region: picked() }))
    },
  }
}
