import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import { currentGrids } from '../proposals/changes.js'
import { type LayerGrid, nodeLayer } from '../proposals/layer-noding.js'
import type { PolygonGeometry } from '../proposals/noding.js'

// An import's grids are noded before they are written, as a proposal's after-state is
// (docs/editor.md, "How exactness is kept"): per township, against the grids in force there.

/** Rows grouped by their township (the 9-digit prefix of region_code), in first-seen order. */
export function byTownship<T extends { region_code: string }>(rows: readonly T[]): Map<string, T[]> {
  const townships = new Map<string, T[]>()
  for (const row of rows) {
    const township = row.region_code.slice(0, 9)
    const group = townships.get(township)
    if (group) group.push(row)
    else townships.set(township, [row])
  }
  return townships
}

/** Replaces each grid's geometry by its noded one: shared boundaries get the same vertices on both sides. */
export async function nodeImportedGrids(db: Kysely<Database>, rows: { region_code: string; geometry: unknown }[]): Promise<void> {
  for (const [township, imported] of byTownship(rows)) {
    const inForce: LayerGrid[] = (await currentGrids(db, township)).map((grid) => ({
      geometry: grid.geometry as PolygonGeometry,
      region: grid.region_code,
    }))
    const noded = nodeLayer(
      imported.map((row) => ({ geometry: row.geometry as PolygonGeometry, region: row.region_code })),
      inForce,
    )
    imported.forEach((row, i) => {
      row.geometry = noded[i]
    })
  }
}
