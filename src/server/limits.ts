/** Per-server limits. Every one is configurable through startSyncServer and the CLI. */
export interface SyncLimits {
  /** Largest message a client may send (a Yjs update, awareness, ...). Bigger ones are refused. */
  maxMessageBytes: number
  /** Distinct client WebSockets (devices or tabs) connected to one space at once. */
  maxConnectionsPerSpace: number
  /** Distinct documents (`<spaceId>/<docName>`) one space may ever create. */
  maxDocumentsPerSpace: number
  /** Open registration: spaces this server registers on first use, in total (ever, not per minute). */
  maxOpenSpaces: number
  /** Open registration: new spaces one remote address may register in any 60 seconds. */
  registrationsPerMinutePerAddress: number
  /** Open registration: new spaces all addresses together may register in any 60 seconds. */
  registrationsPerMinute: number
  /** A socket that has authenticated no document this long after connecting is closed. */
  authTimeoutMs: number
  /** Sockets not (yet) authenticated for any document, from one remote address. */
  maxUnauthenticatedPerAddress: number
  /** Sockets not (yet) authenticated for any document, in total. */
  maxUnauthenticatedSockets: number
  /**
   * Bytes a socket may send before its first document is authenticated (more: the socket is
   * dropped, mid-frame), and bytes it may have queued for documents whose Auth is still pending.
   */
  maxPreAuthBytes: number
}

export const DEFAULT_LIMITS: SyncLimits = {
  // A device's first sync sends its whole document as one message: a user who chatted alone for a
  // long time has tens of megabytes (about 200 bytes a message), and 8 MiB refused them.
  maxMessageBytes: 64 * 1024 * 1024,
  maxConnectionsPerSpace: 50,
  maxDocumentsPerSpace: 10_000,
  // A person creates a handful of spaces in a lifetime; a household server a few dozen. These stop
  // a script from filling the disk (300 spaces took 725 ms with no cap) without any set-up step.
  maxOpenSpaces: 1000,
  registrationsPerMinutePerAddress: 10,
  registrationsPerMinute: 60,
  // A provider sends its Auth within milliseconds of the socket opening; 10 s leaves room for a slow
  // phone (token derivation, a bad link) and still frees an idle stranger's socket quickly.
  authTimeoutMs: 10_000,
  // One person's tabs and devices behind one NAT, all reconnecting at once after a restart.
  maxUnauthenticatedPerAddress: 32,
  maxUnauthenticatedSockets: 256,
  // Auth + SyncStep1 (+ awareness) for each of a device's documents is a few hundred bytes each.
  maxPreAuthBytes: 128 * 1024,
}

export function resolveLimits(partial: Partial<SyncLimits> = {}): SyncLimits {
  const limits = { ...DEFAULT_LIMITS }
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof SyncLimits)[]) {
    const value = partial[key]
    if (value === undefined) continue
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`limits.${key} must be a positive integer`)
    limits[key] = value
  }
  return limits
}

/**
 * The WebSocket layer's own hard cap (ws `maxPayload`). A message between maxMessageBytes and this
 * is refused per document with a readable reason; one above it makes ws drop the whole socket
 * (close code 1009) before it is even buffered in full.
 */
export function wsMaxPayload(limits: SyncLimits): number {
  return Math.max(limits.maxMessageBytes * 2, limits.maxMessageBytes + 1024 * 1024)
}
