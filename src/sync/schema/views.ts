import * as Y from 'yjs'
import { SessionNotFoundError } from '../../core/errors'
import type {
  ConflictRecord,
  ConnectionRecord,
  DirectoryRecord,
  DocRecord,
  MemoryRecord,
  MessageRecord,
  ProfileRecord,
  SessionRecord,
  SpaceSettings,
} from '../../core/types'
import type { MemoryOps } from '../../core/versions'
import { LOCAL_ORIGIN } from '../origins'
import { SPACE_MAPS, USER_MAPS, type MapSpec } from '../layout'
import { checkFieldMap, checkStored } from './check'

/**
 * Typed views of the Yjs documents: the only code that reaches into Y maps (see docs/DESIGN.md,
 * "The document schema"). Every read checks the record against its schema (src/core/schema.ts) and
 * returns undefined for one that fails, exactly as the projection leaves it out: the pipeline, the
 * version rules and an engine never see a malformed record. Every write is one local Y transaction
 * (nested inside the store's write, so a write that throws before it changes anything stores nothing).
 */

const spec = (maps: MapSpec[], ymap: string) => maps.find((m) => m.ymap === ymap)!

function local(doc: Y.Doc, fn: () => void): void {
  doc.transact(fn, LOCAL_ORIGIN)
}

/** Sets only the fields that differ, so unchanged fields leave no tombstones. */
function patchFields(map: Y.Map<unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue
    const cur = map.get(k)
    if (cur === v) continue
    if (cur !== undefined && typeof v === 'object' && !(cur instanceof Y.AbstractType) && JSON.stringify(cur) === JSON.stringify(v)) continue
    map.set(k, v)
  }
}

function nestedMap(fields: object): Y.Map<unknown> {
  const inner = new Y.Map<unknown>()
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) inner.set(k, v)
  return inner
}

/** One map of records keyed by id, checked on every read. */
export class RecordMap<T extends object> {
  constructor(
    protected readonly doc: Y.Doc,
    private readonly spec: MapSpec,
    private readonly uid: string | null,
  ) {}

  protected get map(): Y.Map<unknown> {
    return this.doc.getMap(this.spec.ymap)
  }

  /** The record, checked, with its id (undefined when absent or malformed). */
  get(id: string): T | undefined {
    const raw = this.map.get(id)
    if (raw === undefined) return undefined
    const r = checkStored(this.spec, id, raw, this.uid)
    if (!r.ok) return undefined
    const rec: Record<string, unknown> = { ...r.value, [this.spec.idField]: id }
    if (this.uid) rec.uid = this.uid
    return rec as T
  }

  /** Whether any value, valid or not, is stored under the id (an id is never reused). */
  has(id: string): boolean {
    return this.map.has(id)
  }

  /** Every valid record. */
  all(): T[] {
    const out: T[] = []
    for (const id of this.map.keys()) {
      const r = this.get(id)
      if (r) out.push(r)
    }
    return out
  }

  keys(): string[] {
    return [...this.map.keys()]
  }

  set(id: string, record: T): void {
    const value = this.spec.mutable ? nestedMap(record) : record
    local(this.doc, () => this.map.set(id, value))
  }

  /** Changes some fields of a valid mutable record; false when there is no such record. */
  patch(id: string, fields: Partial<T>): boolean {
    const raw = this.map.get(id)
    if (!(raw instanceof Y.Map) || !this.get(id)) return false
    local(this.doc, () => patchFields(raw, fields as Record<string, unknown>))
    return true
  }

  delete(id: string): void {
    if (this.map.has(id)) local(this.doc, () => this.map.delete(id))
  }

  /** Removes every record (valid or not): a deleted user's document is emptied. */
  clear(): void {
    local(this.doc, () => {
      for (const key of [...this.map.keys()]) this.map.delete(key)
    })
  }
}

/** The user directory of the space: uid -> userId (null once deleted). */
export class DirectoryView extends RecordMap<DirectoryRecord> {
  /** The entry of a user that is not deleted. */
  live(uid: string): DirectoryRecord | undefined {
    const e = this.get(uid)
    return e && e.userId !== null && !e.deletedAt ? e : undefined
  }

  /** The uid of the live user with this userId (the lowest uid when two devices made a clash). */
  liveUid(userId: string): string | undefined {
    let found: string | undefined
    for (const e of this.all()) if (e.userId === userId && !e.deletedAt && (found === undefined || e.uid < found)) found = e.uid
    return found
  }

  add(uid: string, entry: { userId: string; createdAt: string }): void {
    this.set(uid, { uid, userId: entry.userId, createdAt: entry.createdAt, deletedAt: null })
  }

  rename(uid: string, userId: string): void {
    this.patch(uid, { userId })
  }

  /** Marks the user deleted: the entry stays so that other devices learn of the delete. */
  markDeleted(uid: string, at: string): void {
    this.patch(uid, { userId: null, deletedAt: at })
  }
}

/** A document's map of fields (the profile, the settings), checked field by field. */
class FieldsView<T extends object> {
  constructor(
    private readonly doc: Y.Doc,
    private readonly spec: MapSpec,
  ) {}

  private get map(): Y.Map<unknown> {
    return this.doc.getMap(this.spec.ymap)
  }

  /** The fields that pass their schema (a bad one takes its default), or undefined when empty. */
  get(): T | undefined {
    if (this.map.size === 0) return undefined
    return checkFieldMap(this.spec, this.map).row as T
  }

  patch(fields: Partial<T>): void {
    local(this.doc, () => patchFields(this.map, fields as Record<string, unknown>))
  }

  clear(): void {
    local(this.doc, () => {
      for (const key of [...this.map.keys()]) this.map.delete(key)
    })
  }
}

/** The space document: settings and the user directory. */
export class SpaceView {
  readonly directory: DirectoryView
  readonly settings: FieldsView<SpaceSettings>
  constructor(readonly doc: Y.Doc) {
    this.directory = new DirectoryView(doc, spec(SPACE_MAPS, 'directory'), null)
    this.settings = new FieldsView(doc, spec(SPACE_MAPS, 'settings'))
  }
}

/** A session as its document holds it: `messageCount` gives the next message its seq. */
export type StoredSession = SessionRecord & { messageCount?: number }

class SessionsView extends RecordMap<StoredSession> {
  /** The session, or SessionNotFoundError (also for one that is malformed). */
  require(id: string): StoredSession {
    const s = this.get(id)
    if (!s) throw new SessionNotFoundError(id)
    return s
  }
}

/** A message as stored: the map key is its id and the document its user's, so neither is stored again. */
export type StoredMessage = Omit<MessageRecord, 'messageId' | 'uid'>

class MessagesView extends RecordMap<MessageRecord> {
  append(m: MessageRecord): void {
    const stored: StoredMessage = { sessionId: m.sessionId, seq: m.seq, role: m.role, content: m.content, timestamp: m.timestamp }
    local(this.doc, () => this.map.set(m.messageId, stored))
  }

  /** The ids of every message stored for a session, valid or not (a deleted session takes them all). */
  idsOfSession(sessionId: string): string[] {
    const ids: string[] = []
    this.map.forEach((m, id) => {
      const s = m instanceof Y.Map ? m.get('sessionId') : (m as { sessionId?: unknown } | null)?.sessionId
      if (s === sessionId) ids.push(id)
    })
    return ids
  }
}

class MemoriesView extends RecordMap<MemoryRecord> {
  /** The valid memory versions by id: the state the version rules read. */
  state(): Map<string, MemoryRecord> {
    return new Map(this.all().map((m) => [m.memoryId, m]))
  }
}

/** A user's document: profile, docs, sessions, messages, memory versions, connections, conflicts. */
export class UserView {
  readonly profile: FieldsView<Omit<ProfileRecord, 'uid'>>
  readonly docs: RecordMap<DocRecord>
  readonly sessions: SessionsView
  readonly messages: MessagesView
  readonly memories: MemoriesView
  readonly connections: RecordMap<ConnectionRecord>
  readonly conflicts: RecordMap<ConflictRecord>

  constructor(
    readonly doc: Y.Doc,
    readonly uid: string,
  ) {
    const s = (ymap: string) => spec(USER_MAPS, ymap)
    this.profile = new FieldsView(doc, s('profile'))
    this.docs = new RecordMap(doc, s('docs'), uid)
    this.sessions = new SessionsView(doc, s('sessions'), uid)
    this.messages = new MessagesView(doc, s('messages'), uid)
    this.memories = new MemoriesView(doc, s('memories'), uid)
    this.connections = new RecordMap(doc, s('connections'), uid)
    this.conflicts = new RecordMap(doc, s('conflicts'), uid)
  }

  /** The map of records by its name in the document (for code that handles every kind alike: imports). */
  records(ymap: 'docs' | 'sessions' | 'messages' | 'memories' | 'connections' | 'conflicts'): RecordMap<object> {
    return this[ymap] as RecordMap<object>
  }

  /** Writes memory operations (the version rules' output) in one local transaction. */
  applyOps(ops: MemoryOps): void {
    local(this.doc, () => {
      // A later fact of the same batch may change a version an earlier fact created: fold that in.
      const inserted = new Map(ops.insert.map((m) => [m.memoryId, { ...m }]))
      for (const id of ops.remove) {
        inserted.delete(id)
        this.memories.delete(id)
      }
      for (const p of ops.patch) {
        const fresh = inserted.get(p.memoryId)
        if (fresh) Object.assign(fresh, p.fields)
        else this.memories.patch(p.memoryId, p.fields)
      }
      for (const m of inserted.values()) this.memories.set(m.memoryId, m)
      for (const id of ops.disconnect) this.connections.delete(id)
      for (const c of ops.connect) if (!this.connections.has(c.connectionId)) this.connections.set(c.connectionId, c)
      for (const id of ops.dropConflicts) this.conflicts.delete(id)
      // A conflict with a derived id (see splitChainOps) may exist already: it is never raised twice.
      for (const c of ops.conflicts) if (!this.conflicts.has(c.conflictId)) this.conflicts.set(c.conflictId, c)
    })
  }

  /** Empties the document (a deleted user): every record, valid or not. */
  clear(): void {
    local(this.doc, () => {
      for (const m of [this.messages, this.memories, this.connections, this.conflicts, this.sessions, this.docs]) m.clear()
      this.profile.clear()
    })
  }
}
