import { AppError, badRequest } from './errors.js'

// How much work one request may ask for, in one place: the checks, their messages and docs/limits.md
// quote these numbers. The server is one Node thread, and on the embedded engine PostGIS runs on
// that thread too, so no request may hold it for long: geometry is counted (cheaply, before any
// other work) and refused with 413 over a limit; the heavy work below the limits runs in slices
// (see server/validation/postgis-work.ts). Figures behind the numbers are in docs/limits.md.

/** Vertices (positions) of one shape: a grid, a parent polygon, a split line. */
export const MAX_VERTICES_PER_SHAPE = 50_000
/** Vertices of all shapes in one POST /validate (or /repair). */
export const MAX_VERTICES_PER_REQUEST = 1_000_000
/**
 * Vertices of all geometries of one proposal (create, update; its changes' geometries and split
 * lines). Lower than for validation because saving a proposal stores its changes, its validation
 * and an audit copy as JSON in one transaction, which on PGlite takes ~70 ms per MB on the
 * server's thread: 100,000 vertices (2.5 MB) held /health up to 0.8 s, 200,000 up to 1.8 s.
 */
export const MAX_VERTICES_PER_PROPOSAL = 100_000
/**
 * Features in one POST /validate: a county of a few thousand grids fits (and Denver's 10,149
 * blocks, a benchmark). Separate pieces cost PostGIS ~20–100 µs each in the statements that see
 * them all (the difference with the parent, a gap around them), so their number is bounded as
 * well as their vertices: 19,999 separate squares make a 0.4 s statement on PGlite.
 */
export const MAX_FEATURES = 20_000
/**
 * Pairs of grids whose boxes meet, in one validation; each pair is compared in PostGIS. A real
 * coverage has a few per grid; 10,000 copies of one grid would make 50 million.
 */
export const MAX_BOX_PAIRS = 200_000
/**
 * A geometry nested deeper than this is not GeoJSON (a MultiPolygon's positions are at depth 5,
 * counting the geometry object); deeper input is refused with 400 before anything recurses into it.
 */
export const MAX_GEOMETRY_DEPTH = 8

/** JS work on geometry hands the thread back after this long (server/validation/slices.ts). */
export const WORK_SLICE_MS = 20
/** PostGIS work goes in statements of at most about this many input vertices (or one shape). */
export const STATEMENT_VERTICES = 20_000
/**
 * An invalid polygon whose edges cross each other more often than this is not handed to
 * ST_MakeValid (its cost grows with the crossings: a 201-vertex star took 115 s on PostgreSQL
 * with the default method, 0.5 s with method=structure): /repair refuses it (422), validation
 * compares its convex hull instead (its own issues stand for it).
 */
export const MAX_REPAIR_CROSSINGS = 1_000
/** On PostgreSQL, one geometry statement of a request is cancelled after this long (statement_timeout). */
export const GEOMETRY_STATEMENT_TIMEOUT_MS = 20_000

/**
 * Longest record (CSV record or NDJSON line) of a batch lookup, in characters; an address row is
 * well under 1,000. A longer one is answered inline as a bad row and skipped without being kept
 * (413 if it is the CSV header).
 */
export const MAX_BATCH_RECORD_CHARS = 65_536
/** The start of a batch checked to be UTF-8 before anything is answered. */
export const BATCH_ENCODING_CHECK_BYTES = 64 * 1024

/**
 * A request must have arrived in full (headers within 60 s, body included) within this, or it is
 * answered 408 and closed (Fastify requestTimeout). A batch lookup's body streams in as it is
 * answered, so this also bounds a batch: 1 GB of point rows takes ~1.5 min.
 */
export const REQUEST_TIMEOUT_MS = 15 * 60_000
/**
 * A connection on which nothing is sent or received for this long is closed (Fastify
 * connectionTimeout): a client that stops reading a response, or goes silent. Longer than the
 * longest computation of an allowed request (the largest validation takes ~15 s on PGlite).
 */
export const CONNECTION_TIMEOUT_MS = 2 * 60_000

/**
 * An uploaded zip (a zipped shapefile, a KMZ) may expand to at most this many bytes in all, read
 * from its central directory before anything is inflated (fflate then never writes past the sizes
 * it declares). 100,000 grids of 40 vertices are 95 MB of .shp/.shx/.dbf.
 */
export const MAX_ZIP_EXPANDED_BYTES = 512 * 1024 * 1024
/**
 * An uploaded zip that would expand more than this many times its own size is refused as a zip
 * bomb, once it would expand past ZIP_RATIO_CHECK_FROM_BYTES (small zips of blank tables may).
 * Deflate reaches ~1,000:1 on repeated bytes; 100,000 grids zipped by Info-ZIP measured 2:1
 * overall (95 MB in 47 MB), their .dbf alone 26:1.
 */
export const MAX_ZIP_EXPANSION_RATIO = 200
export const ZIP_RATIO_CHECK_FROM_BYTES = 16 * 1024 * 1024

/** 812345 → "812,345": the same digit grouping in both languages' messages. */
export const formatCount = (value: number) => value.toLocaleString('en-US')

/** A shape to count: where it is in the request (e.g. "features[3] (990101001001003)") and its GeoJSON geometry. */
export interface ShapeToCount {
  shape: string
  geometry: unknown
}

/**
 * Counts the positions in a GeoJSON geometry (an array whose first element is not an array is
 * one position), without recursion; arrays or objects nested deeper than MAX_GEOMETRY_DEPTH
 * anywhere inside (later code would recurse into them: JSON.stringify overflows the stack near
 * 10,000 levels) are a 400.
 */
export function countPositions(geometry: unknown, shape: string): number {
  if (typeof geometry !== 'object' || geometry === null) return 0
  let count = 0
  const values: object[] = [geometry]
  const depths: number[] = [1]
  while (values.length > 0) {
    const value = values.pop() as object
    const depth = depths.pop() as number
    const items = Array.isArray(value) ? value : Object.values(value)
    if (Array.isArray(value) && value.length > 0 && !Array.isArray(value[0])) count++
    for (const item of items) {
      if (typeof item !== 'object' || item === null) continue
      if (depth >= MAX_GEOMETRY_DEPTH) throw badRequest('geometry_nesting_too_deep', { shape, limit: MAX_GEOMETRY_DEPTH })
      values.push(item)
      depths.push(depth + 1)
    }
  }
  return count
}

/**
 * Refuses a request whose shapes are too big before any work is done on them: 413 naming the
 * first shape over MAX_VERTICES_PER_SHAPE, or the request's total over `requestLimit`;
 * 400 for coordinates nested too deep. Returns the total.
 */
export function assertVertexLimits(shapes: Iterable<ShapeToCount>, requestLimit = MAX_VERTICES_PER_REQUEST): number {
  let total = 0
  for (const { shape, geometry } of shapes) {
    const vertices = countPositions(geometry, shape)
    if (vertices > MAX_VERTICES_PER_SHAPE) {
      throw new AppError(413, 'shape_too_many_vertices', {
        shape,
        vertices: formatCount(vertices),
        limit: formatCount(MAX_VERTICES_PER_SHAPE),
      })
    }
    total += vertices
  }
  if (total > requestLimit) {
    throw new AppError(413, 'request_too_many_vertices', { vertices: formatCount(total), limit: formatCount(requestLimit) })
  }
  return total
}

/** A proposal's changes: each change's geometry and split line. */
export function* changeShapes(changes: readonly unknown[] | undefined): Generator<ShapeToCount> {
  for (const [i, change] of (changes ?? []).entries()) {
    if (typeof change !== 'object' || change === null) continue
    const { geometry, line } = change as { geometry?: unknown; line?: unknown }
    if (geometry !== undefined) yield { shape: `changes[${i}].geometry`, geometry }
    if (line !== undefined) yield { shape: `changes[${i}].line`, geometry: line }
  }
}

/**
 * Bytes of all files of one import upload (POST /uploads and /uploads/:id/files), counted while
 * they stream to disk: a county's shapefile of grids is a few MB, its building footprints a few
 * hundred MB. Over it the upload is answered 413 naming the limit in MB.
 */
export const UPLOAD_LIMIT_BYTES = 512 * 1024 * 1024
/** An upload not committed within this is removed (swept at start and before each new upload). */
export const UPLOAD_MAX_AGE_MS = 24 * 60 * 60_000
/** Most features a preview sends back for the map (the checks see all of them). */
export const PREVIEW_MAX_FEATURES = 5_000
