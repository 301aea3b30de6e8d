import gcoordModule from 'gcoord'
import { CRS_NAMES, type CrsName } from './crs-names.js'

// Chinese web-map coordinates (GCJ-02 from AMap/Tencent, BD-09 from Baidu) are converted to
// WGS84 on the way in with gcoord and never stored. WGS84 and CGCS2000 (SRID 4490) differ by
// under a metre and are treated as the same lon/lat.

export { CRS_NAMES, type CrsName }

// gcoord ships CommonJS with types that declare an ES default export; under NodeNext the default
// import is the whole module object at run time, so take its members from either shape.
type Gcoord = (typeof gcoordModule)['default']
const gcoord: Gcoord = (gcoordModule as unknown as { default?: Gcoord }).default ?? (gcoordModule as unknown as Gcoord)

type Position = [number, number]

/** A converter from `crs` to WGS84/CGCS2000 lon/lat (identity for those two). */
export function toLonLat(crs: CrsName | undefined): (position: readonly number[]) => Position {
  if (crs === 'gcj02' || crs === 'bd09') {
    const from = crs === 'gcj02' ? gcoord.GCJ02 : gcoord.BD09
    return (position) => gcoord.transform([position[0] as number, position[1] as number], from, gcoord.WGS84) as Position
  }
  return (position) => [position[0] as number, position[1] as number]
}
