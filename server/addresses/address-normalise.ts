// Address normalisation for the standard-address registry (地址库). The same function runs on
// registry rows at import and on queries at lookup, so two spellings of one address meet on one
// normalised text:
//   - full-width → half-width (digits, letters, punctuation, ideographic space) via NFKC;
//   - whitespace, punctuation and bracketed remarks dropped, letters upper-cased;
//   - Chinese numerals before a house-number marker become digits (三号楼 → 3栋, 二〇一室 → 201室);
//   - marker variants unified (号楼/幢/座 → 栋, 房 → 室, 衖 → 弄, 第三组 → 3组);
//   - leading region names (province … village/community, with common short forms) removed by
//     RegionNames.strip, which also says which region the address named.

const DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 }
const UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000 }
const NUMERAL = '零〇一二两三四五六七八九十百千'
// Markers after which a number is a house/building/unit/room/floor/group number. Longer first.
const MARKERS = ['号楼', '号院', '单元', '号', '栋', '幢', '座', '室', '层', '楼', '组', '弄', '巷', '期']
const MARKER_ALT = MARKERS.join('|')

/** 三 → 3, 十二 → 12, 二十 → 20, 一百零五 → 105, 二〇一 → 201 (digit by digit); null if not a numeral. */
export function chineseNumeral(text: string): number | null {
  if (text.length === 0) return null
  const chars = [...text]
  if (chars.every((c) => c in DIGIT)) {
    // Digit-by-digit form (二〇一 = 201), or a single digit.
    return Number(chars.map((c) => DIGIT[c]).join(''))
  }
  let total = 0
  let current: number | null = null
  for (const c of chars) {
    if (c in DIGIT) {
      current = DIGIT[c] as number
    } else if (c in UNIT) {
      total += (current ?? 1) * (UNIT[c] as number)
      current = null
    } else {
      return null
    }
  }
  return total + (current ?? 0)
}

const numeralBeforeMarker = new RegExp(`第?([${NUMERAL}]+)(?=${MARKER_ALT})`, 'g')
const ordinalDigits = new RegExp(`第(\\d+)(?=${MARKER_ALT})`, 'g')

/** Normalises an address (or a query) for matching; region names are removed separately. */
export function normaliseAddress(text: string): string {
  let s = text.normalize('NFKC').toUpperCase()
  // Bracketed remarks (landmarks, notes) are not part of the address.
  s = s.replace(/\([^()]*\)|\[[^[\]]*\]|【[^【】]*】|〔[^〔〕]*〕/g, '')
  // Whitespace (NFKC made U+3000 a space) and punctuation; dashes unified to '-'.
  s = s.replace(/[‐‑‒–—―−]/g, '-')
  s = s.replace(/[\s,.;:!?'"`、。，；：！？“”‘’·•…《》<>()[\]{}【】〔〕/\\|#*_~^]+/g, '')
  s = s.replace(/^(中华人民共和国|中国)/, '')
  s = s.replace(/衖/g, '弄')
  // Chinese numerals before markers → digits; 第 before a numbered marker is dropped.
  s = s.replace(numeralBeforeMarker, (whole, numeral: string) => {
    const value = chineseNumeral(numeral)
    return value === null ? whole : String(value)
  })
  s = s.replace(ordinalDigits, '$1')
  // Leading zeros of house numbers: 012号 → 12号.
  s = s.replace(/(^|[^\d])0+(?=\d)/g, '$1')
  // Building: 3号楼 / 3幢 / 3座 / A座 → 3栋 / A栋. Room: 301房 → 301室.
  s = s.replace(/(\d+|[A-Z])(号楼|幢|座)/g, '$1栋')
  s = s.replace(/(\d+)房/g, '$1室')
  // A bare trailing number: after a unit/floor it is a room, after a name it is a house number
  // (人民路12 → 人民路12号, 3栋2单元301 → 3栋2单元301室).
  s = s.replace(new RegExp(`(单元|层|楼|栋|号)([${NUMERAL}]+)$`), (whole, marker: string, numeral: string) => {
    const value = chineseNumeral(numeral)
    return value === null ? whole : `${marker}${value}`
  })
  s = s.replace(/(单元|层|楼|栋|号)(\d+)$/, '$1$2室')
  s = s.replace(/([^\d\-室号栋单元层楼组弄巷期])(\d+)$/, '$1$2号')
  return s
}

export interface RegionName {
  /** Significant prefix of the region's code: 990101001 for township 990101001000. */
  prefix: string
  name: string
  level: number
}

// Short forms people write for the upper levels: 湖南省 → 湖南, 长沙市 → 长沙, 广西壮族自治区 → 广西.
// Townships and villages need their full name: 桂花 (of 桂花社区) is also the start of 桂花路.
const SHORT_SUFFIX = /(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|自治州|自治县|自治旗|地区|省|市|盟|区|县|旗)$/

function variants(entry: RegionName): string[] {
  const names = [entry.name]
  if (entry.level <= 3) {
    const short = entry.name.replace(SHORT_SUFFIX, '')
    if (short !== entry.name && [...short].length >= 2) names.push(short)
  }
  if (entry.name.endsWith('街道')) names.push(`${entry.name}办事处`)
  if (entry.name.endsWith('社区')) names.push(`${entry.name}居委会`, `${entry.name.slice(0, -2)}居委会`)
  if (entry.name.endsWith('村')) names.push(`${entry.name}委会`)
  return names
}

export interface StrippedAddress {
  /** The address without its leading region names. */
  rest: string
  /** Prefix of the finest region named inside the scope ('' or the scope when none was). */
  regionPrefix: string
}

/**
 * The names of the regions around one scope (its ancestors and its subtree), for removing leading
 * region names from normalised addresses. Names are normalised like addresses (NFKC etc.).
 */
export class RegionNames {
  private readonly byFirstChar = new Map<string, { text: string; entry: RegionName }[]>()

  constructor(entries: readonly RegionName[]) {
    for (const entry of entries) {
      for (const name of variants(entry)) {
        const text = normaliseAddress(name)
        if (text.length === 0) continue
        const first = text[0] as string
        const list = this.byFirstChar.get(first) ?? []
        list.push({ text, entry })
        this.byFirstChar.set(first, list)
      }
    }
    for (const list of this.byFirstChar.values()) list.sort((a, b) => b.text.length - a.text.length)
  }

  /**
   * Removes leading region names. A name is taken when its region is an ancestor of (or equal to)
   * the region reached so far, or lies below it (then the address is known to be there);
   * at one position the longest name wins, then the one below the region reached so far.
   */
  strip(normalised: string, scopePrefix: string): StrippedAddress {
    let rest = normalised
    let current = scopePrefix
    for (;;) {
      const list = this.byFirstChar.get(rest[0] ?? '')
      if (!list) break
      let best: { text: string; entry: RegionName } | undefined
      for (const candidate of list) {
        if (best && candidate.text.length < best.text.length) break
        if (!rest.startsWith(candidate.text) || candidate.text.length === rest.length) continue
        const below = candidate.entry.prefix.startsWith(current) && candidate.entry.prefix !== current
        const above = current.startsWith(candidate.entry.prefix)
        if (!below && !above) continue
        if (!best || (below && !best.entry.prefix.startsWith(current))) best = candidate
      }
      if (!best) break
      rest = rest.slice(best.text.length)
      if (best.entry.prefix.startsWith(current)) current = best.entry.prefix
    }
    return { rest, regionPrefix: current }
  }
}

export interface AddressToken {
  text: string
  weight: number
}

// Numbers count more than name characters: 人民路12号 vs 人民路13号 is a different house, while
// 人民街12号 vs 人民路12号 is a likely typo.
const NUMBER_WEIGHT = 3
const LETTER_WEIGHT = 2

/** Tokens for scoring: a digit run is one token, every other character is one. */
export function tokenise(text: string): AddressToken[] {
  const tokens: AddressToken[] = []
  for (const match of text.matchAll(/\d+|[A-Z]|./gsu)) {
    const t = match[0]
    tokens.push({ text: t, weight: /^\d/.test(t) ? NUMBER_WEIGHT : /^[A-Z]$/.test(t) ? LETTER_WEIGHT : 1 })
  }
  return tokens
}

/**
 * Similarity in [0, 1] of two normalised addresses: the weight of their longest common token
 * subsequence, twice, over both weights (a weighted Dice/LCS ratio). 1 only for equal texts.
 */
export function addressSimilarity(a: readonly AddressToken[], b: readonly AddressToken[]): number {
  const total = a.reduce((s, t) => s + t.weight, 0) + b.reduce((s, t) => s + t.weight, 0)
  if (total === 0) return 0
  let previous = new Float64Array(b.length + 1)
  let row = new Float64Array(b.length + 1)
  for (let i = 1; i <= a.length; i++) {
    const ta = a[i - 1] as AddressToken
    for (let j = 1; j <= b.length; j++) {
      const tb = b[j - 1] as AddressToken
      row[j] = ta.text === tb.text ? (previous[j - 1] as number) + ta.weight : Math.max(previous[j] as number, row[j - 1] as number)
    }
    ;[previous, row] = [row, previous]
  }
  return (2 * (previous[b.length] as number)) / total
}

/**
 * An address safe to write to logs: the first 6 characters kept, every digit, letter and
 * Chinese numeral of a house/building/unit/room number replaced by '*' (numerals after the first
 * 6 characters always), at most 40 characters.
 */
export function maskAddress(text: string): string {
  const folded = text
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(numeralBeforeMarker, (whole) => '*'.repeat([...whole].length))
  const chars = [...folded]
  const masked = chars.map((c, i) => (/[0-9A-Za-z]/.test(c) || (i >= 6 && NUMERAL.includes(c)) ? '*' : c))
  const out = masked.slice(0, 40).join('')
  return chars.length > 40 ? `${out}…` : out
}
