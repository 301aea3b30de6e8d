import { describe, expect, it } from 'vitest'
import {
  codeOfPrefix,
  isUrbanRuralCode,
  isWithinScope,
  levelOfCode,
  parentCodeOf,
  parseLevel,
  parseRegionPrefix,
  prefixOfCode,
} from './region-codes.js'

describe('statistical division codes', () => {
  it.each([
    ['990000000000', '99', 1],
    ['990100000000', '9901', 2],
    ['990101000000', '990101', 3],
    ['990101001000', '990101001', 4],
    ['990101001001', '990101001001', 5],
  ])('%s is level %s with prefix %s', (code, prefix, level) => {
    expect(prefixOfCode(code)).toBe(prefix)
    expect(levelOfCode(code)).toBe(level)
    expect(codeOfPrefix(prefix)).toBe(code)
  })

  it('accepts codes and 2/4/6/9-digit prefixes, nothing else', () => {
    expect(parseRegionPrefix('990101000000')).toBe('990101')
    expect(parseRegionPrefix('990101001')).toBe('990101001')
    expect(parseRegionPrefix('99010100100')).toBeNull()
    expect(parseRegionPrefix('99010')).toBeNull()
    expect(parseRegionPrefix('99a101')).toBeNull()
  })

  it('scopes by prefix: a township sees its communities, not its neighbour', () => {
    expect(isWithinScope('990101001', '990101001002')).toBe(true)
    expect(isWithinScope('990101001', '990101002')).toBe(false)
    expect(isWithinScope('990101001', '990101')).toBe(false)
    expect(isWithinScope('', '99')).toBe(true)
  })

  it('derives the parent from the code, reads levels as files write them, and knows the urban–rural classes', () => {
    expect(parentCodeOf('990101001001')).toBe('990101001000')
    expect(parentCodeOf('990101001000')).toBe('990101000000')
    expect(parentCodeOf('990000000000')).toBeNull()
    expect([4, '5', ' 4 ', '乡级', '社区', '街道'].map(parseLevel)).toEqual([4, 5, 4, 4, 5, 4])
    expect([0, '6', '4.5', '乡镇级', null].map(parseLevel)).toEqual([null, null, null, null, null])
    expect(['111', '122', '210', '220'].every(isUrbanRuralCode)).toBe(true)
    expect(['130', '230', '11', '1111'].some(isUrbanRuralCode)).toBe(false)
  })
})
