import * as Y from 'yjs'
import { SPACE_DOC, uidOfDocName } from '../layout'
import { deletedUids } from './directory'
import type { ConnectionState, SyncTransport, TransportEvents } from './types'

type Up = { kind: 'hello'; name: string; epoch: number; sv: Uint8Array } | { kind: 'update'; name: string; epoch: number; update: Uint8Array }
type Down =
  | { kind: 'welcome'; name: string; epoch: number; update: Uint8Array; sv: Uint8Array }
  | { kind: 'update'; name: string; update: Uint8Array }
  | { kind: 'ack'; name: string; epoch: number }

export interface MemoryHubOptions {
  /**
   * 'auto' (default): queued messages are delivered on the next macrotask, in order.
   * 'manual': nothing moves until the test calls deliverSome / deliverAll (the fuzz picks the order).
   */
  delivery?: 'auto' | 'manual'
  /** picks a number in [0, n): which connection delivers next in deliverSome (default Math.random) */
  pick?: (n: number) => number
}

/**
 * An in-process sync server: it holds each document as the Hocuspocus server does, answers a
 * transport's attach with the two sync steps, acknowledges and broadcasts updates, and, like the
 * real server (src/server/SyncServer.ts), forgets the documents (user document and parts) of a user the space's directory
 * marks deleted and never stores it again. Each connection (MemoryTransport) is a pair of ordered
 * queues, as a WebSocket is; in manual delivery the test decides which connection moves next.
 */
export class MemoryHub {
  private readonly docs = new Map<string, Y.Doc>()
  /** uids of deleted users: their documents are never stored again */
  private readonly deleted = new Set<string>()
  private readonly subscribers = new Map<string, Set<MemoryTransport>>()
  readonly connections: MemoryTransport[] = []
  private scheduled = false
  private delivery: 'auto' | 'manual'
  private readonly pick: (n: number) => number

  constructor(options: MemoryHubOptions = {}) {
    this.delivery = options.delivery ?? 'auto'
    this.pick = options.pick ?? ((n) => Math.floor(Math.random() * n))
  }

  /** A new connection to this hub (the transport of one device). */
  connect(label = `device-${this.connections.length}`): MemoryTransport {
    const t = new MemoryTransport(this, label)
    this.connections.push(t)
    return t
  }

  /** The hub's copy of a document, if it holds one. */
  document(name: string): Y.Doc | undefined {
    return this.docs.get(name)
  }

  /** Names of the documents the hub holds (a deleted user's is not among them). */
  documentNames(): string[] {
    return [...this.docs.keys()]
  }

  /** Whether the document is a deleted user's (its user document or a part of its history). */
  isDeleted(name: string): boolean {
    const uid = uidOfDocName(name)
    return !!uid && this.deleted.has(uid)
  }

  /** Switches delivery; to 'auto' delivers what is queued on the next macrotask. */
  setDelivery(delivery: 'auto' | 'manual'): void {
    this.delivery = delivery
    this.wake()
  }

  /** @internal a connection queued something */
  wake(): void {
    if (this.delivery !== 'auto' || this.scheduled) return
    this.scheduled = true
    setTimeout(() => {
      this.scheduled = false
      this.deliverAll()
    }, 0)
  }

  /** Whether any message is still on its way. */
  idle(): boolean {
    return this.connections.every((c) => c.idle())
  }

  /** Delivers up to `n` messages, each the head of a connection direction picked at random. */
  deliverSome(n: number): void {
    for (let i = 0; i < n; i++) {
      const ready = this.connections.flatMap((c) => c.readyQueues())
      if (!ready.length) return
      ready[this.pick(ready.length)]()
    }
  }

  /** Delivers everything queued, and whatever that causes, until nothing is left. */
  deliverAll(): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const ready = this.connections.flatMap((c) => c.readyQueues())
      if (!ready.length) return
      ready[0]()
    }
    throw new Error('MemoryHub: delivery does not settle')
  }

  /** @internal a connection went away or detached a document */
  unsubscribe(from: MemoryTransport, name?: string): void {
    for (const [doc, subs] of this.subscribers) if (name === undefined || doc === name) subs.delete(from)
  }

  /** @internal the server side of a message from a connection */
  receive(from: MemoryTransport, m: Up): void {
    let subs = this.subscribers.get(m.name)
    if (!subs) this.subscribers.set(m.name, (subs = new Set()))
    if (m.kind === 'hello') {
      subs.add(from)
      // (a document is created by its first update, as the server stores one)
      const doc = (!this.isDeleted(m.name) && this.docs.get(m.name)) || new Y.Doc()
      from.push({ kind: 'welcome', name: m.name, epoch: m.epoch, update: Y.encodeStateAsUpdate(doc, m.sv), sv: Y.encodeStateVector(doc) })
      return
    }
    if (!this.isDeleted(m.name)) {
      // a malformed update is refused as the real server does: the connection's message is dropped
      let applied = true
      try {
        Y.applyUpdate(this.docOf(m.name), m.update, this)
      } catch {
        applied = false
      }
      if (applied) {
        for (const other of subs) if (other !== from) other.push({ kind: 'update', name: m.name, update: m.update })
        if (m.name === SPACE_DOC) this.forgetDeletedUsers()
      }
    }
    from.push({ kind: 'ack', name: m.name, epoch: m.epoch })
  }

  private docOf(name: string): Y.Doc {
    let d = this.docs.get(name)
    if (!d) this.docs.set(name, (d = new Y.Doc()))
    return d
  }

  private forgetDeletedUsers(): void {
    const space = this.docs.get(SPACE_DOC)
    if (!space) return
    for (const uid of deletedUids(space)) {
      if (this.deleted.has(uid)) continue
      this.deleted.add(uid)
      for (const [name, doc] of [...this.docs]) {
        if (uidOfDocName(name) !== uid) continue
        doc.destroy()
        this.docs.delete(name)
      }
    }
  }
}

interface Attached {
  doc: Y.Doc
  epoch: number
  synced: boolean
  pending: number
}

/**
 * The in-process transport: one device's connection to a MemoryHub. It keeps the SyncTransport
 * rules as the Hocuspocus one does: remote updates are applied with this transport as origin, only
 * what the driver sends leaves, and a document is synced once the hub's sync step has arrived.
 * `setOnline(false)` drops the connection (what is on its way is lost); `setOnline(true)` reconnects
 * and runs the sync steps again for every attached document.
 */
export class MemoryTransport implements SyncTransport {
  readonly url: string
  readonly spaceId = undefined
  private events: TransportEvents = { onSynced: () => undefined, onChange: () => undefined }
  private readonly attached = new Map<string, Attached>()
  private up: Up[] = []
  private down: Down[] = []
  private online = true
  private destroyed = false
  private epochs = 0

  constructor(
    private readonly hub: MemoryHub,
    readonly label: string,
  ) {
    this.url = `memory://${label}`
  }

  start(events: TransportEvents): void {
    this.events = events
  }

  attach(name: string, doc: Y.Doc): void {
    this.detach(name)
    const a: Attached = { doc, epoch: ++this.epochs, synced: false, pending: 0 }
    this.attached.set(name, a)
    if (this.online && !this.destroyed) this.sendUp({ kind: 'hello', name, epoch: a.epoch, sv: Y.encodeStateVector(doc) })
    this.events.onChange()
  }

  detach(name: string): void {
    if (!this.attached.delete(name)) return
    this.hub.unsubscribe(this, name)
    this.up = this.up.filter((m) => m.name !== name)
    this.down = this.down.filter((m) => m.name !== name)
    this.events.onChange()
  }

  send(name: string, update: Uint8Array): void {
    const a = this.attached.get(name)
    if (!a || !this.online || this.destroyed) return
    a.pending++
    this.sendUp({ kind: 'update', name, epoch: a.epoch, update })
    this.events.onChange()
  }

  documentStatus(name: string): { synced: boolean; pending: number } | undefined {
    const a = this.attached.get(name)
    return a && { synced: a.synced, pending: a.pending }
  }

  connection(): { state: ConnectionState; error?: string } {
    return { state: this.online && !this.destroyed ? 'connected' : 'offline' }
  }

  reconnect(): void {
    /* the hub is always reachable while online */
  }

  destroy(): void {
    if (this.destroyed) return
    for (const name of [...this.attached.keys()]) this.detach(name)
    this.destroyed = true
    this.drop()
  }

  isOnline(): boolean {
    return this.online
  }

  /** Drops or restores the connection (a device going offline and back). */
  setOnline(online: boolean): void {
    if (this.online === online || this.destroyed) return
    this.online = online
    if (!online) this.drop()
    else for (const [name, a] of this.attached) this.sendUp({ kind: 'hello', name, epoch: a.epoch, sv: Y.encodeStateVector(a.doc) })
    this.events.onChange()
  }

  private drop(): void {
    this.up = []
    this.down = []
    this.hub.unsubscribe(this)
    for (const a of this.attached.values()) {
      a.synced = false
      a.pending = 0
    }
  }

  /** @internal */
  idle(): boolean {
    return !this.up.length && !this.down.length
  }

  /** @internal the deliveries this connection can make now: the head of each direction */
  readyQueues(): (() => void)[] {
    const out: (() => void)[] = []
    if (this.up.length) out.push(() => this.hub.receive(this, this.up.shift()!))
    if (this.down.length) out.push(() => this.receive(this.down.shift()!))
    return out
  }

  /** @internal the hub's message to this connection */
  push(m: Down): void {
    if (!this.online || this.destroyed) return
    this.down.push(m)
    this.hub.wake()
  }

  private sendUp(m: Up): void {
    this.up.push(m)
    this.hub.wake()
  }

  private receive(m: Down): void {
    const a = this.attached.get(m.name)
    if (!a || a.doc.isDestroyed) return
    if (m.kind === 'ack') {
      if (m.epoch === a.epoch && a.pending > 0) a.pending--
    } else if (m.kind === 'update') {
      Y.applyUpdate(a.doc, m.update, this)
    } else if (m.epoch === a.epoch) {
      Y.applyUpdate(a.doc, m.update, this)
      // the second sync step: what the hub lacks (counted until acknowledged, so "synced with
      // nothing pending" means the hub holds everything this device has)
      const mine = Y.encodeStateAsUpdate(a.doc, m.sv)
      a.synced = true
      if (mine.byteLength > 2) this.send(m.name, mine)
      this.events.onSynced(m.name)
    }
    this.events.onChange()
  }
}
