import { describe, expect, it } from 'vitest'
import { DEMO_ACCOUNTS as SEEDED } from '../../../server/auth/demo-users'
import { DEMO_ACCOUNTS } from './demoAccounts'

describe('the login card’s demo accounts', () => {
  it('are the accounts the server seeds', () => {
    expect(DEMO_ACCOUNTS).toEqual(SEEDED.map(({ username, display_name, role }) => ({ username, display_name, role })))
  })
})
