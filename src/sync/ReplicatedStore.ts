import Dexie, { type IndexableType, type Transaction } from 'dexie'
import * as Y from 'yjs'
import { QuotaExceededError } from '../core/errors'
import type { KeepsakeDB, ProblemRow, UpdateRow } from '../store/db'
import type { MessageBlockRow } from '../store/messageBlocks'
import { problemKey } from '../core/schema'
import { mapsOf, partOfDocName, SPACE_DOC, uidOfDocName, userDocName, type MapSpec, type TableName } from './layout'
import { SpaceView, UserView } from './schema/views'
import { checkFieldMap, checkStored } from './schema/check'
import { MessageBlockIndex } from './messageIndex'

import { LOCAL_ORIGIN, LOG_ORIGIN } from './origins'
export { LOCAL_ORIGIN, LOG_ORIGIN }

export interface CompactionPolicy {
  /** log entries written since the last snapshot */
  maxUpdates: number
  /** bytes written since the last snapshot */
  maxBytes: number
}

interface LoadedDoc {
  name: string
  doc: Y.Doc
  specs: Map<Y.AbstractType<unknown>, MapSpec>
  /** for a map projected in blocks: which records belong to which block */
  blocks: { spec: MapSpec; map: Y.Map<unknown>; index: MessageBlockIndex } | null
  /** highest log seq applied to `doc` */
  lastSeq: number
  /** entries and bytes written since the last snapshot (the snapshot itself is not counted) */
  tailCount: number
  tailBytes: number
  localUpdates: Uint8Array[]
  localChanges: Map<MapSpec, Set<string>>
  remoteUpdates: Uint8Array[]
  remoteChanges: Map<MapSpec, Set<string>>
  /** the bytes of a large update a provider is applying right now (see expectRemoteUpdate) */
  incoming: Uint8Array | null
  /** when a write or a load last used it (Date.now()): idle documents are released from memory */
  usedAt: number
  /** ids of the messages that local / remote transactions changed (for the change feed) */
  localMessages: Set<string>
  remoteMessages: Set<string>
  /** while another tab's log entries are applied: what they changed (for the change feed) */
  logChanges: { changes: Map<MapSpec, Set<string>>; messages: Set<string> } | null
  /** settles once the remote updates applied so far are stored (or their storing failed) */
  remoteStored: Promise<void>
  /** while a large update arrives in pieces (see receivePieces) */
  receiving: Receiving | null
}

/** A large update arriving in pieces: what was logged for it, and whether it can replace those entries at the end. */
interface Receiving {
  whole: Uint8Array
  /** the document held nothing when the pieces began */
  fromEmpty: boolean
  /** the pieces, as the provider hands them (ReplicatedStore.expectRemoteUpdate) */
  pieces: WeakSet<Uint8Array>
  /** the log entries that stored them */
  seqs: Set<number>
  /** a remote update that is not one of the pieces was stored with them */
  mixed: boolean
}

/** Where a change came from: this tab's write, another tab's write read from the log, or another device (sync). */
export type ChangeOrigin = 'local' | 'tab' | 'remote'

/** What one committed change touched: records of one table of one document. */
export interface StoreChange {
  /** the document's name (`space` or `user/<uid>`) */
  doc: string
  /** 'messageBlocks' for messages (reported per session, `ids` are message ids) */
  table: TableName
  /** the user whose document changed; null for the space document */
  uid: string | null
  /** the changed (or deleted) records' ids; the uid for a profile, 'space' for the settings */
  ids: string[]
  /** for messages: the session they belong to */
  sessionId?: string
  origin: ChangeOrigin
}

/** The change summary a tab posts on the store's channel after a commit. */
type ChangeSummary = Omit<StoreChange, 'origin'>

export interface StoreEvents {
  /** A document was loaded or reloaded (a provider should attach to the new Y.Doc). */
  onDocLoaded?(name: string, doc: Y.Doc): void
  /** A document was dropped from memory (closed, deleted, or reloaded after a failed write). */
  onDocUnloaded?(name: string): void
  /**
   * An update is safely in the log: a local write after its transaction committed, or another
   * tab's write read back from the log. Only such updates may leave the device.
   */
  onCommitted?(name: string, update: Uint8Array): void
  /** Rows were projected from a remote (sync) update. */
  onRemoteProjected?(name: string): void
  /**
   * A remote update could not be stored (QuotaExceededError when the device is full); the document
   * was dropped from memory and is reloaded from the log, so the update must come again.
   */
  onRemoteFailed?(name: string, error: unknown): void
  /**
   * Records changed, and the change is stored: one call per table (and per session for messages)
   * of each committed write ('local'), of another tab's write ('tab', also for documents this tab has
   * not loaded), of a sync update ('remote'), and of a document's deletion.
   */
  onChanged?(change: StoreChange): void
  /** Records were quarantined (failed their schema) or left the quarantine: re-read listProblems. */
  onProblemsChanged?(): void
}

/**
 * What a write sees: typed views of the documents it named (and only those). Synchronous by type:
 * a write is one Y transaction per document, done before its IndexedDB transaction commits.
 */
export interface WriteTx {
  /** The space document (settings, directory, parts); throws if the write did not name it. */
  readonly space: SpaceView
  /**
   * A user's records across the documents the write named: the user document and the parts
   * (docs/DESIGN.md, "History in parts"); reaching one it did not name throws.
   */
  user(uid: string): UserView
}

function writeTx(docs: { name: string; doc: Y.Doc }[]): WriteTx {
  const byName = new Map(docs.map((d) => [d.name, d.doc]))
  let space: SpaceView | undefined
  const spaceView = () => {
    const doc = byName.get(SPACE_DOC)
    if (!doc) throw new Error(`This write did not name the document ${SPACE_DOC}`)
    return (space ??= new SpaceView(doc))
  }
  const users = new Map<string, UserView>()
  return {
    get space() {
      return spaceView()
    },
    user(uid) {
      let u = users.get(uid)
      if (!u) {
        const parts = new Map<string, Y.Doc>()
        for (const [name, doc] of byName) {
          const key = partOfDocName(name)
          if (key && uidOfDocName(name) === uid) parts.set(key, doc)
        }
        users.set(uid, (u = new UserView({ uid, user: byName.get(userDocName(uid)), parts, space: spaceView })))
      }
      return u
    },
  }
}

/** The log moved under an optimistic write (another tab wrote): the write is tried again. */
class StaleWrite extends Error {}

function isQuotaError(e: unknown): boolean {
  const err = e as { name?: string; inner?: { name?: string }; message?: string }
  return err?.name === 'QuotaExceededError' || err?.inner?.name === 'QuotaExceededError' || /quota/i.test(err?.message ?? '')
}

/**
 * The replicated source of truth: one Y.Doc per replicated unit, persisted as an update log in
 * IndexedDB and projected into the Dexie read model.
 *
 * Every write is one Y transaction per document; its update and the rows it changes are written in
 * one IndexedDB transaction, so a crash leaves both or neither. Before writing, the loaded documents
 * apply every log entry they have not seen (the log's tail, read inside that same transaction), so a
 * tab never projects rows from a stale document over another tab's newer ones.
 */
export class ReplicatedStore {
  private readonly loaded = new Map<string, LoadedDoc>()
  /** keys of the `problems` table (quarantined records), read once and kept in step; null: read again */
  private problemKeys: Set<string> | null = null
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false
  private readonly listeners = new Set<StoreEvents>()
  /** documents a sync driver holds attached: never released as idle */
  private readonly pinned = new Set<string>()
  private idleTimer: ReturnType<typeof setInterval> | undefined
  /** How many optimistic writes found that another tab had written first, and were tried again. */
  staleRetries = 0
  /** Every loaded document has applied every log entry of its own up to this seq. */
  private globalSeq = 0
  /** Tells the other tabs of this database which documents a write changed, so they catch up. */
  private readonly channel: BroadcastChannel | null

  constructor(
    readonly db: KeepsakeDB,
    private readonly policy: CompactionPolicy = { maxUpdates: 500, maxBytes: 1024 * 1024 },
    /** clientId: where new documents take their Yjs client id from (default: Yjs's random one); a run that replays exactly (the sync fuzz) sets it */
    private readonly seams: { clientId?: () => number; releaseIdleAfterMs?: number } = {},
  ) {
    const idle = seams.releaseIdleAfterMs ?? RELEASE_IDLE_AFTER_MS
    if (idle > 0 && typeof setInterval !== 'undefined') this.idleTimer = setInterval(() => void this.releaseIdle(idle), Math.max(idle / 2, 10))
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`keepsake-store:${db.name}`)
    if (this.channel) this.channel.onmessage = (e: MessageEvent<{ docs?: string[]; changes?: ChangeSummary[] }>) => this.onTabMessage(e.data)
  }

  /** Listens to document loads, commits and remote projections (a sync provider does). Returns the unsubscribe. */
  listen(events: StoreEvents): () => void {
    this.listeners.add(events)
    return () => this.listeners.delete(events)
  }

  private emit<K extends keyof StoreEvents>(event: K, ...args: Parameters<NonNullable<StoreEvents[K]>>): void {
    for (const l of this.listeners) (l[event] as ((...a: unknown[]) => void) | undefined)?.(...args)
  }

  /** Applies the log entries other tabs wrote to the loaded documents (a sync provider then sends them on). */
  refresh(): Promise<void> {
    this.problemKeys = null // another tab may have reported or cleared problems
    if (!this.loaded.size || this.closed) return Promise.resolve()
    return this.serial(() => this.db.transaction('r', this.db.updates, () => this.catchUp([]))).then(
      () => undefined,
      () => undefined,
    )
  }

  private announce(docs: string[], changes: ChangeSummary[] = []): void {
    try {
      this.channel?.postMessage({ docs, changes })
    } catch {
      /* the channel is closed */
    }
  }

  /**
   * Another tab committed a write. Loaded documents catch up from the log, and the changes of the
   * applied entries are reported from their transactions (see apply); a document this tab has not
   * loaded has nothing to apply, so its changes are reported from the message's summary.
   */
  private onTabMessage(data: { docs?: string[]; changes?: ChangeSummary[] } | null): void {
    if (this.closed) return
    for (const c of data?.changes ?? []) if (!this.loaded.has(c.doc)) this.emitChange({ ...c, origin: 'tab' })
    void this.refresh()
  }

  private emitChange(change: StoreChange): void {
    try {
      this.emit('onChanged', change)
    } catch {
      /* a listener's failure is its own */
    }
  }

  /** Reports changes once the current IndexedDB transaction is out of the way (listeners read the tables). */
  private emitLater(changes: StoreChange[]): void {
    if (changes.length) setTimeout(() => {
      if (!this.closed) for (const c of changes) this.emitChange(c)
    }, 0)
  }

  /** Runs `task` after every write queued before it (one writer at a time per tab). */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task)
    this.queue = run.catch(() => undefined)
    return run
  }

  /**
   * Runs `mutate` on the named documents, brought up to date with the log, and stores the resulting
   * updates and projected rows in one IndexedDB transaction. `mutate` reaches the documents through
   * the typed views of its WriteTx (src/sync/schema/views.ts); it must check everything before it
   * changes a document (with `docs[i].transact(fn, LOCAL_ORIGIN)`): when it throws, nothing is stored.
   */
  write<T>(docNames: string[], mutate: (tx: WriteTx) => T, options: { tables?: TableName[] } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The store is closed'))
    // A hot path may name the only tables it changes: a smaller transaction scope is cheaper.
    // Writing outside it fails the whole transaction, so a wrong hint loses nothing.
    const scope = options.tables ? ['updates', 'problems', ...options.tables].map((t) => this.db.table(t)) : this.db.tables
    return this.serial(async () => {
      try {
        return await this.writeOnce(docNames, mutate, scope, true)
      } catch (e) {
        if (!(e instanceof StaleWrite)) throw e
        // another tab wrote since this one last looked: write again, after catching up
        this.staleRetries++
        return this.writeOnce(docNames, mutate, scope, false)
      }
    })
  }

  /**
   * One attempt at a write. Optimistic when every document is loaded: the log's tail is asked for in
   * the same breath as the write (IndexedDB answers requests in order, so the read sees the log as it
   * was before this write); if another tab wrote meanwhile, the transaction is aborted (StaleWrite)
   * and the caller tries again after catching up. That saves a round trip on every ordinary write.
   */
  private async writeOnce<T>(docNames: string[], mutate: (tx: WriteTx) => T, scope: Dexie.Table[], optimistic: boolean): Promise<T> {
    let result!: T
    let docs: LoadedDoc[] = []
    try {
      await this.db.transaction('rw', scope, async () => {
        // read before any projection is written, so that the documents' rows are written in the
        // order the write named them (a user document's deletes before a part's puts of the same
        // rows, when sessions move into parts)
        if (!this.problemKeys) this.problemKeys = new Set(await this.db.problems.toCollection().primaryKeys())
        if (optimistic && docNames.every((n) => this.loaded.has(n))) {
          const tail = this.db.updates.where(':id').above(this.globalSeq).toArray()
          // when mutate refuses (a typed error), the aborted read must not surface as unhandled
          tail.catch(() => undefined)
          docs = docNames.map((n) => this.loaded.get(n)!)
          const now = Date.now()
          for (const d of docs) d.usedAt = now
          result = mutate(writeTx(docs))
          const persisted = this.persistAll(docs)
          // (a refused write may reject before the tail is read: it is awaited below, not lost)
          persisted.catch(() => undefined)
          const rows = await tail
          if (rows.some((r) => this.loaded.has(r.doc))) {
            persisted.catch(() => undefined) // aborted with the transaction
            throw new StaleWrite()
          }
          // entries of documents not loaded here are read when those documents load
          for (const r of rows) this.globalSeq = Math.max(this.globalSeq, r.seq!)
          await persisted
        } else {
          docs = await this.catchUp(docNames)
          result = mutate(writeTx(docs))
          await this.persistAll(docs)
        }
      })
    } catch (e) {
      // A failed transaction may have changed documents in memory: reload them from the log.
      for (const d of docs) if (d.localUpdates.length) this.unload(d.name)
      this.problemKeys = null
      if (e instanceof StaleWrite) throw e
      throw isQuotaError(e) ? new QuotaExceededError() : e
    }
    const summary: ChangeSummary[] = []
    for (const d of docs) {
      for (const u of d.localUpdates) this.emit('onCommitted', d.name, u)
      summary.push(...summarize(d, d.localChanges, d.localMessages))
      d.localUpdates = []
      d.localChanges = new Map()
      d.localMessages = new Set()
    }
    for (const c of summary) this.emitChange({ ...c, origin: 'local' })
    this.announce(docNames, summary)
    await this.compactIfDue(docs)
    return result
  }

  /**
   * Persists the local changes of the documents in the order the write named them, one after the
   * other: a user document's projection (which may read rows first, see `persist`) is written before
   * a part's, so when sessions move into a part the part's rows are the ones that stay.
   */
  private async persistAll(docs: LoadedDoc[]): Promise<void> {
    const changed = docs.filter((d) => d.localUpdates.length)
    if (changed.length === 1) return this.persist(changed[0], changed[0].localUpdates, changed[0].localChanges)
    for (const d of changed) await this.persist(d, d.localUpdates, d.localChanges)
  }

  /**
   * A provider is about to apply `update` (its exact bytes, as received) to the named document in
   * this same task: the update is stored as it is instead of encoded again from the transaction.
   * Only the next remote transaction of the document takes it, and only within this task.
   */
  expectRemoteUpdate(name: string, update: Uint8Array): void {
    const d = this.loaded.get(name)
    if (!d) return
    d.receiving?.pieces.add(update)
    d.incoming = update
    queueMicrotask(() => {
      if (d.incoming === update) d.incoming = null
    })
  }

  /**
   * A provider is about to apply the large update `whole` in pieces, one per task (see
   * transport/hocuspocus.ts). `pieceApplied` settles once what was applied is stored, so each task
   * stores one piece. The document is not compacted meanwhile; at the end, a document that held
   * nothing before and received nothing else has its pieces' log entries replaced by `whole` itself
   * (the same state, and no encoding of a document of megabytes on the page's thread); any other
   * is compacted as usual.
   */
  receivePieces(name: string, whole: Uint8Array): { pieceApplied(): Promise<void>; finished(complete: boolean): void } {
    const d = this.loaded.get(name)
    if (!d || d.receiving) return { pieceApplied: () => Promise.resolve(), finished: () => undefined }
    const fromEmpty = d.lastSeq === 0 && d.doc.store.clients.size === 0 && !d.localUpdates.length && !d.remoteUpdates.length
    const r: Receiving = { whole, fromEmpty, pieces: new WeakSet(), seqs: new Set(), mixed: false }
    d.receiving = r
    return {
      pieceApplied: () => d.remoteStored,
      finished: (complete) => {
        if (d.receiving !== r) return
        d.receiving = null
        void this.serial(async () => {
          if (this.loaded.get(name) !== d) return
          if (complete && r.fromEmpty && !r.mixed && (await this.replaceWithWhole(d, r))) return
          await this.compactIfDue([d])
        }).catch(() => undefined)
      },
    }
  }

  /** Replaces a document's log entries with the whole update they stored in pieces, if they are all it has. */
  private replaceWithWhole(d: LoadedDoc, r: Receiving): Promise<boolean> {
    return this.db.transaction('rw', this.db.updates, async () => {
      const seqs = (await this.db.updates.where('[doc+seq]').between([d.name, Dexie.minKey], [d.name, Dexie.maxKey]).primaryKeys()) as number[]
      if (!seqs.length || seqs.some((seq) => !r.seqs.has(seq))) return false
      await this.db.updates.bulkDelete(seqs)
      d.lastSeq = await this.db.updates.add({ doc: d.name, data: r.whole, snapshot: true })
      this.globalSeq = Math.max(this.globalSeq, d.lastSeq)
      d.tailCount = 0
      d.tailBytes = 0
      return true
    })
  }

  /** The document, loaded from the log (for a sync provider to attach to, or for reads of Y state). */
  getDoc(name: string): Promise<Y.Doc> {
    return this.serial(async () => {
      const [d] = await this.db.transaction('r', this.db.updates, () => this.catchUp([name]))
      return d.doc
    })
  }

  /** Resolves when every write and remote update queued so far is stored. */
  flush(): Promise<void> {
    return new Promise<void>((r) => setTimeout(r, 0)).then(() => this.serial(async () => undefined))
  }

  /**
   * Drops documents from memory (they are read from the log again when next needed). The sync
   * driver detaches them (onDocUnloaded). Writes queued before this call are stored first.
   */
  release(names: string[]): Promise<void> {
    return this.serial(async () => {
      for (const n of names) this.unload(n)
    })
  }

  /** Keeps a document loaded while it is attached to sync (`pin`), or lets it be released when idle again. */
  pin(name: string, pinned: boolean): void {
    if (pinned) this.pinned.add(name)
    else this.pinned.delete(name)
  }

  /**
   * Releases the documents no write or load used for `idleMs`: a part of the history that was
   * written once after a reload does not stay in memory. The space document and pinned ones stay.
   */
  private releaseIdle(idleMs: number): Promise<void> {
    const cutoff = Date.now() - idleMs
    const idle = [...this.loaded.values()].filter((d) => d.name !== SPACE_DOC && !this.pinned.has(d.name) && d.usedAt < cutoff).map((d) => d.name)
    if (!idle.length) return Promise.resolve()
    return this.serial(async () => {
      // (checked again in the queue: a write may have used one meanwhile)
      for (const n of idle) {
        const d = this.loaded.get(n)
        if (d && d.usedAt < cutoff && !this.pinned.has(n) && !d.remoteUpdates.length) this.unload(n)
      }
    })
  }

  /** Names of documents currently loaded in memory. */
  loadedDocNames(): string[] {
    return [...this.loaded.keys()]
  }

  /** Names of every document that has entries in the log. */
  async storedDocNames(): Promise<string[]> {
    const names = new Set<string>()
    await this.db.updates.orderBy('[doc+seq]').eachUniqueKey((k) => names.add((k as [string, number])[0]))
    return [...names]
  }

  /**
   * Deletes a user's documents for good (the user document and every part of its history): their
   * log entries and every row projected from them, in one transaction that only deletes.
   */
  deleteUser(uid: string): Promise<void> {
    const name = userDocName(uid)
    return this.serial(async () => {
      try {
        await this.db.transaction('rw', this.db.tables, async () => {
          await this.db.updates.where('[doc+seq]').between([name, Dexie.minKey], [name, Dexie.maxKey]).delete()
          await this.db.updates.where('[doc+seq]').between([`${name}/`, Dexie.minKey], [`${name}/\uffff`, Dexie.maxKey]).delete()
          await this.db.deleteUserRows(uid)
        })
      } catch (e) {
        throw isQuotaError(e) ? new QuotaExceededError() : e
      }
      const names = [...this.loaded.keys()].filter((n) => uidOfDocName(n) === uid)
      for (const n of names) this.unload(n)
      const gone: ChangeSummary[] = [{ doc: name, table: 'users', uid, ids: [uid] }]
      for (const c of gone) this.emitChange({ ...c, origin: 'local' })
      this.announce([name, ...names], gone)
    })
  }

  /** Folds a document's log into one snapshot entry. */
  compact(name: string): Promise<void> {
    return this.serial(() => this.compactNow(name))
  }

  // ---- deleting on a full disk ----
  //
  // What Chromium's IndexedDB does at its quota (Chromium 150, measured in
  // tests/browser/fullDisk.disk.test.ts on a profile on disk, and with probes against a storage
  // bucket's quota): a transaction that puts or adds anything, even one byte, is aborted with
  // QuotaExceededError, also when the same transaction deletes far more than it adds; a transaction
  // that only deletes (or only reads) commits. Whether the room it frees can be used depends on the
  // value: a value over 64 KiB (Blink wraps it and the backend stores it in a file of its own) gives
  // its room back at once when it is deleted; smaller values live in the backend's LevelDB, where a
  // deletion writes a tombstone, so the usage that the quota is checked against does not drop (it
  // grows by the tombstones) until LevelDB compacts, at a time of the browser's choosing. Deleting
  // 600 KiB of 8 KiB rows, closing and waiting 4 s freed nothing; deleting one 66 KiB row let the
  // next adds in. (An incognito profile keeps IndexedDB in memory and frees nothing, either way.)
  //
  // A deletion still has to add: its Y update to the log (tens of bytes to a few hundred), the rows
  // it rewrites (a memory chain relinked) and the compaction's snapshot. So the store holds back
  // room for deletions: RESERVE_CHUNKS rows in `meta` of RESERVE_CHUNK_BYTES each (over the 64 KiB
  // line, so that deleting one frees its room), which no other write uses. A deletion refused for
  // quota frees one chunk in a delete-only transaction and makes its ordinary write (its Y update
  // and its projected rows in one transaction, as every write); refused again, it frees the next
  // chunk, until none is left. Then it compacts the changed documents so the deleted text leaves the
  // log (freeing more chunks if the compaction is refused), and puts back the chunks that fit. The
  // words deleted free no room of their own on Chromium, so on a disk that stays full each deletion
  // uses up to a chunk, and the reserve is whole again once the person (or the browser's compaction)
  // frees room: `ensureReserve` runs at each open and after each deletion. It is best effort: when
  // the usage stands further over the quota than the freed chunks are counted back (measured: 72 KB
  // to 0.8 MB over, all four chunks freed, still refused), the deletion is refused whole.
  //
  // Crash safety: each step is one IndexedDB transaction, and only the write changes documents; the
  // reserve is not part of any document. A crash after a chunk went and before the write leaves the
  // log and the projection as they were (the deletion did not happen, and says so by its error or by
  // not having returned); a crash after the write leaves the deletion whole, its log entries not yet
  // compacted (the next compaction folds them). Either way chunks are missing at worst, and
  // `ensureReserve` puts them back once there is room. A user's deletion adds one step, deleteDoc,
  // which only deletes; a crash before it leaves a tombstoned directory entry with its document
  // still in the log, which MemoryClient.finishInterruptedDeletes deletes at the next start.
  //
  // Limits, plainly: (1) the compaction after a deletion adds a snapshot of the whole document, so
  // on a full disk it fits only when the document's live part is smaller than the room the reserve
  // gives; otherwise the deletion still succeeds and is projected, and the deleted words stay in the
  // log's older entries until a later compaction finds room. (2) A database with no reserve left (a
  // disk that stayed full through four deletions, or one that filled up before it had a reserve)
  // refuses the deletion as before, with QuotaExceededError and nothing changed. (3) The reserve is
  // per database; another tab's write may take the room first. (4) In an incognito window the
  // reserve frees nothing (see above): a deletion at the quota is refused there.

  /**
   * Puts back the reserve's missing chunks while there is room. Never throws: the reserve is
   * housekeeping. Returns the bytes held.
   */
  ensureReserve(): Promise<number> {
    if (this.closed) return Promise.resolve(0)
    return this.serial(() => this.fillReserve()).catch(() => 0)
  }

  /** The reserve's chunks now held, and their bytes (for tests and diagnostics). */
  async reserveHeld(): Promise<{ chunks: number; bytes: number }> {
    const rows = await this.db.meta.bulkGet(RESERVE_KEYS)
    const held = rows.filter((r) => r?.value instanceof Uint8Array).map((r) => (r!.value as Uint8Array).byteLength)
    return { chunks: held.length, bytes: held.reduce((a, b) => a + b, 0) }
  }

  /**
   * Runs a deletion so that it succeeds on a full disk, then compacts `compact` (document names) so
   * the deleted content leaves the log. `run` makes one write through this store and must queue it at
   * once (call `write`, or a helper that does, before any await): a chunk of the reserve is freed
   * just before it in the same queue, so no other write of this tab takes the room first.
   */
  async deleting<T>(run: () => Promise<T>, compact: string[] = []): Promise<T> {
    let result: T
    try {
      try {
        result = await run()
      } catch (e) {
        if (!(e instanceof QuotaExceededError)) throw e
        result = await this.withReserve(run)
      }
      // stored; a compaction refused for quota is tried again with more of the reserve's room
      while (!(await this.serial(() => this.compactDocs(compact)))) {
        if (!(await this.serial(() => this.releaseChunk()))) break // none left: a later compaction folds it
      }
    } finally {
      // the chunks used (or freed for a deletion still refused) are put back where there is room
      await this.ensureReserve()
    }
    return result
  }

  /** Frees a chunk of the reserve and queues `run`'s write right behind it, until it is stored or no chunk is left. */
  private async withReserve<T>(run: () => Promise<T>): Promise<T> {
    for (;;) {
      const released = this.serial(() => this.releaseChunk())
      let written: Promise<T>
      try {
        written = run()
      } catch (e) {
        written = Promise.reject(e)
      }
      const [freed, outcome] = await Promise.allSettled([released, written])
      if (outcome.status === 'fulfilled') return outcome.value
      if (!(outcome.reason instanceof QuotaExceededError)) throw outcome.reason
      if (freed.status !== 'fulfilled' || !freed.value) throw outcome.reason // no chunk was left: refused as at first
    }
  }

  /** Compacts the named documents that are still in the log; false when one was refused for quota. */
  private async compactDocs(names: string[]): Promise<boolean> {
    let ok = true
    for (const name of names) {
      const stored = await this.db.updates.where('[doc+seq]').between([name, Dexie.minKey], [name, Dexie.maxKey]).count()
      if (stored < 2) continue // deleted, or one snapshot already
      try {
        await this.compactNow(name)
      } catch (e) {
        if (isQuotaError(e)) ok = false // housekeeping otherwise: the log stays as it was
      }
    }
    return ok
  }

  /** Keys of the reserve rows held, read without their values (4 x 80 KiB that no one needs to read). */
  private async heldReserveKeys(): Promise<Set<string>> {
    return new Set((await this.db.meta.where('key').anyOf([LEGACY_RESERVE_KEY, ...RESERVE_KEYS]).primaryKeys()) as string[])
  }

  /** Deletes one reserve row (an older database's single row first) in a transaction of its own that only deletes: it commits on a full disk. Returns whether one was held. */
  private async releaseChunk(): Promise<boolean> {
    const held = await this.heldReserveKeys()
    const key = [LEGACY_RESERVE_KEY, ...[...RESERVE_KEYS].reverse()].find((k) => held.has(k))
    if (key === undefined) return false
    await this.db.meta.delete(key)
    return true
  }

  private async fillReserve(): Promise<number> {
    const held = await this.heldReserveKeys()
    let chunks = 0
    for (const key of RESERVE_KEYS) {
      if (!held.has(key)) {
        try {
          await this.db.meta.put({ key, value: reserveBytes(RESERVE_CHUNK_BYTES) })
        } catch {
          break // no room for one (or no room at all): none for the next either
        }
      }
      chunks++
    }
    // an older database's single 64 KiB row goes once the whole reserve is held (it is room until then)
    if (chunks === RESERVE_CHUNKS && held.has(LEGACY_RESERVE_KEY)) await this.db.meta.delete(LEGACY_RESERVE_KEY)
    return chunks * RESERVE_CHUNK_BYTES
  }

  /** Compaction is housekeeping: a refusal (quota) leaves the log as it was and is retried later. */
  private async compactIfDue(docs: LoadedDoc[]): Promise<void> {
    for (const d of docs) {
      if (d.receiving) continue // compacted once its pieces are all in (see receivePieces)
      if (d.tailCount <= this.policy.maxUpdates && d.tailBytes <= this.policy.maxBytes) continue
      await this.compactNow(d.name).catch(() => undefined)
    }
  }

  private async compactNow(name: string): Promise<void> {
    await this.db.transaction('rw', this.db.updates, async () => {
      const [d] = await this.catchUp([name])
      const snapshot = Y.encodeStateAsUpdate(d.doc)
      await this.db.updates.where('[doc+seq]').between([name, Dexie.minKey], [name, d.lastSeq], true, true).delete()
      d.lastSeq = await this.db.updates.add({ doc: name, data: snapshot, snapshot: true })
      this.globalSeq = Math.max(this.globalSeq, d.lastSeq)
      d.tailCount = 0
      d.tailBytes = 0
    })
  }

  close(): void {
    this.closed = true
    if (this.idleTimer) clearInterval(this.idleTimer)
    this.channel?.close()
    for (const name of [...this.loaded.keys()]) this.unload(name)
  }

  private unload(name: string): void {
    const d = this.loaded.get(name)
    if (!d) return
    this.loaded.delete(name)
    this.emit('onDocUnloaded', name)
    d.doc.destroy()
  }

  /**
   * Loads the named documents that are not loaded yet, then applies to every loaded document the log
   * entries written since this tab last looked (one range read). Call inside a transaction.
   */
  private async catchUp(names: string[]): Promise<LoadedDoc[]> {
    if (!this.loaded.size) {
      // Nothing loaded: no document needs older entries, so the tail starts at the log's end.
      this.globalSeq = Math.max(this.globalSeq, Number((await this.db.updates.orderBy(':id').lastKey()) ?? 0))
    }
    const fresh: LoadedDoc[] = []
    for (const name of names) {
      if (this.loaded.has(name)) continue
      const d = this.createLoaded(name)
      this.loaded.set(name, d)
      fresh.push(d)
      const rows = await this.db.updates.where('[doc+seq]').between([name, Dexie.minKey], [name, Dexie.maxKey]).toArray()
      this.apply(d, rows, false)
    }
    const tail: UpdateRow[] = await this.db.updates.where(':id').above(this.globalSeq).toArray()
    const byDoc = new Map<string, UpdateRow[]>()
    for (const r of tail) {
      this.globalSeq = Math.max(this.globalSeq, r.seq!)
      const d = this.loaded.get(r.doc)
      if (!d || r.seq! <= d.lastSeq) continue
      const list = byDoc.get(r.doc)
      if (list) list.push(r)
      else byDoc.set(r.doc, [r])
    }
    for (const [name, rows] of byDoc) this.apply(this.loaded.get(name)!, rows, true)
    for (const d of fresh) this.emit('onDocLoaded', d.name, d.doc)
    const now = Date.now()
    return names.map((n) => {
      const d = this.loaded.get(n)!
      d.usedAt = now
      return d
    })
  }

  /** Applies log entries to a document; `report`: they are another tab's news (not a first load), reported as 'tab' changes. */
  private apply(d: LoadedDoc, rows: UpdateRow[], report: boolean): void {
    if (!rows.length) return
    const merged = rows.length === 1 ? rows[0].data : Y.mergeUpdates(rows.map((r) => r.data))
    if (report) d.logChanges = { changes: new Map(), messages: new Set() }
    try {
      Y.applyUpdate(d.doc, merged, LOG_ORIGIN)
    } finally {
      const seen = d.logChanges
      d.logChanges = null
      if (seen) this.emitLater(summarize(d, seen.changes, seen.messages).map((c) => ({ ...c, origin: 'tab' as const })))
    }
    d.lastSeq = Math.max(d.lastSeq, rows[rows.length - 1].seq!)
    for (const r of rows) {
      if (r.snapshot) {
        d.tailCount = 0
        d.tailBytes = 0
      } else {
        d.tailCount++
        d.tailBytes += r.data.byteLength
      }
    }
  }

  private createLoaded(name: string): LoadedDoc {
    const doc = new Y.Doc({ gc: true })
    if (this.seams.clientId) doc.clientID = this.seams.clientId()
    const specs = new Map<Y.AbstractType<unknown>, MapSpec>()
    let blocks: LoadedDoc['blocks'] = null
    for (const spec of mapsOf(name)) {
      const map = doc.getMap(spec.ymap)
      specs.set(map as Y.AbstractType<unknown>, spec)
      if (spec.shape === 'blocks') {
        const uid = uidOfDocName(name)
        const check = (id: string, value: unknown) => {
          const r = checkStored(spec, id, value, uid)
          return r.ok ? null : r.problem
        }
        blocks = { spec, map, index: new MessageBlockIndex(map, check) }
      }
    }
    const d: LoadedDoc = { name, doc, specs, blocks, lastSeq: 0, tailCount: 0, tailBytes: 0, localUpdates: [], localChanges: new Map(), remoteUpdates: [], remoteChanges: new Map(), incoming: null, usedAt: Date.now(), localMessages: new Set(), remoteMessages: new Set(), logChanges: null, remoteStored: Promise.resolve(), receiving: null }
    const remote = (update: Uint8Array) => {
      d.remoteUpdates.push(update)
      if (d.receiving && !d.receiving.pieces.has(update)) d.receiving.mixed = true
      if (d.remoteUpdates.length === 1) d.remoteStored = new Promise((resolve) => queueMicrotask(() => void this.flushRemote(d).then(resolve)))
    }
    const onUpdate = (update: Uint8Array, origin: unknown) => {
      if (origin === LOG_ORIGIN) this.emit('onCommitted', name, update)
      else if (origin === LOCAL_ORIGIN) d.localUpdates.push(update)
      else remote(update)
    }
    doc.on('update', onUpdate)
    // A large update from the wire is stored as it came: Yjs would otherwise encode the applied
    // transaction again for the 'update' event (a third of the apply's cost), so the listener is
    // off for that one transaction and back on for the next.
    let wire: Uint8Array | null = null
    doc.on('beforeTransaction', (tr: Y.Transaction) => {
      doc.on('update', onUpdate)
      // (not while Yjs holds pending parts of earlier updates: this transaction would apply them
      // too, and only the encoded transaction carries them)
      const pending = doc.store.pendingStructs !== null || doc.store.pendingDs !== null
      if (d.incoming && !pending && tr.origin !== LOCAL_ORIGIN && tr.origin !== LOG_ORIGIN) {
        wire = d.incoming
        d.incoming = null
        doc.off('update', onUpdate)
      }
    })
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (wire) {
        remote(wire)
        wire = null
        queueMicrotask(() => doc.on('update', onUpdate))
      }
      // the block index follows every transaction, including the log's
      const changedKeys = blocks && tr.changed.get(blocks.map as never)
      const touched = changedKeys ? blocks!.index.update(changedKeys) : null
      if (tr.origin === LOG_ORIGIN && !d.logChanges) return
      const into = tr.origin === LOG_ORIGIN ? d.logChanges!.changes : tr.origin === LOCAL_ORIGIN ? d.localChanges : d.remoteChanges
      collectChanges(d, tr, into)
      if (touched?.size) {
        let set = into.get(blocks!.spec)
        if (!set) into.set(blocks!.spec, (set = new Set()))
        for (const k of touched) set.add(k)
        const messages = tr.origin === LOG_ORIGIN ? d.logChanges!.messages : tr.origin === LOCAL_ORIGIN ? d.localMessages : d.remoteMessages
        for (const k of changedKeys!) if (k !== null) messages.add(k)
      }
    })
    return d
  }

  /**
   * The tables a document's projection writes (its log, the quarantine, the tables of its maps): a
   * transaction over these only leaves reads of the other tables free to run meanwhile (a new
   * device shows the profile while the parts of the history are still being stored).
   */
  private scopeOf(name: string): Dexie.Table[] {
    return [...new Set(['updates', 'problems', ...mapsOf(name).map((s) => s.table)])].map((t) => this.db.table(t))
  }

  /**
   * Stores updates a provider applied to a document (from another device), with their projection.
   * If that fails, the document is reloaded from the log; the provider's next sync step brings the
   * update again, so nothing is lost and nothing is held only in memory.
   */
  private flushRemote(d: LoadedDoc): Promise<void> {
    return this.serial(async () => {
      if (this.loaded.get(d.name) !== d || !d.remoteUpdates.length) return
      const updates = d.remoteUpdates
      const changes = d.remoteChanges
      const messages = d.remoteMessages
      d.remoteUpdates = []
      d.remoteChanges = new Map()
      d.remoteMessages = new Set()
      try {
        await this.db.transaction('rw', this.scopeOf(d.name), async () => {
          await this.catchUp([d.name])
          // A document with no log entry yet (a new device receiving it) holds only these updates:
          // their merge is the whole document, a snapshot, so no compaction has to follow.
          await this.persist(d, updates, changes, d.lastSeq === 0)
          d.receiving?.seqs.add(d.lastSeq)
        })
      } catch (e) {
        this.emit('onRemoteFailed', d.name, isQuotaError(e) ? new QuotaExceededError() : e)
        this.problemKeys = null
        this.unload(d.name)
        return
      }
      this.emit('onRemoteProjected', d.name)
      const summary = summarize(d, changes, messages)
      for (const c of summary) this.emitChange({ ...c, origin: 'remote' })
      this.announce([d.name], summary)
      await this.compactIfDue([d])
    }).catch(() => undefined)
  }

  /**
   * Appends the updates to the log and writes the projected rows of every changed record. The
   * requests are issued together and awaited once: IndexedDB runs them in order within the
   * transaction, and not waiting between them saves a round trip each.
   */
  private async persist(d: LoadedDoc, updates: Uint8Array[], changes: Map<MapSpec, Set<string>>, snapshot = false): Promise<void> {
    if (!updates.length) return
    const data = updates.length === 1 ? updates[0] : Y.mergeUpdates(updates)
    const uid = uidOfDocName(d.name)
    const part = partOfDocName(d.name)
    const logged = this.db.updates.add(snapshot ? { doc: d.name, data, snapshot } : { doc: d.name, data })
    const writes: Promise<unknown>[] = [logged]
    const known = this.problemKeys ?? (this.problemKeys = new Set(await this.db.problems.toCollection().primaryKeys()))
    const problems = new Quarantine(d.name, known)
    for (const [spec, ids] of changes) {
      const table = this.db.table(spec.table)
      const ymap = d.doc.getMap(spec.ymap)
      if (spec.shape === 'fields') {
        // checked field by field: a bad field takes its default and is reported (src/core/schema.ts)
        const { row, problems: wrong } = checkFieldMap(spec, ymap)
        const id = spec.table === 'settings' ? 'space' : uid!
        problems.set(spec, id, wrong.length ? wrong.join('; ') : null)
        if (spec.table === 'settings') writes.push(table.put({ ...row, key: 'space' }))
        else if (ymap.size === 0) writes.push(table.delete(uid!))
        else writes.push(table.put({ ...row, uid }))
        continue
      }
      const puts: object[] = []
      const dels: IndexableType[] = []
      if (spec.shape === 'blocks') {
        // `ids` are block keys: each changed block is rebuilt from the document
        for (const key of ids) {
          const row = d.blocks!.index.row(key, uid!)
          if (Array.isArray(row)) dels.push(row)
          else puts.push(part ? { ...row, part } : row)
        }
      } else {
        for (const id of ids) {
          const raw = ymap.get(id)
          const rec = raw === undefined ? undefined : checkStored(spec, id, raw, uid)
          if (rec === undefined || !rec.ok) dels.push(id) // a record that fails is not projected
          else puts.push(projectRow(spec, id, rec.value, uid, part))
          problems.set(spec, id, rec && !rec.ok ? rec.problem : null)
        }
      }
      if (uid && !part && (spec.table === 'sessions' || spec.shape === 'blocks') && (puts.length || dels.length)) {
        await keepPartRows(table, spec, puts, dels, problems)
      }
      if (puts.length) writes.push(putAll(table, puts))
      if (dels.length) writes.push(table.bulkDelete(dels))
    }
    // messages that fail their schema are in no block, so no block changed for them: the index names them
    if (d.blocks) for (const id of d.blocks.index.drainChecked()) problems.set(d.blocks.spec, id, d.blocks.index.invalid.get(id) ?? null)
    writes.push(...problems.writes(this.db))
    await Promise.all(writes)
    if (problems.changed) setTimeout(() => this.emit('onProblemsChanged'), 0)
    d.lastSeq = await logged
    this.globalSeq = Math.max(this.globalSeq, d.lastSeq)
    if (snapshot) {
      d.tailCount = 0
      d.tailBytes = 0
    } else {
      d.tailCount++
      d.tailBytes += data.byteLength
    }
  }
}

/**
 * How long a document no write used stays in memory (a part of the history written once after a
 * reload, the user document after processing): then it is released, and read from the log when
 * needed again (a month's part loads in tens of milliseconds).
 */
export const RELEASE_IDLE_AFTER_MS = 60_000

/**
 * Room held back for deletions on a full disk (see ReplicatedStore.deleting): chunks in `meta`.
 * One chunk is far more than a deletion writes (tests/browser/fullDisk.disk.test.ts prints what each
 * kind wrote: hundreds of bytes, and a compaction snapshot of kilobytes); each is over the 64 KiB
 * at which Chromium stores a value in a file of its own, the only kind whose deletion frees room
 * at once. 4 x 80 KiB = 320 KiB held.
 */
export const RESERVE_CHUNK_BYTES = 80 * 1024
export const RESERVE_CHUNKS = 4
export const RESERVE_KEYS = Array.from({ length: RESERVE_CHUNKS }, (_, i) => `deletionReserve.${i}`)
/** The single reserve row of a database written before the reserve came in chunks. */
const LEGACY_RESERVE_KEY = 'deletionReserve'

/**
 * The reserve's bytes: always the same (a database holds the same bytes after the reserve is put
 * back), pseudo-random (IndexedDB compresses values: a run of zeros would hold back no room), and
 * every byte has its high bit set, so no part of them reads as ASCII text in a scan of the disk.
 */
function reserveBytes(n: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = 0x9e3779b9
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = (x & 0x7f) | 0x80
  }
  return out
}

/**
 * What one projection changes in the quarantine: records that fail their schema are reported, and
 * those that pass again (or are gone) leave it. `known` (the table's keys) saves a delete per record.
 */
class Quarantine {
  private readonly puts: ProblemRow[] = []
  private readonly dels: string[] = []
  private readonly seenAt = new Date().toISOString()
  constructor(
    private readonly doc: string,
    private readonly known: Set<string>,
  ) {}

  get changed(): boolean {
    return this.puts.length + this.dels.length > 0
  }

  /** Records the problem of a record (null: it has none); the last call for a record wins. */
  set(spec: MapSpec, recordId: string, problem: string | null): void {
    const key = problemKey(this.doc, spec.ymap, recordId)
    if (problem === null) {
      if (this.known.delete(key)) this.dels.push(key)
      return
    }
    const del = this.dels.indexOf(key)
    if (del >= 0) this.dels.splice(del, 1)
    this.known.add(key)
    this.puts.push({ key, doc: this.doc, ymap: spec.ymap, kind: spec.kind, recordId, problem, seenAt: this.seenAt })
  }

  writes(db: KeepsakeDB): Promise<unknown>[] {
    const out: Promise<unknown>[] = []
    if (this.puts.length) out.push(db.problems.bulkPut(this.puts))
    if (this.dels.length) out.push(db.problems.bulkDelete(this.dels))
    return out
  }
}

/**
 * A user document's sessions and messages from before the split never override a part's: the rows
 * a part projected (they carry `part`) are neither rewritten nor deleted from the user document.
 * That keeps the move into parts right in any order of arrival (another device's move: the part may
 * arrive before the user document's deletions), and a peer that writes a session or message into
 * the user document for one that lives in a part changes nothing shown (a session is reported).
 * Filters `puts` and `dels` in place.
 */
async function keepPartRows(table: Dexie.Table, spec: MapSpec, puts: object[], dels: IndexableType[], problems: Quarantine): Promise<void> {
  const keyOf = (r: object): IndexableType => (spec.shape === 'blocks' ? [(r as MessageBlockRow).sessionId, (r as MessageBlockRow).block] : (r as Record<string, string>)[spec.idField])
  const putKeys = puts.map(keyOf)
  const existing = (await table.bulkGet([...putKeys, ...dels])) as ({ part?: string } | undefined)[]
  const owned = (i: number) => !!existing[i]?.part
  const keptPuts = puts.filter((r, i) => {
    if (!owned(i)) return true
    if (spec.table === 'sessions') problems.set(spec, String(putKeys[i]), 'this session is in a part of the history; an older copy in the user document is not shown')
    return false
  })
  const keptDels = dels.filter((_, i) => !owned(puts.length + i))
  puts.splice(0, puts.length, ...keptPuts)
  dels.splice(0, dels.length, ...keptDels)
}

/** Batches at least this large skip Dexie's per-row work (see putAll). */
const RAW_PUT_MIN = 256

/**
 * Puts rows in the current transaction. A large batch (a new device receiving a space) goes straight
 * to IndexedDB: Dexie's per-row middleware costs about a third more, and nothing here observes it
 * (no hooks, no liveQuery). A failed request fails the whole transaction either way.
 */
function putAll(table: Dexie.Table, rows: object[]): Promise<unknown> {
  const tx = Dexie.currentTransaction as (Transaction & { idbtrans?: IDBTransaction }) | null
  if (rows.length < RAW_PUT_MIN || !tx?.idbtrans) return table.bulkPut(rows)
  const store = tx.idbtrans.objectStore(table.name)
  return new Promise((resolve, reject) => {
    let last!: IDBRequest
    for (const row of rows) last = store.put(row)
    last.onsuccess = () => resolve(undefined)
    last.onerror = () => reject(last.error)
  })
}

function projectRow(spec: MapSpec, id: string, rec: Record<string, unknown>, uid: string | null, part: string | null): object {
  const row: Record<string, unknown> = { ...rec, [spec.idField]: id }
  for (const f of spec.unprojected ?? []) delete row[f]
  if (uid) row.uid = uid
  // where the record lives (a session's part), never what the record says of itself
  if (spec.table === 'sessions') {
    if (part) row.part = part
    else delete row.part
  }
  return row
}

/**
 * The change feed's view of a document's changes: one entry per table, and per session for messages
 * (block keys name their session; `messages` are the changed message ids, those still present
 * named under their session).
 */
function summarize(d: LoadedDoc, changes: Map<MapSpec, Set<string>>, messages: Set<string>): ChangeSummary[] {
  const uid = uidOfDocName(d.name)
  const out: ChangeSummary[] = []
  for (const [spec, ids] of changes) {
    if (!ids.size) continue
    if (spec.shape === 'fields') {
      out.push({ doc: d.name, table: spec.table, uid, ids: [uid ?? 'space'] })
    } else if (spec.shape === 'blocks') {
      const bySession = new Map<string, string[]>()
      for (const key of ids) bySession.set(key.slice(0, key.lastIndexOf('\u0000')), [])
      const map = d.blocks!.map
      for (const id of messages) {
        const value = map.get(id) as { sessionId?: unknown } | undefined
        const list = value && typeof value.sessionId === 'string' ? bySession.get(value.sessionId) : undefined
        list?.push(id)
      }
      for (const [sessionId, list] of bySession) out.push({ doc: d.name, table: spec.table, uid, ids: list, sessionId })
    } else {
      out.push({ doc: d.name, table: spec.table, uid, ids: [...ids] })
    }
  }
  return out
}

function collectChanges(d: LoadedDoc, tr: Y.Transaction, into: Map<MapSpec, Set<string>>): void {
  const add = (spec: MapSpec, id: string) => {
    let s = into.get(spec)
    if (!s) into.set(spec, (s = new Set()))
    s.add(id)
  }
  for (const [type, keys] of tr.changed) {
    const top = d.specs.get(type as Y.AbstractType<unknown>)
    if (top) {
      if (top.shape === 'blocks') continue // the block index names the changed blocks
      if (top.shape === 'fields') add(top, '')
      else for (const k of keys) if (k !== null) add(top, k)
      continue
    }
    // a nested record map: its key in the top-level map names the record
    const item = type._item
    const parent = item?.parent as Y.AbstractType<unknown> | undefined
    const spec = parent ? d.specs.get(parent) : undefined
    if (!spec || !item?.parentSub) continue
    const hidden = spec.unprojected
    if (hidden && [...keys].every((k) => k !== null && hidden.includes(k))) continue // the row would not change
    add(spec, spec.shape === 'fields' ? '' : item.parentSub)
  }
}
