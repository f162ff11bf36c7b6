import Dexie from 'dexie'
import { compareVersions } from '../core/chains'
import { UserNotFoundError } from '../core/errors'
import type { ConflictRecord, ConnectionRecord, DirectoryRecord, DocRecord, MemoryRecord, MessageRecord, ProfileRecord, SessionRecord, SpaceSettings } from '../core/types'
import { DEFAULT_SETTINGS } from '../store/settings'
import { userMessages } from '../store/messageBlocks'
import { BACKUP_FORMAT, BACKUP_VERSION, type BackupConflict, type BackupConnection, type BackupDoc, type BackupFile, type BackupMemory, type BackupMessage, type BackupProfile, type BackupSession, type BackupUser } from './format'
import type { BackupContext } from './context'

/**
 * Export: a whole space, or one user, as one backup object (src/backup/format.ts). It reads the
 * Dexie read model in one read transaction (a consistent snapshot). Reached through
 * `client.exportSpace()` and `user.export()`.
 */

// ---------------------------------------------------------------------------------------------
// Records -> backup objects (fixed key order, defaults for fields older records may lack)
// ---------------------------------------------------------------------------------------------

export function toBackupProfile(p: ProfileRecord): BackupProfile {
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

export function toBackupDoc(d: DocRecord): BackupDoc {
  return { docId: d.docId, title: d.title, content: d.content, metadata: d.metadata ?? {}, createdAt: d.createdAt }
}

export function toBackupMessage(m: MessageRecord): BackupMessage {
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

export function toBackupSession(s: SessionRecord, messages: BackupMessage[]): BackupSession {
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
    ...(s.temporary ? { temporary: true as const } : {}),
    messages,
  }
}

export function toBackupMemory(m: MemoryRecord): BackupMemory {
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
    byUser: m.byUser === true,
  }
}

export function toBackupConnection(c: ConnectionRecord): BackupConnection {
  return { connectionId: c.connectionId, chainA: c.chainA, chainB: c.chainB, createdAt: c.createdAt }
}

export function toBackupConflict(c: ConflictRecord): BackupConflict {
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

export function settingsOf(row: Partial<SpaceSettings> | undefined): SpaceSettings {
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

async function readUsers(ctx: BackupContext, entries: DirectoryRecord[]): Promise<BackupUser[]> {
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

async function exportWith(ctx: BackupContext, scope: 'space' | 'user', pick: (live: DirectoryRecord[]) => DirectoryRecord[]): Promise<BackupFile> {
  const { db } = ctx
  const tables = [db.settings, db.directory, db.users, db.docs, db.sessions, db.messageBlocks, db.memories, db.connections, db.conflicts]
  return db.transaction('r', tables, async () => {
    const live = (await db.directory.toArray()).filter((e) => e.userId && !e.deletedAt)
    const settingsRow = await db.settings.get('space')
    const users = await readUsers(ctx, pick(live))
    const file: BackupFile = { format: BACKUP_FORMAT, version: BACKUP_VERSION, exportedAt: ctx.now().toISOString(), scope, users: [] }
    if (settingsRow) file.settings = settingsOf(settingsRow)
    file.users = users // after settings, so that the key order of the file is fixed
    return file
  })
}

/** The whole space: settings (when any are set) and every user with all of their records. */
export function exportSpaceFrom(ctx: BackupContext): Promise<BackupFile> {
  return exportWith(ctx, 'space', (live) => live)
}

/**
 * One user and all of their records, with the space settings (when any are set: the categories
 * their memories use). Throws UserNotFoundError when the user is gone.
 */
export async function exportUserFrom(ctx: BackupContext, uid: string, userId = uid): Promise<BackupFile> {
  const file = await exportWith(ctx, 'user', (live) => live.filter((e) => e.uid === uid))
  if (file.users.length !== 1) throw new UserNotFoundError(userId)
  return file
}
