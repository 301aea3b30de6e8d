import { MEASURE_KEYS, MEASURE_MODES } from '../map/measure'
import { TOOLS, type Tool } from './mapEditor'

/** The editor's tool keys (the toolbar's tooltips, the key handler and the shortcut help). */
export const TOOL_KEYS: Record<Tool, string> = { select: 'V', reshape: 'E', split: 'S', draw: 'N', merge: 'M' }

/** Every shortcut the page knows, as shown by the help panel: keys and the translation key of what they do. */
export const SHORTCUT_HELP: readonly { keys: string; what: string }[] = [
  ...TOOLS.map((tool) => ({ keys: TOOL_KEYS[tool], what: `editor.tool.${tool}` })),
  { keys: 'Ctrl+Z', what: 'shortcuts.undo' },
  { keys: 'Ctrl+Shift+Z / Ctrl+Y', what: 'shortcuts.redo' },
  ...MEASURE_MODES.map((mode) => ({ keys: MEASURE_KEYS[mode], what: `measure.help.${mode}` })),
  { keys: 'Esc', what: 'shortcuts.cancel' },
  { keys: 'Enter', what: 'shortcuts.searchPick' },
  { keys: '?', what: 'shortcuts.help' },
]
