// Deterministic randomness for the demo county. Nothing here touches Math.random: the same seed
// string gives the same county on every run and every machine (Node's Math.sin/cos/exp are
// fdlibm ports, so the float arithmetic downstream is reproducible too).

/** 32-bit FNV-1a hash of a string. */
export function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** Integer hash of up to three integers (lowbias32 mixing), for order-independent noise. */
export function hashInts(a: number, b: number, c = 0): number {
  let h = Math.imul(a | 0, 0x27d4eb2d) ^ Math.imul(b | 0, 0x165667b1) ^ Math.imul(c | 0, 0x9e3779b1)
  h ^= h >>> 16
  h = Math.imul(h, 0x7feb352d)
  h ^= h >>> 15
  h = Math.imul(h, 0x846ca68b)
  h ^= h >>> 16
  return h >>> 0
}

/** Uniform [0, 1) from an integer hash. */
export function unit(h: number): number {
  return (h >>> 0) / 4294967296
}

/** A seeded uniform [0, 1) generator as a plain function (for hot loops and test points). */
export function seededRandom(seed: string | number): () => number {
  const random = new Random(seed)
  return () => random.next()
}

/** A seeded PRNG (mulberry32) with a few conveniences. */
export class Random {
  private state: number

  constructor(seed: string | number) {
    this.state = typeof seed === 'number' ? seed >>> 0 : hashString(seed)
  }

  /** Uniform [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = out[i] as T
      out[i] = out[j] as T
      out[j] = tmp
    }
    return out
  }

  /** An independent stream derived from this one and a label. */
  fork(label: string): Random {
    return new Random((hashString(label) ^ Math.floor(this.next() * 4294967296)) >>> 0)
  }
}

/** Smooth 2-D value noise in [0, 1): hashed lattice values, smoothstep-interpolated. */
export function valueNoise(x: number, y: number, seed: number): number {
  const x0 = Math.floor(x)
  const y0 = Math.floor(y)
  const fx = x - x0
  const fy = y - y0
  const sx = fx * fx * (3 - 2 * fx)
  const sy = fy * fy * (3 - 2 * fy)
  const v00 = unit(hashInts(x0, y0, seed))
  const v10 = unit(hashInts(x0 + 1, y0, seed))
  const v01 = unit(hashInts(x0, y0 + 1, seed))
  const v11 = unit(hashInts(x0 + 1, y0 + 1, seed))
  const a = v00 + (v10 - v00) * sx
  const b = v01 + (v11 - v01) * sx
  return a + (b - a) * sy
}

/** Fractal value noise (a few octaves), roughly in [0, 1). */
export function fractalNoise(x: number, y: number, seed: number, octaves = 3): number {
  let sum = 0
  let amplitude = 1
  let norm = 0
  let frequency = 1
  for (let o = 0; o < octaves; o++) {
    sum += amplitude * valueNoise(x * frequency, y * frequency, seed + o * 1013)
    norm += amplitude
    amplitude *= 0.5
    frequency *= 2
  }
  return sum / norm
}
