import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_BATCH_RECORD_CHARS } from '../../http/limits.js'
import { createMiniCountyApp } from '../../testing/app.js'

// What a batch lookup does with input it cannot use as rows: a record of 100 MB is answered as a
// bad row and skipped without being kept (before the header: 413), while /health keeps
// answering; a GBK file is refused with a message about the encoding. Both languages.

let t: Awaited<ReturnType<typeof createMiniCountyApp>>
let base: string

beforeAll(async () => {
  t = await createMiniCountyApp()
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`
}, 240_000)
afterAll(async () => t?.close())

/** A request body streamed from chunks as they are made (nothing held whole on the client side either). */
function streamed(parts: () => Generator<Buffer>): ReadableStream<Uint8Array> {
  const iterator = parts()
  return new ReadableStream({
    pull(controller) {
      const next = iterator.next()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
  })
}

/** `head`, then `megabytes` MB of "x" with no line break, then `tail`. */
function* longRecord(head: string, megabytes: number, tail: string): Generator<Buffer> {
  yield Buffer.from(head)
  const block = Buffer.alloc(1024 * 1024, 'x')
  for (let i = 0; i < megabytes; i++) yield block
  yield Buffer.from(tail)
}

const batch = (body: ReadableStream<Uint8Array> | Buffer | string, type: string, language: 'en' | 'zh-CN' = 'en') =>
  fetch(`${base}/api/v1/lookup/batch`, {
    method: 'POST',
    headers: { 'content-type': type, authorization: `Bearer ${t.tokens.county}`, 'accept-language': language },
    body,
    duplex: 'half',
  } as RequestInit)

/** Polls /health every 100 ms until `work` settles; every answer must come within 1 s. */
async function whileRunning<T>(work: Promise<T>): Promise<{ result: T; waits: number[]; heapGrowthMb: number }> {
  let done = false
  void work.finally(() => {
    done = true
  })
  const waits: number[] = []
  const baseline = process.memoryUsage().heapUsed
  let heapPeak = baseline
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)
  }, 5)
  while (!done) {
    const sent = performance.now()
    const health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) })
    waits.push(performance.now() - sent)
    expect(health.status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  clearInterval(sampler)
  return { result: await work, waits, heapGrowthMb: (heapPeak - baseline) / 1048576 }
}

describe('a record of 100 MB', () => {
  it('CSV: answered inline as a bad row and skipped unbuffered; the rows after it are answered; /health answers within 1 s throughout', async () => {
    const request = batch(
      streamed(() => longRecord('id,lng,lat\n1,113.015,28.01\n2,', 100, ',28.01\n3,113.005,28.005\n')),
      'text/csv',
    )
    const { result, waits, heapGrowthMb } = await whileRunning(
      request.then(async (response) => ({ status: response.status, text: await response.text() })),
    )
    expect(result.status).toBe(200)
    const rows = result.text.trim().split('\n')
    expect(rows).toHaveLength(4)
    expect(rows[1]).toMatch(/^1,1,990101001002001,/)
    expect(rows[2]).toBe(
      `2,,,,,,,,,,,,lookup_row_too_long,"The row is longer than 65,536 characters and was skipped (an address row is well under 1,000); is each record on a line of its own?"`,
    )
    expect(rows[3]).toMatch(/^3,3,990101001001002,/)
    console.info(
      `100 MB CSV line: /health polled ${waits.length}×, slowest ${Math.round(Math.max(...waits))} ms; heap grew at most ${Math.round(heapGrowthMb)} MB`,
    )
    expect(Math.max(...waits)).toBeLessThan(1000)
    // The old splitter kept the whole line (and copies of it): hundreds of MB.
    expect(heapGrowthMb).toBeLessThan(64)
  }, 120_000)

  it('NDJSON: the same, in Chinese', async () => {
    const request = batch(
      streamed(() => longRecord('{"id":"a","lng":113.015,"lat":28.01}\n{"id":"', 100, '"}\n{"id":"c","lng":113.005,"lat":28.005}\n')),
      'application/x-ndjson',
      'zh-CN',
    )
    const { result, waits } = await whileRunning(
      request.then(async (response) => ({ status: response.status, text: await response.text() })),
    )
    expect(result.status).toBe(200)
    const rows = result.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(rows.map((row: { row: number; grid: { code: string } | null }) => [row.row, row.grid?.code ?? null])).toEqual([
      [1, '990101001002001'],
      [2, null],
      [3, '990101001001002'],
    ])
    expect(rows[1].error).toEqual({
      code: 'lookup_row_too_long',
      message: '该行超过 65,536 个字符，已跳过（一行地址通常不到 1,000 个字符）；请确认每条记录各占一行',
    })
    expect(Math.max(...waits)).toBeLessThan(1000)
  }, 120_000)

  it('before the header is known: the whole request is refused with 413', async () => {
    const en = await batch(
      streamed(() => longRecord('id,', 100, '\n1,113.015,28.01\n')),
      'text/csv',
    )
    expect(en.status).toBe(413)
    expect((await en.json()).error).toEqual({
      code: 'lookup_batch_header_too_long',
      message:
        'The first record (the header) is longer than 65,536 characters; a batch starts with a short header row naming the columns: lng,lat[,crs][,id] or address[,id]',
    })
    const zh = await batch(`${'lng'.repeat(MAX_BATCH_RECORD_CHARS)},lat\n113,28\n`, 'text/csv', 'zh-CN')
    expect(zh.status).toBe(413)
    expect((await zh.json()).error.message).toBe(
      '第一条记录（列名行）超过 65,536 个字符；批量数据须以简短的列名行开头：lng,lat[,crs][,id] 或 address[,id]',
    )
  }, 120_000)
})

describe('encoding', () => {
  it('a GBK CSV is refused with a message about the encoding, not about its header', async () => {
    const gbk = readFileSync('fixtures/addresses/mini-county-gbk.csv')
    const en = await batch(gbk, 'text/csv')
    expect(en.status).toBe(400)
    expect((await en.json()).error).toEqual({
      code: 'lookup_batch_not_utf8',
      message:
        'The batch is not UTF-8 text (a GBK file saved by Excel or WPS looks like this). Save it as "CSV UTF-8", or convert it, e.g. iconv -f GBK -t UTF-8 in.csv > out.csv; the address importer (npm run import:addresses) reads GBK as it is',
    })
    const zh = await batch(gbk, 'text/csv', 'zh-CN')
    expect(zh.status).toBe(400)
    expect((await zh.json()).error.message).toBe(
      '批量数据不是 UTF-8 编码（Excel 或 WPS 保存的 GBK 文件即是如此）。请另存为“CSV UTF-8”，或先转换编码，例如 iconv -f GBK -t UTF-8 in.csv > out.csv；地址库导入（npm run import:addresses）可直接读取 GBK',
    )
  })

  it('the same file in UTF-8 is answered', async () => {
    const response = await batch(readFileSync('fixtures/addresses/mini-county.csv'), 'text/csv')
    expect(response.status).toBe(200)
  })
})
