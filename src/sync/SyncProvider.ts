import type * as Y from 'yjs'
import { QuotaExceededError, SyncError } from '../core/errors'
import { isValidSpaceId, isWellFormedSecret } from '../core/spaceToken'
import { partOfDocName, PARTS_YMAP, SPACE_DOC, TOMBSTONES_YMAP, uidOfDocName, userDocName } from './layout'
import type { ReplicatedStore } from './ReplicatedStore'
import { directoryRules } from './transport/directory'
import type { SyncTransport } from './transport/types'

export { largeSyncUpdate } from './transport/hocuspocus'

export interface SyncConfig {
  /** The sync server's WebSocket URL, e.g. ws://127.0.0.1:1234 */
  url: string
  spaceId: string
  secret: string
}

export type SyncState = 'disabled' | 'offline' | 'connecting' | 'syncing' | 'synced' | 'error'

export interface SyncStatus {
  state: SyncState
  /** local changes the server has not acknowledged yet */
  pendingChanges: number
  /** why sync stopped (wrong token, server refused a message...) */
  error?: string
  url?: string
  spaceId?: string
  lastSyncedAt?: Date
  /**
   * How many of the documents this device is to hold are in step with the other end: the space,
   * each user document and each part of their history (a new device fills in behind this figure).
   */
  progress?: { synced: number; total: number }
}

export interface SyncProviderOptions {
  /** Called after a remote update changed a document's projected rows. */
  onRemoteChange?(docName: string): void
}

export function validateSyncConfig(c: SyncConfig): SyncConfig {
  if (!c || typeof c.url !== 'string' || !/^wss?:\/\/.+/.test(c.url)) throw new SyncError('sync.url must be a ws:// or wss:// URL')
  if (!isValidSpaceId(c.spaceId)) throw new SyncError('sync.spaceId is not a valid space id (22 base64url characters)')
  if (!isWellFormedSecret(c.secret)) throw new SyncError('sync.secret is not a valid space secret (43 base64url characters)')
  return { url: c.url, spaceId: c.spaceId, secret: c.secret }
}

/**
 * The sync driver: connects the store's documents to a transport (Hocuspocus, or the in-process
 * one of the tests). Remote updates land in the Y.Docs and the store persists and projects them;
 * committed local writes flow out. Which documents are attached, and when, follows the space's
 * directory (transport/directory.ts), the same over every transport.
 */
export class SyncProvider {
  private readonly listeners = new Set<(s: SyncStatus) => void>()
  /** the documents handed to the transport, by name */
  private readonly attached = new Map<string, Y.Doc>()
  private status: SyncStatus
  private stopped = false
  /** why remote updates cannot be stored here (the device is full), until one is stored again */
  private storageError: string | undefined
  /** documents whose remote updates failed to store, with how many times in a row */
  private readonly remoteFailures = new Map<string, number>()
  private unlisten: () => void
  private directoryObserver: (() => void) | undefined
  /** the space's directory, once followed (the space document was in step with the other end) */
  private directory: Y.Map<unknown> | undefined
  /** the space's list of history parts (followed with the directory) */
  private parts: Y.Map<unknown> | undefined
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  /** deleted users whose local copy this driver dropped (or found gone) */
  private readonly dropped = new Set<string>()

  constructor(
    private readonly store: ReplicatedStore,
    readonly transport: SyncTransport,
    private readonly options: SyncProviderOptions = {},
  ) {
    this.status = { state: 'connecting', pendingChanges: 0, url: transport.url, spaceId: transport.spaceId }
    transport.start({
      onSynced: (name) => this.onSynced(name),
      onChange: () => this.recompute(),
      onWireUpdate: (name, update) => store.expectRemoteUpdate(name, update),
      onPieces: (name, whole) => store.receivePieces(name, whole),
    })
    this.unlisten = store.listen({
      onDocLoaded: (name, doc) => {
        if (!this.stopped && this.wanted(name)) this.attach(name, doc)
      },
      onDocUnloaded: (name) => {
        this.detach(name)
        // reloaded after a failed write: attach again (a deleted user's document stays away), later
        // each time it fails again, so a full device does not fetch the same update in a loop
        const failures = this.remoteFailures.get(name) ?? 0
        const delay = Math.min(500 * 2 ** failures, 30_000)
        if (!this.stopped && this.wanted(name)) this.later(() => void this.ensureIfLive(name), delay)
      },
      onRemoteFailed: (name, error) => {
        this.remoteFailures.set(name, (this.remoteFailures.get(name) ?? 0) + 1)
        if (error instanceof QuotaExceededError) this.storageError = STORAGE_FULL
        this.recompute()
      },
      onCommitted: (name, update) => {
        if (this.attached.has(name)) transport.send(name, update)
      },
      onRemoteProjected: (name) => {
        this.clearFailures(name)
        this.options.onRemoteChange?.(name)
      },
    })
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.onNetwork)
      window.addEventListener('offline', this.onNetwork)
    }
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  private onNetwork = () => {
    // back online: try at once rather than when the backoff timer fires
    if (typeof navigator === 'undefined' || navigator.onLine !== false) this.transport.reconnect()
    this.recompute()
  }

  /** Whether the directory rules let `name` be attached now (a document loaded earlier is attached by followDirectory). */
  private wanted(name: string): boolean {
    return directoryRules.wanted(name, this.directory)
  }

  /** Forgets a document's failed stores (it stored since, synced with nothing new, or is gone). */
  private clearFailures(name: string): void {
    if (!this.remoteFailures.delete(name)) return
    if (this.storageError && this.remoteFailures.size === 0) {
      this.storageError = undefined
      this.recompute()
    }
  }

  /** Attaches the space document; once it is in step with the other end, every user its directory names. */
  async start(): Promise<void> {
    await this.ensure(SPACE_DOC)
  }

  private onSynced(name: string): void {
    if (this.stopped) return
    const doc = this.attached.get(name)
    if (name === SPACE_DOC && doc) this.followDirectory(doc)
    // a user's document is in step: the older parts of its history may come now
    else if (doc && !partOfDocName(name)) this.attachUsers()
    // In step with the other end: once what this sync brought is stored (or there was nothing),
    // earlier failures are over. A failure to store it counts on, so the backoff keeps growing.
    const failures = this.remoteFailures.get(name)
    if (failures !== undefined) {
      void this.store.flush().then(() => {
        if (this.remoteFailures.get(name) === failures) this.clearFailures(name)
      })
    }
    this.recompute()
  }

  /** Attaches every user document the space's directory names, now and as it changes (again after a reload of the space document). */
  private followDirectory(space: Y.Doc): void {
    const directory = space.getMap('directory')
    if (this.directory !== directory) {
      this.directoryObserver?.()
      this.directory = directory
      this.parts = space.getMap(PARTS_YMAP)
      const parts = this.parts
      const tombstones = space.getMap(TOMBSTONES_YMAP)
      const observer = () => this.attachUsers()
      directory.observeDeep(observer)
      parts.observe(observer)
      tombstones.observe(observer)
      this.directoryObserver = () => {
        directory.unobserveDeep(observer)
        parts.unobserve(observer)
        tombstones.unobserve(observer)
      }
    }
    // also on every later sync of the space document: an attach that failed is tried again
    this.attachUsers()
  }

  private attachUsers(): void {
    const directory = this.directory
    if (this.stopped || !directory) return
    const { live, gone } = directoryRules.split(directory, this.parts)
    for (const uid of gone) {
      for (const name of [...this.attached.keys()]) {
        if (uidOfDocName(name) !== uid) continue
        this.detach(name)
        this.clearFailures(name)
      }
      // and its local copy goes, every part of it (also when the entry is malformed, so the client's
      // projection of the directory does not name it deleted: MemoryClient.finishInterruptedDeletes misses it)
      if (!this.dropped.has(uid)) {
        this.dropped.add(uid)
        void this.store
          .storedDocNames()
          .then((stored) => (stored.some((n) => uidOfDocName(n) === uid) && !this.stopped ? this.store.deleteUser(uid) : undefined))
          .catch(() => this.dropped.delete(uid))
      }
    }
    for (const name of live) if (!this.attached.has(name) && this.attachNow(name, live)) void this.ensure(name).catch(() => undefined)
  }

  /**
   * A new device first receives what its first screen shows: each user's document (profile,
   * memories) and the newest part of its history; older parts follow once the user's document is in
   * step (the history fills in behind; measured in bench/newDevice.bench.test.ts).
   */
  private attachNow(name: string, live: string[]): boolean {
    const key = partOfDocName(name)
    if (!key) return true
    const uid = uidOfDocName(name)!
    const newest = live.find((n) => uidOfDocName(n) === uid && partOfDocName(n))
    if (newest === name) return true
    return !!this.transport.documentStatus(userDocName(uid))?.synced
  }

  private async ensureIfLive(name: string): Promise<void> {
    if (this.stopped || this.attached.has(name) || !this.wanted(name)) return
    await this.ensure(name).catch(() => undefined)
  }

  /** Loads the document (an already loaded one raises no load event) and attaches it. */
  private async ensure(name: string): Promise<Y.Doc> {
    const doc = await this.store.getDoc(name)
    // (wanted again: the user may have been deleted while the document loaded)
    if (!this.stopped && this.wanted(name) && this.attached.get(name) !== doc) this.attach(name, doc)
    return doc
  }

  private attach(name: string, doc: Y.Doc): void {
    this.attached.set(name, doc)
    this.store.pin(name, true)
    this.transport.attach(name, doc)
    this.recompute()
  }

  private detach(name: string): void {
    if (!this.attached.delete(name)) return
    this.store.pin(name, false)
    this.transport.detach(name)
    this.recompute()
  }

  /** Names of the documents attached to the transport now. */
  attachedDocNames(): string[] {
    return [...this.attached.keys()]
  }

  getStatus(): SyncStatus {
    return { ...this.status }
  }

  subscribe(listener: (s: SyncStatus) => void): () => void {
    this.listeners.add(listener)
    listener(this.getStatus())
    return () => this.listeners.delete(listener)
  }

  /**
   * Resolves once every document is synced with nothing pending, and what arrived is stored and
   * readable: the store has projected it, and every user the directory names is attached too.
   * Rejects after `timeoutMs`, or when sync stops with an error.
   */
  async whenSynced(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      await this.whenSyncedState(Math.max(0, deadline - Date.now()))
      await this.store.flush()
      if (this.status.state === 'synced' && this.everyUserAttached()) {
        // The sync steps that made it synced may have arrived during that flush (a user attached
        // then): their updates were queued after it. One more flush stores them too.
        await this.store.flush()
        if (this.status.state === 'synced' && this.everyUserAttached()) return
      }
      if (Date.now() >= deadline) throw new SyncError(`not synced after ${timeoutMs} ms (state: ${this.status.state}, pending: ${this.status.pendingChanges})`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  /** Every live user of the followed directory is attached (attaching is asynchronous). */
  private everyUserAttached(): boolean {
    if (!this.directory) return false
    return directoryRules.split(this.directory, this.parts).live.every((name) => this.attached.has(name))
  }

  private whenSyncedState(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let done = false
      let off: () => void = () => undefined
      const finish = (error?: Error) => {
        if (done) return
        done = true
        clearTimeout(timer)
        off()
        if (error) reject(error)
        else resolve()
      }
      const timer = setTimeout(() => finish(new SyncError(`not synced after ${timeoutMs} ms (state: ${this.status.state}, pending: ${this.status.pendingChanges})`)), timeoutMs)
      off = this.subscribe((s) => {
        if (s.state === 'synced') finish()
        else if (s.state === 'error') finish(new SyncError(s.error ?? 'sync failed'))
      })
      if (done) off()
    })
  }

  private recompute(): void {
    const docs = [...this.attached.keys()].map((n) => this.transport.documentStatus(n))
    const pending = docs.reduce((n, d) => n + (d?.pending ?? 0), 0)
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false
    const connection = this.transport.connection()
    const error = connection.error ?? this.storageError
    let state: SyncState
    if (this.stopped) state = 'disabled'
    else if (error) state = 'error'
    else if (offline) state = 'offline'
    else if (connection.state !== 'connected') state = connection.state
    else if (docs.length && docs.every((d) => d?.synced) && pending === 0) state = 'synced'
    else state = 'syncing'
    const next: SyncStatus = { state, pendingChanges: pending, url: this.transport.url, spaceId: this.transport.spaceId }
    if (error) next.error = error
    const wanted = this.directory ? [SPACE_DOC, ...directoryRules.split(this.directory, this.parts).live] : [SPACE_DOC]
    const synced = wanted.filter((n) => this.attached.has(n) && this.transport.documentStatus(n)?.synced).length
    next.progress = { synced, total: wanted.length }
    next.lastSyncedAt = state === 'synced' ? new Date() : this.status.lastSyncedAt
    const changed =
      next.state !== this.status.state ||
      next.pendingChanges !== this.status.pendingChanges ||
      next.error !== this.status.error ||
      next.progress?.synced !== this.status.progress?.synced ||
      next.progress?.total !== this.status.progress?.total
    this.status = next
    if (changed) for (const l of this.listeners) l(this.getStatus())
  }

  /** Stops syncing; local data stays. */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.directoryObserver?.()
    this.unlisten()
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const name of [...this.attached.keys()]) this.detach(name)
    this.transport.destroy()
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.onNetwork)
      window.removeEventListener('offline', this.onNetwork)
    }
    this.recompute()
    for (const l of this.listeners) l(this.getStatus())
  }
}

/** The status error while this device has no room for what other devices send. */
export const STORAGE_FULL = 'storage-full: this device has no room left to store changes from your other devices'
