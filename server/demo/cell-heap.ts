// The priority queue of region growing (partition.ts).

/** A minimal binary min-heap of [priority, cell] pairs, ties broken by cell index. */
export class CellHeap {
  private readonly items: [number, number][] = []

  get size(): number {
    return this.items.length
  }

  push(priority: number, cell: number): void {
    const items = this.items
    items.push([priority, cell])
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!less(items[i] as [number, number], items[parent] as [number, number])) break
      swap(items, i, parent)
      i = parent
    }
  }

  peek(): number | undefined {
    return this.items[0]?.[1]
  }

  pop(): number | undefined {
    const items = this.items
    if (items.length === 0) return undefined
    const top = items[0] as [number, number]
    const last = items.pop() as [number, number]
    if (items.length > 0) {
      items[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < items.length && less(items[l] as [number, number], items[m] as [number, number])) m = l
        if (r < items.length && less(items[r] as [number, number], items[m] as [number, number])) m = r
        if (m === i) break
        swap(items, i, m)
        i = m
      }
    }
    return top[1]
  }
}

function less(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])
}

function swap<T>(items: T[], i: number, j: number): void {
  const t = items[i] as T
  items[i] = items[j] as T
  items[j] = t
}
