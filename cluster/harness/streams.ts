import type { Cluster } from './cluster.js'
import { lookupPath } from './api.js'
import type { LoadStream } from './load.js'

// The request streams the tests run through HAProxy.

/** Single lookups with the department key, over a point inside each grid in turn. */
export function lookupStream(cluster: Cluster, ratePerSecond: number, loops = 2): LoadStream {
  return {
    kind: 'lookup',
    ratePerSecond,
    loops,
    paths: cluster.grids.map(lookupPath),
    headers: { 'x-api-key': cluster.apiKey },
    timeoutMs: 10_000,
  }
}
