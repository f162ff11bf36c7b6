import Dexie from 'dexie'
import * as Y from 'yjs'
import { QuotaExceededError } from '../core/errors'
import type { KeepsakeDB, UpdateRow } from '../store/db'
import { mapsOf, PRIMARY_KEY, readRecord, uidOfDocName, type MapSpec, type TableName } from './layout'

/** Origin of transactions made by this tab's own writes. */
export const LOCAL_ORIGIN = Symbol('keepsake:local')
/** Origin of updates read back from the IndexedDB log (written by this or another tab). */
export const LOG_ORIGIN = Symbol('keepsake:log')

export interface CompactionPolicy {
  maxUpdates: number
  maxBytes: number
}

interface LoadedDoc {
  name: string
  doc: Y.Doc
  specs: Map<Y.AbstractType<unknown>, MapSpec>
  /** highest log seq applied to `doc` */
  lastSeq: number
  logCount: number
  logBytes: number
  localUpdates: Uint8Array[]
  localChanges: Map<MapSpec, Set<string>>
  remoteUpdates: Uint8Array[]
  remoteChanges: Map<MapSpec, Set<string>>
}

export interface StoreEvents {
  /** A document was loaded or reloaded (a provider should attach to the new Y.Doc). */
  onDocLoaded?(name: string, doc: Y.Doc): void
  /** A document was dropped from memory (closed, deleted, or reloaded after a failed write). */
  onDocUnloaded?(name: string): void
  /** Rows were projected from a remote (sync) update. */
  onRemoteProjected?(name: string): void
}

function isQuotaError(e: unknown): boolean {
  const err = e as { name?: string; inner?: { name?: string }; message?: string }
  return (
    err?.name === 'QuotaExceededError' ||
    err?.inner?.name === 'QuotaExceededError' ||
    /quota/i.test(err?.message ?? '')
  )
}

/**
 * The replicated source of truth: one Y.Doc per replicated unit, persisted as an update log in
 * IndexedDB and projected into the Dexie read model.
 *
 * Every write is one Y transaction per document; its update and the rows it changes are written in
 * one IndexedDB transaction, so a crash leaves both or neither. Before writing, a document applies
 * every log entry it has not seen (the log's tail, read inside that same transaction), so a tab never
 * projects rows from a stale document over another tab's newer ones.
 */
export class ReplicatedStore {
  private readonly loaded = new Map<string, LoadedDoc>()
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false
  private readonly listeners = new Set<StoreEvents>()
  /** Tells the other tabs of this database which documents a write changed, so they catch up. */
  private readonly channel: BroadcastChannel | null

  constructor(
    readonly db: KeepsakeDB,
    private readonly policy: CompactionPolicy = { maxUpdates: 500, maxBytes: 1024 * 1024 },
  ) {
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`keepsake-store:${db.name}`)
    if (this.channel) this.channel.onmessage = (e: MessageEvent<{ docs: string[] }>) => void this.refresh(e.data.docs)
  }

  /** Listens to document loads and remote projections (a sync provider does). Returns the unsubscribe. */
  listen(events: StoreEvents): () => void {
    this.listeners.add(events)
    return () => this.listeners.delete(events)
  }

  /**
   * Applies the log entries other tabs wrote to the loaded documents among `docs` (all loaded ones
   * when omitted). A sync provider attached to them then sends those changes on.
   */
  refresh(docs?: string[]): Promise<void> {
    const names = (docs ?? this.loadedDocNames()).filter((n) => this.loaded.has(n))
    if (!names.length || this.closed) return Promise.resolve()
    return this.serial(async () => {
      await this.db.transaction('r', this.db.updates, async () => {
        for (const n of names) if (this.loaded.has(n)) await this.catchUp(n)
      })
    }).catch(() => undefined)
  }

  private announce(docs: string[]): void {
    try {
      this.channel?.postMessage({ docs })
    } catch {
      /* the channel is closed */
    }
  }

  /** Runs `task` after every write queued before it (one writer at a time per tab). */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task)
    this.queue = run.catch(() => undefined)
    return run
  }

  private get allTables() {
    return this.db.tables
  }

  /**
   * Runs `mutate` on the named documents, brought up to date with the log, and stores the resulting
   * updates and projected rows in one IndexedDB transaction. `mutate` must check everything before it
   * changes a document: when it throws, nothing is stored. It may use `docs[i].transact(fn, LOCAL_ORIGIN)`
   * or the `transact` helper given to it.
   */
  write<T>(docNames: string[], mutate: (docs: Y.Doc[]) => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The store is closed'))
    return this.serial(async () => {
      let result!: T
      const touched: LoadedDoc[] = []
      try {
        await this.db.transaction('rw', this.allTables, async () => {
          const docs: LoadedDoc[] = []
          for (const name of docNames) docs.push(await this.catchUp(name))
          touched.push(...docs)
          result = mutate(docs.map((d) => d.doc))
          for (const d of docs) await this.persist(d, d.localUpdates, d.localChanges)
        })
      } catch (e) {
        // A failed transaction may have changed documents in memory: reload them from the log.
        for (const d of touched) if (d.localUpdates.length) this.unload(d.name)
        if (isQuotaError(e)) throw new QuotaExceededError()
        throw e
      }
      for (const d of touched) {
        d.localUpdates = []
        d.localChanges = new Map()
        if (d.logCount > this.policy.maxUpdates || d.logBytes > this.policy.maxBytes) await this.compactNow(d.name)
      }
      this.announce(docNames)
      return result
    })
  }

  /** The document, loaded from the log (for a sync provider to attach to, or for reads of Y state). */
  getDoc(name: string): Promise<Y.Doc> {
    return this.serial(async () => {
      const d = await this.db.transaction('r', this.db.updates, () => this.catchUp(name))
      return d.doc
    })
  }

  /** Resolves when every write and remote update queued so far is stored. */
  flush(): Promise<void> {
    return new Promise<void>((r) => setTimeout(r, 0)).then(() => this.serial(async () => undefined))
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
   * Deletes a document for good: its log entries and every row projected from it, in the same
   * IndexedDB transaction as `mutate` on the other named documents.
   */
  deleteDocWith(docName: string, otherDocs: string[], mutate: (docs: Y.Doc[]) => void): Promise<void> {
    return this.serial(async () => {
      const touched: LoadedDoc[] = []
      try {
        await this.db.transaction('rw', this.allTables, async () => {
          const docs: LoadedDoc[] = []
          for (const name of otherDocs) docs.push(await this.catchUp(name))
          touched.push(...docs)
          mutate(docs.map((d) => d.doc))
          for (const d of docs) await this.persist(d, d.localUpdates, d.localChanges)
          await this.db.updates.where('[doc+seq]').between([docName, Dexie.minKey], [docName, Dexie.maxKey]).delete()
          const uid = uidOfDocName(docName)
          if (uid) await this.db.deleteUserRows(uid)
        })
      } catch (e) {
        for (const d of touched) if (d.localUpdates.length) this.unload(d.name)
        if (isQuotaError(e)) throw new QuotaExceededError()
        throw e
      }
      for (const d of touched) {
        d.localUpdates = []
        d.localChanges = new Map()
      }
      this.unload(docName)
      this.announce([...otherDocs, docName])
    })
  }

  /** Folds a document's log into one snapshot entry. */
  compact(name: string): Promise<void> {
    return this.serial(() => this.compactNow(name))
  }

  private async compactNow(name: string): Promise<void> {
    await this.db.transaction('rw', this.db.updates, async () => {
      const d = await this.catchUp(name)
      const snapshot = Y.encodeStateAsUpdate(d.doc)
      await this.db.updates.where('[doc+seq]').between([name, Dexie.minKey], [name, d.lastSeq], true, true).delete()
      d.lastSeq = await this.db.updates.add({ doc: name, data: snapshot, snapshot: true })
      d.logCount = 1
      d.logBytes = snapshot.byteLength
    })
  }

  close(): void {
    this.closed = true
    this.channel?.close()
    for (const name of [...this.loaded.keys()]) this.unload(name)
  }

  private unload(name: string): void {
    const d = this.loaded.get(name)
    if (!d) return
    this.loaded.delete(name)
    for (const l of this.listeners) l.onDocUnloaded?.(name)
    d.doc.destroy()
  }

  /** Loads the document or applies the log entries it has not seen yet. Call inside a transaction. */
  private async catchUp(name: string): Promise<LoadedDoc> {
    let d = this.loaded.get(name)
    const fresh = !d
    if (!d) {
      d = this.createLoaded(name)
      this.loaded.set(name, d)
    }
    const tail: UpdateRow[] = await this.db.updates
      .where('[doc+seq]')
      .between([name, d.lastSeq + 1], [name, Dexie.maxKey])
      .toArray()
    if (tail.length) {
      const merged = tail.length === 1 ? tail[0].data : Y.mergeUpdates(tail.map((r) => r.data))
      Y.applyUpdate(d.doc, merged, LOG_ORIGIN)
      d.lastSeq = tail[tail.length - 1].seq!
      d.logCount += tail.length
      for (const r of tail) d.logBytes += r.data.byteLength
    }
    if (fresh) for (const l of this.listeners) l.onDocLoaded?.(name, d.doc)
    return d
  }

  private createLoaded(name: string): LoadedDoc {
    const doc = new Y.Doc({ gc: true })
    const specs = new Map<Y.AbstractType<unknown>, MapSpec>()
    for (const spec of mapsOf(name)) specs.set(doc.getMap(spec.ymap) as Y.AbstractType<unknown>, spec)
    const d: LoadedDoc = {
      name,
      doc,
      specs,
      lastSeq: 0,
      logCount: 0,
      logBytes: 0,
      localUpdates: [],
      localChanges: new Map(),
      remoteUpdates: [],
      remoteChanges: new Map(),
    }
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === LOG_ORIGIN) return
      if (origin === LOCAL_ORIGIN) d.localUpdates.push(update)
      else {
        d.remoteUpdates.push(update)
        if (d.remoteUpdates.length === 1) queueMicrotask(() => void this.flushRemote(d))
      }
    })
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (tr.origin === LOG_ORIGIN) return
      const into = tr.origin === LOCAL_ORIGIN ? d.localChanges : d.remoteChanges
      collectChanges(d, tr, into)
    })
    return d
  }

  /** Stores updates a provider applied to a document (from another device), with their projection. */
  private flushRemote(d: LoadedDoc): Promise<void> {
    return this.serial(async () => {
      if (this.loaded.get(d.name) !== d || !d.remoteUpdates.length) return
      const updates = d.remoteUpdates
      const changes = d.remoteChanges
      d.remoteUpdates = []
      d.remoteChanges = new Map()
      await this.db.transaction('rw', this.allTables, async () => {
        await this.catchUp(d.name)
        await this.persist(d, updates, changes)
      })
      for (const l of this.listeners) l.onRemoteProjected?.(d.name)
      this.announce([d.name])
      if (d.logCount > this.policy.maxUpdates || d.logBytes > this.policy.maxBytes) await this.compactNow(d.name)
    })
  }

  /** Appends the updates to the log and writes the projected rows of every changed record. */
  private async persist(d: LoadedDoc, updates: Uint8Array[], changes: Map<MapSpec, Set<string>>): Promise<void> {
    if (!updates.length) return
    const data = updates.length === 1 ? updates[0] : Y.mergeUpdates(updates)
    d.lastSeq = await this.db.updates.add({ doc: d.name, data })
    d.logCount++
    d.logBytes += data.byteLength
    const uid = uidOfDocName(d.name)
    for (const [spec, ids] of changes) {
      const table = this.db.table(spec.table)
      const ymap = d.doc.getMap(spec.ymap)
      if (spec.shape === 'fields') {
        const fields = ymap.toJSON()
        if (spec.table === 'settings') await table.put({ ...fields, key: 'space' })
        else if (Object.keys(fields).length === 0) await table.delete(uid!)
        else await table.put({ ...fields, uid })
        continue
      }
      const puts: object[] = []
      const dels: string[] = []
      for (const id of ids) {
        const rec = readRecord<Record<string, unknown>>(ymap.get(id))
        if (rec === undefined) dels.push(id)
        else puts.push(projectRow(spec.table, id, rec, uid))
      }
      if (puts.length) await table.bulkPut(puts)
      if (dels.length) await table.bulkDelete(dels)
    }
  }
}

function projectRow(table: TableName, id: string, rec: Record<string, unknown>, uid: string | null): object {
  const row: Record<string, unknown> = { ...rec, [PRIMARY_KEY[table]]: id }
  if (uid) row.uid = uid
  return row
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
      if (top.shape === 'fields') add(top, '')
      else for (const k of keys) if (k !== null) add(top, k)
      continue
    }
    // a nested record map: its key in the top-level map names the record
    const item = type._item
    const parent = item?.parent as Y.AbstractType<unknown> | undefined
    const spec = parent ? d.specs.get(parent) : undefined
    if (spec && item?.parentSub) add(spec, spec.shape === 'fields' ? '' : item.parentSub)
  }
}
