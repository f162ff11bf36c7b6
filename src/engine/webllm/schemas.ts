/**
 * JSON schemas of the model's structured answers, and a small validator for them.
 *
 * The same schema object does two jobs:
 *  - it is sent to web-llm as `response_format: { type: 'json_object', schema: JSON.stringify(schema) }`,
 *    so that XGrammar constrains decoding to it;
 *  - it is checked again here on the text that comes back, because a grammar is not a proof (a
 *    truncated answer at max_tokens, a model or runtime that ignores the grammar, a fallback to plain
 *    JSON mode when the grammar cannot be compiled).
 *
 * Only a conservative subset of JSON Schema is used (type, properties, required,
 * additionalProperties: false, items, enum, anyOf, minItems, maxItems) because that is what every
 * XGrammar version compiles. Everything finer (non-empty strings, valid dates, unique numbers) is
 * checked by the parsers in WebLLMEngine.ts.
 */

export type JsonSchema =
  | ObjectSchema
  | ArraySchema
  | { type: 'string'; enum?: string[]; description?: string }
  | { type: 'integer'; enum?: number[]; description?: string }
  | { type: 'boolean'; description?: string }
  | { type: 'null' }
  | { anyOf: JsonSchema[]; description?: string }

export interface ObjectSchema {
  type: 'object'
  properties: Record<string, JsonSchema>
  required: string[]
  additionalProperties: false
  description?: string
}

export interface ArraySchema {
  type: 'array'
  items: JsonSchema
  minItems?: number
  maxItems?: number
  description?: string
}

const MAX_REPORTED_ERRORS = 5

/**
 * Validates `value` against `schema`. Returns the problems found (empty when valid), each with a
 * JSONPath-like location, e.g. `$.facts[0].categories[1]: "pets" is not one of personal, work`.
 */
export function validateAgainstSchema(schema: JsonSchema, value: unknown, path = '$'): string[] {
  const errors: string[] = []
  check(schema, value, path, errors)
  return errors.slice(0, MAX_REPORTED_ERRORS)
}

function check(schema: JsonSchema, value: unknown, path: string, errors: string[]): void {
  if (errors.length >= MAX_REPORTED_ERRORS) return
  if ('anyOf' in schema) {
    for (const option of schema.anyOf) {
      const sub: string[] = []
      check(option, value, path, sub)
      if (sub.length === 0) return
    }
    errors.push(`${path}: ${describe(value)} matches none of the allowed forms`)
    return
  }
  switch (schema.type) {
    case 'null':
      if (value !== null) errors.push(`${path}: expected null, got ${describe(value)}`)
      return
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: expected a boolean, got ${describe(value)}`)
      return
    case 'string':
      if (typeof value !== 'string') {
        errors.push(`${path}: expected a string, got ${describe(value)}`)
      } else if (schema.enum && !schema.enum.includes(value)) {
        errors.push(`${path}: "${clip(value)}" is not one of ${schema.enum.join(', ') || '(none)'}`)
      }
      return
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        errors.push(`${path}: expected an integer, got ${describe(value)}`)
      } else if (schema.enum && !schema.enum.includes(value)) {
        errors.push(`${path}: ${value} is not one of ${schema.enum.join(', ') || '(none)'}`)
      }
      return
    case 'array': {
      if (!Array.isArray(value)) {
        errors.push(`${path}: expected an array, got ${describe(value)}`)
        return
      }
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        errors.push(`${path}: expected at least ${schema.minItems} item(s), got ${value.length}`)
      }
      if (schema.maxItems !== undefined && value.length > schema.maxItems) {
        errors.push(`${path}: expected at most ${schema.maxItems} item(s), got ${value.length}`)
      }
      value.forEach((item, i) => check(schema.items, item, `${path}[${i}]`, errors))
      return
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        errors.push(`${path}: expected an object, got ${describe(value)}`)
        return
      }
      const record = value as Record<string, unknown>
      for (const key of schema.required) {
        if (!(key in record)) errors.push(`${path}: missing property "${key}"`)
      }
      for (const [key, v] of Object.entries(record)) {
        const sub = schema.properties[key]
        if (!sub) {
          errors.push(`${path}: unexpected property "${key}"`)
          continue
        }
        check(sub, v, `${path}.${key}`, errors)
      }
      return
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `the string "${clip(value)}"`
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}

function clip(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n)}…` : s
}

// ---- builders ----

const str = (description?: string): JsonSchema => (description ? { type: 'string', description } : { type: 'string' })
const nullableDate = (description: string): JsonSchema => ({
  anyOf: [{ type: 'string' }, { type: 'null' }],
  description,
})
const obj = (properties: Record<string, JsonSchema>): ObjectSchema => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
})

/** Integers 1..n, the small numbers the prompts use instead of ids. */
export function numberEnum(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1)
}

function categoryArray(categoryNames: string[]): ArraySchema {
  if (categoryNames.length === 0) return { type: 'array', items: { type: 'string' }, maxItems: 0 }
  return {
    type: 'array',
    items: { type: 'string', enum: categoryNames },
    minItems: 1,
    maxItems: Math.min(3, categoryNames.length),
  }
}

export const MAX_FACTS_PER_CALL = 12

/** `{ facts: [{ content, categories, eventDateStart, eventDateEnd, sources }] }` */
export function extractSchema(categoryNames: string[], messageNumbers: number[]): ObjectSchema {
  return obj({
    facts: {
      type: 'array',
      maxItems: MAX_FACTS_PER_CALL,
      items: obj({
        content: str('one standalone sentence about the user'),
        categories: categoryArray(categoryNames),
        eventDateStart: nullableDate('ISO date (YYYY-MM-DD) when it started or happened, or null'),
        eventDateEnd: nullableDate('ISO date (YYYY-MM-DD) when it ended, or null'),
        sources:
          messageNumbers.length > 0
            ? { type: 'array', items: { type: 'integer', enum: messageNumbers } }
            : { type: 'array', items: { type: 'integer' }, maxItems: 0 },
      }),
    },
  })
}

export const DECISION_KINDS = [
  'INSERT',
  'IGNORE',
  'ADDITION_TO_EXISTING_MEMORY',
  'TEMPORAL_CONFLICT',
  'MERGE_CONFLICT',
] as const

/** `{ reason, decision, memories, content }` - reason first, so the model thinks before it picks. */
export function decideSchema(candidateCount: number): ObjectSchema {
  return obj({
    reason: str('one short sentence'),
    decision: { type: 'string', enum: [...DECISION_KINDS] },
    memories: { type: 'array', items: { type: 'integer', enum: numberEnum(candidateCount) } },
    content: str('merged sentence for ADDITION_TO_EXISTING_MEMORY, otherwise empty'),
  })
}

export const MAX_QUESTIONS = 3
export const MAX_OPTIONS = 4

/** `{ questions: [{ question, options }] }` */
export function clarifySchema(): ObjectSchema {
  return obj({
    questions: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_QUESTIONS,
      items: obj({
        question: str(),
        options: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: MAX_OPTIONS },
      }),
    },
  })
}

/** `{ memories: [{ replaces, content, categories, eventDateStart, eventDateEnd }] }` */
export function resolveSchema(conflictingCount: number, categoryNames: string[]): ObjectSchema {
  return obj({
    memories: {
      type: 'array',
      minItems: 1,
      maxItems: Math.max(1, conflictingCount),
      items: obj({
        replaces: { type: 'integer', enum: numberEnum(conflictingCount) },
        content: str('the settled fact as one standalone sentence'),
        categories: categoryArray(categoryNames),
        eventDateStart: nullableDate('ISO date (YYYY-MM-DD) or null'),
        eventDateEnd: nullableDate('ISO date (YYYY-MM-DD) or null'),
      }),
    },
  })
}
