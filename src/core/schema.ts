import * as v from 'valibot'
import { CATEGORY_NAME } from './categories'
import {
  EXPIRATION_REASONS,
  MERGE_CONFLICT_STATUSES,
  MESSAGE_ROLES,
  SESSION_STATUSES,
  type ConflictRecord,
  type ConnectionRecord,
  type DirectoryRecord,
  type DocRecord,
  type JsonObject,
  type MemoryRecord,
  type MessageRecord,
  type ProfileRecord,
  type SessionRecord,
  type SpaceSettings,
} from './types'
import { isPlainObject, jsonProblem, LIMITS } from './validation'

export { RESERVED_KEYS } from './validation'

/**
 * Every record shape of Keepsake, declared once with valibot (see docs/DESIGN.md, "Record schemas").
 *
 * These are the shapes *as stored*: in the Yjs documents (ISO-8601 UTC strings for dates) and, with
 * their id and uid added, in the Dexie projection and in backups. Anything that comes from outside
 * the running code (another device over sync, the update log, a backup file, a model) is checked
 * against them before it is projected, rendered or handed to an engine.
 *
 * Objects are `looseObject`s: fields this build does not know are kept and round-trip untouched
 * (a newer device may have written them). Plain objects only: a value whose prototype is not
 * Object.prototype (a Y type, a Uint8Array, an object whose `__proto__` was set by a decoder) fails.
 */

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/

/** A real instant (no 31 February: the parsed date must have the day that was written). */
function isIsoUtc(s: string): boolean {
  if (!ISO_UTC.test(s)) return false
  const d = new Date(s)
  return Number.isFinite(d.getTime()) && d.getUTCDate() === Number(s.slice(8, 10)) && d.getUTCHours() === Number(s.slice(11, 13))
}

/** An ISO-8601 UTC timestamp as `Date.prototype.toISOString` writes it. */
export const IsoDateSchema = v.pipe(
  v.string('expected an ISO-8601 UTC date'),
  v.check(isIsoUtc, (i) => `expected an ISO-8601 UTC date, got ${preview(i.input)}`),
)
const NullableDate = v.nullable(IsoDateSchema)

/** An id: a non-empty string of at most LIMITS.idLength characters. */
export const IdSchema = v.pipe(
  v.string('expected an id (a string)'),
  v.nonEmpty('expected a non-empty id'),
  v.maxLength(LIMITS.idLength, `an id is at most ${LIMITS.idLength} characters`),
)
const NullableId = v.nullable(IdSchema)
const OptionalNullableId = v.optional(NullableId)

const text = (max: number, what = 'text') => v.pipe(v.string(`expected ${what} (a string)`), v.maxLength(max, `${what} is longer than ${max} characters`))
const IdList = v.pipe(v.array(IdSchema), v.maxLength(10_000))

/** A JSON object of plain values, without reserved keys, at most LIMITS.metadataBytes as JSON. */
export const MetadataSchema = v.pipe(
  v.custom<JsonObject>(isPlainObject, 'expected a JSON object'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const p = jsonProblem(dataset.value)
    if (p) return addIssue({ message: p })
    if (JSON.stringify(dataset.value).length > LIMITS.metadataBytes) addIssue({ message: `larger than ${LIMITS.metadataBytes} bytes` })
  }),
)

export const CategorySchema = v.looseObject({
  name: v.pipe(v.string(), v.regex(CATEGORY_NAME, 'a category name is lowercase_snake')),
  description: text(2_000, 'a description'),
})

// ---- the space document ----

/** The space settings: each field optional (defaults fill what was never set), checked on its own. */
export const SettingsSchema = v.looseObject({
  categories: v.optional(v.pipe(v.array(CategorySchema), v.minLength(1), v.maxLength(500))),
  mergeConflictsEnabled: v.optional(v.boolean()),
  modelId: v.optional(NullableId),
})

/** A user directory entry (space document): uid -> userId; userId null once deleted. */
export const DirectorySchema = v.looseObject({
  uid: v.optional(IdSchema),
  userId: NullableId,
  createdAt: IsoDateSchema,
  deletedAt: NullableDate,
})

// ---- a user's document ----

export const ProfileSchema = v.looseObject({
  uid: v.optional(IdSchema),
  name: text(LIMITS.nameLength, 'a name'),
  about: text(LIMITS.aboutLength, 'about'),
  metadata: MetadataSchema,
  mergeConflictEnabled: v.nullable(v.boolean()),
  createdAt: IsoDateSchema,
  updatedAt: IsoDateSchema,
  lastActiveAt: IsoDateSchema,
})

export const DocSchema = v.looseObject({
  docId: v.optional(IdSchema),
  uid: v.optional(IdSchema),
  title: text(LIMITS.nameLength * 4, 'a title'),
  content: text(LIMITS.docContentLength, 'a document'),
  metadata: MetadataSchema,
  createdAt: IsoDateSchema,
})

const Count = v.pipe(v.number(), v.integer(), v.minValue(0))

export const SummarySchema = v.looseObject({
  facts: Count,
  added: IdList,
  updated: IdList,
  ignored: Count,
  conflicts: IdList,
})

export const SessionSchema = v.looseObject({
  sessionId: v.optional(IdSchema),
  uid: v.optional(IdSchema),
  status: v.picklist(SESSION_STATUSES),
  metadata: MetadataSchema,
  createdAt: IsoDateSchema,
  autoProcessAfterSeconds: v.pipe(Count, v.maxValue(LIMITS.maxAutoProcessSeconds)),
  lastMessageAt: v.optional(NullableDate),
  processedAt: NullableDate,
  error: v.nullable(text(10_000, 'an error')),
  updatedAt: IsoDateSchema,
  processingBy: OptionalNullableId,
  claimId: OptionalNullableId,
  ownerDevice: OptionalNullableId,
  summary: v.optional(v.nullable(SummarySchema)),
  /** kept in the document only: gives the next message its seq */
  messageCount: v.optional(Count),
  temporary: v.optional(v.boolean('temporary is true or false')),
})

/** Roles other than user and assistant are refused at every entry (API, sync, import). */
export const RoleSchema = v.picklist(MESSAGE_ROLES, 'a role is "user" or "assistant"')

export const MessageSchema = v.looseObject({
  messageId: v.optional(IdSchema),
  uid: v.optional(IdSchema),
  sessionId: IdSchema,
  seq: Count,
  role: RoleSchema,
  content: text(LIMITS.messageLength, 'a message'),
  timestamp: IsoDateSchema,
})

export const MemorySchema = v.looseObject({
  memoryId: v.optional(IdSchema),
  uid: v.optional(IdSchema),
  chainId: IdSchema,
  prevVersionId: NullableId,
  content: text(LIMITS.messageLength, 'a memory'),
  categories: v.pipe(v.array(v.string('a category is a string')), v.maxLength(100)),
  eventDateStart: NullableDate,
  eventDateEnd: NullableDate,
  createdAt: IsoDateSchema,
  expiredAt: NullableDate,
  expirationReason: v.nullable(v.picklist(EXPIRATION_REASONS)),
  mergeConflictId: NullableId,
  pendingConflictId: NullableId,
  sessionId: NullableId,
  sourceMessageIds: IdList,
  claimId: OptionalNullableId,
  expiredByClaim: OptionalNullableId,
  byUser: v.optional(v.boolean('byUser is true or false')),
})

export const ConnectionSchema = v.looseObject({
  connectionId: v.optional(IdSchema),
  uid: v.optional(IdSchema),
  chainA: IdSchema,
  chainB: IdSchema,
  createdAt: IsoDateSchema,
})

const StoredFactSchema = v.looseObject({
  content: text(LIMITS.messageLength, 'a fact'),
  categories: v.array(v.string()),
  eventDateStart: NullableDate,
  eventDateEnd: NullableDate,
  sourceMessageIds: IdList,
})

const ConflictingMemorySchema = v.looseObject({
  memoryId: IdSchema,
  content: text(LIMITS.messageLength, 'a memory'),
  reason: text(10_000, 'a reason'),
  categories: v.optional(v.array(v.string())),
  eventDateStart: v.optional(NullableDate),
  eventDateEnd: v.optional(NullableDate),
})

const QuestionSchema = v.looseObject({
  question: text(2_000, 'a question'),
  options: v.pipe(v.array(text(2_000, 'an option')), v.maxLength(50)),
})

const AnswerSchema = v.looseObject({
  question: text(2_000, 'a question'),
  answer: text(2_000, 'an answer'),
  message: v.optional(text(10_000, 'a message')),
})

export const ConflictSchema = v.looseObject({
  conflictId: v.optional(IdSchema),
  uid: v.optional(IdSchema),
  sessionId: NullableId,
  status: v.picklist(MERGE_CONFLICT_STATUSES),
  proposedMemoryContent: text(LIMITS.messageLength, 'a memory'),
  proposedFact: StoredFactSchema,
  conflictingMemories: v.pipe(v.array(ConflictingMemorySchema), v.maxLength(100)),
  clarifyingQuestions: v.pipe(v.array(QuestionSchema), v.maxLength(50)),
  resolutionData: v.nullable(v.looseObject({ answers: v.array(AnswerSchema) })),
  newMemories: IdList,
  createdAt: IsoDateSchema,
  resolvedAt: NullableDate,
  error: v.nullable(text(10_000, 'an error')),
  origin: v.picklist(['pipeline', 'sync']),
  claimId: OptionalNullableId,
})

/** The kinds of record, named as the app and SyncProblem name them. */
export const RECORD_SCHEMAS = {
  settings: SettingsSchema,
  directory: DirectorySchema,
  profile: ProfileSchema,
  doc: DocSchema,
  session: SessionSchema,
  message: MessageSchema,
  memory: MemorySchema,
  connection: ConnectionSchema,
  conflict: ConflictSchema,
} as const

export type RecordKind = keyof typeof RECORD_SCHEMAS

export type Checked<K extends RecordKind> = v.InferOutput<(typeof RECORD_SCHEMAS)[K]>

export type CheckResult<T> = { ok: true; value: T } | { ok: false; problem: string }

/** Checks a value against a record kind's schema; the problem names the field and what was wrong. */
export function checkRecord<K extends RecordKind>(kind: K, value: unknown): CheckResult<Checked<K>> {
  if (!isPlainObject(value)) return { ok: false, problem: `expected a ${kind} record (an object), got ${describe(value)}` }
  const r = v.safeParse(RECORD_SCHEMAS[kind] as v.GenericSchema, value, { abortEarly: true })
  if (r.success) return { ok: true, value: r.output as Checked<K> }
  return { ok: false, problem: formatIssue(r.issues[0]) }
}

const EPOCH = new Date(0).toISOString()
const FIELD_RECORDS = {
  profile: { schema: ProfileSchema, defaults: { name: '', about: '', metadata: {}, mergeConflictEnabled: null, createdAt: EPOCH, updatedAt: EPOCH, lastActiveAt: EPOCH } },
  settings: { schema: SettingsSchema, defaults: {} },
} as const

/** The records kept as one map of fields: the profile, the space settings. */
export type FieldKind = keyof typeof FIELD_RECORDS

/**
 * A record of fields checked field by field: a field that fails takes its default (for settings it
 * is left out, so the setting's default applies) and is reported, so one bad field neither hides a
 * user nor resets the rest of the settings. Unknown fields are kept. No fields: an empty row.
 */
export function checkFields(kind: FieldKind, fields: Iterable<[string, unknown]>): { row: Record<string, unknown>; problems: string[] } {
  const { schema, defaults } = FIELD_RECORDS[kind]
  const entries = schema.entries as Record<string, v.GenericSchema>
  const row: Record<string, unknown> = {}
  const problems: string[] = []
  let any = false
  for (const [k, val] of fields) {
    any = true
    const fieldSchema = entries[k]
    if (!fieldSchema || k === 'uid' || k === 'key') {
      row[k] = val
      continue
    }
    const r = v.safeParse(fieldSchema, val, { abortEarly: true })
    if (r.success) row[k] = r.output
    else problems.push(r.issues[0].path ? `${k}.${formatIssue(r.issues[0])}` : `${k}: ${formatIssue(r.issues[0])}`)
  }
  if (any) for (const [k, dflt] of Object.entries(defaults)) if (!(k in row)) row[k] = dflt
  return { row, problems }
}

/** A record's stable name in the quarantine: its document, its map and its key. */
export function problemKey(doc: string, ymap: string, recordId: string): string {
  return `${doc}\u0000${ymap}\u0000${recordId}`
}

/** valibot's names of the types, as a person reads them */
const EXPECTED: Record<string, string> = { Array: 'a list', Object: 'an object', string: 'a string', number: 'a number', boolean: 'true or false', null: 'null' }

/** "field.sub: message", from a valibot issue. */
export function formatIssue(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue)
  let message: string
  if (issue.input === undefined && issue.kind === 'schema') message = 'missing'
  else if (issue.message.startsWith('Invalid ')) message = `expected ${EXPECTED[issue.expected ?? ''] ?? issue.expected}, got ${describe(issue.input)}`
  else message = issue.message.includes(', got ') || issue.kind !== 'schema' ? issue.message : `${issue.message}, got ${describe(issue.input)}`
  return path ? `${path}: ${message}` : message
}

/** A short description of a value for a problem message (never the whole of a huge string). */
export function describe(x: unknown): string {
  if (x === null) return 'null'
  if (x === undefined) return 'nothing'
  if (typeof x === 'string') return preview(x)
  if (Array.isArray(x)) return 'an array'
  if (typeof x === 'object') {
    const name = (Object.getPrototypeOf(x) as { constructor?: { name?: string } } | null)?.constructor?.name
    return name && name !== 'Object' ? `a ${name}` : 'an object'
  }
  return `${typeof x} ${String(x)}`
}

function preview(x: unknown): string {
  const s = String(x)
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s) + (s.length > 40 ? ` (${s.length} characters)` : '')
}

// ---- The record types of src/core/types.ts agree with these schemas (checked by tsc) ----

/** A type without index signatures, deeply (loose objects add `[key: string]: unknown`). */
type Strip<T> = T extends readonly (infer U)[] ? Strip<U>[] : T extends object ? { [K in keyof T as string extends K ? never : K]: Strip<T[K]> } : T
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
/** The record as stored: the fields a document keeps as its key and its own name are optional. */
type AsStored<T, Ids extends keyof T> = Omit<T, Ids> & Partial<Pick<T, Ids>>
type Agree<K extends RecordKind, T> = Same<Strip<Checked<K>>, Strip<T>>

/**
 * Fails to compile when a record type and its schema drift apart: the types in src/core/types.ts
 * are the shapes these schemas accept, field for field (doc comments live on the interfaces).
 */
export const RECORD_TYPES_AGREE: {
  settings: Agree<'settings', Partial<SpaceSettings>>
  directory: Agree<'directory', AsStored<DirectoryRecord, 'uid'>>
  profile: Agree<'profile', AsStored<ProfileRecord, 'uid'>>
  doc: Agree<'doc', AsStored<DocRecord, 'docId' | 'uid'>>
  session: Agree<'session', AsStored<SessionRecord, 'sessionId' | 'uid' | 'lastMessageAt'> & { messageCount?: number }>
  message: Agree<'message', AsStored<MessageRecord, 'messageId' | 'uid'>>
  memory: Agree<'memory', AsStored<MemoryRecord, 'memoryId' | 'uid'>>
  connection: Agree<'connection', AsStored<ConnectionRecord, 'connectionId' | 'uid'>>
  conflict: Agree<'conflict', AsStored<ConflictRecord, 'conflictId' | 'uid'>>
} = { settings: true, directory: true, profile: true, doc: true, session: true, message: true, memory: true, connection: true, conflict: true }
