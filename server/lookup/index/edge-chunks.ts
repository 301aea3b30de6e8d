// Bounding boxes of runs of EDGES_PER_CHUNK edges of each ring (minX, minY, maxX, maxY), and
// where each ring's chunks begin, so that big grids are not walked edge by edge: the
// point-in-polygon test skips runs whose box misses the point's y, the nearest-edge search
// runs farther than the best distance so far (points outside all grids — 30 % of a county-wide
// batch — spent most of the batch there). 2 bytes per vertex.

/** Edges per chunk box. */
export const EDGES_PER_CHUNK = 16

export interface EdgeChunks {
  /** minX, minY, maxX, maxY of each chunk. */
  boxes: Float64Array
  /** First chunk of each ring, and the chunk count last. */
  ringChunkStart: Uint32Array
}

/** The chunk boxes of the rings `ringStart` delimits in `coords` (flat x, y pairs). */
export function edgeChunks(coords: Float64Array, ringStart: Uint32Array): EdgeChunks {
  const rings = ringStart.length - 1
  const ringChunkStart = new Uint32Array(rings + 1)
  let chunks = 0
  for (let ring = 0; ring < rings; ring++) {
    ringChunkStart[ring] = chunks
    const edges = Math.max(0, (ringStart[ring + 1] as number) - (ringStart[ring] as number) - 1)
    chunks += Math.ceil(edges / EDGES_PER_CHUNK)
  }
  ringChunkStart[rings] = chunks
  const boxes = new Float64Array(chunks * 4)
  for (let ring = 0; ring < rings; ring++) {
    const firstVertex = ringStart[ring] as number
    const lastVertex = (ringStart[ring + 1] as number) - 1
    for (let chunk = ringChunkStart[ring] as number, v = firstVertex; v < lastVertex; chunk++, v += EDGES_PER_CHUNK) {
      let minX = Number.POSITIVE_INFINITY
      let minY = Number.POSITIVE_INFINITY
      let maxX = Number.NEGATIVE_INFINITY
      let maxY = Number.NEGATIVE_INFINITY
      for (let k = v, end = Math.min(v + EDGES_PER_CHUNK, lastVertex); k <= end; k++) {
        const x = coords[k * 2] as number
        const y = coords[k * 2 + 1] as number
        if (x < minX) minX = x
        if (y < minY) minY = y
        if (x > maxX) maxX = x
        if (y > maxY) maxY = y
      }
      boxes[chunk * 4] = minX
      boxes[chunk * 4 + 1] = minY
      boxes[chunk * 4 + 2] = maxX
      boxes[chunk * 4 + 3] = maxY
    }
  }
  return { boxes, ringChunkStart }
}
