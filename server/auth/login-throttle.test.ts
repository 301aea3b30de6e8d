import { describe, expect, it } from 'vitest'
import { LoginThrottle } from './login-throttle.js'

// The throttle's rules on a clock of its own (no waiting): free failures, exponential lock-out,
// the right password refused while locked, reset on success, bounded memory.

function throttleAt(start = 1_000_000) {
  const clock = { now: start }
  const throttle = new LoginThrottle({ now: () => clock.now, maxKeys: 100 })
  const fail = (username: string, address: string) => {
    const wait = throttle.begin(username, address)
    if (wait === 0) throttle.end(username, address, 'failed')
    return wait
  }
  return { clock, throttle, fail }
}

describe('LoginThrottle', () => {
  it('locks an account after 5 failures for 15 s, doubling with each further failure up to 15 min', () => {
    const { clock, throttle, fail } = throttleAt()
    for (let i = 0; i < 5; i++) expect(fail('county', `10.0.0.${i}`)).toBe(0)
    const locks: number[] = []
    for (let i = 0; i < 8; i++) {
      const wait = throttle.begin('county', '10.1.0.1')
      locks.push(wait)
      clock.now += wait * 1000 // sit the lock out, then fail once more
      expect(fail('county', '10.1.0.1')).toBe(0)
    }
    expect(locks).toEqual([15, 30, 60, 120, 240, 480, 900, 900])
  })

  it('refuses even the right password while locked, and lets it in afterwards (which resets the count)', () => {
    const { clock, throttle, fail } = throttleAt()
    for (let i = 0; i < 5; i++) fail('county', '10.0.0.1')
    expect(throttle.begin('county', '10.0.0.2')).toBe(15)
    clock.now += 15_000
    expect(throttle.begin('county', '10.0.0.2')).toBe(0)
    throttle.end('county', '10.0.0.2', 'succeeded')
    for (let i = 0; i < 5; i++) expect(fail('county', '10.0.0.3')).toBe(0)
    expect(throttle.begin('county', '10.0.0.3')).toBe(15)
  })

  it('forgets failures 15 minutes after the last lock ended', () => {
    const { clock, throttle, fail } = throttleAt()
    for (let i = 0; i < 4; i++) fail('county', '10.0.0.1')
    clock.now += 15 * 60_000 + 1
    for (let i = 0; i < 4; i++) expect(fail('county', '10.0.0.1')).toBe(0)
    expect(throttle.size.accounts).toBe(1)
  })

  it('admits at most the free failures in flight, then one at a time', () => {
    const { throttle } = throttleAt()
    const started = Array.from({ length: 8 }, () => throttle.begin('county', '10.0.0.1'))
    expect(started).toEqual([0, 0, 0, 0, 0, 1, 1, 1])
    for (let i = 0; i < 5; i++) throttle.end('county', '10.0.0.1', 'aborted')
    expect(throttle.begin('county', '10.0.0.1')).toBe(0)
  })

  it('keeps at most maxKeys accounts and addresses however many are tried', () => {
    const { throttle, fail } = throttleAt()
    for (let i = 0; i < 5_000; i++) fail(`user-${i}`, `10.${i >> 8}.${i & 255}.1`)
    expect(throttle.size).toEqual({ accounts: 100, addresses: 100 })
  })
})
