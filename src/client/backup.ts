import Dexie from 'dexie'
import type * as Y from 'yjs'
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  validateBackup,
  type BackupConflict,
  type BackupConnection,
  type BackupDoc,
  type BackupFile,
  type BackupMemory,
  type BackupMessage,
  type BackupProfile,
  type BackupSession,
  type BackupUser,
} from '../core/backupFormat'
import { compareVersions } from '../core/chains'
import { ImportError, UserNotFoundError, ValidationError } from '../core/errors'
import { uuidv7 } from '../core/ids'
import { jsonEqual } from '../core/metadata'
import type {
  ConflictRecord,
  ConnectionRecord,
  DirectoryRecord,
  DocRecord,
  JsonObject,
  MemoryRecord,
  MessageRecord,
  ProfileRecord,
  SessionRecord,
  SpaceSettings,
} from '../core/types'
import { LIMITS, parseZonedDate, requireId, requireText, validateMetadata, validateRole } from '../core/validation'
import { local, nowIso, type ClientContext } from '../pipeline/context'
import { reconcileUser } from '../pipeline/crossDevice'
import { DEFAULT_SETTINGS } from '../store/settings'
import { userMessages } from '../store/messageBlocks'
import { patchFields, readRecord, setRecord, SPACE_DOC, storedMessage, userDocName } from '../sync/layout'
import type { MemoryClient } from './MemoryClient'
import type { User } from './User'

/**
 * Backups: a whole space, or one user, as one versioned JSON object (src/core/backupFormat.ts,
 * docs/backup-format.schema.json), and importing such a file back into a database.
 *
 * Export reads the Dexie read model in one read transaction (a consistent snapshot). Import checks
 * the whole file first, then writes every user's records into the user's Y document in ONE
 * IndexedDB transaction (store.write over the space document and every user document involved), so
 * imported data is an ordinary part of the replicated documents (it syncs), and a failure leaves
 * nothing.
 */

// ---------------------------------------------------------------------------------------------
// Records -> backup objects (fixed key order, defaults for fields older records may lack)
// ---------------------------------------------------------------------------------------------

function toBackupProfile(p: ProfileRecord): BackupProfile {
  return {
    name: p.name ?? '',
    about: p.about ?? '',
    metadata: p.metadata ?? {},
    mergeConflictEnabled: p.mergeConflictEnabled ?? null,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt ?? p.createdAt,
    lastActiveAt: p.lastActiveAt ?? p.createdAt,
  }
}

function toBackupDoc(d: DocRecord): BackupDoc {
  return { docId: d.docId, title: d.title, content: d.content, metadata: d.metadata ?? {}, createdAt: d.createdAt }
}

function toBackupMessage(m: MessageRecord): BackupMessage {
  return { messageId: m.messageId, seq: m.seq, role: m.role, content: m.content, timestamp: m.timestamp }
}

/**
 * A session as exported. What coordinates devices is not exported: `processingBy`, `claimId` (the
 * processing claim) and `ownerDevice` (the device that auto-processes it) name devices of the source
 * space; the importing device becomes the owner of what it imports. A session caught in the middle of
 * processing is exported as pending, since the result of that processing is not in the file (the
 * device that imports it processes it again). Likewise memories and conflicts are exported without
 * their `claimId`/`expiredByClaim`: an export is a settled state, not a claim to be raced.
 */
/** When the session's newest message was said (the session row does not carry it: see src/store/activity.ts). */
function lastOf(messages: MessageRecord[] | undefined): string | null {
  if (!messages?.length) return null
  return messages.reduce((a, b) => (b.seq > a.seq ? b : a)).timestamp
}

function toBackupSession(s: SessionRecord, messages: BackupMessage[]): BackupSession {
  return {
    sessionId: s.sessionId,
    status: s.status === 'processing' ? 'pending' : s.status,
    metadata: s.metadata ?? {},
    createdAt: s.createdAt,
    autoProcessAfterSeconds: s.autoProcessAfterSeconds,
    lastMessageAt: s.lastMessageAt ?? null,
    processedAt: s.processedAt ?? null,
    error: s.error ?? null,
    updatedAt: s.updatedAt ?? s.createdAt,
    summary: s.summary
      ? { facts: s.summary.facts, added: [...s.summary.added], updated: [...s.summary.updated], ignored: s.summary.ignored, conflicts: [...s.summary.conflicts] }
      : null,
    messages,
  }
}

function toBackupMemory(m: MemoryRecord): BackupMemory {
  return {
    memoryId: m.memoryId,
    chainId: m.chainId,
    prevVersionId: m.prevVersionId ?? null,
    content: m.content,
    categories: [...(m.categories ?? [])],
    eventDateStart: m.eventDateStart ?? null,
    eventDateEnd: m.eventDateEnd ?? null,
    createdAt: m.createdAt,
    expiredAt: m.expiredAt ?? null,
    expirationReason: m.expirationReason ?? null,
    mergeConflictId: m.mergeConflictId ?? null,
    pendingConflictId: m.pendingConflictId ?? null,
    sessionId: m.sessionId ?? null,
    sourceMessageIds: [...(m.sourceMessageIds ?? [])],
  }
}

function toBackupConnection(c: ConnectionRecord): BackupConnection {
  return { connectionId: c.connectionId, chainA: c.chainA, chainB: c.chainB, createdAt: c.createdAt }
}

function toBackupConflict(c: ConflictRecord): BackupConflict {
  const f = c.proposedFact
  return {
    conflictId: c.conflictId,
    sessionId: c.sessionId ?? null,
    status: c.status,
    proposedMemoryContent: c.proposedMemoryContent,
    proposedFact: {
      content: f?.content ?? c.proposedMemoryContent,
      categories: [...(f?.categories ?? [])],
      eventDateStart: f?.eventDateStart ?? null,
      eventDateEnd: f?.eventDateEnd ?? null,
      sourceMessageIds: [...(f?.sourceMessageIds ?? [])],
    },
    conflictingMemories: (c.conflictingMemories ?? []).map((m) => {
      const out: BackupConflict['conflictingMemories'][number] = { memoryId: m.memoryId, content: m.content, reason: m.reason ?? '' }
      if (m.categories !== undefined) out.categories = [...m.categories]
      if (m.eventDateStart !== undefined) out.eventDateStart = m.eventDateStart
      if (m.eventDateEnd !== undefined) out.eventDateEnd = m.eventDateEnd
      return out
    }),
    clarifyingQuestions: (c.clarifyingQuestions ?? []).map((q) => ({ question: q.question, options: [...q.options] })),
    resolutionData: c.resolutionData
      ? { answers: c.resolutionData.answers.map((a) => (a.message === undefined ? { question: a.question, answer: a.answer } : { question: a.question, answer: a.answer, message: a.message })) }
      : null,
    newMemories: [...(c.newMemories ?? [])],
    createdAt: c.createdAt,
    resolvedAt: c.resolvedAt ?? null,
    error: c.error ?? null,
    origin: c.origin ?? 'pipeline',
  }
}

function settingsOf(row: Partial<SpaceSettings> | undefined): SpaceSettings {
  return {
    categories: (row?.categories ?? DEFAULT_SETTINGS.categories).map((c) => ({ name: c.name, description: c.description ?? '' })),
    mergeConflictsEnabled: row?.mergeConflictsEnabled ?? DEFAULT_SETTINGS.mergeConflictsEnabled,
    modelId: row?.modelId ?? DEFAULT_SETTINGS.modelId,
  }
}

const byCreated = <T extends { createdAt: string }>(key: (x: T) => string) => (a: T, b: T) =>
  a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? -1 : 1) : key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0

/**
 * References that sync between devices can leave pointing at a record deleted on the other device,
 * and that the API never shows, are repaired so that every export can be imported: a link to a chain
 * with no version left is dropped, a `prevVersionId` naming a deleted version names the version
 * before it in the chain (or none), a conflict id naming no conflict becomes null. On one device the
 * API never leaves such references, so nothing changes for them.
 */
function repairReferences(u: BackupUser): void {
  const ids = new Set(u.memories.map((m) => m.memoryId))
  const chains = new Map<string, BackupMemory[]>()
  for (const m of u.memories) {
    const c = chains.get(m.chainId)
    if (c) c.push(m)
    else chains.set(m.chainId, [m])
  }
  for (const chain of chains.values()) {
    chain.sort((a, b) => compareVersions(a as MemoryRecord, b as MemoryRecord))
    chain.forEach((m, i) => {
      if (m.prevVersionId !== null && !ids.has(m.prevVersionId)) m.prevVersionId = i > 0 ? chain[i - 1].memoryId : null
    })
  }
  const conflicts = new Set(u.conflicts.map((c) => c.conflictId))
  for (const m of u.memories) {
    if (m.mergeConflictId !== null && !conflicts.has(m.mergeConflictId)) m.mergeConflictId = null
    if (m.pendingConflictId !== null && !conflicts.has(m.pendingConflictId)) m.pendingConflictId = null
  }
  u.connections = u.connections.filter((c) => chains.has(c.chainA) && chains.has(c.chainB))
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

async function readUsers(ctx: ClientContext, entries: DirectoryRecord[]): Promise<BackupUser[]> {
  const { db } = ctx
  const users: BackupUser[] = []
  for (const e of entries) {
    const uid = e.uid
    const profile = await db.users.get(uid)
    if (!profile || !e.userId) continue
    const range = [[uid, Dexie.minKey], [uid, Dexie.maxKey]] as const
    const [docs, sessions, messages, memories, connections, conflicts] = await Promise.all([
      db.docs.where('[uid+createdAt]').between(...range, true, true).toArray(),
      db.sessions.where('[uid+createdAt]').between(...range, true, true).toArray(),
      userMessages(db, uid),
      db.memories.where('[uid+createdAt]').between(...range, true, true).toArray(),
      db.connections.where('uid').equals(uid).toArray(),
      db.conflicts.where('[uid+createdAt]').between(...range, true, true).toArray(),
    ])
    const bySession = new Map<string, MessageRecord[]>()
    for (const m of messages) {
      const list = bySession.get(m.sessionId)
      if (list) list.push(m)
      else bySession.set(m.sessionId, [m])
    }
    const user: BackupUser = {
      userId: e.userId,
      profile: toBackupProfile(profile),
      docs: docs.sort(byCreated((d) => d.docId)).map(toBackupDoc),
      sessions: sessions.sort(byCreated((s) => s.sessionId)).map((s) =>
        toBackupSession(
          { ...s, lastMessageAt: lastOf(bySession.get(s.sessionId)) },
          (bySession.get(s.sessionId) ?? []).sort((a, b) => a.seq - b.seq || (a.messageId < b.messageId ? -1 : 1)).map(toBackupMessage),
        ),
      ),
      memories: memories.sort(byCreated((m) => m.memoryId)).map(toBackupMemory),
      connections: connections.sort((a, b) => (a.connectionId < b.connectionId ? -1 : 1)).map(toBackupConnection),
      conflicts: conflicts.sort(byCreated((c) => c.conflictId)).map(toBackupConflict),
    }
    repairReferences(user)
    users.push(user)
  }
  return users.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
}

async function exportWith(ctx: ClientContext, scope: 'space' | 'user', pick: (live: DirectoryRecord[]) => DirectoryRecord[]): Promise<BackupFile> {
  const { db } = ctx
  const tables = [db.settings, db.directory, db.users, db.docs, db.sessions, db.messageBlocks, db.memories, db.connections, db.conflicts]
  return db.transaction('r', tables, async () => {
    const live = (await db.directory.toArray()).filter((e) => e.userId && !e.deletedAt)
    const settingsRow = await db.settings.get('space')
    const users = await readUsers(ctx, pick(live))
    const file: BackupFile = { format: BACKUP_FORMAT, version: BACKUP_VERSION, exportedAt: nowIso(ctx), scope, users: [] }
    if (settingsRow) file.settings = settingsOf(settingsRow)
    file.users = users // after settings, so that the key order of the file is fixed
    return file
  })
}

/** The whole space: settings (when any are set) and every user with all of their records. */
export function exportSpaceFrom(ctx: ClientContext): Promise<BackupFile> {
  return exportWith(ctx, 'space', (live) => live)
}

/**
 * One user and all of their records, with the space settings (when any are set: the categories
 * their memories use). Throws UserNotFoundError when the user is gone.
 */
export async function exportUserFrom(ctx: ClientContext, uid: string, userId = uid): Promise<BackupFile> {
  const file = await exportWith(ctx, 'user', (live) => live.filter((e) => e.uid === uid))
  if (file.users.length !== 1) throw new UserNotFoundError(userId)
  return file
}

export function exportSpace(client: MemoryClient): Promise<BackupFile> {
  return exportSpaceFrom(client.ctx)
}

export function exportUser(user: User): Promise<BackupFile> {
  return exportUserFrom(user['ctx'], user.uid, user.userId)
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

export type ImportRecordKind = 'user' | 'settings' | 'doc' | 'session' | 'message' | 'memory' | 'connection' | 'conflict'

export interface ImportConflict {
  kind: ImportRecordKind
  /** the record's id (the userId for kind 'user', 'space' for settings) */
  id: string
  /** the user the record is listed under in the file */
  userId?: string
  reason: string
}

export interface ImportResult {
  usersCreated: number
  usersMerged: number
  /** docs, sessions, messages, memory versions, connections and conflicts written */
  recordsAdded: number
  /** records that already existed with the same content */
  recordsSkipped: number
  /** whether the file's settings were written (only when the target space had none set) */
  settingsImported: boolean
  /** records that exist with other content (or belong to another user): reported, not overwritten */
  conflicts: ImportConflict[]
}

export interface ImportOptions {
  /** check and plan the import, report what it would do, and write nothing */
  dryRun?: boolean
}

interface PlannedUser {
  file: BackupUser
  uid: string
  existing: boolean
  /** ids that exist in the read model under another user, per table */
  foreign: Map<string, Set<string>>
}

type Table = 'docs' | 'sessions' | 'messages' | 'memories' | 'connections' | 'conflicts'

const KIND: Record<Table, ImportRecordKind> = {
  docs: 'doc',
  sessions: 'session',
  messages: 'message',
  memories: 'memory',
  connections: 'connection',
  conflicts: 'conflict',
}

/**
 * The ids of the records whose rows are keyed by id in the read model, where another user's row may
 * hold the same id. Messages are not among them: their rows are blocks of their session, and a
 * message of another user's session is caught by the session check.
 */
function idsOf(u: BackupUser): Record<Exclude<Table, 'messages'>, string[]> {
  return {
    docs: u.docs.map((d) => d.docId),
    sessions: u.sessions.map((s) => s.sessionId),
    memories: u.memories.map((m) => m.memoryId),
    connections: u.connections.map((c) => c.connectionId),
    conflicts: u.conflicts.map((c) => c.conflictId),
  }
}

/** The uids of live users with this userId in the space document (one, unless sync raced). */
function liveUids(space: Y.Doc, userId: string): string[] {
  const found: string[] = []
  space.getMap('directory').forEach((e, uid) => {
    const m = e as Y.Map<unknown>
    if (m.get('userId') === userId && !m.get('deletedAt')) found.push(uid)
  })
  return found
}

/**
 * Imports a backup file (an object, or its JSON text). The whole file is checked first: a bad file
 * is refused with an ImportError naming the first problem (`$.users[0].memories[3].prevVersionId:
 * ...`) and nothing changes. Users are matched by userId: a new userId makes a new user, an existing
 * one receives the records. Records keep their ids: one that exists with the same content is skipped
 * (so a second import of the same file changes nothing), one that exists with other content, or
 * under another user, is reported in `conflicts` and left as it is. Settings are imported only when
 * the target space has none set. Everything is written in one transaction.
 */
export async function importBackupInto(ctx: ClientContext, data: unknown, options: ImportOptions = {}): Promise<ImportResult> {
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data)
    } catch (e) {
      throw new ImportError(`not JSON: ${e instanceof Error ? e.message : String(e)}`, '$')
    }
  }
  // The records are stored as given: take a copy, so the caller's objects are never shared with Y.
  const file = structuredClone(validateBackup(data))
  const dryRun = options.dryRun ?? false
  if (typeof dryRun !== 'boolean') throw new ValidationError('dryRun must be true or false', 'dryRun')
  const { db, store } = ctx

  // Plan: match users by userId, and find ids that the read model holds under another user.
  const live = (await db.directory.where('userId').anyOf(file.users.map((u) => u.userId)).toArray()).filter((e) => !e.deletedAt)
  const plan: PlannedUser[] = []
  for (const u of file.users) {
    const entry = live.filter((e) => e.userId === u.userId).sort((a, b) => (a.uid < b.uid ? -1 : 1))[0]
    const uid = entry?.uid ?? uuidv7()
    const foreign = new Map<string, Set<string>>()
    const all = idsOf(u)
    for (const table of Object.keys(all) as (keyof typeof all)[]) {
      const rows = (await db.table(table).bulkGet(all[table])) as ({ uid: string } | undefined)[]
      const other = new Set<string>()
      rows.forEach((r, i) => {
        if (r && r.uid !== uid) other.add(all[table][i])
      })
      foreign.set(table, other)
    }
    plan.push({ file: u, uid, existing: !!entry, foreign })
  }

  const docNames = [SPACE_DOC, ...plan.map((p) => userDocName(p.uid))]
  const result = await store.write(docNames, (docs) => {
    const [space, ...udocs] = docs
    const result: ImportResult = { usersCreated: 0, usersMerged: 0, recordsAdded: 0, recordsSkipped: 0, settingsImported: false, conflicts: [] }
    const writes: (() => void)[] = []

    // settings: only into a space that has none set
    if (file.settings) {
      const ymap = space.getMap('settings')
      if (ymap.size === 0) {
        const s = file.settings
        result.settingsImported = true
        writes.push(() => local(space, () => patchFields(ymap, { categories: s.categories, mergeConflictsEnabled: s.mergeConflictsEnabled, modelId: s.modelId })))
      } else if (!jsonEqual(settingsOf(ymap.toJSON() as Partial<SpaceSettings>), file.settings)) {
        result.conflicts.push({ kind: 'settings', id: 'space', reason: 'the space has settings of its own; they were kept' })
      }
    }

    plan.forEach((p, i) => {
      const udoc = udocs[i]
      const u = p.file
      const now = liveUids(space, u.userId)
      if (p.existing ? !now.includes(p.uid) : now.length > 0) {
        throw new ImportError('the users of this space changed while the file was being imported; nothing was imported, try again')
      }
      const conflict = (kind: ImportRecordKind, id: string, reason: string) => result.conflicts.push({ kind, id, userId: u.userId, reason })
      const ownerElsewhere = (table: Table, id: string) => {
        if (!p.foreign.get(table)?.has(id)) return false
        conflict(KIND[table], id, `a ${KIND[table]} with this id belongs to another user`)
        return true
      }

      if (p.existing) {
        result.usersMerged++
        const current = readRecord<ProfileRecord>(udoc.getMap('profile'))
        if (current && !jsonEqual(toBackupProfile(current), u.profile)) {
          result.conflicts.push({ kind: 'user', id: u.userId, userId: u.userId, reason: 'the user exists with another profile; the existing profile was kept' })
        }
      } else {
        result.usersCreated++
        writes.push(() => {
          local(space, () => setRecord(space.getMap('directory'), p.uid, { userId: u.userId, createdAt: u.profile.createdAt, deletedAt: null }, true))
          local(udoc, () => patchFields(udoc.getMap('profile'), { ...u.profile }))
        })
      }

      /** Adds a record unless its id exists: same content is skipped, other content reported. */
      const merge = <B>(table: Table, id: string, incoming: B, existing: (raw: Record<string, unknown>) => B, record: () => object, mutable: boolean, sameOwner = true) => {
        if (ownerElsewhere(table, id)) return false
        const ymap = udoc.getMap(table)
        const raw = readRecord<Record<string, unknown>>(ymap.get(id))
        if (raw !== undefined) {
          if (sameOwner && jsonEqual(existing({ ...raw }), incoming)) result.recordsSkipped++
          else conflict(KIND[table], id, sameOwner ? `a ${KIND[table]} with this id exists with other content; it was kept` : `a ${KIND[table]} with this id exists in another session; it was kept`)
          return false
        }
        result.recordsAdded++
        writes.push(() => local(udoc, () => setRecord(ymap, id, record(), mutable)))
        return true
      }

      for (const d of u.docs) {
        merge('docs', d.docId, d, (r) => toBackupDoc({ ...(r as unknown as DocRecord), docId: d.docId }), (): DocRecord => ({ ...d, uid: p.uid }), false)
      }

      for (const s of u.sessions) {
        const { messages, ...fields } = s
        const maxSeq = messages.reduce((m, x) => Math.max(m, x.seq + 1), 0)
        if (p.foreign.get('sessions')!.has(s.sessionId)) {
          ownerElsewhere('sessions', s.sessionId)
          for (const m of messages) conflict('message', m.messageId, 'its session belongs to another user')
          continue
        }
        const added = merge(
          'sessions',
          s.sessionId,
          fields,
          (r) => {
            const { messages: _m, ...rest } = toBackupSession({ ...(r as unknown as SessionRecord), sessionId: s.sessionId }, [])
            return rest
          },
          () => {
            const rec: Record<string, unknown> = { ...fields, uid: p.uid, messageCount: maxSeq, ownerDevice: ctx.deviceId }
            if (rec.summary === null) delete rec.summary
            return rec
          },
          true,
        )
        let newSeq = 0
        for (const m of messages) {
          const existing = readRecord<MessageRecord>(udoc.getMap('messages').get(m.messageId))
          const sameSession = existing === undefined || existing.sessionId === s.sessionId
          const rec: MessageRecord = { messageId: m.messageId, sessionId: s.sessionId, uid: p.uid, seq: m.seq, role: m.role, content: m.content, timestamp: m.timestamp }
          if (merge('messages', m.messageId, m, (r) => toBackupMessage({ ...(r as unknown as MessageRecord), messageId: m.messageId }), () => storedMessage(rec), false, sameSession)) {
            newSeq = Math.max(newSeq, m.seq + 1)
          }
        }
        // messages added to a session that already existed: its counter must stay past every seq
        if (!added && newSeq > 0) {
          const ys = udoc.getMap('sessions').get(s.sessionId) as Y.Map<unknown> | undefined
          if (ys && ((ys.get('messageCount') as number | undefined) ?? 0) < newSeq) writes.push(() => local(udoc, () => ys.set('messageCount', newSeq)))
        }
      }

      for (const m of u.memories) {
        merge('memories', m.memoryId, m, (r) => toBackupMemory({ ...(r as unknown as MemoryRecord), memoryId: m.memoryId }), (): MemoryRecord => ({ ...m, uid: p.uid, claimId: null }), true)
      }
      for (const c of u.connections) {
        merge('connections', c.connectionId, c, (r) => toBackupConnection({ ...(r as unknown as ConnectionRecord), connectionId: c.connectionId }), (): ConnectionRecord => ({ ...c, uid: p.uid }), false)
      }
      for (const c of u.conflicts) {
        merge('conflicts', c.conflictId, c, (r) => toBackupConflict({ ...(r as unknown as ConflictRecord), conflictId: c.conflictId }), (): ConflictRecord => ({ ...c, uid: p.uid, claimId: null }), true)
      }
    })

    // Everything was checked above; only now are the documents changed.
    if (!dryRun) for (const w of writes) w()
    return result
  })
  // Records merged into an existing user meet that user's own, as records from another device do
  // through sync: the same cross-device rules then apply (a chain continued on both sides becomes a
  // merge conflict, a link to a version deleted here is relinked). They find nothing to do otherwise.
  if (!dryRun && result.recordsAdded > 0) {
    for (const p of plan) if (p.existing) await reconcileUser(ctx, p.uid, p.file.userId).catch(() => false)
  }
  return result
}

export function importBackup(client: MemoryClient, data: unknown, options?: ImportOptions): Promise<ImportResult> {
  return importBackupInto(client.ctx, data, options)
}

// ---------------------------------------------------------------------------------------------
// RecallrAI-shaped import
// ---------------------------------------------------------------------------------------------

export interface RecallrAIData {
  users: {
    user_id: string
    metadata?: JsonObject
    sessions?: {
      custom_created_at_utc?: string
      metadata?: JsonObject
      messages: { role: 'user' | 'assistant'; content: string }[]
    }[]
  }[]
}

export interface RecallrAIImportResult {
  usersCreated: number
  sessionsCreated: number
  messagesAdded: number
}

interface CheckedRecallrAIUser {
  userId: string
  metadata: JsonObject
  sessions: { createdAt: Date | undefined; metadata: JsonObject; messages: { role: 'user' | 'assistant'; content: string }[] }[]
}

function checkRecallrAI(data: unknown): CheckedRecallrAIUser[] {
  const at = <T>(path: string, f: () => T): T => {
    try {
      return f()
    } catch (e) {
      if (e instanceof ValidationError) throw new ImportError(e.message.replace(/^\S+ /, ''), path)
      throw e
    }
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isObj(data) || !Array.isArray(data.users)) throw new ImportError('must be an object { users: [...] }', '$')
  const seen = new Set<string>()
  return data.users.map((u, i) => {
    const up = `$.users[${i}]`
    if (!isObj(u)) throw new ImportError('must be an object { user_id, metadata?, sessions? }', up)
    const userId = at(`${up}.user_id`, () => requireId(u.user_id, 'user_id'))
    if (seen.has(userId)) throw new ImportError(`duplicate user_id "${userId}"`, `${up}.user_id`)
    seen.add(userId)
    const metadata = at(`${up}.metadata`, () => validateMetadata(u.metadata ?? undefined, 'metadata'))
    if (u.sessions !== undefined && !Array.isArray(u.sessions)) throw new ImportError('must be an array', `${up}.sessions`)
    const sessions = ((u.sessions as unknown[] | undefined) ?? []).map((s, j) => {
      const sp = `${up}.sessions[${j}]`
      if (!isObj(s)) throw new ImportError('must be an object { custom_created_at_utc?, metadata?, messages }', sp)
      const createdAt = s.custom_created_at_utc == null ? undefined : at(`${sp}.custom_created_at_utc`, () => parseZonedDate(s.custom_created_at_utc, 'custom_created_at_utc'))
      const smeta = at(`${sp}.metadata`, () => validateMetadata(s.metadata ?? undefined, 'metadata'))
      if (!Array.isArray(s.messages)) throw new ImportError('must be an array of { role, content }', `${sp}.messages`)
      const messages = s.messages.map((m, k) => {
        const mp = `${sp}.messages[${k}]`
        if (!isObj(m)) throw new ImportError('must be an object { role, content }', mp)
        return {
          role: at(`${mp}.role`, () => validateRole(m.role)),
          content: at(`${mp}.content`, () => requireText(m.content, 'content', LIMITS.messageLength)),
        }
      })
      return { createdAt, metadata: smeta, messages }
    })
    return { userId, metadata, sessions }
  })
}

/**
 * Imports users in RecallrAI's shape through the public API: each user is created, each session
 * created with its `custom_created_at_utc` and metadata, and its messages added in order (timestamped
 * at the session's time when it has one). Sessions stay pending, so processing turns them into
 * memories as for any other session. The whole input is checked first (ImportError naming the first
 * problem); a user_id that already exists refuses the whole import. If a write fails midway, the users
 * created by this import are deleted again.
 */
export async function importRecallrAI(client: MemoryClient, data: unknown): Promise<RecallrAIImportResult> {
  const users = checkRecallrAI(data)
  for (const [i, u] of users.entries()) {
    const exists = (await client.db.directory.where('userId').equals(u.userId).toArray()).some((e) => !e.deletedAt)
    if (exists) throw new ImportError(`a user "${u.userId}" already exists; nothing was imported`, `$.users[${i}].user_id`)
  }
  const result: RecallrAIImportResult = { usersCreated: 0, sessionsCreated: 0, messagesAdded: 0 }
  const created: User[] = []
  try {
    for (const u of users) {
      const user = await client.createUser(u.userId, { metadata: u.metadata })
      created.push(user)
      result.usersCreated++
      for (const s of u.sessions) {
        const session = await user.createSession({ metadata: s.metadata, ...(s.createdAt ? { customCreatedAtUtc: s.createdAt } : {}) })
        result.sessionsCreated++
        for (const m of s.messages) {
          await session.addMessage(m.role, m.content, s.createdAt ? { timestamp: s.createdAt } : {})
          result.messagesAdded++
        }
      }
    }
  } catch (e) {
    for (const user of created.reverse()) await user.delete().catch(() => undefined)
    throw e
  }
  return result
}
