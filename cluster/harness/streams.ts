import { lookupPath } from './api.js'
import type { Cluster } from './cluster.js'
import type { LoadStream } from './load.js'

// The request streams the tests run through HAProxy.

/**
 * Single lookups over a point inside each grid in turn, with the department's API key or the
 * admin's bearer token (both are checked against the database now and then, and keep their last
 * answer while it cannot be reached: server/auth/account-status.ts, api-keys.repository.ts).
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

/** Web Mercator tile numbers of a point at zoom z. */
function tileOf(lng: number, lat: number, z: number): [number, number] {
  const n = 2 ** z
  const phi = (lat * Math.PI) / 180
  return [Math.floor(((lng + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * n)]
}

/**
 * Lag-tolerant reads (the reader: the replica when there is one): OGC items of the communities
 * and of the buildings, page by page, and vector tiles of the communities. Tiles of the regions
 * are kept once cut, so the list walks distinct tiles (zoom 16 over the grids' points): each is
 * read from the database the first time.
 */
export function replicaReadStream(cluster: Cluster, ratePerSecond: number): LoadStream {
  const tiles = [...new Set(cluster.grids.map((grid) => tileOf(grid.lng, grid.lat, 16).join('/')))]
  const paths: string[] = []
  for (let i = 0; i < 400; i++) {
    paths.push(`/ogc/collections/communities/items?limit=5&offset=${i % 50}`)
    paths.push(`/ogc/collections/buildings/items?limit=10&offset=${i * 10}`)
    paths.push(`/tiles/communities/16/${tiles[i % tiles.length]}.mvt`)
  }
  return {
    kind: 'replica-reads',
    ratePerSecond,
    loops: 2,
    paths,
    headers: { authorization: `Bearer ${cluster.adminToken}` },
    timeoutMs: 30_000,
  }
}
