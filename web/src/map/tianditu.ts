import type { LayerSpecification, SourceSpecification } from 'maplibre-gl'

// Optional 天地图 (Tianditu) tiles under our own layers, only when the server is configured with a
// browser key (TIANDITU_KEY). Tianditu's web-mercator tiles ("_w") are in CGCS2000, which is
// WGS84 within a metre, so the grids need no offset (unlike GCJ-02 basemaps).

const SUBDOMAINS = ['0', '1', '2', '3', '4', '5', '6', '7']

function tiles(layer: 'vec' | 'cva', key: string): string[] {
  return SUBDOMAINS.map(
    (s) =>
      `https://t${s}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=${layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${encodeURIComponent(key)}`,
  )
}

/** The vector map and its Chinese labels as raster sources and layers. */
export function tiandituBasemap(key: string): { sources: Record<string, SourceSpecification>; layers: LayerSpecification[] } {
  const common = { type: 'raster' as const, tileSize: 256, maxzoom: 18, attribution: '© 天地图 Tianditu' }
  return {
    sources: { 'tianditu-vec': { ...common, tiles: tiles('vec', key) }, 'tianditu-cva': { ...common, tiles: tiles('cva', key) } },
    layers: [
      { id: 'tianditu-vec', type: 'raster', source: 'tianditu-vec', paint: { 'raster-opacity': 0.85 } },
      { id: 'tianditu-cva', type: 'raster', source: 'tianditu-cva' },
    ],
  }
}
