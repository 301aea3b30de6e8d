import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer as auth, createMiniCountyApp } from '../testing/app.js'
import { recordAudit } from './audit.repository.js'

// GET /api/v1/audit: who may read it, region scoping, filters, paging, clear 400s — and the
// table refusing UPDATE, DELETE and TRUNCATE on both engines.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
const tokens: Record<string, string> = {}

beforeAll(async () => {
  t = await createMiniCountyApp()
  for (const username of ['admin', 'city', 'county', 'township', 'dept']) tokens[username] = await t.token(username)
  const actor = { username: 'township', role: 'township', region_prefix: '990101001' }
  // Test entries at known times around a Beijing-time midnight, in and out of the county.
  const entries = [
    { at: '2026-03-01T23:30:00+08:00', region: '990101001001', action: 'update', entity: 'test_grid', id: 'a' },
    { at: '2026-03-02T00:30:00+08:00', region: '990101001002', action: 'update', entity: 'test_grid', id: 'b' },
    { at: '2026-03-02T12:00:00+08:00', region: '990101002000', action: 'submit', entity: 'test_proposal', id: 'c' },
    { at: '2026-03-03T08:00:00+08:00', region: '990102001000', action: 'submit', entity: 'test_proposal', id: 'other-county' },
    { at: '2026-03-03T09:00:00+08:00', region: '990201000000', action: 'submit', entity: 'test_proposal', id: 'other-city' },
  ]
  for (const entry of entries) {
    await sql`INSERT INTO audit_log (at, username, role, region_code, action, entity, entity_id, before, after)
      VALUES (${entry.at}::timestamptz, 'township', 'township', ${entry.region}, ${entry.action}, ${entry.entity}, ${entry.id},
              ${JSON.stringify({ households: 100 })}::jsonb, ${JSON.stringify({ households: 120, note: '调整' })}::jsonb)`.execute(t.db)
  }
  await recordAudit(t.db, actor, { action: 'comment', entity: 'test_proposal', entityId: 'd', regionCode: '990101001000' })
})
afterAll(async () => t?.close())

const audit = (username: string, query = '', language?: string) => {
  const request = t.http().get(`/api/v1/audit${query}`).set(auth(tokens[username]!))
  return language ? request.set('Accept-Language', language) : request
}

type Entry = { id: number; at: string; region_code: string; entity: string; entity_id: string | null; action: string }

describe('who may read the audit log', () => {
  it('refuses township and department users, naming the roles that may', async () => {
    for (const username of ['township', 'dept']) {
      const response = await audit(username).expect(403)
      expect(response.body.error.code).toBe('audit_role_forbidden')
    }
    expect((await audit('township').expect(403)).body.error.message).toBe(
      '审计日志仅限系统管理员、市级用户和县级用户查阅；乡镇（街道）用户无权查看',
    )
    expect((await audit('dept', '', 'en').expect(403)).body.error.message).toBe(
      'The audit log may be read only by administrators, city users and county users; your account (department user) may not read it',
    )
  })

  it('needs a login', async () => {
    await t.http().get('/api/v1/audit').expect(401)
  })
})

describe('region scope', () => {
  it('gives a county user its own county by default, newest first (in the order written)', async () => {
    const response = await audit('county').expect(200)
    const entries: Entry[] = response.body.entries
    expect(entries.length).toBeGreaterThan(0)
    for (const entry of entries) expect(entry.region_code.startsWith('990101')).toBe(true)
    const ids = entries.map((entry) => entry.id)
    expect(ids).toEqual([...ids].sort((a, b) => b - a))
    const tests = entries.filter((entry) => entry.entity.startsWith('test_')).map((entry) => entry.entity_id)
    expect(tests).toEqual(['d', 'c', 'b', 'a'])
    // The county's own writes and logins are there; another county's and system-wide ones are not.
    expect(entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(['import_grids', 'login']))
    expect(entries.find((entry) => entry.action === 'login_failed' || entry.region_code === '')).toBeUndefined()
    expect(response.body.next_before_id).toBeNull()
  })

  it('returns each field, with before/after as JSON', async () => {
    const response = await audit('county', '?entity=test_grid&limit=1').expect(200)
    expect(response.body.entries).toEqual([
      {
        id: expect.any(Number),
        at: '2026-03-01T16:30:00.000Z',
        username: 'township',
        role: 'township',
        region_code: '990101001002',
        action: 'update',
        entity: 'test_grid',
        entity_id: 'b',
        before: { households: 100 },
        after: { households: 120, note: '调整' },
      },
    ])
  })

  it('narrows to a township inside the scope and refuses regions outside it', async () => {
    const township = await audit('county', '?region=990101002000&entity=test_proposal').expect(200)
    expect(township.body.entries.map((entry: Entry) => entry.entity_id)).toEqual(['c'])
    const outside = await audit('county', '?region=9901').expect(403)
    expect(outside.body.error.code).toBe('forbidden_region')
    await audit('county', '?region=990102').expect(403)
    expect((await audit('county', '?region=99010').expect(400)).body.error.code).toBe('region_prefix_invalid')
  })

  it('lets a city user see every county of the city, and admin everything', async () => {
    const city = await audit('city', '?entity=test_proposal').expect(200)
    expect(city.body.entries.map((entry: Entry) => entry.entity_id)).toEqual(['d', 'other-county', 'c'])
    await audit('city', '?region=9902').expect(403)
    const admin = await audit('admin', '?entity=test_proposal').expect(200)
    expect(admin.body.entries.map((entry: Entry) => entry.entity_id)).toEqual(['d', 'other-city', 'other-county', 'c'])
    const all = await audit('admin', '?action=login_failed').expect(200)
    expect(all.body.entries).toEqual([])
    await t.http().post('/api/v1/auth/login').send({ username: 'nobody', password: 'x' }).expect(401)
    const failed = await audit('admin', '?action=login_failed').expect(200)
    expect(failed.body.entries).toMatchObject([{ username: 'nobody', role: 'anonymous', region_code: '', entity: 'user' }])
  })
})

describe('filters and paging', () => {
  it('filters by Beijing-time days, inclusive at both ends', async () => {
    const march2 = await audit('county', '?from=2026-03-02&to=2026-03-02').expect(200)
    expect(march2.body.entries.map((entry: Entry) => entry.entity_id)).toEqual(['c', 'b'])
    const march1 = await audit('county', '?to=2026-03-01&entity=test_grid').expect(200)
    expect(march1.body.entries.map((entry: Entry) => entry.entity_id)).toEqual(['a'])
    const since = await audit('admin', '?from=2026-03-03&entity=test_proposal').expect(200)
    expect(since.body.entries.map((entry: Entry) => entry.entity_id)).toEqual(['d', 'other-city', 'other-county'])
  })

  it('filters by action and entity', async () => {
    const submits = await audit('city', '?action=submit&entity=test_proposal').expect(200)
    expect(submits.body.entries.map((entry: Entry) => entry.entity_id)).toEqual(['other-county', 'c'])
  })

  it('pages with limit and before_id until next_before_id is null', async () => {
    const whole = await audit('county', '?limit=1000').expect(200)
    const seen: number[] = []
    let cursor: number | null = null
    let pages = 0
    do {
      const response: { body: { entries: Entry[]; next_before_id: number | null } } = await audit(
        'county',
        `?limit=2${cursor === null ? '' : `&before_id=${cursor}`}`,
      ).expect(200)
      expect(response.body.entries.length).toBeLessThanOrEqual(2)
      seen.push(...response.body.entries.map((entry: Entry) => entry.id))
      cursor = response.body.next_before_id
      if (cursor !== null) expect(cursor).toBe(seen.at(-1))
      pages++
    } while (cursor !== null && pages < 100)
    expect(seen).toEqual(whole.body.entries.map((entry: Entry) => entry.id))
    expect(pages).toBe(Math.ceil(seen.length / 2))
  })

  it('defaults to 100 entries a page', async () => {
    for (let i = 0; i < 105; i++) {
      await recordAudit(
        t.db,
        { username: 'county', role: 'county', region_prefix: '990101' },
        { action: 'bulk', entity: 'test_bulk', entityId: String(i) },
      )
    }
    const first = await audit('county', '?entity=test_bulk').expect(200)
    expect(first.body.entries).toHaveLength(100)
    expect(first.body.entries[0].entity_id).toBe('104')
    const rest = await audit('county', `?entity=test_bulk&before_id=${first.body.next_before_id}`).expect(200)
    expect(rest.body.entries.map((entry: Entry) => entry.entity_id)).toEqual(['4', '3', '2', '1', '0'])
    expect(rest.body.next_before_id).toBeNull()
  })

  it('answers bad limits, cursors and dates with a 400 saying what is allowed', async () => {
    for (const limit of ['0', '1001', 'abc', '-5', '2.5', '']) {
      const response = await audit('county', `?limit=${limit}`).expect(400)
      expect(response.body.error.code).toBe('audit_limit_invalid')
    }
    expect((await audit('county', '?limit=0').expect(400)).body.error.message).toBe('每页条数 limit“0”无效：应为 1 至 1000 之间的整数')
    expect((await audit('county', '?limit=5000', 'en').expect(400)).body.error.message).toBe(
      'limit "5000" is invalid: give a whole number from 1 to 1000',
    )
    for (const cursor of ['0', 'x', '-1', '99999999999999999999']) {
      expect((await audit('county', `?before_id=${cursor}`).expect(400)).body.error.code).toBe('audit_before_id_invalid')
    }
    const date = await audit('county', '?from=2026-02-30', 'en').expect(400)
    expect(date.body.error).toEqual({ code: 'date_invalid', message: 'Date "2026-02-30" is invalid: expected a real date as YYYY-MM-DD' })
    expect((await audit('county', '?to=yesterday').expect(400)).body.error.message).toBe(
      '日期“yesterday”无效：应为 YYYY-MM-DD 格式的真实日期',
    )
    const range = await audit('county', '?from=2026-03-05&to=2026-03-01').expect(400)
    expect(range.body.error).toEqual({ code: 'audit_range_invalid', message: '日期范围无效：开始日期 2026-03-05 晚于结束日期 2026-03-01' })
  })

  it('is described in the OpenAPI document', async () => {
    const spec = await t.http().get('/openapi.json').expect(200)
    const get = spec.body.paths['/api/v1/audit'].get
    expect(get.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'action',
      'before_id',
      'entity',
      'from',
      'limit',
      'region',
      'to',
    ])
    expect(Object.keys(get.responses['200'].content['application/json'].schema.properties)).toEqual(['entries', 'next_before_id'])
  })
})

describe('append-only at the database level (both engines)', () => {
  it('refuses UPDATE, DELETE and TRUNCATE, and keeps every row', async () => {
    const before = await t.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    await expect(sql`UPDATE audit_log SET action = 'tampered' WHERE entity = 'test_grid'`.execute(t.db)).rejects.toThrow(/append-only/)
    await expect(sql`DELETE FROM audit_log WHERE entity = 'test_grid'`.execute(t.db)).rejects.toThrow(/append-only/)
    await expect(sql`TRUNCATE audit_log`.execute(t.db)).rejects.toThrow(/append-only/)
    const after = await t.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
    const tampered = await t.db.selectFrom('audit_log').select('id').where('action', '=', 'tampered').execute()
    expect(tampered).toEqual([])
  })
})
