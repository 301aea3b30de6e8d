import { createValidationPanel } from '../editor/validation'
import { issueKey } from '../map/gridMap'
import type { TabContext, WorkspaceTab } from './context'

/** "校验": validates the picked township (or the whole county) and lists the issues. */
export function createValidationTab({ store, gridMap, focusIssue }: TabContext): WorkspaceTab {
  const panel = createValidationPanel({
    drawIssues: (issues) => gridMap.setIssues(issues),
    focusIssue: (issue, index) => focusIssue(issue, issueKey(index)),
  })
  store.subscribe(({ validationTarget }) => panel.setTownship(validationTarget), ['validationTarget'])
  store.subscribe(
    ({ session }) => {
      if (!session) panel.clear()
    },
    ['session'],
  )
  store.subscribe(() => panel.relabel(), ['language'])
  return { element: panel.element }
}
