import { GridIndex } from './grid-index.js'
import type { IndexedGrid } from './indexed-grid.js'

// Typed arrays that grow by doubling: the builder keeps no per-vertex objects.

class GrowableFloat64 {
  array: Float64Array
  length = 0
  constructor(capacity = 1024) {
    this.array = new Float64Array(Math.max(16, capacity))
  }
  push2(a: number, b: number): void {
    if (this.length + 2 > this.array.length) this.grow(this.length + 2)
    this.array[this.length++] = a
    this.array[this.length++] = b
  }
  grow(min: number): void {
    const next = new Float64Array(Math.max(min, this.array.length * 2))
    next.set(this.array.subarray(0, this.length))
    this.array = next
  }
  /** The filled part, exact length (a copy only when over capacity); this array lets go of it. */
  take(): Float64Array {
    const out = this.length === this.array.length ? this.array : this.array.slice(0, this.length)
    this.array = new Float64Array(0)
    this.length = 0
    return out
  }
}

class GrowableUint32 {
  array: Uint32Array
  length = 0
  constructor(capacity = 256) {
    this.array = new Uint32Array(Math.max(16, capacity))
  }
  push(value: number): void {
    if (this.length === this.array.length) {
      const next = new Uint32Array(this.array.length * 2)
      next.set(this.array)
      this.array = next
    }
    this.array[this.length++] = value
  }
  take(): Uint32Array {
    const out = this.length === this.array.length ? this.array : this.array.slice(0, this.length)
    this.array = new Uint32Array(0)
    this.length = 0
    return out
  }
}

/**
 * Collects grids and their polygon rings, then freezes them into a GridIndex. Rings are given as
 * flat [x0, y0, x1, y1, …] (closed or not; a closing vertex is added when missing).
 */
export class GridIndexBuilder {
  readonly grids: IndexedGrid[] = []
  private readonly coords: GrowableFloat64
  private readonly ringStart: GrowableUint32 // vertex offset of each ring
  private readonly partRingStart: GrowableUint32 // ring offset of each part
  private readonly partGrid: GrowableUint32
  private readonly boxes: GrowableFloat64
  private partOpen = false

  /** Expected sizes, when known, save the copies of growing (the arrays still grow if exceeded). */
  constructor(capacity: { vertices?: number; rings?: number; parts?: number } = {}) {
    this.coords = new GrowableFloat64((capacity.vertices ?? 512) * 2)
    this.ringStart = new GrowableUint32((capacity.rings ?? 256) + 1)
    this.partRingStart = new GrowableUint32((capacity.parts ?? 256) + 1)
    this.partGrid = new GrowableUint32(capacity.parts ?? 256)
    this.boxes = new GrowableFloat64((capacity.parts ?? 256) * 4)
  }

  addGrid(grid: IndexedGrid): number {
    this.closePart()
    this.grids.push(grid)
    return this.grids.length - 1
  }

  /** Starts a polygon part of the last added grid; the first ring added is its shell. */
  beginPart(): void {
    this.closePart()
    if (this.grids.length === 0) throw new Error('beginPart before addGrid')
    this.partRingStart.push(this.ringStart.length)
    this.partGrid.push(this.grids.length - 1)
    this.boxes.push2(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)
    this.boxes.push2(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY)
    this.partOpen = true
  }

  /** Adds a ring from `flat[from .. to)` (x, y pairs) to the open part. */
  addRing(flat: ArrayLike<number>, from = 0, to = flat.length): void {
    if (!this.partOpen) throw new Error('addRing outside a part')
    const n = (to - from) >> 1
    if (n < 3) return
    this.ringStart.push(this.coords.length >> 1)
    const box = this.boxes.array
    const b = this.boxes.length - 4
    const coords = this.coords
    // Room for the closing vertex only when the ring lacks it: reserving it always made the last
    // ring of an exactly sized builder double the array (1.3 GB more for a million grids).
    const closed = flat[from] === flat[to - 2] && flat[from + 1] === flat[to - 1]
    const needed = coords.length + (closed ? n : n + 1) * 2
    if (needed > coords.array.length) coords.grow(needed)
    const out = coords.array
    let o = coords.length
    let minX = box[b] as number
    let minY = box[b + 1] as number
    let maxX = box[b + 2] as number
    let maxY = box[b + 3] as number
    for (let i = from; i < to; i += 2) {
      const x = flat[i] as number
      const y = flat[i + 1] as number
      out[o++] = x
      out[o++] = y
      if (x < minX) minX = x
      if (y < minY) minY = y
      if (x > maxX) maxX = x
      if (y > maxY) maxY = y
    }
    box[b] = minX
    box[b + 1] = minY
    box[b + 2] = maxX
    box[b + 3] = maxY
    if (!closed) {
      out[o++] = flat[from] as number
      out[o++] = flat[from + 1] as number
    }
    coords.length = o
  }

  private closePart(): void {
    if (!this.partOpen) return
    this.partOpen = false
    // A part whose shell had under three vertices holds no ring: drop it.
    const last = this.partRingStart.length - 1
    if (this.partRingStart.array[last] === this.ringStart.length) {
      this.partRingStart.length--
      this.partGrid.length--
      this.boxes.length -= 4
    }
  }

  finish(): GridIndex {
    this.closePart()
    this.ringStart.push(this.coords.length >> 1)
    this.partRingStart.push(this.ringStart.length - 1)
    // The arrays move to the index: a builder kept alive after finish() holds no copy of them.
    return new GridIndex(
      this.grids,
      this.coords.take(),
      this.ringStart.take(),
      this.partRingStart.take(),
      this.partGrid.take(),
      this.boxes.take(),
    )
  }
}
