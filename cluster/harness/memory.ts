import type { ApiNode } from './nodes.js'

// Resident memory of each API node, sampled from /proc every few seconds during a run, and the
// criterion for "memory stays flat": after a warm-up, the median of the last third of the samples
// is at most 10 % above the median of the first third. Medians, so that one sample taken during
// an index rebuild (a new index is built before the old one is dropped) or before a garbage
// collection does not decide; thirds, so that a slow, steady leak shows as the difference.

export const WARM_UP_FRACTION = 0.2
export const GROWTH_LIMIT = 1.1

export function sampleRss(nodes: ApiNode[], everyMs: number) {
  const samples: { at: number; mb: number[] }[] = []
  const take = () => samples.push({ at: Date.now(), mb: nodes.map((node) => node.rssMb()) })
  take()
  const timer = setInterval(take, everyMs)
  return {
    samples,
    stop() {
      clearInterval(timer)
      take()
      return samples
    },
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export interface MemoryVerdict {
  node: string
  start_mb: number
  end_mb: number
  peak_mb: number
  first_third_median_mb: number
  last_third_median_mb: number
  ratio: number
  flat: boolean
}

/** The criterion above, per node. */
export function memoryVerdicts(names: string[], samples: { mb: number[] }[]): MemoryVerdict[] {
  const warm = samples.slice(Math.floor(samples.length * WARM_UP_FRACTION))
  const third = Math.max(1, Math.floor(warm.length / 3))
  return names.map((node, i) => {
    const of = (list: { mb: number[] }[]) => list.map((sample) => sample.mb[i] as number)
    const first = median(of(warm.slice(0, third)))
    const last = median(of(warm.slice(-third)))
    const round1 = (value: number) => Math.round(value * 10) / 10
    return {
      node,
      start_mb: round1(of(samples)[0] as number),
      end_mb: round1(of(samples).at(-1) as number),
      peak_mb: round1(Math.max(...of(samples))),
      first_third_median_mb: round1(first),
      last_third_median_mb: round1(last),
      ratio: Math.round((last / first) * 1000) / 1000,
      flat: last <= first * GROWTH_LIMIT,
    }
  })
}
