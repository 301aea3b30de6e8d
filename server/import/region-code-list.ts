import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import { type Language, type MessageParams, translate } from '../i18n/index.js'
import type { FormatName } from '../io/types.js'
import {
  codeOfPrefix,
  isRegionCode,
  isUrbanRuralCode,
  levelOfCode,
  parentCodeOf,
  parseLevel,
  parseRegionPrefix,
} from '../regions/region-codes.js'
import { findRegionCodes } from '../regions/regions.repository.js'
import { columnOf, type mappedFeatures } from './field-map.js'
import type { CheckedImport, RegionInput } from './geojson-import.js'
import type { FieldMap, ImportProblem } from './upload.schemas.js'

// A code list: regions without polygons (NBS-style 12-digit codes, names and 城乡分类代码) that set
// up the hierarchy before the boundaries exist. Their boundaries come later with a polygon import
// of the same codes (geojson-import.ts sets a missing boundary instead of refusing the code).

/** A regions layer with no geometry at all is a code list. */
export function isCodeList(features: readonly { geometry: unknown }[]): boolean {
  return features.length > 0 && features.every((feature) => feature.geometry === null || feature.geometry === undefined)
}

export interface CodeListOptions {
  /** The import region: every code must lie under it. */
  region: string
  map: FieldMap
  language: Language
  /** How problems name the upload. */
  fileLabel: string
  format: FormatName
}

/**
 * Checks a code list row by row: a 12-digit code under the import region, not repeated and not
 * taken; a name; the parent in the database or earlier in the file; the level, when given, the
 * one the code's shape gives (levelOfCode); the urban–rural class, when given, a valid one.
 */
export async function checkCodeList(
  db: Kysely<Database>,
  features: ReturnType<typeof mappedFeatures>,
  options: CodeListOptions,
): Promise<{ checked: CheckedImport; problems: ImportProblem[] }> {
  const { language, map } = options
  const scope = parseRegionPrefix(options.region) ?? options.region
  // Spreadsheets count the header as row 1, as the CSV/XLSX readers' own messages do.
  const tabular = options.format === 'csv' || options.format === 'xlsx'
  const where = (index: number) => translate(language, `io.code_list.${tabular ? 'row' : 'record'}`, { row: index + (tabular ? 2 : 1) })
  const problems: ImportProblem[] = []
  const report = (index: number, field: string, code: string, params: MessageParams = {}) => {
    const column = columnOf(map, field)
    const message = translate(language, `io.code_list.${code}`, { where: where(index), column, ...params })
    problems.push({
      feature: index + 1,
      field: column,
      code,
      message: translate(language, 'io.import.in_file', { file: options.fileLabel, message }),
    })
  }

  const codes = features.map((feature) => String(feature.properties.code ?? '').trim())
  const known = await findRegionCodes(db, [...codes, ...codes.flatMap((code) => (isRegionCode(code) ? (parentCodeOf(code) ?? []) : []))])
  const firstRow = new Map<string, number>()
  const regions: RegionInput[] = []
  for (const [index, feature] of features.entries()) {
    const { properties } = feature
    const code = codes[index] as string
    if (!isRegionCode(code)) {
      report(index, 'code', 'code_invalid', { code })
      continue
    }
    if (!code.startsWith(scope) || code === codeOfPrefix(scope)) {
      report(index, 'code', 'region_mismatch', { code, target: scope })
      continue
    }
    const first = firstRow.get(code)
    if (first !== undefined) {
      report(index, 'code', 'code_duplicate', { code, first: where(first) })
      continue
    }
    firstRow.set(code, index)
    if (known.has(code)) report(index, 'code', 'code_exists', { code })
    const parent = parentCodeOf(code)
    if (parent !== null && !known.has(parent) && !firstRow.has(parent)) report(index, 'code', 'parent_missing', { code, parent })
    const name = typeof properties.name === 'string' ? properties.name.trim() : ''
    if (!name) report(index, 'name', 'name_missing')
    const expected = levelOfCode(code)
    const given = properties.level
    if (given !== undefined && given !== null && parseLevel(given) !== expected)
      report(index, 'level', 'level_mismatch', { level: String(given), code, expected })
    const urbanRural = properties.urban_rural === undefined || properties.urban_rural === null ? null : String(properties.urban_rural)
    if (urbanRural !== null && !isUrbanRuralCode(urbanRural)) report(index, 'urban_rural', 'urban_rural_invalid', { value: urbanRural })
    regions.push({
      code,
      name,
      level: expected,
      parent_code: parent,
      urban_rural: urbanRural,
      geometry: null,
      addsBoundary: false,
      source: { feature, index },
    })
  }
  return { checked: { scope, problems: [], regions, grids: [] }, problems }
}
