import { CATEGORY_NAME } from '../core/categories'
import { ImportError } from '../core/errors'
import { EXPIRATION_REASONS, MERGE_CONFLICT_STATUSES, MESSAGE_ROLES, SESSION_STATUSES, type JsonObject } from '../core/types'
import { BACKUP_FORMAT, BACKUP_LIMITS, BACKUP_VERSION, ISO_UTC, type BackupCheck, type BackupFile, type BackupMemory, type BackupUser } from './format'

// ---------------------------------------------------------------------------------------------
// The validator. It reads the whole file before anything is written and reports the first problem:
// first the shape of every value (types, enums, sizes) in document order, then duplicate ids, then
// references between records. It never throws on any input.
// ---------------------------------------------------------------------------------------------

class Problem extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`)
  }
}

function fail(path: string, message: string): never {
  throw new Problem(path, message)
}

const SAFE_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/
function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return SAFE_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : `the string ${JSON.stringify(v)}`
  if (typeof v === 'number') return `the number ${v}`
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'object') return 'an object'
  return typeof v
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** An object with exactly these required and optional keys. */
function obj(v: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (!isPlainObject(v)) fail(path, `must be an object, got ${describe(v)}`)
  for (const k of required) if (!Object.prototype.hasOwnProperty.call(v, k) || v[k] === undefined) fail(child(path, k), 'is missing')
  const known = new Set([...required, ...optional])
  for (const k of Object.keys(v)) if (!known.has(k)) fail(child(path, k), 'is not a field of the backup format')
  return v
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, `must be an array, got ${describe(v)}`)
  return v
}

function str(v: unknown, path: string, max: number, opts: { nonEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') fail(path, `must be a string, got ${describe(v)}`)
  if (v.length > max) fail(path, `is too large: ${v.length} characters, the limit is ${max}`)
  if (opts.nonEmpty && !v.trim()) fail(path, 'must not be empty')
  return v
}

function id(v: unknown, path: string, max: number = BACKUP_LIMITS.recordId): string {
  const s = str(v, path, max, { nonEmpty: true })
  if (s !== s.trim()) fail(path, 'must not start or end with white space')
  return s
}

function nullable<T>(v: unknown, path: string, check: (v: unknown, path: string) => T): T | null {
  return v === null ? null : check(v, path)
}

function date(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, `must be an ISO-8601 UTC date string, got ${describe(v)}`)
  if (!ISO_UTC.test(v) || Number.isNaN(Date.parse(v)) || new Date(v).toISOString() !== v) {
    fail(path, `must be an ISO-8601 UTC date in the form 2025-01-08T10:00:00.000Z, got ${JSON.stringify(v.slice(0, 60))}`)
  }
  return v
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, `must be true or false, got ${describe(v)}`)
  return v
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, `must be an integer, got ${describe(v)}`)
  if (v < min || v > max) fail(path, `must be from ${min} to ${max}, got ${v}`)
  return v
}

function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (!values.includes(v as T)) fail(path, `must be one of ${values.join(', ')}, got ${describe(v)}`)
  return v as T
}

function jsonValue(v: unknown, path: string, depth: number): void {
  if (depth > BACKUP_LIMITS.metadataDepth) fail(path, `is nested deeper than ${BACKUP_LIMITS.metadataDepth} levels`)
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(path, 'must be a finite number')
    return
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => jsonValue(x, child(path, i), depth + 1))
    return
  }
  if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) jsonValue(x, child(path, k), depth + 1)
    return
  }
  fail(path, `must be a JSON value, got ${describe(v)}`)
}

function metadata(v: unknown, path: string): JsonObject {
  if (!isPlainObject(v)) fail(path, `must be a JSON object, got ${describe(v)}`)
  jsonValue(v, path, 0)
  const size = JSON.stringify(v).length
  if (size > BACKUP_LIMITS.metadataBytes) fail(path, `is too large: ${size} bytes, the limit is ${BACKUP_LIMITS.metadataBytes}`)
  return v as JsonObject
}

function ids(v: unknown, path: string): string[] {
  return arr(v, path).map((x, i) => id(x, child(path, i)))
}

/** Categories of memories and facts: the space's names, or whatever an engine returned when resolving. */
function categoryList(v: unknown, path: string): string[] {
  return arr(v, path).map((x, i) => str(x, child(path, i), BACKUP_LIMITS.id))
}

// ---- records ----

function settings(v: unknown, path: string): void {
  const s = obj(v, path, ['categories', 'mergeConflictsEnabled', 'modelId'])
  const cats = arr(s.categories, child(path, 'categories'))
  if (!cats.length) fail(child(path, 'categories'), 'must name at least one category')
  const seen = new Set<string>()
  cats.forEach((c, i) => {
    const p = child(child(path, 'categories'), i)
    const o = obj(c, p, ['name', 'description'])
    const name = str(o.name, child(p, 'name'), BACKUP_LIMITS.id)
    if (!CATEGORY_NAME.test(name)) fail(child(p, 'name'), `must be lowercase_snake (a-z, 0-9, _), got ${JSON.stringify(name.slice(0, 60))}`)
    if (seen.has(name)) fail(child(p, 'name'), `duplicate category "${name}"`)
    seen.add(name)
    str(o.description, child(p, 'description'), BACKUP_LIMITS.about)
  })
  bool(s.mergeConflictsEnabled, child(path, 'mergeConflictsEnabled'))
  nullable(s.modelId, child(path, 'modelId'), (x, p) => id(x, p, BACKUP_LIMITS.id))
}

function profile(v: unknown, path: string): void {
  const p = obj(v, path, ['name', 'about', 'metadata', 'mergeConflictEnabled', 'createdAt', 'updatedAt', 'lastActiveAt'])
  str(p.name, child(path, 'name'), BACKUP_LIMITS.name)
  str(p.about, child(path, 'about'), BACKUP_LIMITS.about)
  metadata(p.metadata, child(path, 'metadata'))
  nullable(p.mergeConflictEnabled, child(path, 'mergeConflictEnabled'), bool)
  date(p.createdAt, child(path, 'createdAt'))
  date(p.updatedAt, child(path, 'updatedAt'))
  date(p.lastActiveAt, child(path, 'lastActiveAt'))
}

function doc(v: unknown, path: string): void {
  const d = obj(v, path, ['docId', 'title', 'content', 'metadata', 'createdAt'])
  id(d.docId, child(path, 'docId'))
  str(d.title, child(path, 'title'), BACKUP_LIMITS.name, { nonEmpty: true })
  str(d.content, child(path, 'content'), BACKUP_LIMITS.docContent, { nonEmpty: true })
  metadata(d.metadata, child(path, 'metadata'))
  date(d.createdAt, child(path, 'createdAt'))
}

function message(v: unknown, path: string): void {
  const m = obj(v, path, ['messageId', 'seq', 'role', 'content', 'timestamp'])
  id(m.messageId, child(path, 'messageId'))
  int(m.seq, child(path, 'seq'), 0, Number.MAX_SAFE_INTEGER)
  oneOf(m.role, child(path, 'role'), MESSAGE_ROLES)
  str(m.content, child(path, 'content'), BACKUP_LIMITS.message, { nonEmpty: true })
  date(m.timestamp, child(path, 'timestamp'))
}

function summary(v: unknown, path: string): void {
  const s = obj(v, path, ['facts', 'added', 'updated', 'ignored', 'conflicts'])
  int(s.facts, child(path, 'facts'), 0, Number.MAX_SAFE_INTEGER)
  ids(s.added, child(path, 'added'))
  ids(s.updated, child(path, 'updated'))
  int(s.ignored, child(path, 'ignored'), 0, Number.MAX_SAFE_INTEGER)
  ids(s.conflicts, child(path, 'conflicts'))
}

function session(v: unknown, path: string): void {
  const s = obj(v, path, [
    'sessionId',
    'status',
    'metadata',
    'createdAt',
    'autoProcessAfterSeconds',
    'lastMessageAt',
    'processedAt',
    'error',
    'updatedAt',
    'summary',
    'messages',
  ])
  id(s.sessionId, child(path, 'sessionId'))
  oneOf(s.status, child(path, 'status'), SESSION_STATUSES)
  metadata(s.metadata, child(path, 'metadata'))
  date(s.createdAt, child(path, 'createdAt'))
  int(s.autoProcessAfterSeconds, child(path, 'autoProcessAfterSeconds'), 0, BACKUP_LIMITS.maxAutoProcessSeconds)
  nullable(s.lastMessageAt, child(path, 'lastMessageAt'), date)
  nullable(s.processedAt, child(path, 'processedAt'), date)
  nullable(s.error, child(path, 'error'), (x, p) => str(x, p, BACKUP_LIMITS.text))
  date(s.updatedAt, child(path, 'updatedAt'))
  nullable(s.summary, child(path, 'summary'), summary)
  arr(s.messages, child(path, 'messages')).forEach((m, i) => message(m, child(child(path, 'messages'), i)))
}

function memory(v: unknown, path: string): void {
  const m = obj(v, path, [
    'memoryId',
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
  ])
  id(m.memoryId, child(path, 'memoryId'))
  id(m.chainId, child(path, 'chainId'))
  nullable(m.prevVersionId, child(path, 'prevVersionId'), id)
  str(m.content, child(path, 'content'), BACKUP_LIMITS.text)
  categoryList(m.categories, child(path, 'categories'))
  nullable(m.eventDateStart, child(path, 'eventDateStart'), date)
  nullable(m.eventDateEnd, child(path, 'eventDateEnd'), date)
  date(m.createdAt, child(path, 'createdAt'))
  nullable(m.expiredAt, child(path, 'expiredAt'), date)
  nullable(m.expirationReason, child(path, 'expirationReason'), (x, p) => oneOf(x, p, EXPIRATION_REASONS))
  if ((m.expiredAt === null) !== (m.expirationReason === null)) {
    fail(child(path, 'expirationReason'), m.expiredAt === null ? 'is set on a live version (expiredAt is null)' : 'must be set on an expired version')
  }
  nullable(m.mergeConflictId, child(path, 'mergeConflictId'), id)
  nullable(m.pendingConflictId, child(path, 'pendingConflictId'), id)
  nullable(m.sessionId, child(path, 'sessionId'), id)
  ids(m.sourceMessageIds, child(path, 'sourceMessageIds'))
}

function connection(v: unknown, path: string): void {
  const c = obj(v, path, ['connectionId', 'chainA', 'chainB', 'createdAt'])
  id(c.connectionId, child(path, 'connectionId'))
  const a = id(c.chainA, child(path, 'chainA'))
  const b = id(c.chainB, child(path, 'chainB'))
  date(c.createdAt, child(path, 'createdAt'))
  if (!(a < b)) fail(child(path, 'chainB'), 'chainA must sort before chainB (a connection links two different chains, in order)')
  if (c.connectionId !== `${a}|${b}`) fail(child(path, 'connectionId'), 'must be "<chainA>|<chainB>"')
}

function storedFact(v: unknown, path: string): void {
  const f = obj(v, path, ['content', 'categories', 'eventDateStart', 'eventDateEnd', 'sourceMessageIds'])
  str(f.content, child(path, 'content'), BACKUP_LIMITS.text)
  categoryList(f.categories, child(path, 'categories'))
  nullable(f.eventDateStart, child(path, 'eventDateStart'), date)
  nullable(f.eventDateEnd, child(path, 'eventDateEnd'), date)
  ids(f.sourceMessageIds, child(path, 'sourceMessageIds'))
}

function conflict(v: unknown, path: string): void {
  const c = obj(v, path, [
    'conflictId',
    'sessionId',
    'status',
    'proposedMemoryContent',
    'proposedFact',
    'conflictingMemories',
    'clarifyingQuestions',
    'resolutionData',
    'newMemories',
    'createdAt',
    'resolvedAt',
    'error',
    'origin',
  ])
  id(c.conflictId, child(path, 'conflictId'))
  nullable(c.sessionId, child(path, 'sessionId'), id)
  oneOf(c.status, child(path, 'status'), MERGE_CONFLICT_STATUSES)
  str(c.proposedMemoryContent, child(path, 'proposedMemoryContent'), BACKUP_LIMITS.text)
  storedFact(c.proposedFact, child(path, 'proposedFact'))
  const cmPath = child(path, 'conflictingMemories')
  arr(c.conflictingMemories, cmPath).forEach((x, i) => {
    const p = child(cmPath, i)
    const m = obj(x, p, ['memoryId', 'content', 'reason'], ['categories', 'eventDateStart', 'eventDateEnd'])
    id(m.memoryId, child(p, 'memoryId'))
    str(m.content, child(p, 'content'), BACKUP_LIMITS.text)
    str(m.reason, child(p, 'reason'), BACKUP_LIMITS.text)
    if (m.categories !== undefined) categoryList(m.categories, child(p, 'categories'))
    if (m.eventDateStart !== undefined) nullable(m.eventDateStart, child(p, 'eventDateStart'), date)
    if (m.eventDateEnd !== undefined) nullable(m.eventDateEnd, child(p, 'eventDateEnd'), date)
  })
  const qPath = child(path, 'clarifyingQuestions')
  const questions = new Set<string>()
  arr(c.clarifyingQuestions, qPath).forEach((x, i) => {
    const p = child(qPath, i)
    const q = obj(x, p, ['question', 'options'])
    const text = str(q.question, child(p, 'question'), BACKUP_LIMITS.text, { nonEmpty: true })
    if (questions.has(text)) fail(child(p, 'question'), 'duplicate question: every question of a conflict must be different')
    questions.add(text)
    arr(q.options, child(p, 'options')).forEach((o, j) => str(o, child(child(p, 'options'), j), BACKUP_LIMITS.text))
  })
  nullable(c.resolutionData, child(path, 'resolutionData'), (x, p) => {
    const r = obj(x, p, ['answers'])
    const aPath = child(p, 'answers')
    arr(r.answers, aPath).forEach((a, i) => {
      const ap = child(aPath, i)
      const o = obj(a, ap, ['question', 'answer'], ['message'])
      str(o.question, child(ap, 'question'), BACKUP_LIMITS.text)
      str(o.answer, child(ap, 'answer'), BACKUP_LIMITS.text)
      if (o.message !== undefined) str(o.message, child(ap, 'message'), BACKUP_LIMITS.text)
    })
    return r
  })
  ids(c.newMemories, child(path, 'newMemories'))
  date(c.createdAt, child(path, 'createdAt'))
  nullable(c.resolvedAt, child(path, 'resolvedAt'), date)
  nullable(c.error, child(path, 'error'), (x, p) => str(x, p, BACKUP_LIMITS.text))
  oneOf(c.origin, child(path, 'origin'), ['pipeline', 'sync'] as const)
}

function user(v: unknown, path: string): void {
  const u = obj(v, path, ['userId', 'profile', 'docs', 'sessions', 'memories', 'connections', 'conflicts'])
  id(u.userId, child(path, 'userId'), BACKUP_LIMITS.id)
  profile(u.profile, child(path, 'profile'))
  const list = (key: string, check: (v: unknown, path: string) => void) => {
    const p = child(path, key)
    arr(u[key], p).forEach((x, i) => check(x, child(p, i)))
  }
  list('docs', doc)
  list('sessions', session)
  list('memories', memory)
  list('connections', connection)
  list('conflicts', conflict)
}

/** Pass 1: the shape of every value, in document order. */
function checkShape(data: unknown): void {
  if (!isPlainObject(data)) fail('$', `a backup file must be a JSON object, got ${describe(data)}`)
  if (data.format !== BACKUP_FORMAT) {
    fail('$.format', `not a Keepsake backup: format must be "${BACKUP_FORMAT}", got ${data.format === undefined ? 'nothing' : describe(data.format)}`)
  }
  if (data.version !== BACKUP_VERSION) {
    const newer = typeof data.version === 'number' && data.version > BACKUP_VERSION
    fail(
      '$.version',
      newer
        ? `backup format version ${data.version} is newer than this version of Keepsake reads (${BACKUP_VERSION})`
        : `unsupported backup format version: ${data.version === undefined ? 'missing' : describe(data.version)}, expected ${BACKUP_VERSION}`,
    )
  }
  const f = obj(data, '$', ['format', 'version', 'exportedAt', 'scope', 'users'], ['settings'])
  date(f.exportedAt, '$.exportedAt')
  oneOf(f.scope, '$.scope', ['space', 'user'] as const)
  if (f.settings !== undefined) settings(f.settings, '$.settings')
  const users = arr(f.users, '$.users')
  users.forEach((u, i) => user(u, child('$.users', i)))
  if (f.scope === 'user' && users.length !== 1) fail('$.users', `a backup of scope "user" holds exactly one user, got ${users.length}`)
}

/** Pass 2: ids are unique in the whole file (they are primary keys across all users of a space). */
function checkDuplicates(f: BackupFile): void {
  const seen = new Map<string, Map<string, string>>()
  const once = (kind: string, value: string, path: string) => {
    let m = seen.get(kind)
    if (!m) seen.set(kind, (m = new Map()))
    const first = m.get(value)
    if (first) fail(path, `duplicate ${kind} ${JSON.stringify(value)} (first at ${first})`)
    m.set(value, path)
  }
  f.users.forEach((u, i) => {
    const up = `$.users[${i}]`
    once('userId', u.userId, `${up}.userId`)
    u.docs.forEach((d, j) => once('docId', d.docId, `${up}.docs[${j}].docId`))
    u.sessions.forEach((s, j) => {
      once('sessionId', s.sessionId, `${up}.sessions[${j}].sessionId`)
      s.messages.forEach((m, k) => once('messageId', m.messageId, `${up}.sessions[${j}].messages[${k}].messageId`))
    })
    u.memories.forEach((m, j) => once('memoryId', m.memoryId, `${up}.memories[${j}].memoryId`))
    u.connections.forEach((c, j) => once('connectionId', c.connectionId, `${up}.connections[${j}].connectionId`))
    u.conflicts.forEach((c, j) => once('conflictId', c.conflictId, `${up}.conflicts[${j}].conflictId`))
  })
}

/**
 * Pass 3: references. Every reference that Keepsake itself keeps consistent must hold; references
 * that may legitimately outlive what they name are allowed to point nowhere, but never into another
 * user:
 * - `prevVersionId` names a version of the same user and the same chain, chains have no cycles and
 *   one first version (deleting a version relinks its successor, so a valid chain never points
 *   nowhere); two versions may have the same previous version (two heads after sync);
 * - `chainId` may name no version (the chain's first version was deleted), but when it names a
 *   version, that version must be the start of this very chain;
 * - connections link chains that have versions of this user (deleting a chain deletes its links);
 * - `mergeConflictId`/`pendingConflictId` name conflicts of this user (conflicts are only deleted
 *   with their user);
 * - `sessionId` of memories and conflicts, `sourceMessageIds`, and the memories a conflict names may
 *   name nothing (a session deleted after processing keeps its memories, a memory deleted while its
 *   conflict waits), but may not name a record of another user.
 */
function checkReferences(f: BackupFile): void {
  const ownerOf = (pick: (u: BackupUser) => string[]) => {
    const m = new Map<string, number>()
    f.users.forEach((u, i) => pick(u).forEach((x) => m.set(x, i)))
    return m
  }
  const sessionOwner = ownerOf((u) => u.sessions.map((s) => s.sessionId))
  const messageOwner = ownerOf((u) => u.sessions.flatMap((s) => s.messages.map((m) => m.messageId)))
  const memoryOwner = ownerOf((u) => u.memories.map((m) => m.memoryId))
  const conflictOwner = ownerOf((u) => u.conflicts.map((c) => c.conflictId))
  const notOthers = (owner: Map<string, number>, ref: string, ui: number, path: string, kind: string) => {
    const o = owner.get(ref)
    if (o !== undefined && o !== ui) fail(path, `names ${kind} ${JSON.stringify(ref)} of another user ($.users[${o}])`)
  }

  f.users.forEach((u, ui) => {
    const up = `$.users[${ui}]`
    const byId = new Map(u.memories.map((m) => [m.memoryId, m]))
    const chains = new Set(u.memories.map((m) => m.chainId))
    const conflicts = new Set(u.conflicts.map((c) => c.conflictId))
    u.memories.forEach((m, j) => {
      const mp = `${up}.memories[${j}]`
      if (m.prevVersionId !== null) {
        notOthers(memoryOwner, m.prevVersionId, ui, `${mp}.prevVersionId`, 'memory')
        const prev = byId.get(m.prevVersionId)
        if (!prev) fail(`${mp}.prevVersionId`, `broken chain: the previous version ${JSON.stringify(m.prevVersionId)} is not in the file`)
        if (prev.memoryId === m.memoryId) fail(`${mp}.prevVersionId`, 'broken chain: a version cannot be its own previous version')
        if (prev.chainId !== m.chainId) {
          fail(`${mp}.prevVersionId`, `broken chain: the previous version ${JSON.stringify(prev.memoryId)} is in chain ${JSON.stringify(prev.chainId)}, not ${JSON.stringify(m.chainId)}`)
        }
      }
      notOthers(memoryOwner, m.chainId, ui, `${mp}.chainId`, 'memory')
      const start = byId.get(m.chainId)
      if (start && start.chainId !== m.chainId) {
        fail(`${mp}.chainId`, `broken chain: ${JSON.stringify(m.chainId)} is a version of chain ${JSON.stringify(start.chainId)}, so it cannot name a chain of its own`)
      }
      for (const key of ['mergeConflictId', 'pendingConflictId'] as const) {
        const ref = m[key]
        if (ref === null) continue
        notOthers(conflictOwner, ref, ui, `${mp}.${key}`, 'conflict')
        if (!conflicts.has(ref)) fail(`${mp}.${key}`, `dangling id: no conflict ${JSON.stringify(ref)} in this user's conflicts`)
      }
      if (m.sessionId !== null) notOthers(sessionOwner, m.sessionId, ui, `${mp}.sessionId`, 'session')
      m.sourceMessageIds.forEach((x, k) => notOthers(messageOwner, x, ui, `${mp}.sourceMessageIds[${k}]`, 'message'))
    })
    // one first version per chain (two versions may share a previous version: two devices that
    // each added a version while apart leave two heads, which the app turns into a merge conflict)
    const roots = new Map<string, string>()
    u.memories.forEach((m, j) => {
      if (m.prevVersionId !== null) return
      const other = roots.get(m.chainId)
      if (other !== undefined) {
        fail(`${up}.memories[${j}].prevVersionId`, `broken chain: chain ${JSON.stringify(m.chainId)} has two first versions, ${JSON.stringify(other)} and ${JSON.stringify(m.memoryId)} (both without a previous version)`)
      }
      roots.set(m.chainId, m.memoryId)
    })
    // cycles: follow prevVersionId from every version; a chain is at most as long as the user's versions
    const done = new Set<string>()
    u.memories.forEach((m, j) => {
      const path = new Set<string>()
      let cur: BackupMemory | undefined = m
      while (cur && !done.has(cur.memoryId)) {
        if (path.has(cur.memoryId)) fail(`${up}.memories[${j}].prevVersionId`, `broken chain: the versions before ${JSON.stringify(m.memoryId)} loop back on themselves`)
        path.add(cur.memoryId)
        cur = cur.prevVersionId === null ? undefined : byId.get(cur.prevVersionId)
      }
      for (const x of path) done.add(x)
    })
    u.connections.forEach((c, j) => {
      for (const key of ['chainA', 'chainB'] as const) {
        if (!chains.has(c[key])) fail(`${up}.connections[${j}].${key}`, `dangling id: no memory of this user is in chain ${JSON.stringify(c[key])}`)
      }
    })
    u.conflicts.forEach((c, j) => {
      const cp = `${up}.conflicts[${j}]`
      if (c.sessionId !== null) notOthers(sessionOwner, c.sessionId, ui, `${cp}.sessionId`, 'session')
      c.conflictingMemories.forEach((x, k) => notOthers(memoryOwner, x.memoryId, ui, `${cp}.conflictingMemories[${k}].memoryId`, 'memory'))
      c.newMemories.forEach((x, k) => notOthers(memoryOwner, x, ui, `${cp}.newMemories[${k}]`, 'memory'))
      c.proposedFact.sourceMessageIds.forEach((x, k) => notOthers(messageOwner, x, ui, `${cp}.proposedFact.sourceMessageIds[${k}]`, 'message'))
    })
  })
}

/** Checks a whole backup file; reports the first problem with its JSON path. Never throws. */
export function checkBackup(data: unknown): BackupCheck {
  try {
    checkShape(data)
    const f = data as BackupFile
    checkDuplicates(f)
    checkReferences(f)
    return { ok: true, value: f }
  } catch (e) {
    if (e instanceof Problem) return { ok: false, problem: { path: e.path, message: e.detail } }
    // a value the checks did not foresee (e.g. a getter that throws): still a bad file
    return { ok: false, problem: { path: '$', message: `unreadable backup: ${e instanceof Error ? e.message : String(e)}` } }
  }
}

/** The backup file, checked; throws ImportError naming the first problem (`<path>: <message>`). */
export function validateBackup(data: unknown): BackupFile {
  const r = checkBackup(data)
  if (!r.ok) throw new ImportError(r.problem.message, r.problem.path)
  return r.value
}

/** Parses the text of a backup file and checks it; throws ImportError on bad JSON or a bad file. */
export function parseBackup(text: string): BackupFile {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new ImportError(`not JSON: ${e instanceof Error ? e.message : String(e)}`, '$')
  }
  return validateBackup(data)
}
