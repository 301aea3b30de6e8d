import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMiniCountyApp } from '../testing/app.js'

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
beforeAll(async () => {
  t = await createMiniCountyApp()
})
afterAll(async () => t?.close())

describe('codes are never reused (database constraint over all history)', () => {
  it('registers every grid code, and refuses a new grid with a retired code', async () => {
    const codes = await t.db.selectFrom('grid_codes').select(['code', 'status']).orderBy('code').execute()
    expect(codes.map((c) => c.code)).toContain('990101001001001')
    // Retire a grid: close its row and mark its code retired.
    await sql`UPDATE grids SET valid_to = '2026-08-01' WHERE code = '990101002001001'`.execute(t.db)
    await sql`UPDATE grid_codes SET status = 'retired', retired_on = '2026-08-01' WHERE code = '990101002001001'`.execute(t.db)
    await expect(
      sql`INSERT INTO grids (code, version, name, kind, region_code, geom, valid_from)
          SELECT code, 1, '新网格', kind, region_code, geom, '2026-09-01' FROM grids WHERE code = '990101002001001'`.execute(t.db),
    ).rejects.toThrow(/was used before and can never be given again/)
    await expect(
      sql`INSERT INTO grids (code, version, name, kind, region_code, geom, valid_from)
          SELECT code, 2, '复活', kind, region_code, geom, '2026-09-01' FROM grids WHERE code = '990101002001001'`.execute(t.db),
    ).rejects.toThrow(/is not active/)
  })
})
