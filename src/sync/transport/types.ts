import type * as Y from 'yjs'

/** How a transport reaches the other end: not yet, yes, or not at all (no network, closed). */
export type ConnectionState = 'connecting' | 'connected' | 'offline'

/** What a transport tells the sync driver (src/sync/SyncProvider.ts). */
export interface TransportEvents {
  /** The document is in step with the other end: after it was attached, and after each reconnect. */
  onSynced(name: string): void
  /** Something the status is computed from changed: the connection, authentication, a synced flag, a pending count. */
  onChange(): void
  /**
   * The exact bytes of a (large) update the transport is about to apply to the document in this
   * same task, so the store can keep them as received (ReplicatedStore.expectRemoteUpdate).
   */
  onWireUpdate?(name: string, update: Uint8Array): void
  /**
   * A large update (`whole`) is about to be applied in `count` pieces, one per task: the transport
   * waits for `pieceApplied()` after each (the store has stored it: so a task holds one piece's
   * work), and calls `finished(complete)` after the last (complete: every piece was applied).
   */
  onPieces?(name: string, whole: Uint8Array, count: number): { pieceApplied(): Promise<void>; finished(complete: boolean): void }
}

/**
 * The seam between the sync driver and a wire. The driver decides which documents are attached and
 * when (the directory rules, in one place: SyncProvider); a transport only moves Yjs updates for
 * the documents it is given. Two implementations: the Hocuspocus provider (./hocuspocus.ts) and the
 * in-process one of the tests and the fuzz (./memory.ts); both pass tests/support/transportContract.ts.
 *
 * Rules every implementation keeps:
 * - remote updates are applied to the attached Y.Doc with an origin of the transport's own (itself,
 *   or its document's provider; never the store's local or log origins), so the store persists and
 *   projects them;
 * - nothing is taken from the Y.Doc's own update events: only what the driver hands to `send`
 *   leaves the device (updates the store has committed);
 * - after attach (and after each reconnect) the transport exchanges state with the other end and
 *   then calls onSynced; `documentStatus(name).synced` is true from then until the connection drops.
 */
export interface SyncTransport {
  /** For the status: where this transport syncs to, and which space. */
  readonly url?: string
  readonly spaceId?: string
  /** Called once by the driver, before any other method. */
  start(events: TransportEvents): void
  /** Starts syncing `doc` as `name`; replaces an earlier attach of that name. */
  attach(name: string, doc: Y.Doc): void
  /** Stops syncing the document (nothing more is sent or applied). */
  detach(name: string): void
  /** Sends a committed local update of an attached document. */
  send(name: string, update: Uint8Array): void
  /** The attached document's state: in step with the other end, and local updates not acknowledged yet. */
  documentStatus(name: string): { synced: boolean; pending: number } | undefined
  /** The connection, and why the other end refused (a wrong token), if it did. */
  connection(): { state: ConnectionState; error?: string }
  /** Tries to connect now (the network came back) rather than when a backoff timer fires. */
  reconnect(): void
  /** Closes everything; the transport is not used again. */
  destroy(): void
}
