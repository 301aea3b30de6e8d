import { createHash } from 'node:crypto'

// Encoded tiles of the grids in force, kept per index: a tile is cut once per index build, then
// served from memory with its ETag. The lookup index is rebuilt on every node when grids change
// (approvals, imports: server/lookup/index/index-holder.ts), and a new index starts an empty cache,
// so no tile outlives the grids it was cut from. Least recently used tiles go first past the bound.

export interface CachedTile {
  body: Buffer
  /** Strong: a hash of the bytes, so a tile whose grids did not change keeps its tag across builds. */
  etag: string
}

export function tileEtag(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`
}

export class TileCache {
  private owner: object | null = null
  private readonly tiles = new Map<string, CachedTile>()
  private bytes = 0

  constructor(private readonly maxBytes: number) {}

  /** The tile under `key` cut from `owner` (the index it was cut from), or undefined. */
  get(owner: object, key: string): CachedTile | undefined {
    if (owner !== this.owner) return undefined
    const tile = this.tiles.get(key)
    if (tile) {
      // Most recently used last: Map keeps insertion order.
      this.tiles.delete(key)
      this.tiles.set(key, tile)
    }
    return tile
  }

  set(owner: object, key: string, body: Buffer): CachedTile {
    if (owner !== this.owner) {
      this.owner = owner
      this.tiles.clear()
      this.bytes = 0
    }
    const tile = { body, etag: tileEtag(body) }
    if (body.byteLength > this.maxBytes) return tile
    this.tiles.set(key, tile)
    this.bytes += body.byteLength
    for (const [oldest, old] of this.tiles) {
      if (this.bytes <= this.maxBytes) break
      this.tiles.delete(oldest)
      this.bytes -= old.body.byteLength
    }
    return tile
  }

  get size(): number {
    return this.tiles.size
  }
}
