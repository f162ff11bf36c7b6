import { HocuspocusProvider, HocuspocusProviderWebsocket, WebSocketStatus } from '@hocuspocus/provider'
import * as Y from 'yjs'
import { deriveSpaceToken, parseSyncRejectReason, syncDocumentName } from '../../core/spaceToken'
import { syncMessageContent, syncMessageUpdate } from '../../core/syncMessage'
import { SPACE_DOC } from '../layout'
import { splitLargeUpdate } from '../splitInWorker'
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
    receiveLargeUpdatesInPieces(provider, name, () => this.events, () => this.providers.get(name) === provider)
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

/**
 * Sync messages whose update is larger than this are applied in pieces of about this size, one per
 * task: Yjs applies an update in one synchronous step (about 100 ms per megabyte here), and its
 * projection costs as much again, so a piece keeps each task to a few tens of milliseconds.
 */
export const PIECE_BYTES = 256 * 1024

/**
 * Makes a provider apply the updates of large sync messages in pieces (src/sync/splitUpdate.ts),
 * each stored before the next (TransportEvents.onPieces), with the page free between them. The
 * messages that arrive meanwhile wait their turn, so the order of the wire is kept; sync step 2
 * marks the document synced only once its last piece is in.
 */
function receiveLargeUpdatesInPieces(provider: HocuspocusProvider, name: string, events: () => TransportEvents, live: () => boolean): void {
  type WireEvent = Parameters<HocuspocusProvider['onMessage']>[0]
  const receive = provider.onMessage.bind(provider)
  let turn: Promise<void> | null = null
  const handle = async (event: WireEvent): Promise<void> => {
    const content = largeSyncContent(event.data)
    if (!content) return receive(event)
    let pieces: Uint8Array[]
    try {
      pieces = await splitLargeUpdate(content.update, PIECE_BYTES)
    } catch {
      pieces = [content.update] // applied whole, as before
    }
    const receiving = events().onPieces?.(name, content.update, pieces.length)
    let complete = true
    for (const piece of pieces) {
      if (!live()) {
        complete = false
        break
      }
      events().onWireUpdate?.(name, piece)
      try {
        Y.applyUpdate(provider.document, piece, provider)
      } catch (error) {
        complete = false
        console.error('Caught error while handling a Yjs update', error)
      }
      await receiving?.pieceApplied()
      await new Promise((r) => setTimeout(r, 0))
    }
    receiving?.finished(complete && live())
    if (content.step2 && live()) provider.synced = true
  }
  provider.onMessage = (event: WireEvent) => {
    if (!turn && !largeSyncContent(event.data)) return receive(event)
    const mine: Promise<void> = (turn ?? Promise.resolve()).then(() => (live() ? handle(event) : undefined)).catch(() => undefined)
    turn = mine
    void mine.then(() => {
      if (turn === mine) turn = null
    })
  }
}

function messageBytes(data: unknown): Uint8Array | null {
  // (not `instanceof`: the buffer may come from another realm, a test runner's frame for one)
  const isBuffer = Object.prototype.toString.call(data) === '[object ArrayBuffer]'
  return isBuffer ? new Uint8Array(data as ArrayBuffer) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null
}

/** Sync step 2 or an update message whose update is over PIECE_BYTES; null for anything else. */
function largeSyncContent(data: unknown): { step2: boolean; update: Uint8Array } | null {
  const bytes = messageBytes(data)
  if (!bytes || bytes.byteLength <= PIECE_BYTES) return null
  try {
    const content = syncMessageContent(bytes)
    return content && content.update.byteLength > PIECE_BYTES ? content : null
  } catch {
    return null
  }
}

/** Updates at least this large are stored as received (see ReplicatedStore.expectRemoteUpdate). */
const LARGE_UPDATE = 64 * 1024

/**
 * The Yjs update carried by a Hocuspocus sync message (sync step 2 or update) of at least
 * LARGE_UPDATE bytes, copied out of the message (so it is stored alone); null for anything else.
 */
export function largeSyncUpdate(data: unknown): Uint8Array | null {
  const bytes = messageBytes(data)
  if (!bytes || bytes.byteLength < LARGE_UPDATE) return null
  try {
    return syncMessageUpdate(bytes)?.slice() ?? null
  } catch {
    return null
  }
}
