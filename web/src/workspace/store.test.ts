import { describe, expect, it } from 'vitest'
import { createStore } from './store'

interface State {
  user: string | null
  count: number
  tab: string
  items: string[]
}
const initial = (): State => ({ user: null, count: 0, tab: 'regions', items: [] })

describe('createStore', () => {
  it('gets, sets and updates without mutating the previous state', () => {
    const store = createStore(initial)
    const first = store.get()
    store.set({ user: 'county' })
    store.update((s) => ({ count: s.count + 2 }))
    expect(store.get()).toEqual({ user: 'county', count: 2, tab: 'regions', items: [] })
    expect(first).toEqual(initial())
  })

  it('tells listeners of changes with the state before and after', () => {
    const store = createStore(initial)
    const heard: [number, number][] = []
    store.subscribe((state, previous) => heard.push([previous.count, state.count]))
    store.set({ count: 1 })
    store.set({ count: 3 })
    expect(heard).toEqual([
      [0, 1],
      [1, 3],
    ])
  })

  it('stays quiet when nothing changed (Object.is)', () => {
    const store = createStore(initial)
    let calls = 0
    store.subscribe(() => calls++)
    store.set({ count: 0, user: null })
    store.set({})
    expect(calls).toBe(0)
    store.set({ items: [] }) // a new array is a change
    expect(calls).toBe(1)
  })

  it('calls a keyed listener only for changes to its keys', () => {
    const store = createStore(initial)
    const heard: string[] = []
    store.subscribe(({ user }) => heard.push(`user:${user}`), ['user'])
    store.subscribe(({ tab }) => heard.push(`tab:${tab}`), ['tab', 'count'])
    store.set({ user: 'a' })
    store.set({ count: 5 })
    store.set({ user: 'b', tab: 'editor' })
    expect(heard).toEqual(['user:a', 'tab:regions', 'user:b', 'tab:editor'])
  })

  it('stops calling a listener once unsubscribed', () => {
    const store = createStore(initial)
    let calls = 0
    const unsubscribe = store.subscribe(() => calls++)
    store.set({ count: 1 })
    unsubscribe()
    store.set({ count: 2 })
    expect(calls).toBe(1)
  })

  it('announces a change made by a listener after the current round, in order', () => {
    const store = createStore(initial)
    const heard: string[] = []
    store.subscribe(
      ({ user }) => {
        heard.push(`first:${user}`)
        if (user === 'a') store.set({ count: 1 })
      },
      ['user'],
    )
    store.subscribe((state, previous) => heard.push(`second:${previous.count}->${state.count}`))
    store.set({ user: 'a' })
    // The second listener hears the user change (count still 0 then), then the count change.
    expect(heard).toEqual(['first:a', 'second:0->0', 'second:0->1'])
    expect(store.get().count).toBe(1)
  })

  it('resets to the initial state, keeping the keys that outlive a reset', () => {
    const store = createStore(initial, { keepOnReset: ['tab'] })
    store.set({ user: 'county', count: 4, tab: 'proposals', items: ['x'] })
    const heard: (keyof State)[][] = []
    store.subscribe((state, previous) => heard.push((Object.keys(state) as (keyof State)[]).filter((k) => state[k] !== previous[k])))
    store.reset()
    expect(store.get()).toEqual({ user: null, count: 0, tab: 'proposals', items: [] })
    // One announcement for the whole reset.
    expect(heard).toEqual([['user', 'count', 'items']])
  })
})
