import Dexie from 'dexie'
import { DocNotFoundError, SessionNotFoundError, UserAlreadyExistsError, UserNotFoundError, ValidationError } from '../core/errors'
import { metadataMatches } from '../core/metadata'
import type { DocRecord, JsonObject, MessageRole, ProfileRecord, SessionStatus } from '../core/types'
import {
  LIMITS,
  optionalMetadataFilter,
  optionalString,
  requireId,
  requireText,
  validateBoolean,
  validateInt,
  validateMetadata,
  validatePage,
  validateStatus,
} from '../core/validation'
import { searchDocs as lexicalDocSearch } from '../retrieval/docSearch'
import { userDocName } from '../sync/layout'
import { lastUserMessages } from '../store/messageBlocks'
import { withActivity, withLastMessage, withLastMessages } from '../store/activity'
import { nowIso, writeUser, type ClientContext } from '../pipeline/context'
import { newSessionRecord, Session } from './Session'
import { exportUserFrom } from '../backup/export'
import type { BackupFile } from '../backup/format'
import { addMemory, deleteMemory, getMemory, listMemories, matchForget, updateMemory, type DeletedMemory, type ForgetMatch, type ListMemoriesOptions, type MemoryInput, type UserMemoryItem } from './memories'
import { getMergeConflict, listMergeConflicts, MergeConflict, type ListMergeConflictsOptions } from './MergeConflict'

export interface Doc {
  docId: string
  title: string
  content: string
  metadata: JsonObject
  createdAt: Date
}

export interface DocInput {
  title: string
  content: string
  metadata?: JsonObject
}

export interface UserUpdate {
  newMetadata?: JsonObject
  newUserId?: string
  mergeConflictEnabled?: boolean | null
  name?: string
  about?: string
}

export interface LastMessage {
  role: MessageRole
  content: string
  timestamp: Date
  sessionId: string
}

export function toDoc(r: DocRecord): Doc {
  return { docId: r.docId, title: r.title, content: r.content, metadata: r.metadata ?? {}, createdAt: new Date(r.createdAt) }
}

export function validateDocInput(input: DocInput, i?: number): DocInput {
  const f = i === undefined ? 'doc' : `docs[${i}]`
  if (typeof input !== 'object' || input === null) throw new ValidationError(`${f} must be { title, content, metadata? }`)
  return {
    title: requireText(input.title, `${f}.title`, LIMITS.nameLength),
    content: requireText(input.content, `${f}.content`, LIMITS.docContentLength),
    metadata: validateMetadata(input.metadata, `${f}.metadata`),
  }
}

export function newDocRecord(ctx: ClientContext, uid: string, d: DocInput): DocRecord {
  return { docId: ctx.newId(), uid, title: d.title, content: d.content, metadata: d.metadata ?? {}, createdAt: nowIso(ctx) }
}

/** A handle on one user. Fields are a snapshot; `refresh()` reads them again. */
export class User {
  userId!: string
  name!: string
  about!: string
  metadata!: JsonObject
  mergeConflictEnabled!: boolean | null
  createdAt!: Date
  updatedAt!: Date
  lastActiveAt!: Date

  /** @internal the stable internal id: it survives renames */
  readonly uid: string

  /** @internal */
  constructor(
    protected readonly ctx: ClientContext,
    profile: ProfileRecord,
    userId: string,
    protected readonly processor?: (s: Session) => Promise<void>,
  ) {
    this.uid = profile.uid
    this.assign(profile, userId)
  }

  private assign(p: ProfileRecord, userId: string): void {
    this.userId = userId
    this.name = p.name
    this.about = p.about
    this.metadata = p.metadata ?? {}
    this.mergeConflictEnabled = p.mergeConflictEnabled ?? null
    this.createdAt = new Date(p.createdAt)
    this.updatedAt = new Date(p.updatedAt)
    this.lastActiveAt = new Date(p.lastActiveAt)
  }

  /** Throws UserNotFoundError when the user is gone. */
  protected async ensureAlive(): Promise<void> {
    const dir = await this.ctx.db.directory.get(this.uid)
    if (!dir?.userId || dir.deletedAt) throw new UserNotFoundError(this.userId)
  }

  async refresh(): Promise<this> {
    const [dir, p] = await Promise.all([this.ctx.db.directory.get(this.uid), this.ctx.db.users.get(this.uid)])
    if (!dir?.userId || dir.deletedAt || !p) throw new UserNotFoundError(this.userId)
    this.assign(await withActivity(this.ctx.db, p), dir.userId)
    return this
  }

  /** Updates the user; `newMetadata` replaces the metadata, `mergeConflictEnabled: null` inherits the space setting. */
  async update(u: UserUpdate): Promise<this> {
    const newUserId = u.newUserId === undefined ? undefined : requireId(u.newUserId, 'newUserId')
    const metadata = u.newMetadata === undefined ? undefined : validateMetadata(u.newMetadata, 'newMetadata')
    const name = optionalString(u.name, 'name', LIMITS.nameLength)
    const about = optionalString(u.about, 'about', LIMITS.aboutLength)
    if (u.mergeConflictEnabled !== undefined && u.mergeConflictEnabled !== null) validateBoolean(u.mergeConflictEnabled, 'mergeConflictEnabled')
    const at = nowIso(this.ctx)
    await writeUser(this.ctx, this.uid, this.userId, (user, space) => {
      const entry = space.directory.live(this.uid)!
      const renaming = newUserId !== undefined && newUserId !== entry.userId
      if (renaming && space.directory.liveUid(newUserId)) throw new UserAlreadyExistsError(newUserId)
      if (renaming) space.directory.rename(this.uid, newUserId)
      user.profile.patch({ name, about, metadata, mergeConflictEnabled: u.mergeConflictEnabled, updatedAt: at })
    })
    if (newUserId !== undefined) this.userId = newUserId
    if (metadata !== undefined) this.metadata = metadata
    if (name !== undefined) this.name = name
    if (about !== undefined) this.about = about
    if (u.mergeConflictEnabled !== undefined) this.mergeConflictEnabled = u.mergeConflictEnabled
    this.updatedAt = new Date(at)
    return this
  }

  /**
   * Deletes the user and everything of theirs: sessions, messages, memories, docs, conflicts. First
   * the user's document is emptied and the directory marks the delete (that much syncs, so other
   * devices and the server drop the content too); then the document's log and rows go for good.
   * Works on a full disk: the first step through ReplicatedStore.deleting (the store's reserved room),
   * the second only deletes. A crash between the two leaves a tombstoned directory entry whose
   * document is still in the log: MemoryClient.finishInterruptedDeletes deletes it at the next start.
   */
  async delete(): Promise<void> {
    const write = () =>
      writeUser(this.ctx, this.uid, this.userId, (user, space) => {
        user.clear()
        space.directory.markDeleted(this.uid, nowIso(this.ctx))
      })
    await this.ctx.store.deleting(write)
    await this.ctx.store.deleteUser(this.uid)
    // the room the user's document held: the reserve is whole again
    await this.ctx.store.ensureReserve()
  }

  // ---- sessions ----

  async createSession(options: { autoProcessAfterSeconds?: number; metadata?: JsonObject; customCreatedAtUtc?: Date | string; temporary?: boolean } = {}): Promise<Session> {
    const rec = newSessionRecord(this.ctx, this.uid, options)
    await writeUser(this.ctx, this.uid, this.userId, (user) => user.sessions.set(rec.sessionId, { ...rec, messageCount: 0 }), { parts: [rec.part], userDoc: false })
    return new Session(this.ctx, rec, this.userId, this.processor)
  }

  async getSession(sessionId: string): Promise<Session> {
    const id = requireId(sessionId, 'sessionId')
    await this.ensureAlive()
    const r = await this.ctx.db.sessions.get(id)
    if (!r || r.uid !== this.uid) throw new SessionNotFoundError(id)
    return new Session(this.ctx, await withLastMessage(this.ctx.db, r), this.userId, this.processor)
  }

  /** Sessions, newest first. */
  async listSessions(
    options: { offset?: number; limit?: number; metadataFilter?: JsonObject; statusFilter?: SessionStatus | SessionStatus[] } = {},
  ): Promise<{ sessions: Session[]; total: number; hasMore: boolean }> {
    const { offset, limit } = validatePage(options, 10, 100)
    const filter = optionalMetadataFilter(options.metadataFilter)
    const statuses =
      options.statusFilter === undefined
        ? undefined
        : (Array.isArray(options.statusFilter) ? options.statusFilter : [options.statusFilter]).map((s) => validateStatus(s))
    await this.ensureAlive()
    const coll = this.ctx.db.sessions
      .where('[uid+createdAt]')
      .between([this.uid, Dexie.minKey], [this.uid, Dexie.maxKey])
      .reverse()
    const filtered = filter || statuses ? coll.filter((s) => (!statuses || statuses.includes(s.status)) && metadataMatches(s.metadata, filter)) : coll
    const [rows, total] = await Promise.all([filtered.clone().offset(offset).limit(limit).toArray(), filtered.clone().count()])
    const active = await withLastMessages(this.ctx.db, rows)
    return { sessions: active.map((r) => new Session(this.ctx, r, this.userId, this.processor)), total, hasMore: offset + rows.length < total }
  }

  /** The n most recent messages across all of the user's sessions, oldest first. */
  async getLastNMessages(n: number): Promise<{ messages: LastMessage[] }> {
    const count = validateInt(n, 'n', 1, 100, 10)
    await this.ensureAlive()
    const rows = await lastUserMessages(this.ctx.db, this.uid, count)
    return { messages: rows.map((m) => ({ role: m.role, content: m.content, timestamp: new Date(m.timestamp), sessionId: m.sessionId })) }
  }

  /** Exports this user (profile, docs, sessions, every memory version, conflicts) as one backup object. */
  export(): Promise<BackupFile> {
    return exportUserFrom(this.ctx, this.uid, this.userId)
  }

  // ---- memories ----

  /** Live memories, newest first, with their earlier versions and connected memories unless turned off. */
  async listMemories(options: ListMemoriesOptions = {}): Promise<{ items: UserMemoryItem[]; total: number; hasMore: boolean }> {
    await this.ensureAlive()
    return listMemories(this.ctx, this.uid, options)
  }

  /** Any version by its id; an expired one shows its expiredAt and expirationReason. */
  async getMemory(memoryId: string, options: { includePreviousVersions?: boolean; includeConnectedMemories?: boolean } = {}): Promise<UserMemoryItem> {
    await this.ensureAlive()
    return getMemory(this.ctx, this.uid, memoryId, options)
  }

  /**
   * Deletes one version (the chain is relinked), or with `deletePreviousVersions` it and every older
   * one. The result can put it back (`restore()`, the app's "Undo") until the memory changes again.
   */
  async deleteMemory(memoryId: string, options: { deletePreviousVersions?: boolean } = {}): Promise<DeletedMemory> {
    return deleteMemory(this.ctx, this.uid, this.userId, memoryId, options)
  }

  /**
   * Corrects a memory: the live version `memoryId` becomes the previous version (reason USER_EDIT)
   * of a new one with this content; categories and dates left out stay as they were (null clears a
   * date). Returns the new version; an edit that changes nothing returns the memory as it is.
   */
  async updateMemory(memoryId: string, changes: MemoryInput): Promise<UserMemoryItem> {
    await this.ensureAlive()
    return updateMemory(this.ctx, this.uid, this.userId, memoryId, changes)
  }

  /**
   * Whether a message asks to forget something ("forget that I live in Paris") and which live
   * memories it is about; null when it is no such request. Deletes nothing: confirm, then delete
   * each with `deleteMemory(id, { deletePreviousVersions: true })`.
   */
  async matchForget(text: string): Promise<ForgetMatch | null> {
    await this.ensureAlive()
    return matchForget(this.ctx, this.uid, text)
  }

  /** Adds a memory by hand: version 1 of a new chain, from no chat, marked as written by the person (`byUser`). */
  async addMemory(memory: MemoryInput): Promise<UserMemoryItem> {
    await this.ensureAlive()
    return addMemory(this.ctx, this.uid, this.userId, memory)
  }

  // ---- merge conflicts ----

  async listMergeConflicts(options: ListMergeConflictsOptions = {}): Promise<{ conflicts: MergeConflict[]; total: number; hasMore: boolean }> {
    await this.ensureAlive()
    return listMergeConflicts(this.ctx, this.uid, this.userId, options)
  }

  async getMergeConflict(conflictId: string): Promise<MergeConflict> {
    await this.ensureAlive()
    return getMergeConflict(this.ctx, this.uid, this.userId, conflictId)
  }

  // ---- documents (Julep) ----

  async addDoc(input: DocInput): Promise<Doc> {
    const d = validateDocInput(input)
    const rec = newDocRecord(this.ctx, this.uid, d)
    await writeUser(this.ctx, this.uid, this.userId, (user) => {
      user.docs.set(rec.docId, rec)
    })
    return toDoc(rec)
  }

  /** Documents, newest first. */
  async listDocs(options: { offset?: number; limit?: number; metadataFilter?: JsonObject } = {}): Promise<{ docs: Doc[]; total: number; hasMore: boolean }> {
    const { offset, limit } = validatePage(options, 100, 1000)
    const filter = optionalMetadataFilter(options.metadataFilter)
    await this.ensureAlive()
    const all = (await this.docRecords()).filter((d) => metadataMatches(d.metadata, filter)).reverse()
    const page = all.slice(offset, offset + limit)
    return { docs: page.map(toDoc), total: all.length, hasMore: offset + page.length < all.length }
  }

  async getDoc(docId: string): Promise<Doc> {
    const id = requireId(docId, 'docId')
    await this.ensureAlive()
    const r = await this.ctx.db.docs.get(id)
    if (!r || r.uid !== this.uid) throw new DocNotFoundError(id)
    return toDoc(r)
  }

  /** Deletes a document, also on a full disk (ReplicatedStore.deleting); its words leave the log. */
  async deleteDoc(docId: string): Promise<void> {
    const id = requireId(docId, 'docId')
    const write = () =>
      writeUser(this.ctx, this.uid, this.userId, (user) => {
        if (!user.docs.has(id)) throw new DocNotFoundError(id)
        user.docs.delete(id)
      })
    await this.ctx.store.deleting(write, [userDocName(this.uid)])
  }

  /** Lexical search over the user's documents (title and content), best first. */
  async searchDocs(text: string, options: { limit?: number; metadataFilter?: JsonObject } = {}): Promise<{ doc: Doc; score: number }[]> {
    const query = requireText(text, 'text', 10_000)
    const limit = validateInt(options.limit, 'limit', 1, 100, 10)
    const filter = optionalMetadataFilter(options.metadataFilter)
    await this.ensureAlive()
    const docs = (await this.docRecords()).filter((d) => metadataMatches(d.metadata, filter))
    return lexicalDocSearch(docs, query, limit).map(({ record, score }) => ({ doc: toDoc(record), score }))
  }

  private docRecords(): Promise<DocRecord[]> {
    return this.ctx.db.docs.where('[uid+createdAt]').between([this.uid, Dexie.minKey], [this.uid, Dexie.maxKey]).toArray()
  }
}
