/** Promises kept per database and key for `ttlMs` (a failed one is forgotten at once). */
export class PerDatabaseCache<T> {
  private readonly byDatabase = new WeakMap<object, Map<string, { at: number; value: Promise<T> }>>()

  constructor(private readonly ttlMs: number) {}

  get(db: object, key: string, load: () => Promise<T>): Promise<T> {
    let entries = this.byDatabase.get(db)
    if (!entries) {
      entries = new Map()
      this.byDatabase.set(db, entries)
    }
    const cached = entries.get(key)
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.value
    const value = load()
    const held = entries
    held.set(key, { at: Date.now(), value })
    value.catch(() => held.delete(key))
    return value
  }

  forget(db: object): void {
    this.byDatabase.delete(db)
  }
}
