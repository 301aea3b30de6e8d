/** Called after a change with the state after it and the state before it. */
export type Listener<S> = (state: Readonly<S>, previous: Readonly<S>) => void

export interface Store<S extends object> {
  get(): Readonly<S>
  /** Merges `patch` into the state; listeners hear of it only if a value changed (Object.is). */
  set(patch: Partial<S>): void
  update(change: (state: Readonly<S>) => Partial<S>): void
  /**
   * Calls `listener` after each change to one of `keys` (any key when omitted); returns an
   * unsubscribe function. Listeners run in the order they subscribed.
   */
  subscribe(listener: Listener<S>, keys?: readonly (keyof S)[]): () => void
  /** Back to the initial state, except the keys declared to outlive a reset. */
  reset(): void
}

export interface StoreOptions<S> {
  /** Keys a reset keeps (preferences such as the language, not the data of a session). */
  keepOnReset?: readonly (keyof S)[]
}

/**
 * A small typed store. State objects are never mutated: each change makes a new one, so a
 * listener's `previous` stays what it was. A change made by a listener is applied at once and
 * announced after the current round of listeners, so every listener hears every change in order.
 */
export function createStore<S extends object>(initial: () => S, options: StoreOptions<S> = {}): Store<S> {
  let state: S = initial()
  const listeners = new Set<{ listener: Listener<S>; keys: readonly (keyof S)[] | undefined }>()
  const pending: [S, S, (keyof S)[]][] = []
  let notifying = false

  const set = (patch: Partial<S>) => {
    const changed = (Object.keys(patch) as (keyof S)[]).filter((k) => !Object.is(state[k], patch[k]))
    if (!changed.length) return
    const previous = state
    state = { ...state, ...patch }
    pending.push([state, previous, changed])
    if (notifying) return
    notifying = true
    try {
      for (let next = pending.shift(); next; next = pending.shift()) {
        const [after, before, keys] = next
        for (const { listener, keys: wanted } of [...listeners]) {
          if (!wanted || wanted.some((k) => keys.includes(k))) listener(after, before)
        }
      }
    } finally {
      notifying = false
      pending.length = 0
    }
  }

  return {
    get: () => state,
    set,
    update: (change) => set(change(state)),
    subscribe(listener, keys) {
      const entry = { listener, keys }
      listeners.add(entry)
      return () => void listeners.delete(entry)
    },
    reset() {
      const fresh = initial()
      for (const k of options.keepOnReset ?? []) fresh[k] = state[k]
      set(fresh)
    },
  }
}
