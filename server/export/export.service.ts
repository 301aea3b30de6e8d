import type { DatabaseHandle } from '../db/connect.js'
import { badRequest } from '../http/errors.js'
import { parseDate } from '../http/query-params.js'
import type { Language } from '../i18n/index.js'
import { translate } from '../i18n/index.js'
import { FORMAT_NAMES, type FormatName } from '../io/formats.schemas.js'
import type { OutputFile, OutputLayer } from '../io/types.js'
import { writeDataset } from '../io/write.js'
import { parseRegionPrefix } from '../regions/region-codes.js'
import { exportCrs } from './export-crs.js'
import { findExportRegion, gridsLayer, issuesLayer, referenceLayer } from './export-layers.js'

// Export of a region's grids, validation issues or a reference layer as a file: one code path
// for GET /api/v1/export and `npm run export` (scripts/export.ts). Everything the caller gives is
// checked here, so both refuse the same way, with the same messages.

export interface ExportRequest {
  /** 12-digit code or a 2/4/6/9-digit prefix. */
  region: string
  /** grids, issues or reference:NAME. */
  layer: string
  format: string
  crs?: string | undefined
  asOf?: string | undefined
  encoding?: string | undefined
  language: Language
  /** Refuses (403) a region outside the caller's scope; called before the region is looked up. */
  checkScope?: (regionPrefix: string) => void
}

export interface ExportResult {
  file: OutputFile
  /** The name to offer: 城关镇-网格-2026-12-07.zip. */
  fileName: string
  /** The same in ASCII for clients that cannot read the UTF-8 name: 990101001-grids-2026-12-07.zip. */
  asciiFileName: string
  count: number
}

type LayerChoice = { kind: 'grids' } | { kind: 'issues' } | { kind: 'reference'; name: string }

function parseLayer(layer: string): LayerChoice {
  if (layer === 'grids' || layer === 'issues') return { kind: layer }
  const reference = /^reference:(.+)$/.exec(layer)
  const name = reference?.[1]?.trim()
  if (name) return { kind: 'reference', name }
  throw badRequest('export_layer_unknown', { layer })
}

function parseFormat(format: string): FormatName {
  const known = FORMAT_NAMES.find((name) => name === format)
  if (!known) throw badRequest('export_format_unknown', { format, formats: FORMAT_NAMES.join(', ') })
  return known
}

function parseEncoding(encoding: string | undefined): 'gbk' | 'utf-8' | undefined {
  if (encoding === undefined) return undefined
  const normalised = encoding.trim().toLowerCase()
  if (normalised === 'gbk' || normalised === 'utf-8') return normalised
  throw badRequest('io_encoding_unknown', { encoding })
}

/** Characters a file name may not hold on Windows, macOS or Linux. */
const UNSAFE_IN_FILE_NAMES = /[\\/:*?"<>|\p{Cc}]/gu

/** The extension of the writer's file (".zip" for shapefiles, ".geojson"…). */
function extensionOf(name: string): string {
  return /\.[A-Za-z0-9]+$/.exec(name)?.[0] ?? ''
}

export interface CheckedExport {
  prefix: string
  layer: LayerChoice
  format: FormatName
  crs: number
  asOf: string | undefined
  encoding: 'gbk' | 'utf-8' | undefined
}

/** Checks everything in a request that needs no database (the command line does this before opening one). */
export function checkExportRequest(request: ExportRequest): CheckedExport {
  const prefix = parseRegionPrefix(request.region)
  if (prefix === null) throw badRequest('region_prefix_invalid', { code: request.region })
  request.checkScope?.(prefix)
  return {
    prefix,
    layer: parseLayer(request.layer),
    format: parseFormat(request.format),
    crs: exportCrs(request.crs, request.language),
    asOf: request.asOf === undefined ? undefined : parseDate(request.asOf),
    encoding: parseEncoding(request.encoding),
  }
}

export interface ExportOptions {
  /** The most grids the issues layer validates at once (MAX_FEATURES); a larger region is validated per township. */
  validationCap?: number
}

/** Checks the request, reads the layer and writes the file. */
export async function exportLayer(database: DatabaseHandle, request: ExportRequest, options: ExportOptions = {}): Promise<ExportResult> {
  const { language } = request
  const { prefix, layer: layerChoice, format, crs, asOf, encoding } = checkExportRequest(request)
  const region = await findExportRegion(database, prefix, request.region)

  let layer: OutputLayer
  if (layerChoice.kind === 'grids') layer = await gridsLayer(database, region, asOf, language)
  else if (layerChoice.kind === 'issues') layer = await issuesLayer(database, region, asOf, language, options.validationCap)
  else layer = await referenceLayer(database, region, layerChoice.name)

  const file = await writeDataset(format, layer, { crs, ...(encoding ? { encoding } : {}) })
  // Today in China (UTC+8): an export made at 07:00 Beijing time is dated that day, not the day before.
  const day = asOf ?? new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)
  const extension = extensionOf(file.name)
  const label = layerChoice.kind === 'reference' ? layerChoice.name : translate(language, `io.export.${layerChoice.kind}`)
  const asciiLabel = layerChoice.kind === 'reference' ? 'reference' : layerChoice.kind
  return {
    file,
    fileName: `${region.name}-${label}-${day}${extension}`.replace(UNSAFE_IN_FILE_NAMES, '_'),
    asciiFileName: `${prefix}-${asciiLabel}-${day}${extension}`,
    count: layer.features.length,
  }
}

/** Content-Disposition of a download: an ASCII name for old clients and the UTF-8 name (RFC 6266, RFC 5987). */
export function attachmentHeader(result: Pick<ExportResult, 'fileName' | 'asciiFileName'>): string {
  const utf8 = encodeURIComponent(result.fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${result.asciiFileName}"; filename*=UTF-8''${utf8}`
}
