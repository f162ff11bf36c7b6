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
import { isPartKey, PART_MAPS, partDocName, partKeyOf, PARTS_YMAP, SPACE_MAPS, TOMBSTONES_YMAP, USER_MAPS, userDocName, type MapSpec } from '../layout'
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
    return e && e.userId !== null && !e.deletedAt && !this.tombstoned(uid) ? e : undefined
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

  /**
   * Marks the user deleted: the entry stays so that other devices learn of the delete, and a
   * tombstone is written beside it (an overwritten entry cannot undo the deletion).
   */
  markDeleted(uid: string, at: string): void {
    this.patch(uid, { userId: null, deletedAt: at })
    const tombstones = this.doc.getMap(TOMBSTONES_YMAP)
    if (!tombstones.has(uid)) local(this.doc, () => tombstones.set(uid, { deletedAt: at }))
  }

  /** Whether the user has a tombstone (deleted, whatever its entry says now). */
  tombstoned(uid: string): boolean {
    return this.doc.getMap(TOMBSTONES_YMAP).has(uid)
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

/** The space document's list of history parts: which part documents each user has. */
class PartsView {
  constructor(private readonly doc: Y.Doc) {}

  private get map(): Y.Map<unknown> {
    return this.doc.getMap(PARTS_YMAP)
  }

  /** Lists the part (idempotent: a plain value, the same on every device, so concurrent adds agree). */
  ensure(uid: string, key: string): void {
    const id = `${uid}/${key}`
    if (!this.map.has(id)) local(this.doc, () => this.map.set(id, { uid, key }))
  }

  /** The part keys listed for a user, oldest first (entries that are not well-formed are skipped). */
  of(uid: string): string[] {
    return partsOf(this.map, uid)
  }
}

/** The valid part keys the space document's `parts` map lists for a user, oldest first. */
export function partsOf(map: Y.Map<unknown>, uid: string): string[] {
  const out: string[] = []
  map.forEach((v, id) => {
    const e = v as { uid?: unknown; key?: unknown } | null
    if (e && typeof e === 'object' && e.uid === uid && isPartKey(e.key) && id === `${uid}/${e.key}`) out.push(e.key)
  })
  return out.sort()
}

/** The space document: settings, the user directory, and the list of history parts. */
export class SpaceView {
  readonly directory: DirectoryView
  readonly settings: FieldsView<SpaceSettings>
  readonly parts: PartsView
  constructor(readonly doc: Y.Doc) {
    this.directory = new DirectoryView(doc, spec(SPACE_MAPS, 'directory'), null)
    this.settings = new FieldsView(doc, spec(SPACE_MAPS, 'settings'))
    this.parts = new PartsView(doc)
  }
}

/** A session as its document holds it: `messageCount` gives the next message its seq. */
export type StoredSession = SessionRecord & { messageCount?: number }

/** A message as stored: the map key is its id and the document its user's, so neither is stored again. */
export type StoredMessage = Omit<MessageRecord, 'messageId' | 'uid'>

/** One document that holds sessions and messages: a part (`key`), or a user document from before the split (`key` null). */
interface Holder {
  key: string | null
  doc: Y.Doc
  sessions: RecordMap<StoredSession>
  messages: RecordMap<MessageRecord>
}

/**
 * The sessions of a user across the documents this write loaded (its parts, and the user document
 * when it still holds sessions from before the split). A write names the parts it touches
 * (`sessionDocName`); a session in a part it did not name is not found here.
 */
class SessionsView {
  constructor(
    private readonly holders: Holder[],
    private readonly partDoc: (key: string) => Holder,
    private readonly space: () => SpaceView,
    private readonly uid: string,
  ) {}

  /** The document holding the session (any value under the id, valid or not). */
  holderOf(id: string): Holder | undefined {
    return this.holders.find((h) => h.sessions.has(id))
  }

  get(id: string): StoredSession | undefined {
    const h = this.holderOf(id)
    const s = h?.sessions.get(id)
    return s && h!.key ? { ...s, part: h!.key } : s
  }

  has(id: string): boolean {
    return !!this.holderOf(id)
  }

  /** The session, or SessionNotFoundError (also for one that is malformed). */
  require(id: string): StoredSession {
    const s = this.get(id)
    if (!s) throw new SessionNotFoundError(id)
    return s
  }

  /** Every valid session of the loaded documents. */
  all(): StoredSession[] {
    return this.holders.flatMap((h) => h.sessions.all().map((s) => (h.key ? { ...s, part: h.key } : s)))
  }

  /** Stores a new session in the part of its month (which the write must have named), listing the part in the space. */
  set(id: string, record: StoredSession): void {
    const key = partKeyOf(record.createdAt)
    const h = this.partDoc(key)
    const { part: _part, ...stored } = record as StoredSession & { part?: string }
    this.space().parts.ensure(this.uid, key)
    h.sessions.set(id, stored as StoredSession)
  }

  /** Changes some fields of a valid session where it is stored; false when there is none. */
  patch(id: string, fields: Partial<StoredSession>): boolean {
    return this.holderOf(id)?.sessions.patch(id, fields) ?? false
  }

  delete(id: string): void {
    this.holderOf(id)?.sessions.delete(id)
  }
}

/** The messages of a user across the loaded documents; a message lives where its session does. */
class MessagesView {
  constructor(
    private readonly holders: Holder[],
    private readonly sessions: SessionsView,
  ) {}

  append(m: MessageRecord): void {
    const h = this.sessions.holderOf(m.sessionId)
    if (!h) throw new SessionNotFoundError(m.sessionId)
    const stored: StoredMessage = { sessionId: m.sessionId, seq: m.seq, role: m.role, content: m.content, timestamp: m.timestamp }
    local(h.doc, () => h.doc.getMap('messages').set(m.messageId, stored))
  }

  /** Stores a message as given (without its id and uid) where its session is. */
  set(id: string, stored: StoredMessage): void {
    const h = this.sessions.holderOf(stored.sessionId)
    if (!h) throw new SessionNotFoundError(stored.sessionId)
    local(h.doc, () => h.doc.getMap('messages').set(id, stored))
  }

  get(id: string): MessageRecord | undefined {
    for (const h of this.holders) {
      const m = h.messages.get(id)
      if (m) return m
    }
    return undefined
  }

  has(id: string): boolean {
    return this.holders.some((h) => h.messages.has(id))
  }

  delete(id: string): void {
    for (const h of this.holders) h.messages.delete(id)
  }

  /** The ids of every message stored for a session in the loaded documents, valid or not (a deleted session takes them all). */
  idsOfSession(sessionId: string): string[] {
    const ids: string[] = []
    for (const h of this.holders) {
      h.doc.getMap('messages').forEach((m, id) => {
        const s = m instanceof Y.Map ? m.get('sessionId') : (m as { sessionId?: unknown } | null)?.sessionId
        if (s === sessionId) ids.push(id)
      })
    }
    return ids
  }
}

class MemoriesView extends RecordMap<MemoryRecord> {
  /** The valid memory versions by id: the state the version rules read. */
  state(): Map<string, MemoryRecord> {
    return new Map(this.all().map((m) => [m.memoryId, m]))
  }
}

/** What imports need of any kind of record: whether an id is taken, the record under it, and adding one. */
export interface RecordAccess {
  has(id: string): boolean
  get(id: string): object | undefined
  set(id: string, record: object): void
}

/** The documents of one user that a write loaded: the user document (if named) and parts by key. */
export interface UserDocs {
  uid: string
  user: Y.Doc | undefined
  parts: Map<string, Y.Doc>
  space: () => SpaceView
}

function notNamed(name: string): never {
  throw new Error(`This write did not name the document ${name}`)
}

/**
 * A user's records: the profile, docs, memory versions, connections and conflicts of the user
 * document, and the sessions and messages of the parts the write loaded. Reaching a document the
 * write did not name throws (a programming error, found by the tests).
 */
export class UserView {
  readonly sessions: SessionsView
  readonly messages: MessagesView
  private readonly holders: Holder[] = []
  private userMaps: {
    profile: FieldsView<Omit<ProfileRecord, 'uid'>>
    docs: RecordMap<DocRecord>
    memories: MemoriesView
    connections: RecordMap<ConnectionRecord>
    conflicts: RecordMap<ConflictRecord>
  } | null = null

  constructor(private readonly docs_: UserDocs) {
    const uid = docs_.uid
    const holder = (key: string | null, doc: Y.Doc): Holder => {
      const maps = key ? PART_MAPS : USER_MAPS
      return { key, doc, sessions: new RecordMap(doc, spec(maps, 'sessions'), uid), messages: new RecordMap(doc, spec(maps, 'messages'), uid) }
    }
    for (const [key, doc] of [...docs_.parts].sort(([a], [b]) => (a < b ? 1 : -1))) this.holders.push(holder(key, doc))
    if (docs_.user) this.holders.push(holder(null, docs_.user))
    const partDoc = (key: string) => this.holders.find((h) => h.key === key) ?? notNamed(partDocName(uid, key))
    this.sessions = new SessionsView(this.holders, partDoc, docs_.space, uid)
    this.messages = new MessagesView(this.holders, this.sessions)
  }

  get uid(): string {
    return this.docs_.uid
  }

  /** The user document (profile, docs, memories, connections, conflicts). */
  get doc(): Y.Doc {
    return this.docs_.user ?? notNamed(userDocName(this.uid))
  }

  private get maps() {
    if (this.userMaps) return this.userMaps
    const doc = this.doc
    const s = (ymap: string) => spec(USER_MAPS, ymap)
    return (this.userMaps = {
      profile: new FieldsView(doc, s('profile')),
      docs: new RecordMap(doc, s('docs'), this.uid),
      memories: new MemoriesView(doc, s('memories'), this.uid),
      connections: new RecordMap(doc, s('connections'), this.uid),
      conflicts: new RecordMap(doc, s('conflicts'), this.uid),
    })
  }

  get profile() {
    return this.maps.profile
  }
  get docs() {
    return this.maps.docs
  }
  get memories() {
    return this.maps.memories
  }
  get connections() {
    return this.maps.connections
  }
  get conflicts() {
    return this.maps.conflicts
  }

  /** The records of a kind by its map's name (for code that handles every kind alike: imports). */
  records(ymap: 'docs' | 'sessions' | 'messages' | 'memories' | 'connections' | 'conflicts'): RecordAccess {
    if (ymap === 'sessions') return this.sessions as unknown as RecordAccess
    if (ymap === 'messages') return this.messages as unknown as RecordAccess
    return this.maps[ymap] as unknown as RecordAccess
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

  /**
   * Moves the sessions from before the split (in the user document) into the parts of their months
   * that this write named, each with every message stored for it (valid or not, as stored), and
   * lists the parts in the space. A session that fails its schema stays where it is (quarantined).
   * Returns how many sessions moved.
   */
  moveLegacySessions(): number {
    const legacy = this.holders.find((h) => h.key === null)
    if (!legacy) return 0
    const sessions = legacy.doc.getMap('sessions')
    const messages = legacy.doc.getMap('messages')
    const bySession = new Map<string, string[]>()
    messages.forEach((m, id) => {
      const s = m instanceof Y.Map ? m.get('sessionId') : (m as { sessionId?: unknown } | null)?.sessionId
      if (typeof s !== 'string') return
      const list = bySession.get(s)
      if (list) list.push(id)
      else bySession.set(s, [id])
    })
    const plain = (v: unknown) => (v instanceof Y.AbstractType ? v.toJSON() : v)
    let moved = 0
    for (const s of legacy.sessions.all()) {
      let key: string
      try {
        key = partKeyOf(s.createdAt)
      } catch {
        continue
      }
      const part = this.holders.find((h) => h.key === key)
      const raw = sessions.get(s.sessionId)
      if (!part || !(raw instanceof Y.Map)) continue
      const ids = bySession.get(s.sessionId) ?? []
      local(part.doc, () => {
        part.doc.getMap('sessions').set(s.sessionId, nestedMap(raw.toJSON()))
        const into = part.doc.getMap('messages')
        for (const id of ids) into.set(id, plain(messages.get(id)))
      })
      this.docs_.space().parts.ensure(this.uid, key)
      local(legacy.doc, () => {
        for (const id of ids) messages.delete(id)
        sessions.delete(s.sessionId)
      })
      moved++
    }
    return moved
  }

  /**
   * Empties the user document (a deleted user): every record, valid or not, also sessions and
   * messages from before the split. The parts are dropped whole by ReplicatedStore.deleteUser.
   */
  clear(): void {
    local(this.doc, () => {
      const legacy = this.holders.find((h) => h.key === null)
      for (const m of [legacy?.messages, this.memories, this.connections, this.conflicts, legacy?.sessions, this.docs]) m?.clear()
      this.profile.clear()
    })
  }
}
