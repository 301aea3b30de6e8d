// The partition's own PRNG (mulberry32), so a seed gives the same grids on every machine and
// nothing depends on Math.random or on another module's stream.

export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Shuffles in place (Fisher–Yates) and returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1)
      const held = items[i] as T
      items[i] = items[j] as T
      items[j] = held
    }
    return items
  }

  /** An independent stream, so one seed attempt does not shift the next one's draws. */
  fork(): Random {
    return new Random((Math.floor(this.next() * 4294967296) ^ 0x9e3779b9) >>> 0)
  }
}
