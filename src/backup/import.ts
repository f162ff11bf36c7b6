import { ImportError, ValidationError } from '../core/errors'
import { jsonEqual } from '../core/metadata'
import type { ConflictRecord, ConnectionRecord, DocRecord, MemoryRecord, MessageRecord, ProfileRecord, SessionRecord, SpaceSettings } from '../core/types'
import { partKeyOf, SPACE_DOC, userWriteDocs } from '../sync/layout'
import type { SpaceView } from '../sync/schema/views'
import { newIdOf, type BackupContext } from './context'
import { settingsOf, toBackupConflict, toBackupConnection, toBackupDoc, toBackupMemory, toBackupMessage, toBackupProfile, toBackupSession } from './export'
import type { BackupUser } from './format'
import { validateBackup } from './validate'

/**
 * Import: a backup file back into a database. The whole file is checked first, then every user's
 * records are written into the user's Y document in ONE IndexedDB transaction (store.write over the
 * space document and every user document involved), so imported data is an ordinary part of the
 * replicated documents (it syncs), and a failure leaves nothing. Reached through
 * `client.importBackup()`.
 */

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

/** What the client adds to an import (the import itself does not know the pipeline). */
export interface ImportHooks {
  /** applies the cross-device rules to a user that received records (src/pipeline/crossDevice.ts) */
  reconcile?: (uid: string, userId: string) => Promise<unknown>
}

interface PlannedUser {
  file: BackupUser
  uid: string
  existing: boolean
  /** ids that exist in the read model under another user, per table */
  foreign: Map<string, Set<string>>
  /** the history part of each of its sessions (where it is stored, or by month for a new one) */
  parts: (string | undefined)[]
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
function liveUids(space: SpaceView, userId: string): string[] {
  return space.directory
    .all()
    .filter((e) => e.userId === userId && !e.deletedAt)
    .map((e) => e.uid)
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
export async function importBackupInto(ctx: BackupContext, data: unknown, options: ImportOptions = {}, hooks: ImportHooks = {}): Promise<ImportResult> {
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
    const uid = entry?.uid ?? newIdOf(ctx)
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
    const stored = (await db.sessions.bulkGet(u.sessions.map((s) => s.sessionId))) as (SessionRecord | undefined)[]
    const parts = u.sessions.map((s, i) => (stored[i] ? stored[i]!.part : partKeyOf(s.createdAt)))
    plan.push({ file: u, uid, existing: !!entry, foreign, parts })
  }

  // each user's document, and the parts its sessions are in (stored ones where they are, new ones by month)
  const docNames = [SPACE_DOC, ...plan.flatMap((p) => userWriteDocs(p.uid, p.parts, true))]
  const result = await store.write(docNames, (tx) => {
    const space = tx.space
    const result: ImportResult = { usersCreated: 0, usersMerged: 0, recordsAdded: 0, recordsSkipped: 0, settingsImported: false, conflicts: [] }
    const writes: (() => void)[] = []

    // settings: only into a space that has none set
    if (file.settings) {
      const current = space.settings.get()
      if (current === undefined) {
        const s = file.settings
        result.settingsImported = true
        writes.push(() => space.settings.patch({ categories: s.categories, mergeConflictsEnabled: s.mergeConflictsEnabled, modelId: s.modelId }))
      } else if (!jsonEqual(settingsOf(current as Partial<SpaceSettings>), file.settings)) {
        result.conflicts.push({ kind: 'settings', id: 'space', reason: 'the space has settings of its own; they were kept' })
      }
    }

    plan.forEach((p) => {
      const user = tx.user(p.uid)
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
        const current = user.profile.get()
        if (current && !jsonEqual(toBackupProfile({ ...current, uid: p.uid } as ProfileRecord), u.profile)) {
          result.conflicts.push({ kind: 'user', id: u.userId, userId: u.userId, reason: 'the user exists with another profile; the existing profile was kept' })
        }
      } else {
        result.usersCreated++
        writes.push(() => {
          space.directory.add(p.uid, { userId: u.userId, createdAt: u.profile.createdAt })
          user.profile.patch({ ...u.profile })
        })
      }

      /** Adds a record unless its id exists: same content is skipped, other content reported. */
      const merge = <B>(table: Table, id: string, incoming: B, existing: (raw: Record<string, unknown>) => B, record: () => object, sameOwner = true) => {
        if (ownerElsewhere(table, id)) return false
        const records = user.records(table)
        if (records.has(id)) {
          // an id is never reused: a record stored under it (valid, or quarantined) is kept
          const raw = records.get(id) as Record<string, unknown> | undefined
          if (raw && sameOwner && jsonEqual(existing({ ...raw }), incoming)) result.recordsSkipped++
          else conflict(KIND[table], id, sameOwner ? `a ${KIND[table]} with this id exists with other content; it was kept` : `a ${KIND[table]} with this id exists in another session; it was kept`)
          return false
        }
        result.recordsAdded++
        writes.push(() => records.set(id, record()))
        return true
      }

      for (const d of u.docs) {
        merge('docs', d.docId, d, (r) => toBackupDoc({ ...(r as unknown as DocRecord), docId: d.docId }), (): DocRecord => ({ ...d, uid: p.uid }))
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
        )
        let newSeq = 0
        for (const m of messages) {
          const existing = user.messages.get(m.messageId)
          const sameSession = existing === undefined || existing.sessionId === s.sessionId
          const rec: MessageRecord = { messageId: m.messageId, sessionId: s.sessionId, uid: p.uid, seq: m.seq, role: m.role, content: m.content, timestamp: m.timestamp }
          if (merge('messages', m.messageId, m, (r) => toBackupMessage({ ...(r as unknown as MessageRecord), messageId: m.messageId }), () => { const { messageId: _id, uid: _uid, ...stored } = rec; return stored }, sameSession)) {
            newSeq = Math.max(newSeq, m.seq + 1)
          }
        }
        // messages added to a session that already existed: its counter must stay past every seq
        if (!added && newSeq > 0) {
          const current = user.sessions.get(s.sessionId)
          if (current && (current.messageCount ?? 0) < newSeq) writes.push(() => user.sessions.patch(s.sessionId, { messageCount: newSeq }))
        }
      }

      for (const m of u.memories) {
        // files from before memories could be edited have no byUser: written by processing
        const file = { ...m, byUser: m.byUser === true }
        merge('memories', m.memoryId, file, (r) => toBackupMemory({ ...(r as unknown as MemoryRecord), memoryId: m.memoryId }), (): MemoryRecord => ({ ...file, uid: p.uid, claimId: null }))
      }
      for (const c of u.connections) {
        merge('connections', c.connectionId, c, (r) => toBackupConnection({ ...(r as unknown as ConnectionRecord), connectionId: c.connectionId }), (): ConnectionRecord => ({ ...c, uid: p.uid }))
      }
      for (const c of u.conflicts) {
        merge('conflicts', c.conflictId, c, (r) => toBackupConflict({ ...(r as unknown as ConflictRecord), conflictId: c.conflictId }), (): ConflictRecord => ({ ...c, uid: p.uid, claimId: null }))
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
    for (const p of plan) if (p.existing) await hooks.reconcile?.(p.uid, p.file.userId).catch(() => false)
  }
  return result
}
