import { lookupPath } from './api.js'
import type { Cluster } from './cluster.js'
import type { LoadStream } from './load.js'

// The request streams the tests run through HAProxy.

/**
 * Single lookups over a point inside each grid in turn, with the department's API key or the
 * admin's bearer token. The database fault tests use the token: a key is verified against the
 * database and trusted for 30 s (server/auth/api-keys.repository.ts), so a lookup by key during
 * an outage needs the database whenever that time has just run out; a token is checked in memory.
 */
export function lookupStream(
  cluster: Cluster,
  ratePerSecond: number,
  options: { loops?: number; auth?: 'key' | 'token' } = {},
): LoadStream {
  return {
    kind: 'lookup',
    ratePerSecond,
    loops: options.loops ?? 2,
    paths: cluster.grids.map(lookupPath),
    headers: options.auth === 'token' ? { authorization: `Bearer ${cluster.adminToken}` } : { 'x-api-key': cluster.apiKey },
    timeoutMs: 10_000,
  }
}

/** Batch lookups: `rows` points of the grids as CSV per request. */
export function batchStream(cluster: Cluster, ratePerSecond: number, rows = 100): LoadStream {
  const lines = Array.from({ length: rows }, (_, i) => {
    const grid = cluster.grids[i % cluster.grids.length] as { lng: number; lat: number }
    return `${grid.lng},${grid.lat},cgcs2000,p${i}`
  })
  return {
    kind: 'batch',
    ratePerSecond,
    loops: 1,
    method: 'POST',
    paths: ['/api/v1/lookup/batch'],
    headers: { 'x-api-key': cluster.apiKey, 'content-type': 'text/csv' },
    body: `lng,lat,crs,id\n${lines.join('\n')}\n`,
    timeoutMs: 30_000,
  }
}

/** Grid reads: one grid by code, and a community's grids, in turn (bearer token). */
export function gridReadStream(cluster: Cluster, ratePerSecond: number): LoadStream {
  const communities = [...new Set(cluster.grids.map((grid) => grid.region_code))]
  return {
    kind: 'grids',
    ratePerSecond,
    loops: 1,
    paths: cluster.grids.flatMap((grid, i) => [
      `/api/v1/grids/${grid.code}`,
      `/api/v1/grids?region=${communities[i % communities.length]}`,
    ]),
    headers: { authorization: `Bearer ${cluster.adminToken}` },
    timeoutMs: 30_000,
  }
}
