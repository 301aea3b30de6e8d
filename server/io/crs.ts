import { badRequest } from '../http/errors.js'
import type { CrsEvidence } from './types.js'

// Coordinate systems of imported and exported files. A first version that knows lon/lat only;
// CGCS2000 Gauss-Krüger zones (EPSG 4491–4554), Web Mercator, .prj matching, GCJ-02/BD-09 by
// explicit choice and the refusal of Beijing 1954 / Xi'an 1980 come with proj4.

export type Position = [number, number]

/** A settled CRS: how to name it and how to get CGCS2000 lon/lat from it and back. */
export interface ResolvedCrs {
  /** 'EPSG:4490', 'EPSG:4527', 'gcj02', 'bd09'. */
  code: string
  name: string
  toLonLat: (position: readonly number[]) => Position
  fromLonLat: (position: readonly number[]) => Position
}

const identity = (position: readonly number[]): Position => [position[0] as number, position[1] as number]

/**
 * The CRS to read a layer in: the user's explicit choice when given, else what the file says.
 * Returns null when the file says nothing usable and no choice was made (the caller asks).
 */
export function resolveCrs(evidence: CrsEvidence, choice?: string): ResolvedCrs | null {
  if (choice !== undefined) return crsByCode(choice)
  if (evidence.kind === 'lonlat') return crsByCode('EPSG:4490')
  if (evidence.kind === 'epsg') return crsByCode(`EPSG:${evidence.code}`)
  return null
}

/** The CRS named by a code the user typed ('EPSG:4527', '4527', 'gcj02'); 400 with a plain message when unknown. */
export function crsByCode(code: string): ResolvedCrs {
  const normalised = code
    .trim()
    .toUpperCase()
    .replace(/^(\d+)$/, 'EPSG:$1')
  if (normalised === 'EPSG:4490' || normalised === 'EPSG:4326') {
    return { code: normalised, name: normalised === 'EPSG:4490' ? 'CGCS2000' : 'WGS 84', toLonLat: identity, fromLonLat: identity }
  }
  throw badRequest('io_crs_unknown', { crs: code })
}

/** The ESRI WKT of a .prj file for an EPSG code gridwork writes. */
export function prjOf(epsg: number): string {
  if (epsg === 4490) {
    return 'GEOGCS["China Geodetic Coordinate System 2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
  }
  throw badRequest('io_crs_unknown', { crs: `EPSG:${epsg}` })
}

/** The OGC WKT (for GeoPackage's gpkg_spatial_ref_sys) of an EPSG code gridwork writes. */
export function ogcWktOf(epsg: number): string {
  if (epsg === 4490) {
    return 'GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]]'
  }
  throw badRequest('io_crs_unknown', { crs: `EPSG:${epsg}` })
}
