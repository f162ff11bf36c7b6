import * as v from 'valibot'
import {
  CategorySchema,
  ConflictSchema,
  ConnectionSchema,
  DocSchema,
  IdSchema,
  IsoDateSchema as StoredDateSchema,
  MemorySchema,
  MessageSchema,
  MetadataSchema,
  ProfileSchema,
  RESERVED_KEYS,
  SessionSchema,
  SettingsSchema,
} from '../core/schema'
import type { JsonObject } from '../core/types'
import { LIMITS } from '../core/validation'
import { BACKUP_FORMAT, BACKUP_VERSION, ISO_UTC } from './limits'

/**
 * The backup file as a valibot schema, composed from the record schemas of src/core/schema.ts: each
 * record of the file is the record as stored (the same fields, types, enums and limits, so a file
 * holds exactly what sync would accept), minus what names devices or the internal user id, closed
 * (a field that is not in the format is an error), with every field present as export writes it,
 * and with the file's canonical forms: dates exactly as toISOString writes them, ids without
 * surrounding white space, messages and docs not blank.
 *
 * The types of src/backup/format.ts are inferred from it, src/backup/validate.ts checks files with
 * it, and docs/backup-format.schema.json is generated from it (scripts/backupJsonSchema.ts; a unit
 * test fails when the two drift).
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

/**
 * JSON Schema for the checks valibot cannot convert on its own (v.check, v.custom): looked up by
 * scripts/backupJsonSchema.ts through `overrideAction`/`overrideSchema`.
 */
export const JSON_SCHEMA_OF = new WeakMap<object, Record<string, unknown>>()
function documented<T extends object>(item: T, json: Record<string, unknown>): T {
  JSON_SCHEMA_OF.set(item, json)
  return item
}
documented(MetadataSchema.pipe[0], {
  type: 'object',
  description: `Any JSON object: plain values, finite numbers, nested at most 32 levels, at most ${LIMITS.metadataBytes} characters as JSON; the keys ${RESERVED_KEYS.join(', ')} are refused.`,
})

// ---- the file's canonical forms, on top of the stored ones ----

/** A date exactly as Date.prototype.toISOString writes it (the stored form also allows other precisions). */
export const BackupDateSchema = v.pipe(
  StoredDateSchema,
  documented(
    v.check<string, v.ErrorMessage<v.CheckIssue<string>>>(
      // the stored form is a real instant already; toISOString writes milliseconds, always three digits
      (s) => ISO_UTC.test(s),
      (i) => `must be an ISO-8601 UTC date in the form 2025-01-08T10:00:00.000Z, got ${JSON.stringify(i.input.slice(0, 60))}`,
    ),
    { pattern: ISO_UTC.source, description: 'Canonical ISO-8601 UTC date, as Date.prototype.toISOString writes it.' },
  ),
)

/** An id without surrounding white space. */
export const BackupIdSchema = v.pipe(
  IdSchema,
  documented(v.check<string, string>((s) => s.trim() !== '', 'must not be empty'), { minLength: 1 }),
  documented(
    v.check<string, string>((s) => s === s.trim(), 'must not start or end with white space'),
    { pattern: '^\\S([\\s\\S]*\\S)?$' },
  ),
)

/** Text with something in it besides white space (messages, doc titles and contents: the API refuses blank ones). */
const notBlank = () => documented(v.check<string, string>((s) => s.trim() !== '', 'must not be empty'), { minLength: 1, pattern: '\\S' })

// ---- closing a stored shape ----

/** A stored record's type as the file holds it: closed (no index signature), all the way down. */
export type Closed<T> = T extends JsonObject
  ? T
  : T extends readonly (infer U)[]
    ? Closed<U>[]
    : T extends object
      ? { [K in keyof T as string extends K ? never : K]: Closed<T[K]> }
      : T

const got = (issue: { input: unknown }) => describe(issue.input)
const closedMessage = (i: v.BaseIssue<unknown>) => (i.expected === 'never' ? 'is not a field of the backup format' : i.path ? 'is missing' : `must be an object, got ${got(i)}`)
/** A closed object: a field that is not in the format is an error. */
const closed = <T extends v.ObjectEntries>(entries: T) => v.strictObject(entries, closedMessage)
const list = <T extends v.GenericSchema>(item: T) => v.array(item, (i) => `must be an array, got ${got(i)}`)

type Schema = v.GenericSchema & { type: string; pipe?: readonly v.PipeItem<unknown, unknown, v.BaseIssue<unknown>>[]; entries?: v.ObjectEntries; item?: v.GenericSchema; wrapped?: v.GenericSchema }

/**
 * A stored shape as the file holds it: loose objects closed, the stored date and id forms replaced
 * by the file's canonical ones, everything else (types, enums, limits, checks) as stored.
 */
function close(schema: v.GenericSchema): v.GenericSchema {
  if (schema === StoredDateSchema) return BackupDateSchema
  if (schema === IdSchema) return BackupIdSchema
  const s = schema as Schema
  if (s.pipe) {
    const [root, ...actions] = s.pipe as [v.GenericSchema, ...v.PipeItem<unknown, unknown, v.BaseIssue<unknown>>[]]
    const c = close(root)
    return c === root ? schema : (v.pipe(c, ...(actions as [])) as v.GenericSchema)
  }
  switch (s.type) {
    case 'loose_object':
    case 'object':
    case 'strict_object':
      return closed(Object.fromEntries(Object.entries(s.entries!).map(([k, e]) => [k, close(e as v.GenericSchema)])))
    case 'array':
      return list(close(s.item!))
    case 'nullable':
      return v.nullable(close(s.wrapped!))
    case 'optional':
      return v.optional(close(s.wrapped!))
    default:
      return schema
  }
}

/** A field of a stored record as the file holds it: required (export writes every field), closed. */
function stored<E extends v.ObjectEntries, K extends keyof E & string>(record: { entries: E }, key: K): v.GenericSchema<unknown, Closed<Exclude<v.InferOutput<E[K]>, undefined>>> {
  const field = record.entries[key] as Schema
  return close(field.type === 'optional' && !field.pipe ? field.wrapped! : field) as v.GenericSchema<unknown, Closed<Exclude<v.InferOutput<E[K]>, undefined>>>
}

/** These fields of a stored record, as the file holds them (in this order). */
function fields<E extends v.ObjectEntries, const K extends readonly (keyof E & string)[]>(record: { entries: E }, keys: K): { [P in K[number]]: v.GenericSchema<unknown, Closed<Exclude<v.InferOutput<E[P]>, undefined>>> } {
  return Object.fromEntries(keys.map((k) => [k, stored(record, k)])) as { [P in K[number]]: v.GenericSchema<unknown, Closed<Exclude<v.InferOutput<E[P]>, undefined>>> }
}

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

const described = <T extends v.GenericSchema>(schema: T, text: string) => v.pipe(schema, v.description(text))

// ---- records: each the stored record's fields, in the order export writes them ----

export const SettingsBackupSchema = described(
  closed({
    categories: v.pipe(
      list(close(CategorySchema) as v.GenericSchema<unknown, Closed<v.InferOutput<typeof CategorySchema>>>),
      v.minLength(1, 'must name at least one category'),
      unique((c: Closed<v.InferOutput<typeof CategorySchema>>) => c.name, 'name', (n) => `duplicate category "${n}"`),
    ),
    ...fields(SettingsSchema, ['mergeConflictsEnabled', 'modelId']),
  }),
  'The space settings. Imported only into a space that has none set.',
)

export const ProfileBackupSchema = closed({
  ...fields(ProfileSchema, ['name', 'about', 'metadata']),
  mergeConflictEnabled: described(stored(ProfileSchema, 'mergeConflictEnabled'), 'null: the space setting applies.'),
  ...fields(ProfileSchema, ['createdAt', 'updatedAt', 'lastActiveAt']),
})

export const DocBackupSchema = closed({
  docId: BackupIdSchema,
  title: v.pipe(stored(DocSchema, 'title'), notBlank()),
  content: v.pipe(stored(DocSchema, 'content'), notBlank()),
  ...fields(DocSchema, ['metadata', 'createdAt']),
})

export const MessageBackupSchema = closed({
  messageId: BackupIdSchema,
  ...fields(MessageSchema, ['seq', 'role']),
  content: v.pipe(stored(MessageSchema, 'content'), notBlank()),
  ...fields(MessageSchema, ['timestamp']),
})

export const SessionBackupSchema = closed({
  sessionId: BackupIdSchema,
  status: described(stored(SessionSchema, 'status'), 'Exports write a session caught mid-processing as pending.'),
  ...fields(SessionSchema, ['metadata', 'createdAt', 'autoProcessAfterSeconds', 'lastMessageAt', 'processedAt', 'error', 'updatedAt']),
  /** what processing changed (present once processed) */
  summary: stored(SessionSchema, 'summary'),
  temporary: v.optional(v.pipe(v.literal(true), v.description('A temporary chat (forms no memories); absent for every other session.'))),
  messages: described(list(MessageBackupSchema), "The session's messages, in seq order."),
})

export const MemoryBackupSchema = v.pipe(
  closed({
    memoryId: BackupIdSchema,
    ...fields(MemorySchema, [
      'chainId',
      'prevVersionId',
      'content',
      'categories',
      'eventDateStart',
      'eventDateEnd',
      'createdAt',
      'expiredAt',
      'expirationReason',
      'mergeConflictId',
      'pendingConflictId',
      'sessionId',
      'sourceMessageIds',
    ]),
    byUser: v.optional(v.pipe(v.boolean('byUser is true or false'), v.description('The person wrote this version (added by hand or edited). Absent in files written before memories could be edited: false.'))),
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
  closed({ connectionId: BackupIdSchema, ...fields(ConnectionSchema, ['chainA', 'chainB', 'createdAt']) }),
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

export const ConflictBackupSchema = closed({
  conflictId: BackupIdSchema,
  ...fields(ConflictSchema, ['sessionId', 'status', 'proposedMemoryContent', 'proposedFact', 'conflictingMemories']),
  clarifyingQuestions: v.pipe(
    stored(ConflictSchema, 'clarifyingQuestions'),
    unique((q: { question: string; options: string[] }) => q.question, 'question', () => 'duplicate question: every question of a conflict must be different'),
  ),
  ...fields(ConflictSchema, ['resolutionData', 'newMemories', 'createdAt', 'resolvedAt', 'error', 'origin']),
})

export const UserBackupSchema = closed({
  userId: BackupIdSchema,
  profile: ProfileBackupSchema,
  docs: list(DocBackupSchema),
  sessions: list(SessionBackupSchema),
  memories: described(list(MemoryBackupSchema), 'Every version of every chain.'),
  connections: list(ConnectionBackupSchema),
  conflicts: list(ConflictBackupSchema),
})

export const BackupFileSchema = v.pipe(
  closed({
    format: v.literal(BACKUP_FORMAT),
    version: v.literal(BACKUP_VERSION),
    exportedAt: BackupDateSchema,
    scope: described(v.picklist(['space', 'user'] as const), 'space: every user of the space; user: exactly one user.'),
    /** the space settings, when the exported space had any set */
    settings: v.optional(SettingsBackupSchema),
    users: list(UserBackupSchema),
  }),
  v.forward(
    v.check((f) => f.scope !== 'user' || f.users.length === 1, (i) => `a backup of scope "user" holds exactly one user, got ${i.input.users.length}`),
    ['users'],
  ),
)
