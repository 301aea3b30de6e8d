import { describe, expect, it } from 'vitest'
import { newGridNumber } from './attributeForm'

describe('draft ids of new grids', () => {
  it('reads new-N as the number N; a grid code is no new grid', () => {
    expect(newGridNumber('new-1')).toBe(1)
    expect(newGridNumber('new-12')).toBe(12)
    expect(newGridNumber('990101004007002')).toBeNull()
    expect(newGridNumber('new-0')).toBeNull()
  })
})
