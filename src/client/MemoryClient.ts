import Dexie from 'dexie'
import type { RecordKind } from '../core/schema'
import { registerInternals } from './internals'
import { SyncError, UserAlreadyExistsError, UserNotFoundError } from '../core/errors'
import { uuidv7 } from '../core/ids'
import { metadataMatches } from '../core/metadata'
import type { Category, JsonObject, ProfileRecord, SpaceSettings } from '../core/types'
import {
  LIMITS,
  optionalMetadataFilter,
  optionalString,
  requireId,
  validateBoolean,
  validateCategories,
  validateMetadata,
  validatePage,
} from '../core/validation'
import type { MemoryEngine } from '../engine/types'
import { KeepsakeDB } from '../store/db'
import { readSettings } from '../store/settings'
import { withActivity } from '../store/activity'
import { ReplicatedStore, type ChangeOrigin, type CompactionPolicy, type StoreChange } from '../sync/ReplicatedStore'
import { SPACE_DOC, uidOfDocName, userDocName } from '../sync/layout'
import { moveLegacySessions } from '../sync/migrateParts'
import { reconcileUser } from '../pipeline/crossDevice'
import { validateSyncConfig, type SyncConfig, type SyncStatus } from '../sync/SyncProvider'
import { SyncLink } from '../sync/SyncLink'
import { HocuspocusTransport } from '../sync/transport/hocuspocus'
import type { SyncTransport } from '../sync/transport/types'
import { nowIso, type ClientContext } from '../pipeline/context'
import { newDocRecord, User, validateDocInput, type DocInput } from './User'
import type { Session } from './Session'
import { RulesEngine } from '../engine/rules/RulesEngine'
import { AutoProcessor } from '../pipeline/AutoProcessor'
import { processSession } from '../pipeline/processSession'
import { chatAvailability, type ChatAvailability } from '../pipeline/reply'
import { exportSpaceFrom } from '../backup/export'
import { importBackupInto, type ImportOptions, type ImportResult } from '../backup/import'
import { importRecallrAIInto, type RecallrAIImportResult } from '../backup/recallrai'
import type { BackupFile } from '../backup/format'

export interface MemoryClientOptions {
  /** IndexedDB database name (default 'keepsake'). Two clients on one name share their data. */
  dbName?: string
  /** The engine that processes sessions (default: the rules engine). */
  engine?: MemoryEngine
  /** The clock (default: the system clock); tests move it to trigger auto-processing. */
  now?: () => Date
  /**
   * Auto-processing of due sessions while the client is open: how often to look, in ms
   * (default 5000); false turns it off.
   */
  autoProcess?: { intervalMs?: number } | false
  /** Sync with a Hocuspocus server (see connectSync). Without it the client is local only. */
  sync?: SyncConfig
  /** @internal WebSocket implementation for Node (tests, benchmarks) */
  WebSocketPolyfill?: unknown
  /** @internal compaction thresholds of the update log */
  compaction?: CompactionPolicy
  /** @internal how long an unused document stays in memory (ms; 0: never released) */
  releaseIdleAfterMs?: number
  /** @internal where ids come from (default: UUIDv7 from the system clock); the sync fuzz seeds it to replay a run */
  newId?: () => string
  /** @internal where new Y.Docs take their Yjs client id from (default: Yjs's random one); it decides which of two concurrent edits wins */
  yClientId?: () => number
  /** @internal sync over this transport instead of `sync`'s Hocuspocus server (the in-process transport of the tests) */
  syncTransport?: () => SyncTransport
}

/** The kinds of records a change can touch (`users`: profiles; `directory`: which users exist, their userIds). */
export type ChangeTable = 'users' | 'directory' | 'settings' | 'sessions' | 'messages' | 'memories' | 'connections' | 'conflicts' | 'docs'

/**
 * A record that arrived from another device (or was written by an older build) and failed its
 * schema (src/core/schema.ts): it is kept in the synced document, not projected, and reported here.
 * A later valid write of the same record ends the problem.
 */
export interface SyncProblem {
  /** stable id of the record: document, map and record id */
  key: string
  /** 'space' or 'user/<uid>' */
  doc: string
  /** whose record it is, when known */
  userId: string | null
  kind: RecordKind
  recordId: string
  /** what was wrong, e.g. `timestamp: expected an ISO-8601 UTC date, got "not-a-date"` */
  problem: string
  /** when this device found it */
  seenAt: string
}

/** One committed change, as `client.subscribe` reports it. */
export interface Change {
  table: ChangeTable
  /** whose records changed: the userId (also for a deleted user), or null for the space (settings, directory) */
  userId: string | null
  /** ids of the changed or deleted records: message ids for messages, the userIds for users and the directory, 'space' for the settings */
  ids: string[]
  /** for messages: the session they were added to */
  sessionId?: string
  /** 'local': this client; 'tab': another client on the same database (another tab); 'remote': another device, through sync */
  origin: ChangeOrigin
}

export type { ChangeOrigin }

export interface CreateUserOptions {
  name?: string
  about?: string
  metadata?: JsonObject
  mergeConflictEnabled?: boolean | null
  docs?: DocInput[]
}

export interface SettingsUpdate {
  categories?: Category[]
  mergeConflictsEnabled?: boolean
  modelId?: string | null
}



/** The tables whose remote changes the cross-device rules read (src/pipeline/crossDevice.ts). */
const RECONCILED_TABLES = new Set<string>(['memories', 'connections', 'conflicts', 'sessions'])

/** The entry point of the library: one per database (per space). */
export class MemoryClient {
  private readonly ctx: ClientContext
  private currentEngine: MemoryEngine
  private readonly processor: (s: Session) => Promise<void>
  private readonly autoProcessor: AutoProcessor

  protected constructor(
    private readonly db: KeepsakeDB,
    private readonly store: ReplicatedStore,
    private readonly options: MemoryClientOptions,
    deviceId: string,
  ) {
    this.currentEngine = options.engine ?? new RulesEngine()
    const now = options.now ?? (() => new Date())
    this.ctx = { db, store, now, deviceId, engine: () => this.currentEngine, newId: options.newId ?? uuidv7 }
    this.processor = async (s) => {
      await processSession(this.ctx, s.uid, s.userId, s.sessionId)
    }
    this.autoProcessor = new AutoProcessor(this.ctx, async (uid) => (await db.directory.get(uid))?.userId ?? null)
    registerInternals(this, { db, store, ctx: this.ctx, autoProcessor: this.autoProcessor })
    // Changes from other devices may leave what only two devices together can do wrong: repair it.
    // Only what the rules read counts: memory versions, connections, conflicts and sessions' claims
    // (not messages, docs or the profile, which most of a new device's data is).
    store.listen({
      onRemoteProjected: (name) => {
        // another device may have deleted a user: drop this device's copy too
        if (name === SPACE_DOC) void this.finishInterruptedDeletes().catch(() => undefined)
      },
      onChanged: (c) => {
        if (c.origin === 'remote' && c.uid && RECONCILED_TABLES.has(c.table)) this.scheduleReconcile(c.uid)
        // auto-processing waits for a session to be idle by the clock, not by its messages' timestamps
        if (c.table === 'messageBlocks' && c.sessionId) this.autoProcessor.noteMessage(c.sessionId)
      },
    })
  }

  private reconcileTimers = new Map<string, { timer: ReturnType<typeof setTimeout>; since: number }>()

  /**
   * Runs the cross-device rules for a user once its remote changes pause (300 ms), or at the latest
   * 2 s after the first: a new device receiving dozens of parts repairs a few times, not once a part
   * (each run reads the user's memory versions).
   */
  private scheduleReconcile(uid: string): void {
    const pending = this.reconcileTimers.get(uid)
    const since = pending?.since ?? Date.now()
    if (pending) clearTimeout(pending.timer)
    const wait = Math.max(0, Math.min(300, since + 2000 - Date.now()))
    const timer = setTimeout(() => {
      this.reconcileTimers.delete(uid)
      void this.reconcile(uid).catch(() => undefined)
    }, wait)
    this.reconcileTimers.set(uid, { timer, since })
  }

  /** Applies the cross-device rules to one user now (see src/pipeline/crossDevice.ts). */
  async reconcile(uid: string): Promise<boolean> {
    const entry = await this.db.directory.get(uid)
    if (entry?.deletedAt) {
      // a deleted user's document came back from another device: it goes again
      await this.deleteLocalCopy(uid)
      return false
    }
    if (!entry?.userId) return false
    return reconcileUser(this.ctx, uid, entry.userId).catch(() => false)
  }

  /**
   * userIds held by more than one user: possible only when two devices each created or renamed a
   * user to the same id while apart. Both users are kept; the app asks the person to rename one.
   */
  async listUserIdClashes(): Promise<{ userId: string; users: User[] }[]> {
    const live = (await this.db.directory.toArray()).filter((e) => e.userId && !e.deletedAt)
    const groups = new Map<string, typeof live>()
    for (const e of live) groups.set(e.userId!, [...(groups.get(e.userId!) ?? []), e])
    const out: { userId: string; users: User[] }[] = []
    for (const [userId, entries] of groups) {
      if (entries.length < 2) continue
      entries.sort((a, b) => (a.uid < b.uid ? -1 : 1))
      const profiles = await this.db.users.bulkGet(entries.map((e) => e.uid))
      const present = profiles.filter((p): p is ProfileRecord => !!p)
      // a profile still arriving (its directory entry came first) makes no clash yet: it is one when both are here
      if (present.length < 2) continue
      const live = await Promise.all(present.map((p) => withActivity(this.db, p)))
      out.push({ userId, users: live.map((p) => this.makeUser(p, userId)) })
    }
    return out
  }

  /** Opens (or creates) the local database. Reads use the projected tables at once. */
  static async open(options: MemoryClientOptions = {}): Promise<MemoryClient> {
    const db = new KeepsakeDB(options.dbName ?? 'keepsake')
    await db.open()
    const store = new ReplicatedStore(db, options.compaction, { clientId: options.yClientId, releaseIdleAfterMs: options.releaseIdleAfterMs })
    const client = new MemoryClient(db, store, options, await deviceIdOf(db, options.newId ?? uuidv7))
    await client.finishInterruptedDeletes()
    // a database written before history was split into parts: its sessions move now (once)
    await moveLegacySessions(store, client.db)
    // room held back so that deleting works on a full disk (ReplicatedStore.deleting); best effort
    await store.ensureReserve()
    if (options.autoProcess !== false) client.autoProcessor.start(options.autoProcess?.intervalMs ?? 5000)
    if (options.syncTransport) await client.startSync(options.syncTransport, {})
    else if (options.sync) await client.connectSync(options.sync)
    return client
  }

  // ---- sync ----

  private syncLink: SyncLink | undefined
  private readonly syncListeners = new Set<(s: SyncStatus) => void>()
  private lastSyncStatus: SyncStatus = { state: 'disabled', pendingChanges: 0 }

  /** The sync state now: disabled (no server), offline, connecting, syncing, synced, error. */
  get syncStatus(): SyncStatus {
    return { ...this.lastSyncStatus }
  }

  /** Calls `listener` with the sync status now and on every change; returns the unsubscribe. */
  onSyncStatus(listener: (s: SyncStatus) => void): () => void {
    this.syncListeners.add(listener)
    listener(this.syncStatus)
    return () => this.syncListeners.delete(listener)
  }

  private emitSync(s: SyncStatus): void {
    this.lastSyncStatus = s
    for (const l of this.syncListeners) l({ ...s })
  }

  /** Starts syncing this database with a space on a sync server; replaces any earlier connection. */
  async connectSync(config: SyncConfig): Promise<void> {
    const valid = validateSyncConfig(config)
    const transport = () => new HocuspocusTransport(valid, { WebSocketPolyfill: this.options.WebSocketPolyfill })
    await this.startSync(transport, { url: valid.url, spaceId: valid.spaceId })
  }

  private async startSync(makeTransport: () => SyncTransport, where: { url?: string; spaceId?: string }): Promise<void> {
    this.disconnectSync()
    this.syncLink = new SyncLink(this.store, makeTransport, { ...where, onStatus: (s) => this.emitSync(s) })
    await this.syncLink.start()
  }

  /** Stops syncing; local data stays. */
  disconnectSync(): void {
    this.syncLink?.stop()
    this.syncLink = undefined
    this.emitSync({ state: 'disabled', pendingChanges: 0 })
  }

  /** Resolves when every change is on the server and every remote change is here. */
  whenSynced(timeoutMs?: number): Promise<void> {
    if (!this.syncLink) return Promise.reject(new SyncError('Sync is not configured'))
    return this.syncLink.whenSynced(timeoutMs)
  }

  /** Another device deleted a user: remove this device's copy of it too. */
  private async deleteLocalCopy(uid: string): Promise<void> {
    await this.store.deleteUser(uid).catch(() => undefined)
  }

  /**
   * Users marked deleted in the directory whose documents are still stored here: a delete made on
   * another device, or one interrupted between its two steps (see User.delete). Their data goes.
   */
  private async finishInterruptedDeletes(): Promise<void> {
    const deleted = (await this.db.directory.toArray()).filter((e) => e.deletedAt)
    if (!deleted.length) return
    const stored = new Set(await this.store.storedDocNames())
    const storedUids = new Set([...stored].map(uidOfDocName))
    for (const e of deleted) if (storedUids.has(e.uid)) await this.deleteLocalCopy(e.uid)
  }

  /** Processes every session that is due now (auto-processing does this on its own timer). */
  processDueSessions(): Promise<number> {
    return this.autoProcessor.runOnce()
  }

  get engine(): MemoryEngine {
    return this.currentEngine
  }

  private readonly changeListeners = new Set<(change: Change) => void>()
  private stopFeed: (() => void) | null = null
  private feed: Promise<void> = Promise.resolve()
  /** uid -> userId, for the change feed; a uid whose directory entry changed is read again */
  private readonly userIds = new Map<string, string>()
  private readonly staleUserIds = new Set<string>()

  /**
   * Calls `listener` after every stored change, in order: this client's writes ('local'), another
   * tab's on the same database ('tab') and another device's through sync ('remote'), one call per
   * table (and per session for messages). The change is readable when the listener runs.
   * Returns the unsubscribe.
   */
  subscribe(listener: (change: Change) => void): () => void {
    this.changeListeners.add(listener)
    this.stopFeed ??= this.store.listen({ onChanged: (c) => this.relay(c) })
    return () => {
      this.changeListeners.delete(listener)
      if (this.changeListeners.size || !this.stopFeed) return
      this.stopFeed()
      this.stopFeed = null
    }
  }

  private relay(c: StoreChange): void {
    // a user's directory entry changed (renamed, deleted): its userId is read again
    if (c.table === 'directory') for (const uid of c.ids) this.staleUserIds.add(uid)
    this.feed = this.feed.then(async () => {
      const userId = c.uid ? await this.userIdOf(c.uid) : null
      // users are named by their userId (the internal uid stays inside)
      let ids = c.ids
      if (c.table === 'users') ids = userId === null ? [] : [userId]
      else if (c.table === 'directory') ids = [...new Set((await Promise.all(c.ids.map((uid) => this.userIdOf(uid)))).filter((x): x is string => x !== null))]
      const change: Change = { table: c.table === 'messageBlocks' ? 'messages' : c.table, userId, ids, origin: c.origin }
      if (c.sessionId !== undefined) change.sessionId = c.sessionId
      for (const l of [...this.changeListeners]) {
        try {
          l({ ...change, ids: [...change.ids] })
        } catch {
          /* a listener's failure is its own */
        }
      }
    })
  }

  private async userIdOf(uid: string): Promise<string | null> {
    const known = this.userIds.get(uid)
    if (known !== undefined && !this.staleUserIds.has(uid)) return known
    this.staleUserIds.delete(uid)
    const userId = (await this.db.directory.get(uid).catch(() => undefined))?.userId ?? null
    // a deleted user's entry holds no userId any more: its changes keep the one it had
    if (userId === null) return known ?? null
    this.userIds.set(uid, userId)
    return userId
  }

  /**
   * Records from another device (or an older build) that failed their schema: they are kept in the
   * synced documents but not shown, searched, exported or handed to an engine. Newest first.
   */
  async listSyncProblems(): Promise<SyncProblem[]> {
    const rows = await this.db.problems.toArray()
    const out: SyncProblem[] = []
    for (const r of rows) {
      const uid = uidOfDocName(r.doc)
      out.push({ key: r.key, doc: r.doc, userId: uid ? await this.userIdOf(uid) : null, kind: r.kind, recordId: r.recordId, problem: r.problem, seenAt: r.seenAt })
    }
    return out.sort((a, b) => (a.seenAt < b.seenAt ? 1 : a.seenAt > b.seenAt ? -1 : a.key < b.key ? -1 : 1))
  }

  /** Calls `listener` with the sync problems now and whenever they change; returns the unsubscribe. */
  onSyncProblems(listener: (problems: SyncProblem[]) => void): () => void {
    let stopped = false
    let reading: Promise<void> = Promise.resolve()
    const read = () => {
      reading = reading.then(async () => {
        const problems = await this.listSyncProblems().catch(() => null)
        if (!stopped && problems) listener(problems)
      })
    }
    read()
    const stop = this.store.listen({ onProblemsChanged: read })
    return () => {
      stopped = true
      stop()
    }
  }

  /** Whether the engine can write chat replies, and why not. */
  chatAvailability(): ChatAvailability {
    return chatAvailability(this.currentEngine)
  }

  /** Exports the whole space (every user, settings) as one versioned backup object. */
  exportSpace(): Promise<BackupFile> {
    return exportSpaceFrom(this.ctx)
  }

  /**
   * Imports a backup (object or JSON text); a bad file is refused whole with an ImportError naming
   * the first problem, and changes nothing. Users are matched by userId; records keep their ids (one
   * that exists with the same content is skipped, with other content reported in `conflicts`).
   */
  importBackup(data: unknown, options?: ImportOptions): Promise<ImportResult> {
    return importBackupInto(this.ctx, data, options, { reconcile: (uid) => this.reconcile(uid) })
  }

  /**
   * Imports users in RecallrAI's shape (`{ users: [{ user_id, metadata?, sessions?: [{
   * custom_created_at_utc?, metadata?, messages }] }] }`) as new users with pending sessions. A bad
   * input or a user_id that exists refuses the whole import (ImportError); nothing is half-written.
   */
  importRecallrAI(data: unknown): Promise<RecallrAIImportResult> {
    return importRecallrAIInto(this.ctx, data)
  }

  /** Swaps the engine used for processing (e.g. when a model finishes loading). */
  setEngine(engine: MemoryEngine): void {
    this.currentEngine = engine
  }

  protected makeUser(profile: ProfileRecord, userId: string): User {
    return new User(this.ctx, profile, userId, this.processor)
  }

  async createUser(userId: string, options: CreateUserOptions = {}): Promise<User> {
    const id = requireId(userId, 'userId')
    const name = optionalString(options.name, 'name', LIMITS.nameLength) ?? ''
    const about = optionalString(options.about, 'about', LIMITS.aboutLength) ?? ''
    const metadata = validateMetadata(options.metadata)
    const mce = options.mergeConflictEnabled ?? null
    if (mce !== null) validateBoolean(mce, 'mergeConflictEnabled')
    const docs = (options.docs ?? []).map((d, i) => validateDocInput(d, i))
    const uid = this.ctx.newId()
    const at = nowIso(this.ctx)
    const profile: ProfileRecord = { uid, name, about, metadata, mergeConflictEnabled: mce, createdAt: at, updatedAt: at, lastActiveAt: at }
    await this.store.write([SPACE_DOC, userDocName(uid)], (tx) => {
      if (tx.space.directory.liveUid(id)) throw new UserAlreadyExistsError(id)
      tx.space.directory.add(uid, { userId: id, createdAt: at })
      const user = tx.user(uid)
      const { uid: _uid, ...fields } = profile
      user.profile.patch(fields)
      for (const d of docs) {
        const rec = newDocRecord(this.ctx, uid, d)
        user.docs.set(rec.docId, rec)
      }
    })
    return this.makeUser(profile, id)
  }

  async getUser(userId: string): Promise<User> {
    const id = requireId(userId, 'userId')
    const entries = await this.db.directory.where('userId').equals(id).toArray()
    const entry = entries.filter((e) => !e.deletedAt).sort((a, b) => (a.uid < b.uid ? -1 : 1))[0]
    const profile = entry && (await this.db.users.get(entry.uid))
    if (!entry || !profile) throw new UserNotFoundError(id)
    return this.makeUser(await withActivity(this.db, profile), id)
  }

  /** Users, newest first. */
  async listUsers(options: { offset?: number; limit?: number; metadataFilter?: JsonObject } = {}): Promise<{ users: User[]; total: number; hasMore: boolean }> {
    const { offset, limit } = validatePage(options, 10, 100)
    const filter = optionalMetadataFilter(options.metadataFilter)
    const live = (await this.db.directory.orderBy('createdAt').reverse().toArray()).filter((e) => e.userId && !e.deletedAt)
    const profiles = await this.db.users.bulkGet(live.map((e) => e.uid))
    const pairs = live
      .map((e, i) => ({ e, p: profiles[i] }))
      .filter((x): x is { e: typeof x.e; p: ProfileRecord } => !!x.p && metadataMatches(x.p.metadata, filter))
      .sort((a, b) => (a.e.createdAt === b.e.createdAt ? (a.e.uid < b.e.uid ? 1 : -1) : a.e.createdAt < b.e.createdAt ? 1 : -1))
    const page = pairs.slice(offset, offset + limit)
    const active = await Promise.all(page.map(({ p }) => withActivity(this.db, p)))
    return { users: page.map(({ e }, i) => this.makeUser(active[i], e.userId!)), total: pairs.length, hasMore: offset + page.length < pairs.length }
  }

  async getSettings(): Promise<SpaceSettings> {
    return readSettings(this.db)
  }

  async updateSettings(update: SettingsUpdate): Promise<SpaceSettings> {
    const patch: Partial<SpaceSettings> = {}
    if (update.categories !== undefined) patch.categories = validateCategories(update.categories)
    if (update.mergeConflictsEnabled !== undefined) patch.mergeConflictsEnabled = validateBoolean(update.mergeConflictsEnabled, 'mergeConflictsEnabled')
    if (update.modelId !== undefined) patch.modelId = update.modelId === null ? null : requireId(update.modelId, 'modelId')
    await this.store.write([SPACE_DOC], (tx) => tx.space.settings.patch(patch))
    return this.getSettings()
  }

  /** Closes the database; handles made by this client stop working. */
  close(): void {
    for (const t of this.reconcileTimers.values()) clearTimeout(t.timer)
    this.disconnectSync()
    this.autoProcessor.stop()
    this.store.close()
    this.db.close()
  }

  /** Deletes the whole database of this client (every user, the log, the settings). */
  async destroyAllData(): Promise<void> {
    const name = this.db.name
    this.close()
    await Dexie.delete(name)
  }
}

/** A stable id for this browser profile's database (claims on session processing name it). */
async function deviceIdOf(db: KeepsakeDB, newId: () => string): Promise<string> {
  const row = await db.meta.get('deviceId')
  if (row) return row.value as string
  const id = newId()
  await db.meta.put({ key: 'deviceId', value: id })
  return id
}
