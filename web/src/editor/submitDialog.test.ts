import { describe, expect, it } from 'vitest'
import type { ProposalStep } from '../api/types'
import { editedText, nextStep, submitProblem } from './submitDialog'

describe('submit dialog input', () => {
  it('asks for a title and a reason before anything is sent', () => {
    expect(submitProblem('  ', '理由')).toBe('editor.submitDialog.titleRequired')
    expect(submitProblem('白沙镇网格调整', '\n')).toBe('editor.submitDialog.reasonRequired')
    expect(submitProblem('x'.repeat(201), '理由')).toBe('editor.submitDialog.tooLong')
    expect(submitProblem('白沙镇网格调整', '户数超标')).toBeNull()
  })

  it("names the chain's second step as the one that acts next", () => {
    const step = (role: string, action: ProposalStep['action']): ProposalStep => ({ role, action, status: 'pending' })
    expect(nextStep({ steps: [step('township', 'propose'), step('county', 'approve'), step('city', 'file')] })).toMatchObject({
      role: 'county',
      action: 'approve',
    })
    expect(nextStep({ steps: [step('county', 'propose')] })).toBeNull()
  })
})

describe('what submitting saves first', () => {
  const p = { title: '白沙镇网格调整', reason: '根据网格化服务管理要求调整网格边界和规模' }
  it('nothing when the prefilled title and reason were left as they were', () => {
    expect(editedText(p, p.title, p.reason)).toBeNull()
  })
  it('both when either was edited', () => {
    expect(editedText(p, '白沙镇七组拆分', p.reason)).toEqual({ title: '白沙镇七组拆分', reason: p.reason })
  })
})
