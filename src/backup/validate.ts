import * as v from 'valibot'
import { ImportError } from '../core/errors'
import { BACKUP_FORMAT, BACKUP_VERSION, type BackupCheck, type BackupFile, type BackupMemory, type BackupUser } from './format'
import { BackupFileSchema, describe } from './schema'

/**
 * Checks a backup file before anything is written, and reports the first problem with its JSON
 * path: first the shape of every value (types, enums, sizes: the valibot schema of schema.ts, in
 * document order), then what a schema cannot say: ids unique across the file, and the references
 * between records. It never throws on any input.
 */

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
function child(path: string, key: unknown): string {
  if (typeof key === 'number') return `${path}[${key}]`
  const k = String(key)
  return SAFE_KEY.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`
}

/** Pass 1: the shape of every value, in document order (the first problem only). */
function checkShape(data: unknown): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail('$', `a backup file must be a JSON object, got ${describe(data)}`)
  const { format, version } = data as Record<string, unknown>
  if (format !== BACKUP_FORMAT) {
    fail('$.format', `not a Keepsake backup: format must be "${BACKUP_FORMAT}", got ${format === undefined ? 'nothing' : describe(format)}`)
  }
  if (version !== BACKUP_VERSION) {
    const newer = typeof version === 'number' && version > BACKUP_VERSION
    fail(
      '$.version',
      newer
        ? `backup format version ${version} is newer than this version of Keepsake reads (${BACKUP_VERSION})`
        : `unsupported backup format version: ${version === undefined ? 'missing' : describe(version)}, expected ${BACKUP_VERSION}`,
    )
  }
  const result = v.safeParse(BackupFileSchema, data, { abortEarly: true })
  if (result.success) return
  const issue = result.issues[0]
  fail((issue.path ?? []).reduce((p, item) => child(p, item.key), '$'), messageOf(issue))
}

const TYPE_WORDS: Record<string, string> = { string: 'a string', number: 'a number', boolean: 'true or false', Object: 'an object', Array: 'an array', null: 'null' }

/**
 * A schema's message, in the file's words. The record schemas of src/core/schema.ts word their own
 * (`a message is longer than 100000 characters`); valibot's defaults (`Invalid type: Expected
 * number but received "1"`) are reworded as `must be a number, got the string "1"`.
 */
function messageOf(issue: v.BaseIssue<unknown>): string {
  const got = `got ${describe(issue.input)}`
  if (!issue.message.startsWith('Invalid ')) return issue.kind === 'schema' && issue.type !== 'strict_object' && !issue.message.includes(', got ') ? `${issue.message}, ${got}` : issue.message
  switch (issue.type) {
    case 'integer':
      return `must be an integer, ${got}`
    case 'min_value':
    case 'max_value':
      return `must be ${issue.expected}, ${got}`
    case 'picklist':
    case 'literal':
      return `must be one of ${(issue.expected ?? '').replace(/^\(|\)$/g, '').split(' | ').join(', ')}, ${got}`
    default:
      return `must be ${issue.expected ? (TYPE_WORDS[issue.expected] ?? issue.expected) : 'valid'}, ${got}`
  }
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
