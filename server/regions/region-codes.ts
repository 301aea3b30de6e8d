// 统计用区划代码: 12 digits = 2 province + 2 city + 2 county + 3 township + 3 village/community.
// A region is named by its full code; a subtree by the code's significant prefix
// (e.g. county 990101000000 → prefix 990101). Users are scoped by such a prefix.

export const PREFIX_LENGTHS = [2, 4, 6, 9, 12] as const

export function isRegionCode(value: string): boolean {
  return /^[0-9]{12}$/.test(value)
}

/** Level 1 (province) … 5 (village/community) of a 12-digit code, from its trailing zero groups. */
export function levelOfCode(code: string): number {
  const prefix = prefixOfCode(code)
  return PREFIX_LENGTHS.indexOf(prefix.length as (typeof PREFIX_LENGTHS)[number]) + 1
}

/** Level names files use instead of 1–5. */
const LEVEL_NAMES: Record<string, number> = {
  省: 1,
  省级: 1,
  市: 2,
  地级: 2,
  县: 3,
  县级: 3,
  乡: 4,
  镇: 4,
  街道: 4,
  乡级: 4,
  村: 5,
  社区: 5,
  村级: 5,
}

/** A level as a file gives it (4, "4", 乡级…), or null when it names none. */
export function parseLevel(value: unknown): number | null {
  const text = String(value).trim()
  return /^[1-5]$/.test(text) ? Number(text) : (LEVEL_NAMES[text] ?? null)
}

/** The significant prefix of a 12-digit code: 990101001000 → 990101001. */
export function prefixOfCode(code: string): string {
  for (const length of PREFIX_LENGTHS) {
    if (/^0*$/.test(code.slice(length))) return code.slice(0, length)
  }
  return code
}

/** The 12-digit code of the parent (990101001001 → 990101001000), or null for a province. */
export function parentCodeOf(code: string): string | null {
  const prefix = prefixOfCode(code)
  const parentLength = { 4: 2, 6: 4, 9: 6, 12: 9 }[prefix.length as 4 | 6 | 9 | 12]
  return parentLength === undefined ? null : prefix.slice(0, parentLength).padEnd(12, '0')
}

/** An urban–rural class (城乡分类代码): 111–122 urban, 210/220 rural (accepted as 110–129, 200, 210, 220). */
export function isUrbanRuralCode(value: string): boolean {
  return /^(1[12][0-9]|2[0-2]0)$/.test(value)
}

/** Accepts a 12-digit code or a 2/4/6/9-digit prefix; returns the prefix, or null if malformed. */
export function parseRegionPrefix(value: string): string | null {
  if (isRegionCode(value)) return prefixOfCode(value)
  if (/^[0-9]+$/.test(value) && (PREFIX_LENGTHS as readonly number[]).includes(value.length)) return value
  return null
}

/** A prefix and the prefixes of every region around it, widest first: 990101001 → 99, 9901, 990101, 990101001. */
export function enclosingPrefixes(prefix: string): string[] {
  return PREFIX_LENGTHS.filter((length) => length <= prefix.length).map((length) => prefix.slice(0, length))
}

/** The 12-digit code of the region a prefix names: 990101001 → 990101001000. */
export function codeOfPrefix(prefix: string): string {
  return prefix.padEnd(12, '0')
}

/** True when the region named by `target` lies within the scope `scope` ('' = everything). */
export function isWithinScope(scope: string, target: string): boolean {
  return target.startsWith(scope)
}
