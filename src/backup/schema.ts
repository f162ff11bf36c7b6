import * as v from 'valibot'
import { CATEGORY_NAME } from '../core/categories'
import { EXPIRATION_REASONS, MERGE_CONFLICT_STATUSES, MESSAGE_ROLES, SESSION_STATUSES, type JsonObject } from '../core/types'
import { BACKUP_FORMAT, BACKUP_LIMITS, BACKUP_VERSION, ISO_UTC } from './limits'

/**
 * The backup file as a valibot schema: the one declaration of its shape. The types of
 * src/backup/format.ts are inferred from it, src/backup/validate.ts checks files with it, and
 * docs/backup-format.schema.json is generated from it (scripts/backup-json-schema.ts; a unit test
 * fails when the two drift).
 *
 * Messages say what is wrong in words a person can act on ("must be an integer, got the string
 * \"1\""); validate.ts puts the JSON path in front.
 */

/** A value as a message names it: `the string "x"`, `an array`, `the number 3`. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : `the string ${JSON.stringify(value)}`
  if (typeof value === 'number') return `the number ${value}`
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'object') return 'an object'
  return typeof value
}

const got = (issue: { input: unknown }) => describe(issue.input)

/**
 * JSON Schema for the checks valibot cannot convert on its own (v.check, v.custom): looked up by
 * scripts/backup-json-schema.ts through `overrideAction`/`overrideSchema`.
 */
export const JSON_SCHEMA_OF = new WeakMap<object, Record<string, unknown>>()
function documented<T extends object>(item: T, json: Record<string, unknown>): T {
  JSON_SCHEMA_OF.set(item, json)
  return item
}

// ---- values ----

const string = () => v.string((i) => `must be a string, got ${got(i)}`)
const maxLength = (max: number) =>
  v.maxLength<string, number, v.ErrorMessage<v.MaxLengthIssue<string, number>>>(max, (i) => `is too large: ${i.input.length} characters, the limit is ${max}`)
const nonEmpty = () => documented(v.check<string, string>((s) => s.trim() !== '', 'must not be empty'), { minLength: 1, pattern: '\\S' })

/** Text up to `max` characters. */
export const text = (max: number) => v.pipe(string(), maxLength(max))
/** Text up to `max` characters with something in it besides white space. */
export const filledText = (max: number) => v.pipe(string(), maxLength(max), nonEmpty())

/** An id: non-empty, without surrounding white space. */
export const id = (max: number = BACKUP_LIMITS.recordId) =>
  v.pipe(
    string(),
    maxLength(max),
    nonEmpty(),
    documented(
      v.check<string, string>((s) => s === s.trim(), 'must not start or end with white space'),
      { minLength: 1, pattern: '^\\S([\\s\\S]*\\S)?$' },
    ),
  )

/** A canonical ISO-8601 UTC date, as Date.prototype.toISOString writes it. */
export const date = () =>
  v.pipe(
    v.string((i) => `must be an ISO-8601 UTC date string, got ${got(i)}`),
    documented(
      v.check<string, v.ErrorMessage<v.CheckIssue<string>>>(
        (s) => ISO_UTC.test(s) && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s,
        (i) => `must be an ISO-8601 UTC date in the form 2025-01-08T10:00:00.000Z, got ${JSON.stringify(i.input.slice(0, 60))}`,
      ),
      { pattern: ISO_UTC.source, description: 'Canonical ISO-8601 UTC date, as Date.prototype.toISOString writes it.' },
    ),
  )

export const int = (min: number, max: number) =>
  v.pipe(
    v.number((i) => `must be an integer, got ${got(i)}`),
    v.integer((i) => `must be an integer, got ${got(i)}`),
    v.minValue(min, (i) => `must be from ${min} to ${max}, got ${i.input}`),
    v.maxValue(max, (i) => `must be from ${min} to ${max}, got ${i.input}`),
  )

/** One instance each of the values used everywhere, so that the JSON Schema names them once ($defs). */
export const IsoDateSchema = date()
/** An id Keepsake made (a UUID, or a sync conflict id derived from the versions it names). */
export const RecordIdSchema = v.pipe(id(), v.description('An id Keepsake made (a UUID, or a sync conflict id derived from the versions it names): non-empty, without surrounding white space.'))
/** An id given by the caller (userId, modelId). */
export const CallerIdSchema = v.pipe(id(BACKUP_LIMITS.id), v.description(`An id given by the caller: non-empty, without surrounding white space, at most ${BACKUP_LIMITS.id} characters.`))

const count = () => int(0, Number.MAX_SAFE_INTEGER)
const bool = () => v.boolean((i) => `must be true or false, got ${got(i)}`)
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => v.picklist(values, (i) => `must be one of ${values.join(', ')}, got ${got(i)}`)
const list = <T extends v.GenericSchema>(item: T) => v.array(item, (i) => `must be an array, got ${got(i)}`)
const ids = () => list(RecordIdSchema)
/** Categories of memories and facts: the space's names, or whatever an engine returned when resolving. */
const categories = () => list(text(BACKUP_LIMITS.id))
const closed = <T extends v.ObjectEntries>(entries: T) =>
  v.strictObject(entries, (i) => (i.expected === 'never' ? 'is not a field of the backup format' : i.path ? 'is missing' : `must be an object, got ${got(i)}`))

// ---- metadata: any JSON object, bounded; the keys that reach an object's prototype are refused ----

/** Keys refused in metadata everywhere (API, sync, import): they reach or shadow an object's prototype. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false
  const proto = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

/** The first problem of a JSON value: where (keys from the value down) and what. */
function jsonProblem(x: unknown, depth: number): { keys: (string | number)[]; message: string } | null {
  if (depth > BACKUP_LIMITS.metadataDepth) return { keys: [], message: `is nested deeper than ${BACKUP_LIMITS.metadataDepth} levels` }
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return null
  if (typeof x === 'number') return Number.isFinite(x) ? null : { keys: [], message: 'must be a finite number' }
  const entries: [string | number, unknown][] | null = Array.isArray(x) ? x.map((e, i) => [i, e]) : isPlainObject(x) ? Object.entries(x) : null
  if (!entries) return { keys: [], message: `must be a JSON value, got ${describe(x)}` }
  for (const [k, e] of entries) {
    if (typeof k === 'string' && RESERVED_KEYS.has(k)) return { keys: [k], message: `is a reserved key: metadata may not use ${[...RESERVED_KEYS].join(', ')}` }
    const p = jsonProblem(e, depth + 1)
    if (p) return { keys: [k, ...p.keys], message: p.message }
  }
  return null
}

/** Any JSON object, bounded. */
export const MetadataSchema = v.pipe(
  documented(v.custom<JsonObject>(isPlainObject, (i) => `must be a JSON object, got ${got(i)}`), {
    type: 'object',
    description: `Any JSON object (at most ${BACKUP_LIMITS.metadataBytes} characters as JSON, nested at most ${BACKUP_LIMITS.metadataDepth} levels; the keys ${[...RESERVED_KEYS].join(', ')} are refused).`,
  }),
  v.rawCheck<JsonObject>(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const problem = jsonProblem(dataset.value, 0)
    if (problem) {
      let input: unknown = dataset.value
      const path = problem.keys.map((key) => {
        const item = { type: 'unknown' as const, origin: 'value' as const, input, key, value: (input as Record<string | number, unknown>)[key] }
        input = item.value
        return item
      })
      addIssue({ message: problem.message, ...(path.length ? { path: path as [v.IssuePathItem, ...v.IssuePathItem[]] } : {}) })
      return
    }
    const size = JSON.stringify(dataset.value).length
    if (size > BACKUP_LIMITS.metadataBytes) addIssue({ message: `is too large: ${size} bytes, the limit is ${BACKUP_LIMITS.metadataBytes}` })
  }),
)

/** Refuses an array whose items repeat `key` (reported at the second one). */
function unique<T>(key: (item: T) => string, field: string, message: (value: string) => string) {
  return v.rawCheck<T[]>(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const seen = new Set<string>()
    dataset.value.forEach((item, index) => {
      const k = key(item)
      if (seen.has(k)) {
        const at = { type: 'array' as const, origin: 'value' as const, input: dataset.value, key: index, value: item }
        const f = { type: 'object' as const, origin: 'value' as const, input: item as Record<string, unknown>, key: field, value: k }
        addIssue({ message: message(k), path: [at, f] })
      }
      seen.add(k)
    })
  })
}

// ---- records ----

export const SettingsBackupSchema = v.pipe(
  closed({
    categories: v.pipe(
      list(
        closed({
          name: v.pipe(text(BACKUP_LIMITS.id), v.regex(CATEGORY_NAME, (i) => `must be lowercase_snake (a-z, 0-9, _), got ${JSON.stringify(i.input.slice(0, 60))}`)),
          description: text(BACKUP_LIMITS.about),
        }),
      ),
      v.minLength(1, 'must name at least one category'),
      unique((c: { name: string; description: string }) => c.name, 'name', (n) => `duplicate category "${n}"`),
    ),
    mergeConflictsEnabled: bool(),
    modelId: v.nullable(CallerIdSchema),
  }),
  v.description('The space settings. Imported only into a space that has none set.'),
)

export const ProfileBackupSchema = closed({
  name: text(BACKUP_LIMITS.name),
  about: text(BACKUP_LIMITS.about),
  metadata: MetadataSchema,
  mergeConflictEnabled: v.pipe(v.nullable(bool()), v.description('null: the space setting applies.')),
  createdAt: IsoDateSchema,
  updatedAt: IsoDateSchema,
  lastActiveAt: IsoDateSchema,
})

export const DocBackupSchema = closed({
  docId: RecordIdSchema,
  title: filledText(BACKUP_LIMITS.name),
  content: filledText(BACKUP_LIMITS.docContent),
  metadata: MetadataSchema,
  createdAt: IsoDateSchema,
})

export const MessageBackupSchema = closed({
  messageId: RecordIdSchema,
  seq: count(),
  role: oneOf(MESSAGE_ROLES),
  content: filledText(BACKUP_LIMITS.message),
  timestamp: IsoDateSchema,
})

const SummarySchema = closed({ facts: count(), added: ids(), updated: ids(), ignored: count(), conflicts: ids() })

export const SessionBackupSchema = closed({
  sessionId: RecordIdSchema,
  status: v.pipe(oneOf(SESSION_STATUSES), v.description('Exports write a session caught mid-processing as pending.')),
  metadata: MetadataSchema,
  createdAt: IsoDateSchema,
  autoProcessAfterSeconds: int(0, BACKUP_LIMITS.maxAutoProcessSeconds),
  lastMessageAt: v.nullable(IsoDateSchema),
  processedAt: v.nullable(IsoDateSchema),
  error: v.nullable(text(BACKUP_LIMITS.text)),
  updatedAt: IsoDateSchema,
  /** what processing changed (present once processed) */
  summary: v.nullable(SummarySchema),
  messages: v.pipe(list(MessageBackupSchema), v.description("The session's messages, in seq order.")),
})

export const MemoryBackupSchema = v.pipe(
  closed({
    memoryId: RecordIdSchema,
    chainId: RecordIdSchema,
    prevVersionId: v.nullable(RecordIdSchema),
    content: text(BACKUP_LIMITS.text),
    categories: categories(),
    eventDateStart: v.nullable(IsoDateSchema),
    eventDateEnd: v.nullable(IsoDateSchema),
    createdAt: IsoDateSchema,
    expiredAt: v.nullable(IsoDateSchema),
    expirationReason: v.nullable(oneOf(EXPIRATION_REASONS)),
    mergeConflictId: v.nullable(RecordIdSchema),
    pendingConflictId: v.nullable(RecordIdSchema),
    sessionId: v.nullable(RecordIdSchema),
    sourceMessageIds: ids(),
  }),
  v.description('One immutable version of a memory chain.'),
  v.forward(
    v.check(
      (m) => (m.expiredAt === null) === (m.expirationReason === null),
      (i) => (i.input.expiredAt === null ? 'is set on a live version (expiredAt is null)' : 'must be set on an expired version'),
    ),
    ['expirationReason'],
  ),
)

export const ConnectionBackupSchema = v.pipe(
  closed({ connectionId: RecordIdSchema, chainA: RecordIdSchema, chainB: RecordIdSchema, createdAt: IsoDateSchema }),
  v.description('An undirected link between two chains.'),
  v.forward(
    v.check((c) => c.chainA < c.chainB, 'chainA must sort before chainB (a connection links two different chains, in order)'),
    ['chainB'],
  ),
  v.forward(
    v.check((c) => c.connectionId === `${c.chainA}|${c.chainB}`, 'must be "<chainA>|<chainB>"'),
    ['connectionId'],
  ),
)

const StoredFactSchema = closed({
  content: text(BACKUP_LIMITS.text),
  categories: categories(),
  eventDateStart: v.nullable(IsoDateSchema),
  eventDateEnd: v.nullable(IsoDateSchema),
  sourceMessageIds: ids(),
})

const anyText = () => text(BACKUP_LIMITS.text)

export const ConflictBackupSchema = closed({
  conflictId: RecordIdSchema,
  sessionId: v.nullable(RecordIdSchema),
  status: oneOf(MERGE_CONFLICT_STATUSES),
  proposedMemoryContent: anyText(),
  proposedFact: StoredFactSchema,
  conflictingMemories: list(
    closed({
      memoryId: RecordIdSchema,
      content: anyText(),
      reason: anyText(),
      categories: v.optional(categories()),
      eventDateStart: v.optional(v.nullable(IsoDateSchema)),
      eventDateEnd: v.optional(v.nullable(IsoDateSchema)),
    }),
  ),
  clarifyingQuestions: v.pipe(
    list(closed({ question: filledText(BACKUP_LIMITS.text), options: list(anyText()) })),
    unique((q: { question: string; options: string[] }) => q.question, 'question', () => 'duplicate question: every question of a conflict must be different'),
  ),
  resolutionData: v.nullable(closed({ answers: list(closed({ question: anyText(), answer: anyText(), message: v.optional(anyText()) })) })),
  newMemories: ids(),
  createdAt: IsoDateSchema,
  resolvedAt: v.nullable(IsoDateSchema),
  error: v.nullable(anyText()),
  origin: oneOf(['pipeline', 'sync'] as const),
})

export const UserBackupSchema = closed({
  userId: CallerIdSchema,
  profile: ProfileBackupSchema,
  docs: list(DocBackupSchema),
  sessions: list(SessionBackupSchema),
  memories: v.pipe(list(MemoryBackupSchema), v.description('Every version of every chain.')),
  connections: list(ConnectionBackupSchema),
  conflicts: list(ConflictBackupSchema),
})

export const BackupFileSchema = v.pipe(
  closed({
    format: v.literal(BACKUP_FORMAT),
    version: v.literal(BACKUP_VERSION),
    exportedAt: IsoDateSchema,
    scope: v.pipe(oneOf(['space', 'user'] as const), v.description('space: every user of the space; user: exactly one user.')),
    settings: v.optional(SettingsBackupSchema),
    users: list(UserBackupSchema),
  }),
  v.forward(
    v.check((f) => f.scope !== 'user' || f.users.length === 1, (i) => `a backup of scope "user" holds exactly one user, got ${i.input.users.length}`),
    ['users'],
  ),
)
