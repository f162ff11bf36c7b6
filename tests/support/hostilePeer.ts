import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import * as Y from 'yjs'
import { syncDocumentName } from '../../src/core/spaceToken'

/**
 * A hostile peer: it holds the space's token (a leaked pairing link, or an old or buggy build) and
 * writes records of any shape straight into the Y documents over the real sync server, with no
 * schema of its own. Used by the browser hostile-peer suite and the end-to-end test.
 */
export interface PeerDoc {
  doc: Y.Doc
  provider: HocuspocusProvider
  /** Resolves once the server has every change made so far. */
  flush(): Promise<void>
}

export async function waitUntil(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

export class HostilePeer {
  private readonly socket: HocuspocusProviderWebsocket
  private readonly docs: PeerDoc[] = []

  constructor(
    url: string,
    private readonly spaceId: string,
    private readonly token: string,
    WebSocketPolyfill?: unknown,
  ) {
    this.socket = new HocuspocusProviderWebsocket({ url, ...(WebSocketPolyfill ? { WebSocketPolyfill: WebSocketPolyfill as typeof WebSocket } : {}) })
  }

  /** Opens one document of the space (`space`, `user/<uid>`) and waits until it has the server's state. */
  async open(docName: string): Promise<PeerDoc> {
    const doc = new Y.Doc()
    const provider = new HocuspocusProvider({ websocketProvider: this.socket, name: syncDocumentName(this.spaceId, docName), token: this.token, document: doc })
    provider.attach()
    await new Promise<void>((resolve, reject) => {
      provider.on('synced', () => resolve())
      provider.on('authenticationFailed', ({ reason }: { reason: string }) => reject(new Error(`the server refused the peer: ${reason}`)))
    })
    const peer = { doc, provider, flush: () => waitUntil(() => !provider.hasUnsyncedChanges, `the server to take ${docName}`) }
    this.docs.push(peer)
    return peer
  }

  close(): void {
    for (const d of this.docs) {
      d.provider.destroy()
      d.doc.destroy()
    }
    this.socket.destroy()
  }
}

/** The uid of a profile, read from the space document's directory as any device would. */
export function uidOf(space: Y.Doc, userId: string): string {
  for (const [uid, entry] of space.getMap('directory').entries()) {
    const json = entry instanceof Y.Map ? entry.toJSON() : entry
    if ((json as { userId?: unknown })?.userId === userId && !(json as { deletedAt?: unknown }).deletedAt) return uid
  }
  throw new Error(`no ${userId} in the directory`)
}

/** A copy of a stored record as plain fields (a nested Y.Map's fields, or the plain value). */
export function plainCopy(value: unknown): Record<string, unknown> {
  return { ...((value instanceof Y.Map ? value.toJSON() : value) as Record<string, unknown>) }
}

/** A Y.Map holding the given fields (the shape of a mutable record). */
export function ymapOf(fields: Record<string, unknown>): Y.Map<unknown> {
  const m = new Y.Map<unknown>()
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) m.set(k, v)
  return m
}
