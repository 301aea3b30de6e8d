import { describe, expect, it } from 'vitest'
import { NATIONAL_DEFAULT_RANGE, householdFit, householdRangeFor, urbanRuralBasis } from './household-range.js'
import { type RuleProfile, getProfile } from './profiles.js'

describe('household range', () => {
  it('keeps the national default and the fit helper', () => {
    expect(NATIONAL_DEFAULT_RANGE).toEqual({ min: 200, max: 500 })
    expect(householdFit(null, NATIONAL_DEFAULT_RANGE)).toBe('unknown')
    expect(householdFit(199, NATIONAL_DEFAULT_RANGE)).toBe('below')
    expect(householdFit(200, NATIONAL_DEFAULT_RANGE)).toBe('within')
    expect(householdFit(500, NATIONAL_DEFAULT_RANGE)).toBe('within')
    expect(householdFit(501, NATIONAL_DEFAULT_RANGE)).toBe('above')
  })

  it('reads urban/rural from the 统计用城乡分类代码 (1xx urban, 2xx rural, else assumed urban)', () => {
    expect(urbanRuralBasis('111')).toEqual({ basis: 'urban', assumed: false })
    expect(urbanRuralBasis('123')).toEqual({ basis: 'urban', assumed: false })
    expect(urbanRuralBasis('210')).toEqual({ basis: 'rural', assumed: false })
    expect(urbanRuralBasis('220')).toEqual({ basis: 'rural', assumed: false })
    expect(urbanRuralBasis(null)).toEqual({ basis: 'urban', assumed: true })
    expect(urbanRuralBasis('')).toEqual({ basis: 'urban', assumed: true })
    expect(urbanRuralBasis('320')).toEqual({ basis: 'urban', assumed: true })
  })

  it('picks the range from a profile', () => {
    const changji = getProfile('changji') as RuleProfile
    expect(householdRangeFor(changji, '111')).toMatchObject({ min: 200, max: 300 })
    expect(householdRangeFor(changji, '220')).toMatchObject({ min: 250, max: 350 })
    expect(householdRangeFor(changji, null)).toMatchObject({ min: 200, max: 300 })
    expect(householdFit(320, householdRangeFor(changji, '220'))).toBe('within')
    expect(householdFit(320, householdRangeFor(changji, '111'))).toBe('above')
  })
})
