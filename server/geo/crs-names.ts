// The coordinate systems Chinese point data comes in (no imports: the web page imports these too).
export type CrsName = 'wgs84' | 'cgcs2000' | 'gcj02' | 'bd09'
export const CRS_NAMES: readonly CrsName[] = ['wgs84', 'cgcs2000', 'gcj02', 'bd09']
