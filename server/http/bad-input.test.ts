import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createMiniCountyApp } from '../testing/app.js'

// Bad input anywhere in a request gets a 4xx in the documented shape with a plain message in
// both languages — never a 500 from the database: NUL and broken characters, non-UTF-8 and
// over-nested JSON, impossible dates, ids beyond what a column or a JavaScript number holds,
// and the request-line errors Fastify and Node's HTTP parser answer before any route runs.
// Over real HTTP (a listening server), as a county user unless said otherwise.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let base: string

beforeAll(async () => {
  t = await createMiniCountyApp()
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
})
afterAll(async () => t?.close())

interface Ask {
  method?: string
  body?: string | Uint8Array<ArrayBuffer>
  contentType?: string
  token?: string | null
}

/** Sends the request in Chinese and in English; the status, code and both messages. */
async function both(path: string, { method = 'GET', body, contentType, token = t.tokens.county }: Ask = {}) {
  const answers = await Promise.all(
    ['zh-CN', 'en'].map(async (language) => {
      const headers: Record<string, string> = { 'Accept-Language': language, ...(token ? bearer(token) : {}) }
      if (contentType ?? (body !== undefined ? 'application/json' : undefined)) headers['Content-Type'] = contentType ?? 'application/json'
      const response = await fetch(`${base}${path}`, { method, headers, body })
      return { status: response.status, error: ((await response.json()) as { error: { code: string; message: string } }).error }
    }),
  )
  const [zh, en] = answers as [(typeof answers)[0], (typeof answers)[0]]
  return {
    status: zh.status,
    code: zh.error.code,
    zh: zh.error.message,
    en: en.status === zh.status ? en.error.message : `status ${en.status}`,
  }
}

const json = (value: unknown) => JSON.stringify(value)

describe('NUL and broken characters', () => {
  it('refuses NUL in the login username and password, naming the field', async () => {
    expect(
      await both('/api/v1/auth/login', { method: 'POST', body: json({ username: 'county\u0000', password: 'demo' }), token: null }),
    ).toEqual({
      status: 400,
      code: 'text_nul',
      zh: '字段“body.username”含有空字符（\\u0000），无法保存，请删除后重新提交',
      en: 'Field "body.username" contains a NUL character (\\u0000), which cannot be stored; remove it and send again',
    })
    const password = await both('/api/v1/auth/login', {
      method: 'POST',
      body: json({ username: 'county', password: 'de\u0000mo' }),
      token: null,
    })
    expect([password.status, password.code, password.en]).toEqual([
      400,
      'text_nul',
      'Field "body.password" contains a NUL character (\\u0000), which cannot be stored; remove it and send again',
    ])
  })

  it('refuses NUL in audit filters and in path parameters', async () => {
    const action = await both('/api/v1/audit?action=log%00in')
    expect(action).toEqual({
      status: 400,
      code: 'text_nul',
      zh: '字段“querystring.action”含有空字符（\\u0000），无法保存，请删除后重新提交',
      en: 'Field "querystring.action" contains a NUL character (\\u0000), which cannot be stored; remove it and send again',
    })
    expect((await both('/api/v1/audit?entity=%00')).en).toContain('"querystring.entity"')
    expect((await both('/api/v1/codes/99%00')).en).toContain('"params.code"')
  })

  it('refuses NUL deep in a body and in a member name, naming the path', async () => {
    const change = { op: 'update', grid: '990101001001001', properties: { households: 300, attributes: { note: ['ok', 'b\u0000d'] } } }
    const deep = await both('/api/v1/proposals', {
      method: 'POST',
      body: json({ region: '990101001000', title: 't', reason: 'r', changes: [change] }),
      token: t.tokens.township,
    })
    expect([deep.status, deep.code, deep.en]).toEqual([
      400,
      'text_nul',
      'Field "body.changes.0.properties.attributes.note.1" contains a NUL character (\\u0000), which cannot be stored; remove it and send again',
    ])
    const key = await both('/api/v1/api-keys', {
      method: 'POST',
      body: '{"name":"n","department":"d","region_prefix":"990101","x\\u0000":1}',
    })
    expect([key.status, key.code]).toEqual([400, 'text_nul'])
    expect(key.zh).toBe('字段“body.x\\u0000”含有空字符（\\u0000），无法保存，请删除后重新提交')
  })

  it('refuses an unpaired surrogate, which PostgreSQL jsonb refuses and pg would turn into U+FFFD', async () => {
    expect(await both('/api/v1/auth/login', { method: 'POST', body: '{"username":"a\\ud800","password":"x"}', token: null })).toEqual({
      status: 400,
      code: 'text_unpaired_surrogate',
      zh: '字段“body.username”含有残缺字符（不成对的 UTF-16 代理项 \\ud800–\\udfff），不是有效文本',
      en: 'Field "body.username" contains a broken character (an unpaired UTF-16 surrogate, \\ud800–\\udfff), which is not valid text',
    })
    // A proper pair (an emoji written as two escapes) is text like any other.
    const pair = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"username":"\\ud83d\\ude00","password":"x"}',
    })
    expect(pair.status).toBe(401)
  })
})

describe('JSON bodies', () => {
  it('refuses a GBK body instead of storing ����', async () => {
    const gbk = iconv.encode(json({ username: '白沙', password: 'x' }), 'gbk')
    expect(await both('/api/v1/auth/login', { method: 'POST', body: new Uint8Array(gbk), token: null })).toEqual({
      status: 400,
      code: 'body_not_utf8',
      zh: '请求内容不是有效的 UTF-8 编码（可能是 GBK/GB18030），请以 UTF-8 编码发送 JSON',
      en: 'The request body is not valid UTF-8 (it may be GBK/GB18030); send JSON encoded as UTF-8',
    })
    const title = iconv.encode(json({ region: '990101001000', title: '白沙', reason: '白沙', changes: [] }), 'gbk')
    const proposal = await both('/api/v1/proposals', {
      method: 'POST',
      body: new Uint8Array(title),
      contentType: 'application/json; charset=gbk',
      token: t.tokens.township,
    })
    expect([proposal.status, proposal.code]).toEqual([400, 'body_not_utf8'])
    expect(await t.db.selectFrom('proposals').select('id').execute()).toEqual([])
  })

  it('accepts UTF-8 with a byte-order mark, and still refuses __proto__ members and oversized bodies', async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(json({ username: 'county', password: 'demo' }))])
    expect(
      (await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: bom })).status,
    ).toBe(200)
    const poisoned = await both('/api/v1/auth/login', {
      method: 'POST',
      body: '{"username":"a","password":"b","__proto__":{"admin":true}}',
      token: null,
    })
    expect([poisoned.status, poisoned.code]).toEqual([400, 'invalid_json'])
    const large = await both('/api/v1/auth/login', {
      method: 'POST',
      body: json({ username: 'x', password: 'y'.repeat(2 * 1024 * 1024) }),
      token: null,
    })
    expect(large).toEqual({
      status: 413,
      code: 'body_too_large',
      zh: '请求内容过大，上限为 1 MB',
      en: 'The request body is too large; the limit is 1 MB',
    })
  })

  it('refuses nesting deeper than 64 levels before any handler walks it', async () => {
    const deep = `{"features":${'['.repeat(10_000)}${']'.repeat(10_000)}}`
    expect(await both('/api/v1/validate', { method: 'POST', body: deep })).toEqual({
      status: 400,
      code: 'body_too_deep',
      zh: 'JSON 请求内容嵌套过深：数组和对象最多嵌套 64 层',
      en: 'The JSON body is nested too deeply: at most 64 levels of arrays and objects are accepted',
    })
    // Brackets inside strings do not count.
    const text = json({ username: 'county', password: '['.repeat(100) })
    expect(
      (await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: text })).status,
    ).toBe(401)
  })

  it('refuses 1e999 (Infinity) where a number is expected', async () => {
    const body = '{"features":{"type":"FeatureCollection","features":[]},"sliver_tolerance_m2":1e999}'
    expect(await both('/api/v1/validate', { method: 'POST', body })).toEqual({
      status: 400,
      code: 'invalid_request',
      zh: '请求参数有误：字段“body.sliver_tolerance_m2”的类型应为number',
      en: 'Invalid request: field "body.sliver_tolerance_m2" must be number',
    })
  })
})

describe('dates', () => {
  const zh = (value: string) => `日期“${value}”无效：应为 YYYY-MM-DD 格式的真实日期`
  const en = (value: string) => `Date "${value}" is invalid: expected a real date as YYYY-MM-DD`

  it.each([
    ['/api/v1/grids?as_of=0000-01-01', '0000-01-01'],
    ['/api/v1/grids/990101001001001?as_of=0000-01-01', '0000-01-01'],
    ['/api/v1/lookup?lng=113.005&lat=28.005&as_of=0000-01-01', '0000-01-01'],
    ['/api/v1/lookup?lng=113.005&lat=28.005&as_of=2026-02-30', '2026-02-30'],
    ['/api/v1/audit?from=0000-01-01', '0000-01-01'],
    ['/api/v1/audit?to=0000-12-31', '0000-12-31'],
  ])('%s → 400 naming the date', async (path, value) => {
    expect(await both(path)).toEqual({ status: 400, code: 'date_invalid', zh: zh(value), en: en(value) })
  })

  it('refuses a five-digit year as a malformed date', async () => {
    const grids = await both('/api/v1/grids?as_of=10000-01-01')
    expect(grids).toEqual({
      status: 400,
      code: 'invalid_request',
      zh: '请求参数有误：字段“querystring.as_of”的格式不正确',
      en: 'Invalid request: field "querystring.as_of" has the wrong format',
    })
    expect(await both('/api/v1/audit?from=10000-01-01')).toMatchObject({ status: 400, code: 'date_invalid', en: en('10000-01-01') })
  })

  it('refuses an impossible effective date on the applying step', async () => {
    const body = json({ region: '990101001000', title: 't', reason: 'r', changes: [] })
    const draft = (await (
      await fetch(`${base}/api/v1/proposals`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...bearer(t.tokens.township) },
        body,
      })
    ).json()) as { id: number }
    const approve = await both(`/api/v1/proposals/${draft.id}/approve`, {
      method: 'POST',
      body: json({ document_no: 'D', effective_date: '0000-01-01' }),
    })
    expect(approve).toEqual({ status: 400, code: 'date_invalid', zh: zh('0000-01-01'), en: en('0000-01-01') })
  })
})

describe('ids beyond a column or a JavaScript number', () => {
  it.each(['9007199254740993', '100000000000000000000', '9223372036854775808', 'Infinity', '1e308'])(
    'GET /proposals/%s → 400',
    async (id) => {
      expect(await both(`/api/v1/proposals/${id}`)).toMatchObject({ status: 400, code: 'invalid_request' })
    },
  )

  it('names the field and the range, and 404s a well-formed id that is absent', async () => {
    expect(await both('/api/v1/proposals/9007199254740993/diff')).toEqual({
      status: 400,
      code: 'invalid_request',
      zh: '请求参数有误：字段“params.id”超出允许范围',
      en: 'Invalid request: field "params.id" is out of the allowed range',
    })
    expect(await both('/api/v1/proposals/Infinity')).toMatchObject({ en: 'Invalid request: field "params.id" must be integer' })
    expect(await both('/api/v1/proposals/9007199254740991')).toEqual({
      status: 404,
      code: 'proposal_not_found',
      zh: '未找到变更申请 9007199254740991',
      en: 'Proposal 9007199254740991 was not found',
    })
    expect(await both('/api/v1/api-keys/99999999999999999999', { method: 'DELETE' })).toMatchObject({
      status: 404,
      code: 'api_key_not_found',
    })
    expect(await both('/api/v1/audit?before_id=9999999999999999')).toMatchObject({ status: 400, code: 'audit_before_id_invalid' })
    expect(await both('/api/v1/lookup-log?key_id=9007199254740993')).toMatchObject({ status: 400, code: 'field_range' })
  })

  it('a draft version beyond an integer column → 400 (it was a 500 from PostgreSQL)', async () => {
    const body = json({ region: '990101001000', title: 't', reason: 'r', changes: [] })
    const draft = (await (
      await fetch(`${base}/api/v1/proposals`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...bearer(t.tokens.township) },
        body,
      })
    ).json()) as { id: number }
    for (const version of ['2147483648', '9223372036854775808', '1e308']) {
      expect(
        await both(`/api/v1/proposals/${draft.id}`, { method: 'PUT', body: `{"version":${version}}`, token: t.tokens.township }),
      ).toEqual({
        status: 400,
        code: 'invalid_request',
        zh: '请求参数有误：字段“body.version”超出允许范围',
        en: 'Invalid request: field "body.version" is out of the allowed range',
      })
    }
  })
})

/** Writes raw bytes to the server and reads the answer until it closes the connection. */
function rawExchange(request: string): Promise<{ status: number; body: { error: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const socket = connect((t.app.server.address() as AddressInfo).port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const [head = '', body = ''] = text.split('\r\n\r\n')
      resolve({ status: Number(head.split(' ')[1]), body: JSON.parse(body) })
    })
    socket.end(request)
  })
}

describe('errors in the request line and headers, in the error shape', () => {
  it('a path with broken percent-encoding → 400', async () => {
    expect(await both('/api/v1/grids/%E0%A4%A')).toEqual({
      status: 400,
      code: 'url_invalid',
      zh: '请求地址“/api/v1/grids/%E0%A4%A”的百分号编码有误：每个 %XX 应为十六进制字节，且合起来应为 UTF-8 文本',
      en: 'The address "/api/v1/grids/%E0%A4%A" has broken percent-encoding: each %XX must be a hex byte and together they must form UTF-8 text',
    })
  })

  it('a query parameter with broken percent-encoding → 400 naming it (it used to reach handlers as literal text)', async () => {
    const expected = {
      status: 400,
      code: 'query_encoding_invalid',
      zh: '查询参数“querystring.action”的百分号编码有误：每个 %XX 应为十六进制字节，且合起来应为 UTF-8 文本',
      en: 'Query parameter "querystring.action" has broken percent-encoding: each %XX must be a hex byte and together they must form UTF-8 text',
    }
    expect(await both('/api/v1/audit?action=%E0%A4%A')).toEqual(expected)
    expect(await both('/api/v1/audit?action=%ED%A0%80')).toEqual(expected)
    expect((await fetch(`${base}/api/v1/audit?action=%E7%BD%91%E6%A0%BC+x`, { headers: bearer(t.tokens.county) })).status).toBe(200)
  })

  it('a URL over 8,192 characters → 414, also when Node refuses it for its 16 KB header limit', async () => {
    const expected = {
      status: 414,
      code: 'uri_too_long',
      zh: '请求地址过长：最多 8192 个字符',
      en: 'The request address is too long: at most 8192 characters are accepted',
    }
    expect(await both(`/api/v1/grids?region=${'1'.repeat(9000)}`)).toEqual(expected)
    const viaNode = await rawExchange(`GET /api/v1/grids?region=${'1'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)
    expect(viaNode).toEqual({ status: 414, body: { error: { code: 'uri_too_long', message: expected.zh } } })
  })

  it('a path parameter longer than the router takes → 414', async () => {
    expect(await both(`/api/v1/grids/${'1'.repeat(150)}`)).toEqual({
      status: 414,
      code: 'path_parameter_too_long',
      zh: '请求地址中的某一段过长：每段路径最多 100 个字符',
      en: 'A part of the request address is too long: at most 100 characters per path segment are accepted',
    })
  })

  it('headers over 16 KB → 431, in the language asked for', async () => {
    const big = 'x'.repeat(20_000)
    expect(await rawExchange(`GET /api/v1/grids HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\nX-Big: ${big}\r\n\r\n`)).toEqual({
      status: 431,
      body: {
        error: { code: 'headers_too_large', message: 'The request headers are too large: at most 16 KB in all (request line included)' },
      },
    })
    expect((await rawExchange(`GET /api/v1/grids HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`)).body.error.message).toBe(
      '请求头过大：连同请求行合计最多 16 KB',
    )
  })

  it('unreadable HTTP → 400', async () => {
    expect(await rawExchange('GET /health HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\nContent-Length: abc\r\n\r\n')).toEqual({
      status: 400,
      body: { error: { code: 'request_malformed', message: 'The request is not valid HTTP and could not be read' } },
    })
    expect((await rawExchange('NOT HTTP AT ALL\r\n\r\n')).body.error).toEqual({
      code: 'request_malformed',
      message: '请求不是有效的 HTTP 格式，无法读取',
    })
  })

  it('a value outside a list names the values allowed', async () => {
    expect(await both('/api/v1/proposals?state=bogus')).toEqual({
      status: 400,
      code: 'invalid_request',
      zh: '请求参数有误：字段“querystring.state”只能是以下之一：draft, submitted, reviewed, approved, filed, returned',
      en: 'Invalid request: field "querystring.state" must be one of: draft, submitted, reviewed, approved, filed, returned',
    })
    expect(await both('/api/v1/proposals?region=abc')).toMatchObject({ status: 400, code: 'region_prefix_invalid' })
  })
})
