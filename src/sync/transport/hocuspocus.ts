import { HocuspocusProvider, HocuspocusProviderWebsocket, WebSocketStatus } from '@hocuspocus/provider'
import type * as Y from 'yjs'
import { deriveSpaceToken, parseSyncRejectReason, syncDocumentName } from '../../core/spaceToken'
import { syncMessageUpdate } from '../../core/syncMessage'
import { SPACE_DOC } from '../layout'
import type { ConnectionState, SyncTransport, TransportEvents } from './types'

export interface HocuspocusTransportConfig {
  url: string
  spaceId: string
  secret: string
}

export interface HocuspocusTransportOptions {
  /** A WebSocket implementation for Node (the `ws` package); browsers have their own. */
  WebSocketPolyfill?: unknown
}

/**
 * The Hocuspocus transport: one HocuspocusProvider per document (`<spaceId>/<docName>`) over one
 * multiplexed WebSocket, authenticated with the space token.
 */
/** How a device's socket reconnects: backoff from 250 ms to 15 s with jitter, forever. */
export const RECONNECT = {
  delay: 500,
  factor: 2,
  maxDelay: 15_000,
  maxAttempts: 0,
  jitter: true,
  minDelay: 250,
  messageReconnectTimeout: 30_000,
} as const

export class HocuspocusTransport implements SyncTransport {
  readonly url: string
  readonly spaceId: string
  private readonly socket: HocuspocusProviderWebsocket
  private readonly providers = new Map<string, HocuspocusProvider>()
  private readonly token: Promise<string>
  private events: TransportEvents = { onSynced: () => undefined, onChange: () => undefined }
  private authError: string | undefined

  constructor(config: HocuspocusTransportConfig, options: HocuspocusTransportOptions = {}) {
    this.url = config.url
    this.spaceId = config.spaceId
    this.token = deriveSpaceToken(config.spaceId, config.secret)
    this.socket = new HocuspocusProviderWebsocket({
      url: config.url,
      WebSocketPolyfill: options.WebSocketPolyfill as never,
      ...RECONNECT,
    })
  }

  start(events: TransportEvents): void {
    this.events = events
    this.socket.on('status', () => this.events.onChange())
    this.socket.on('disconnect', () => this.events.onChange())
  }

  attach(name: string, doc: Y.Doc): void {
    this.detach(name)
    const provider = new HocuspocusProvider({
      name: syncDocumentName(this.spaceId, name),
      document: doc,
      token: () => this.token,
      websocketProvider: this.socket,
      // Presence is not shared; one provider keeps awareness on so the socket's ping checks work.
      awareness: name === SPACE_DOC ? undefined : null,
      onAuthenticationFailed: ({ reason }) => {
        this.authError = parseSyncRejectReason(reason).message || 'The sync server refused this space'
        this.events.onChange()
      },
      onAuthenticated: () => {
        this.authError = undefined
        this.events.onChange()
      },
      onSynced: () => {
        if (this.providers.get(name) === provider) this.events.onSynced(name)
      },
      onUnsyncedChanges: () => this.events.onChange(),
      onClose: () => this.events.onChange(),
    })
    provider.on('message', ({ event }: { event: MessageEvent }) => {
      const update = largeSyncUpdate(event.data)
      if (update) this.events.onWireUpdate?.(name, update)
    })
    // Only what the driver sends leaves the device (committed updates), not the document's own events.
    doc.off('update', provider.boundDocumentUpdateHandler)
    provider.attach()
    this.providers.set(name, provider)
    this.events.onChange()
  }

  detach(name: string): void {
    const p = this.providers.get(name)
    if (!p) return
    this.providers.delete(name)
    p.destroy()
    this.events.onChange()
  }

  send(name: string, update: Uint8Array): void {
    const p = this.providers.get(name)
    // Not before the document is in step: until then the server has not authenticated it, and
    // what it queues meanwhile is capped (src/server/preAuthGuard.ts); an update beyond the cap
    // would be dropped unacknowledged and stay pending for ever. Nothing is lost by waiting: the
    // sync step that follows the server's step 1 carries the document's whole state.
    // (any origin but the provider itself: the provider skips updates it applied)
    if (p?.synced) p.documentUpdateHandler(update, this)
  }

  documentStatus(name: string): { synced: boolean; pending: number } | undefined {
    const p = this.providers.get(name)
    return p && { synced: p.synced, pending: p.unsyncedChanges }
  }

  connection(): { state: ConnectionState; error?: string } {
    const state: ConnectionState =
      this.socket.status === WebSocketStatus.Connected ? 'connected' : this.socket.status === WebSocketStatus.Connecting ? 'connecting' : 'offline'
    return this.authError ? { state, error: this.authError } : { state }
  }

  reconnect(): void {
    void this.socket.connect().catch(() => undefined)
  }

  destroy(): void {
    for (const name of [...this.providers.keys()]) this.detach(name)
    this.socket.destroy()
  }
}

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
