// What an exception and the error it covers share; the web editor matches them the same way, so
// this module imports nothing.

/** The issue code and the same grids, in any order. */
export function exceptionKey(issue: { code: string; feature_ids: readonly string[] }): string {
  return `${issue.code}|${[...issue.feature_ids].sort().join(',')}`
}
