import type { FeatureCollection } from 'geojson'
import type { ExpressionSpecification, StyleSpecification } from 'maplibre-gl'
import type { Fit } from '../api/types'

// An offline basemap: no tiles, sprites or glyph server. Everything drawn comes from our own
// GeoJSON. The style has no `glyphs` URL, so MapLibre draws every label character with the
// browser's own fonts (TinySDF); `text-font` below is used as the CSS font-family list.

export const FIT_COLORS: Record<Fit, string> = {
  within: '#4daf6a',
  below: '#5b9bd5',
  above: '#e8703a',
  unknown: '#b4b4b4',
}

/** CJK-capable families in order of preference (Noto CJK on Linux, system fonts elsewhere). */
export const LABEL_FONT = ['Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', 'sans-serif']

export const SOURCES = {
  regions: 'regions',
  regionLabels: 'region-labels',
  grids: 'grids',
  gridLabels: 'grid-labels',
  issues: 'issues',
  diff: 'diff',
  history: 'history',
  /** Editor: the selected grids' vertices (drag handles), the merge selection, the drag preview. */
  editVertices: 'edit-vertices',
  editSelection: 'edit-selection',
  editPreview: 'edit-preview',
  /** Proposal comments pinned to map points. */
  comments: 'comments',
  /** Lookup: the point asked about. */
  lookup: 'lookup',
  /** The measure tool's line or polygon and its points. */
  measure: 'measure',
} as const
export const EDIT_VERTEX_LAYER = 'edit-vertex'
export const COMMENT_LAYER = 'comment-pin'
export const ISSUE_FILL_LAYER = 'issue-fill'
export const ISSUE_LAYERS = ['issue-fill', 'issue-line', 'issue-point'] as const
export const DIFF_LAYERS = ['diff-fill', 'diff-line', 'diff-line-dashed'] as const

/** Error-layer colours: gaps red, overlaps brown (not the orange of 超出标准), outside magenta, warnings yellow (also used by the issue list and the legend). */
export const ISSUE_COLORS = { gap: '#d62728', overlap: '#8c510a', outside: '#b0126b', error: '#d62728', warning: '#f2c200' } as const
export const DIFF_COLORS = { added: '#2ca02c', removed: '#d62728', changed: '#1f6fd1' } as const

/** Colour of an issue feature (properties `code`, `severity`). */
const issueColor: ExpressionSpecification = [
  'case',
  ['==', ['get', 'severity'], 'warning'],
  ISSUE_COLORS.warning,
  [
    'match',
    ['get', 'code'],
    ['overlap', 'micro_overlap'],
    ISSUE_COLORS.overlap,
    ['outside_parent', 'micro_outside_parent', 'dedicated_outside'],
    ISSUE_COLORS.outside,
    ISSUE_COLORS.gap,
  ],
]
const isPolygon: ExpressionSpecification = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false]
const diffColor: ExpressionSpecification = [
  'match',
  ['get', 'change'],
  'added',
  DIFF_COLORS.added,
  'removed',
  DIFF_COLORS.removed,
  DIFF_COLORS.changed,
]
export const GRID_FILL_LAYER = 'grid-fill'
export const GRID_SELECTED_LAYER = 'grid-selected'

const emptyCollection = (): FeatureCollection => ({ type: 'FeatureCollection', features: [] })

const fitColor: ExpressionSpecification = [
  'match',
  ['get', 'fit'],
  'within',
  FIT_COLORS.within,
  'below',
  FIT_COLORS.below,
  'above',
  FIT_COLORS.above,
  FIT_COLORS.unknown,
]

const haloText = {
  'text-color': '#2b2b2b',
  'text-halo-color': 'rgba(255,255,255,0.9)',
  'text-halo-width': 1.5,
}

/** Zoom from which a grid's label carries its code under the name (street level: an officer reads codes off the map). */
export const GRID_CODE_LABEL_ZOOM = 14

/** The grid's short name; from street zoom on, its code on a second, smaller line. */
const gridLabelText: ExpressionSpecification = [
  'step',
  ['zoom'],
  ['get', 'label'],
  GRID_CODE_LABEL_ZOOM,
  ['format', ['get', 'label'], {}, '\n', {}, ['get', 'code'], { 'font-scale': 0.85 }],
]

export function buildStyle(): StyleSpecification {
  return {
    version: 8,
    name: 'gridwork offline',
    sources: {
      [SOURCES.regions]: { type: 'geojson', data: emptyCollection() },
      [SOURCES.regionLabels]: { type: 'geojson', data: emptyCollection() },
      // promoteId lets queried features carry the grid code as their id.
      [SOURCES.grids]: { type: 'geojson', data: emptyCollection(), promoteId: 'code' },
      [SOURCES.gridLabels]: { type: 'geojson', data: emptyCollection() },
      [SOURCES.issues]: { type: 'geojson', data: emptyCollection(), promoteId: 'key' },
      [SOURCES.diff]: { type: 'geojson', data: emptyCollection() },
      [SOURCES.history]: { type: 'geojson', data: emptyCollection() },
      [SOURCES.editVertices]: { type: 'geojson', data: emptyCollection() },
      [SOURCES.editSelection]: { type: 'geojson', data: emptyCollection() },
      [SOURCES.editPreview]: { type: 'geojson', data: emptyCollection() },
      [SOURCES.comments]: { type: 'geojson', data: emptyCollection() },
      [SOURCES.lookup]: { type: 'geojson', data: emptyCollection() },
      [SOURCES.measure]: { type: 'geojson', data: emptyCollection() },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f3f1ec' } },
      // Land of the loaded jurisdiction, so the area outside it reads as "not ours".
      {
        id: 'region-fill',
        type: 'fill',
        source: SOURCES.regions,
        paint: { 'fill-color': '#ffffff' },
      },
      {
        id: GRID_FILL_LAYER,
        type: 'fill',
        source: SOURCES.grids,
        paint: { 'fill-color': fitColor, 'fill-opacity': ['interpolate', ['linear'], ['zoom'], 9, 0.55, 15, 0.35] },
      },
      {
        id: 'grid-outline',
        type: 'line',
        source: SOURCES.grids,
        paint: {
          'line-color': '#ffffff',
          'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.3, 14, 1.2],
        },
      },
      {
        id: 'community-boundary',
        type: 'line',
        source: SOURCES.regions,
        filter: ['==', ['get', 'level'], 5],
        paint: { 'line-color': '#6b6b6b', 'line-width': 1, 'line-dasharray': [3, 2] },
      },
      {
        id: 'township-boundary',
        type: 'line',
        source: SOURCES.regions,
        filter: ['==', ['get', 'level'], 4],
        paint: { 'line-color': '#3d3d3d', 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 1.5, 14, 2.5] },
      },
      // City and province users also get counties (and cities) among the descendants.
      {
        id: 'county-boundary',
        type: 'line',
        source: SOURCES.regions,
        filter: ['<=', ['get', 'level'], 3],
        paint: { 'line-color': '#222222', 'line-width': 3 },
      },
      {
        id: GRID_SELECTED_LAYER,
        type: 'line',
        source: SOURCES.grids,
        filter: ['==', ['get', 'code'], ''],
        paint: { 'line-color': '#c0392b', 'line-width': 3 },
      },
      // Proposal diff: added green, removed red dashed, changed blue (before dashed, after solid).
      {
        id: 'diff-fill',
        type: 'fill',
        source: SOURCES.diff,
        filter: ['match', ['get', 'change'], ['added', 'changed_after'], true, false],
        paint: { 'fill-color': diffColor, 'fill-opacity': 0.25 },
      },
      {
        id: 'diff-line',
        type: 'line',
        source: SOURCES.diff,
        filter: ['match', ['get', 'change'], ['added', 'changed_after'], true, false],
        paint: { 'line-color': diffColor, 'line-width': 2.5 },
      },
      {
        id: 'diff-line-dashed',
        type: 'line',
        source: SOURCES.diff,
        filter: ['match', ['get', 'change'], ['removed', 'changed_before'], true, false],
        paint: { 'line-color': diffColor, 'line-width': 2.5, 'line-dasharray': [2, 1.5] },
      },
      // One version of a grid picked in its history: purple outline over a faint fill.
      {
        id: 'history-fill',
        type: 'fill',
        source: SOURCES.history,
        paint: { 'fill-color': '#7b3fbf', 'fill-opacity': 0.15 },
      },
      {
        id: 'history-line',
        type: 'line',
        source: SOURCES.history,
        paint: { 'line-color': '#7b3fbf', 'line-width': 3, 'line-dasharray': [3, 1.5] },
      },
      // Editor: merge selection, drag preview and vertex handles.
      {
        id: 'edit-selection-line',
        type: 'line',
        source: SOURCES.editSelection,
        paint: { 'line-color': '#7b3fbf', 'line-width': 4 },
      },
      {
        id: 'edit-preview-line',
        type: 'line',
        source: SOURCES.editPreview,
        paint: { 'line-color': '#1f6fd1', 'line-width': 2, 'line-dasharray': [2, 1] },
      },
      // Validation error layer: the gap / overlap / outside parts and fault points.
      {
        id: ISSUE_FILL_LAYER,
        type: 'fill',
        source: SOURCES.issues,
        filter: isPolygon,
        paint: { 'fill-color': issueColor, 'fill-opacity': ['case', ['boolean', ['feature-state', 'focus'], false], 0.85, 0.6] },
      },
      {
        id: 'issue-line',
        type: 'line',
        source: SOURCES.issues,
        filter: isPolygon,
        paint: {
          'line-color': ['case', ['boolean', ['feature-state', 'focus'], false], '#111111', issueColor],
          'line-width': ['case', ['boolean', ['feature-state', 'focus'], false], 3, 1.5],
        },
      },
      {
        id: 'issue-point',
        type: 'circle',
        source: SOURCES.issues,
        filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-color': issueColor, 'circle-radius': 6, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
      },
      {
        id: 'grid-label',
        type: 'symbol',
        source: SOURCES.gridLabels,
        minzoom: 13.5,
        layout: { 'text-field': gridLabelText, 'text-font': LABEL_FONT, 'text-size': 11, 'text-max-width': 8 },
        paint: { ...haloText, 'text-color': '#555555' },
      },
      {
        id: 'community-label',
        type: 'symbol',
        source: SOURCES.regionLabels,
        filter: ['==', ['get', 'level'], 5],
        minzoom: 11.5,
        layout: { 'text-field': ['get', 'name'], 'text-font': LABEL_FONT, 'text-size': 13.5 },
        paint: { ...haloText, 'text-color': '#1f1f1f', 'text-halo-width': 2 },
      },
      {
        id: 'county-label',
        type: 'symbol',
        source: SOURCES.regionLabels,
        filter: ['<=', ['get', 'level'], 3],
        maxzoom: 10.5,
        layout: { 'text-field': ['get', 'name'], 'text-font': LABEL_FONT, 'text-size': 16 },
        paint: { ...haloText, 'text-color': '#111111', 'text-halo-width': 2 },
      },
      {
        id: 'township-label',
        type: 'symbol',
        source: SOURCES.regionLabels,
        filter: ['==', ['get', 'level'], 4],
        maxzoom: 13,
        layout: { 'text-field': ['get', 'name'], 'text-font': LABEL_FONT, 'text-size': 15, 'text-letter-spacing': 0.1 },
        paint: { ...haloText, 'text-color': '#1f1f1f', 'text-halo-width': 2 },
      },
      {
        id: EDIT_VERTEX_LAYER,
        type: 'circle',
        source: SOURCES.editVertices,
        paint: {
          'circle-radius': ['case', ['>', ['get', 'shared'], 1], 6, 5],
          'circle-color': ['case', ['>', ['get', 'shared'], 1], '#7b3fbf', '#ffffff'],
          'circle-stroke-color': '#7b3fbf',
          'circle-stroke-width': 2,
        },
      },
      {
        id: COMMENT_LAYER,
        type: 'circle',
        source: SOURCES.comments,
        paint: { 'circle-radius': 8, 'circle-color': '#d62728', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
      },
      {
        id: 'comment-number',
        type: 'symbol',
        source: SOURCES.comments,
        layout: { 'text-field': ['get', 'number'], 'text-font': LABEL_FONT, 'text-size': 11, 'text-allow-overlap': true },
        paint: { 'text-color': '#ffffff' },
      },
      {
        id: 'lookup-point',
        type: 'circle',
        source: SOURCES.lookup,
        paint: { 'circle-radius': 7, 'circle-color': '#111111', 'circle-stroke-color': '#ffd400', 'circle-stroke-width': 3 },
      },
      {
        id: 'measure-fill',
        type: 'fill',
        source: SOURCES.measure,
        filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'fill-color': '#0b6bcb', 'fill-opacity': 0.12 },
      },
      {
        id: 'measure-line',
        type: 'line',
        source: SOURCES.measure,
        filter: ['!=', ['geometry-type'], 'Point'],
        paint: { 'line-color': '#0b6bcb', 'line-width': 2.5, 'line-dasharray': [3, 1.5] },
      },
      {
        id: 'measure-point',
        type: 'circle',
        source: SOURCES.measure,
        filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-radius': 4, 'circle-color': '#ffffff', 'circle-stroke-color': '#0b6bcb', 'circle-stroke-width': 2 },
      },
    ],
  }
}
