import { describe, expect, it } from 'vitest'
import { getProfile, listProfiles } from '../profiles/profiles.js'
import { ACT_FOR, applyingStep, chainOf, mayAct, transition } from './chain.js'

// The chain of every profile (including xizang-000, which no region code selects yet, since seed
// 000 does not name its city), walked as the API walks it.
describe('approval chains as data', () => {
  it.each(listProfiles().map((profile) => [profile.id]))(
    '%s: submit, then each step in turn, ends filed or approved, applying once',
    (id) => {
      const chain = chainOf(getProfile(id)!, false)
      let state = 'draft' as Parameters<typeof transition>[1]
      let step = 0
      let applied = 0
      const first = transition(chain, state, step, 'submit')
      if (typeof first === 'string') throw new Error(first)
      ;({ to: state, nextStep: step } = first)
      while (step < chain.length) {
        const next = transition(chain, state, step, ACT_FOR[chain[step]!.action])
        if (typeof next === 'string') throw new Error(`${id} step ${step}: ${next}`)
        if (next.applies) applied++
        ;({ to: state, nextStep: step } = next)
      }
      expect(applied).toBe(1)
      expect(state).toBe(chain.at(-1)?.action === 'file' ? 'filed' : 'approved')
    },
  )

  it('matches the seeds: who proposes, who applies', () => {
    const summary = (id: string) => {
      const chain = getProfile(id)!.approvalChain
      return `${chain.map((s) => `${s.role}:${s.action}`).join(' → ')} (applies at ${chain[applyingStep(chain)]?.action})`
    }
    expect(summary('xizang-000')).toBe('township:propose → county:approve → city:file (applies at approve)')
    expect(summary('heihe')).toBe('county:propose → city:file (applies at file)')
    expect(summary('changji')).toBe('township:propose → county:file (applies at file)')
    expect(summary('zigong')).toBe('county:propose → city:file (applies at file)')
    expect(summary('qingyuan')).toBe('township:propose → county:review → city:approve (applies at approve)')
  })

  it('refuses acts out of turn', () => {
    const chain = getProfile('qingyuan')!.approvalChain
    expect(transition(chain, 'draft', 0, 'approve')).toBe('wrong_state')
    expect(transition(chain, 'submitted', 1, 'file')).toBe('wrong_act')
    expect(transition(chain, 'submitted', 1, 'reject')).toMatchObject({ to: 'returned', nextStep: 0 })
    expect(mayAct('township', chain[1])).toBe(false)
    expect(mayAct('county', chain[1])).toBe(true)
  })
})
