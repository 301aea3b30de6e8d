// How a community's comprehensive grids are named in practice: the community's name and the
// grid's sequence number in Chinese numerals, 东湖社区第三网格. Shared by the demo county's
// generator (server/demo/assemble.ts) and the auto-partition's proposals (server/partition).

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九']

/** 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五, 100 → 一百, 105 → 一百零五, 110 → 一百一十 (1–999). */
export function chineseNumber(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 999) throw new Error(`chineseNumber: ${n} out of 1–999`)
  if (n < 10) return DIGITS[n] as string
  if (n < 100) {
    const tens = Math.floor(n / 10)
    const ones = n % 10
    return `${tens === 1 ? '' : DIGITS[tens]}十${ones === 0 ? '' : DIGITS[ones]}`
  }
  const hundreds = `${DIGITS[Math.floor(n / 100)]}百`
  const rest = n % 100
  if (rest === 0) return hundreds
  // Inside a larger number ten is 一十 (一百一十), and a missing tens digit is read 零 (一百零五).
  if (rest < 10) return `${hundreds}零${DIGITS[rest]}`
  return `${hundreds}${rest < 20 ? '一' : ''}${chineseNumber(rest)}`
}

/** 东湖社区 and 3 → 东湖社区第三网格. */
export const communityGridName = (communityName: string, sequence: number) => `${communityName}第${chineseNumber(sequence)}网格`
