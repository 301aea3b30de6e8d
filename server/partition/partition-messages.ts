import { AppError } from '../http/errors.js'
import { formatCount } from '../http/limits.js'
import { type Language, type MessageParams, translate } from '../i18n/index.js'
import type { PartitionExplanationView } from './partition.schemas.js'
import type { PartitionExplanation, PartitionInputError, PartitionInputProblem } from './types.js'

// The partition's codes in plain words (server/i18n/partition.*.json): explanations of grids out of
// range, and the problems that stop a partition. The codes and their parameters stay data; only
// the message is rendered, in the caller's language.

/** An explanation as the partition gives it, or one the area's writer adds (a node kept on the boundary). */
export type AnyExplanation = PartitionExplanation | { code: 'boundary_node_kept'; node: [number, number] } | { code: string }

/** Shown in a message before "and N more". */
const LISTED = 10

/** "1、2、3" or "1, 2, 3 and 7 more" in the caller's language. */
function listOf(values: readonly (string | number)[], language: Language): string {
  const shown = values.slice(0, LISTED).join(translate(language, 'partition.list_separator'))
  const more = values.length - LISTED
  return more > 0 ? `${shown} ${translate(language, 'partition.list_more', { count: more })}` : shown
}

/** What a message needs from an explanation's parameters (lists joined, milliseconds as seconds). */
function explanationWords(explanation: AnyExplanation, language: Language): MessageParams {
  const facts = explanation as Record<string, unknown>
  const words: MessageParams = {}
  for (const [key, value] of Object.entries(facts)) if (typeof value === 'number' || typeof value === 'string') words[key] = value
  if (Array.isArray(facts.grids)) words.grids = listOf(facts.grids as number[], language)
  if (typeof facts.budget_ms === 'number') words.seconds = Math.round(facts.budget_ms / 100) / 10
  if (Array.isArray(facts.node)) {
    words.lon = String(facts.node[0])
    words.lat = String(facts.node[1])
  }
  return words
}

export function renderExplanations(explanations: readonly AnyExplanation[], language: Language): PartitionExplanationView[] {
  return explanations.map((explanation) => {
    const { code, ...params } = explanation as { code: string } & Record<string, unknown>
    const key = `partition.explanation.${code}`
    const message = translate(language, key, explanationWords(explanation, language))
    return { code, params, message: message === key ? code : message }
  })
}

const SIZE_LIMITS = new Set(['too_many_buildings', 'too_many_units'])
const WORDED = new Set([
  'invalid_range',
  'invalid_target',
  'boundary_not_polygon',
  'boundary_invalid',
  'invalid_building',
  'buildings_outside_boundary',
  'no_households',
  'too_many_buildings',
  'too_many_units',
])

/** One problem in plain words; the graph's own codes (never caused by a request's geometry) as "inconsistent". */
export function problemMessage(problem: PartitionInputProblem, language: Language): string {
  if (!WORDED.has(problem.code)) return translate(language, 'partition.problem.internal', { code: problem.code })
  const words: MessageParams = {}
  for (const [key, value] of Object.entries(problem)) if (typeof value === 'number' || typeof value === 'string') words[key] = value
  if (problem.code === 'invalid_building') words.position = problem.building + 1
  if (problem.code === 'buildings_outside_boundary') {
    words.count = problem.buildings.length
    words.positions = listOf(
      problem.buildings.map((index) => index + 1),
      language,
    )
  }
  if (problem.code === 'too_many_buildings')
    Object.assign(words, { buildings: formatCount(problem.buildings), limit: formatCount(problem.limit) })
  if (problem.code === 'too_many_units') Object.assign(words, { units: formatCount(problem.units), limit: formatCount(problem.limit) })
  return translate(language, `partition.problem.${problem.code}`, words)
}

/**
 * The answer to input the partition cannot work on: 413 when it asks for more than one partition
 * may do (too many buildings or units: the same kind of refusal as the vertex limits in
 * server/http/limits.ts, fixed by sending less), else 422 (well-formed, but nothing to divide or
 * a boundary PostGIS finds invalid). Every problem is listed, each with its code and message.
 */
export function partitionInputAnswer(error: PartitionInputError, language: Language): AppError {
  const problems = error.problems.map((problem) => ({ ...problem, message: problemMessage(problem, language) }))
  const tooLarge = error.problems.some((problem) => SIZE_LIMITS.has(problem.code))
  const text = problems.map((problem) => problem.message).join(language === 'en' ? '; ' : '；')
  return new AppError(
    tooLarge ? 413 : 422,
    tooLarge ? 'partition_input_too_large' : 'partition_input_invalid',
    { problems: text },
    { problems },
  )
}
