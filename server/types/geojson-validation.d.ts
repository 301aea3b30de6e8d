declare module 'geojson-validation' {
  /** With trace = true, returns the list of problems (empty when valid). */
  export function isFeature(object: unknown, trace: true): string[]
  export function isFeature(object: unknown, trace?: false): boolean
  export function valid(object: unknown, trace?: boolean): boolean | string[]
  export function isBbox(bbox: unknown, trace?: false): boolean
}
