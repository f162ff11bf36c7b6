import { HocuspocusProvider, HocuspocusProviderWebsocket, WebSocketStatus } from '@hocuspocus/provider'
import type * as Y from 'yjs'
import { QuotaExceededError, SyncError } from '../core/errors'
import { deriveSpaceToken, isValidSpaceId, isWellFormedSecret, parseSyncRejectReason, syncDocumentName } from '../core/spaceToken'
import { syncMessageUpdate } from '../core/syncMessage'
import { SPACE_DOC, uidOfDocName, userDocName } from './layout'
import type { ReplicatedStore } from './ReplicatedStore'

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
}

export interface SyncProviderOptions {
  /** A WebSocket implementation for Node (the `ws` package); browsers have their own. */
  WebSocketPolyfill?: unknown
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
 * Connects the store's documents to a Hocuspocus server: one provider per document
 * (`<spaceId>/<docName>`) over one multiplexed WebSocket. Remote updates land in the Y.Docs and the
 * store persists and projects them; local writes flow out as Y updates. The space document's user
 * directory says which user documents to attach.
 */
export class SyncProvider {
  private readonly socket: HocuspocusProviderWebsocket
  private readonly providers = new Map<string, HocuspocusProvider>()
  private readonly listeners = new Set<(s: SyncStatus) => void>()
  private status: SyncStatus
  private token: Promise<string>
  private stopped = false
  private authError: string | undefined
  /** why remote updates cannot be stored here (the device is full), until one is stored again */
  private storageError: string | undefined
  /** documents whose remote updates failed to store, with how many times in a row */
  private readonly remoteFailures = new Map<string, number>()
  private unlisten: () => void
  private directoryObserver: (() => void) | undefined
  private directory: Y.Map<unknown> | undefined

  constructor(
    private readonly store: ReplicatedStore,
    readonly config: SyncConfig,
    private readonly options: SyncProviderOptions = {},
  ) {
    validateSyncConfig(config)
    this.token = deriveSpaceToken(config.spaceId, config.secret)
    this.status = { state: 'connecting', pendingChanges: 0, url: config.url, spaceId: config.spaceId }
    this.socket = new HocuspocusProviderWebsocket({
      url: config.url,
      WebSocketPolyfill: options.WebSocketPolyfill as never,
      delay: 500,
      factor: 2,
      maxDelay: 15_000,
      maxAttempts: 0,
      jitter: true,
      minDelay: 250,
      messageReconnectTimeout: 30_000,
    })
    this.socket.on('status', () => this.recompute())
    this.socket.on('disconnect', () => this.recompute())
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
        if (!this.stopped && this.wanted(name)) setTimeout(() => void this.ensureIfLive(name), delay)
      },
      onRemoteFailed: (name, error) => {
        this.remoteFailures.set(name, (this.remoteFailures.get(name) ?? 0) + 1)
        if (error instanceof QuotaExceededError) this.storageError = STORAGE_FULL
        this.recompute()
      },
      onCommitted: (name, update) => {
        const p = this.providers.get(name)
        if (p) p.documentUpdateHandler(update, this.store)
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

  private onNetwork = () => {
    // back online: try at once rather than when the backoff timer fires
    if (typeof navigator === 'undefined' || navigator.onLine !== false) void this.socket.connect().catch(() => undefined)
    this.recompute()
  }

  /**
   * The space document always; a user's document once the directory is followed (the space
   * document has synced) and names that user as live. A document loaded earlier (the app reads a
   * user at start) is attached by followDirectory then, not before: a device back from offline must
   * not send a user deleted elsewhere.
   */
  private wanted(name: string): boolean {
    if (name === SPACE_DOC) return true
    const uid = uidOfDocName(name)
    const entry = uid ? (this.directory?.get(uid) as Y.Map<unknown> | undefined) : undefined
    return !!entry && !entry.get('deletedAt')
  }

  /** Forgets a document's failed stores (it stored since, synced with nothing new, or is gone). */
  private clearFailures(name: string): void {
    if (!this.remoteFailures.delete(name)) return
    if (this.storageError && this.remoteFailures.size === 0) {
      this.storageError = undefined
      this.recompute()
    }
  }

  /**
   * Attaches the space document; once it is in step with the server, every user document its
   * directory names. In that order, a device back from a long time offline learns that a user was
   * deleted elsewhere before it would send that user's document to the server again.
   */
  async start(): Promise<void> {
    await this.ensure(SPACE_DOC)
  }

  /** Attaches every user document the space's directory names, now and as it changes (again after a reload of the space document). */
  private followDirectory(space: Y.Doc): void {
    const directory = space.getMap('directory')
    if (this.directory !== directory) {
      this.directoryObserver?.()
      this.directory = directory
      const observer = () => this.attachUsers()
      directory.observeDeep(observer)
      this.directoryObserver = () => directory.unobserveDeep(observer)
    }
    // also on every later sync of the space document: an attach that failed is tried again
    this.attachUsers()
  }

  private attachUsers(): void {
    const directory = this.directory
    if (this.stopped || !directory) return
    directory.forEach((entry, uid) => {
      const e = entry as Y.Map<unknown>
      const name = userDocName(uid)
      // a deleted user's document is dropped by the client (MemoryClient.finishInterruptedDeletes)
      if (e.get('deletedAt')) {
        this.detach(name)
        this.clearFailures(name)
      } else if (!this.providers.has(name)) void this.ensure(name).catch(() => undefined)
    })
  }

  private async ensureIfLive(name: string): Promise<void> {
    if (this.stopped || this.providers.has(name) || !this.wanted(name)) return
    await this.ensure(name).catch(() => undefined)
  }

  /** Loads the document (an already loaded one raises no load event) and attaches it. */
  private async ensure(name: string): Promise<Y.Doc> {
    const doc = await this.store.getDoc(name)
    if (!this.stopped && this.providers.get(name)?.document !== doc) this.attach(name, doc)
    return doc
  }

  private attach(name: string, doc: Y.Doc): void {
    this.detach(name)
    const provider = new HocuspocusProvider({
      name: syncDocumentName(this.config.spaceId, name),
      document: doc,
      token: () => this.token,
      websocketProvider: this.socket,
      // Presence is not shared; one provider keeps awareness on so the socket's ping checks work.
      awareness: name === SPACE_DOC ? undefined : null,
      onAuthenticationFailed: ({ reason }) => {
        this.authError = parseSyncRejectReason(reason).message || 'The sync server refused this space'
        this.recompute()
      },
      onAuthenticated: () => {
        this.authError = undefined
        this.recompute()
      },
      onSynced: () => {
        if (name === SPACE_DOC && !this.stopped) this.followDirectory(doc)
        // In step with the server: once what this sync brought is stored (or there was nothing),
        // earlier failures are over. A failure to store it counts on, so the backoff keeps growing.
        const failures = this.remoteFailures.get(name)
        if (failures !== undefined) {
          void this.store.flush().then(() => {
            if (this.remoteFailures.get(name) === failures) this.clearFailures(name)
          })
        }
        this.recompute()
      },
      onUnsyncedChanges: () => this.recompute(),
      onClose: () => this.recompute(),
    })
    provider.on('message', ({ event }: { event: MessageEvent }) => {
      const update = largeSyncUpdate(event.data)
      if (update) this.store.expectRemoteUpdate(name, update)
    })
    // Only committed updates leave the device: the store hands them over (onCommitted), so a write
    // that IndexedDB refused never reaches the server.
    doc.off('update', provider.boundDocumentUpdateHandler)
    provider.attach()
    this.providers.set(name, provider)
    this.recompute()
  }

  private detach(name: string): void {
    const p = this.providers.get(name)
    if (!p) return
    this.providers.delete(name)
    p.destroy()
    this.recompute()
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
      if (this.status.state === 'synced' && this.everyUserAttached()) return
      if (Date.now() >= deadline) throw new SyncError(`not synced after ${timeoutMs} ms (state: ${this.status.state}, pending: ${this.status.pendingChanges})`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  /** Every live user of the directory has a provider (the directory observer attaches them asynchronously). */
  private everyUserAttached(): boolean {
    if (!this.directory) return false
    let all = true
    this.directory.forEach((entry, uid) => {
      if (!(entry as Y.Map<unknown>).get('deletedAt') && !this.providers.has(userDocName(uid))) all = false
    })
    return all
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
    const providers = [...this.providers.values()]
    const pending = providers.reduce((n, p) => n + p.unsyncedChanges, 0)
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false
    let state: SyncState
    if (this.stopped) state = 'disabled'
    else if (this.authError || this.storageError) state = 'error'
    else if (offline) state = 'offline'
    else if (this.socket.status !== WebSocketStatus.Connected) state = this.socket.status === WebSocketStatus.Connecting ? 'connecting' : 'offline'
    else if (providers.length && providers.every((p) => p.synced) && pending === 0) state = 'synced'
    else state = 'syncing'
    const next: SyncStatus = { state, pendingChanges: pending, url: this.config.url, spaceId: this.config.spaceId }
    if (this.authError || this.storageError) next.error = this.authError ?? this.storageError
    next.lastSyncedAt = state === 'synced' ? new Date() : this.status.lastSyncedAt
    const changed = next.state !== this.status.state || next.pendingChanges !== this.status.pendingChanges || next.error !== this.status.error
    this.status = next
    if (changed) for (const l of this.listeners) l(this.getStatus())
  }

  /** Stops syncing; local data stays. */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.directoryObserver?.()
    this.unlisten()
    for (const name of [...this.providers.keys()]) this.detach(name)
    this.socket.destroy()
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

/** Updates at least this large are stored as received (see ReplicatedStore.expectRemoteUpdate). */
const LARGE_UPDATE = 64 * 1024

/**
 * The Yjs update carried by a Hocuspocus sync message (sync step 2 or update) of at least
 * LARGE_UPDATE bytes, copied out of the message (so it is stored alone); null for anything else.
 */
export function largeSyncUpdate(data: unknown): Uint8Array | null {
  // (not `instanceof`: the buffer may come from another realm, a test runner's frame for one)
  const isBuffer = Object.prototype.toString.call(data) === '[object ArrayBuffer]'
  const bytes = isBuffer ? new Uint8Array(data as ArrayBuffer) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null
  if (!bytes || bytes.byteLength < LARGE_UPDATE) return null
  try {
    return syncMessageUpdate(bytes)?.slice() ?? null
  } catch {
    return null
  }
}
