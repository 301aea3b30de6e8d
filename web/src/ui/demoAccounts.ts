/**
 * The demo accounts the server seeds outside production (server/auth/demo-users.ts, kept equal by
 * demoAccounts.test.ts): the page cannot import that module (it writes users), so it lists them here.
 */
export const DEMO_ACCOUNTS: readonly { username: string; display_name: string; role: string }[] = [
  { username: 'admin', display_name: '系统管理员', role: 'admin' },
  { username: 'city', display_name: '示范市网格中心', role: 'city' },
  { username: 'county', display_name: '示范县网格中心', role: 'county' },
  { username: 'township', display_name: '东湖街道网格中心', role: 'township' },
  { username: 'baisha', display_name: '白沙镇网格中心', role: 'township' },
  { username: 'dept', display_name: '县公安局', role: 'department' },
]
