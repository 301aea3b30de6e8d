// A hash table keyed by a pair of numbers (a position's x and y, an edge's two vertex ids, a
// cell's column and row) with an int32 value, in typed arrays. Noding a layer of 100,000 grids
// looks up 4 million positions: JS Maps keyed by `${x},${y}` strings spent most of their time
// making and hashing the strings and the GC most of the rest (docs/engine-notes.md has the figures).
// Used by layer-noding.ts and by noding.ts's anchors.

const EMPTY = -0x80000000
const scratch = new Float64Array(1)
const words = new Uint32Array(scratch.buffer)

/** MurmurHash3's finaliser: every input bit changes about half the output bits. */
function avalanche(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return h ^ (h >>> 16)
}

// Both 32-bit words of each double go in: an integer's bits sit at the top of the low word and
// in the high word, a fraction's in the low word.
function hashOf(a: number, b: number): number {
  scratch[0] = a
  const first = avalanche(((words[0] as number) + Math.imul(words[1] as number, 0x9e3779b1)) | 0)
  scratch[0] = b
  const second = avalanche(((words[0] as number) + Math.imul(words[1] as number, 0x27d4eb2f)) | 0)
  return avalanche(first ^ Math.imul(second, 0x165667b1)) >>> 0
}

/** Open addressing, linear probing; keys compared with === (so 0 and -0 are one key). */
export class PairTable {
  private keys: Float64Array
  /** EMPTY marks a free slot (so values are never EMPTY). */
  private values: Int32Array
  private mask: number
  size = 0

  constructor(expected: number) {
    let capacity = 16
    while (capacity < expected * 2) capacity *= 2
    this.keys = new Float64Array(capacity * 2)
    this.values = new Int32Array(capacity).fill(EMPTY)
    this.mask = capacity - 1
  }

  private slotOf(a: number, b: number): number {
    let slot = hashOf(a, b) & this.mask
    while (this.values[slot] !== EMPTY && (this.keys[slot * 2] !== a || this.keys[slot * 2 + 1] !== b)) slot = (slot + 1) & this.mask
    return slot
  }

  /** The value of (a, b), or -1 when absent. */
  get(a: number, b: number): number {
    const slot = this.slotOf(a, b)
    const value = this.values[slot] as number
    return value === EMPTY ? -1 : value
  }

  set(a: number, b: number, value: number): void {
    const slot = this.slotOf(a, b)
    if (this.values[slot] === EMPTY) {
      if ((this.size + 1) * 2 > this.values.length) {
        this.grow()
        this.set(a, b, value)
        return
      }
      this.keys[slot * 2] = a
      this.keys[slot * 2 + 1] = b
      this.size++
    }
    this.values[slot] = value
  }

  /** Sets (a, b) to `value`; returns what it was before, or -1 when absent (one probe, for the hot loops). */
  exchange(a: number, b: number, value: number): number {
    const slot = this.slotOf(a, b)
    const before = this.values[slot] as number
    if (before === EMPTY) {
      this.set(a, b, value)
      return -1
    }
    this.values[slot] = value
    return before
  }

  /** The value of (a, b), after setting it to `value` if it was absent. */
  getOrSet(a: number, b: number, value: number): number {
    const found = this.get(a, b)
    if (found !== -1) return found
    this.set(a, b, value)
    return value
  }

  private grow(): void {
    const { keys, values } = this
    const capacity = values.length * 2
    this.keys = new Float64Array(capacity * 2)
    this.values = new Int32Array(capacity).fill(EMPTY)
    this.mask = capacity - 1
    this.size = 0
    for (let slot = 0; slot < values.length; slot++)
      if (values[slot] !== EMPTY) this.set(keys[slot * 2] as number, keys[slot * 2 + 1] as number, values[slot] as number)
  }
}
