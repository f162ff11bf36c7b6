import * as Y from 'yjs'
import type { MemoryClient } from '../../../src/index'
import type { RandomSource } from './RandomSource'

/** Origin of updates delivered by this network (not local, not from the log: the store persists them). */
export const NETWORK_ORIGIN = Symbol('fuzz-network')

interface Peer {
  client: MemoryClient
  online: boolean
  docs: Map<string, Y.Doc>
}

interface Packet {
  to: Peer
  doc: string
  update: Uint8Array
}

/**
 * Test double for the sync transport: delivers Y updates between in-process clients in a random
 * order, drops them while a peer is offline, and on reconnect exchanges state vectors the way the
 * Hocuspocus provider's sync step does. It feeds the same document code as the real provider: the
 * store's Y.Docs, with updates from a non-local origin that the store persists and projects.
 */
export class InProcessNetwork {
  private readonly peers: Peer[] = []
  private queue: Packet[] = []
  readonly names = new Set<string>(['space'])

  constructor(private readonly rng: RandomSource) {}

  add(client: MemoryClient): void {
    const peer: Peer = { client, online: true, docs: new Map() }
    this.peers.push(peer)
    client.store.listen({
      onDocLoaded: (name, doc) => {
        peer.docs.set(name, doc)
        this.names.add(name)
      },
      onDocUnloaded: (name) => peer.docs.delete(name),
      // as the real provider: only updates that are safely stored leave the device
      onCommitted: (name, update) => {
        if (!peer.online) return
        for (const other of this.peers) if (other !== peer && other.online) this.queue.push({ to: other, doc: name, update })
      },
    })
  }

  setOnline(i: number, online: boolean): void {
    const peer = this.peers[i]
    if (peer.online === online) return
    peer.online = online
    if (online) this.exchangeWith(peer)
    else this.queue = this.queue.filter((p) => p.to !== peer)
  }

  isOnline(i: number): boolean {
    return this.peers[i].online
  }

  /** Loads every document any peer knows on every online peer (as the provider attaches the directory's docs). */
  async loadAll(): Promise<void> {
    for (const peer of this.peers) {
      if (!peer.online) continue
      for (const name of [...this.names]) if (!peer.docs.has(name)) await peer.client.store.getDoc(name).catch(() => undefined)
    }
  }

  /** State-vector exchange between `peer` and every other online peer, both ways. */
  private exchangeWith(peer: Peer): void {
    for (const other of this.peers) {
      if (other === peer || !other.online) continue
      for (const [name, doc] of peer.docs) {
        const theirs = other.docs.get(name)
        const sv = theirs ? Y.encodeStateVector(theirs) : undefined
        this.queue.push({ to: other, doc: name, update: Y.encodeStateAsUpdate(doc, sv) })
      }
      for (const [name, doc] of other.docs) {
        const mine = peer.docs.get(name)
        const sv = mine ? Y.encodeStateVector(mine) : undefined
        this.queue.push({ to: peer, doc: name, update: Y.encodeStateAsUpdate(doc, sv) })
      }
    }
  }

  /** Delivers up to `n` queued packets, picked at random (random delivery order). */
  async deliverSome(n: number): Promise<void> {
    for (let i = 0; i < n && this.queue.length; i++) {
      const j = this.rng.int(this.queue.length)
      const [p] = this.queue.splice(j, 1)
      await this.deliver(p)
    }
  }

  private async deliver(p: Packet): Promise<void> {
    if (!p.to.online) return
    let doc = p.to.docs.get(p.doc)
    if (!doc) {
      await p.to.client.store.getDoc(p.doc).catch(() => undefined)
      doc = p.to.docs.get(p.doc)
    }
    if (doc) Y.applyUpdate(doc, p.update, NETWORK_ORIGIN)
  }

  /** Everyone online, every packet delivered, state vectors exchanged until nothing is left to send. */
  async settle(): Promise<void> {
    for (let i = 0; i < this.peers.length; i++) this.setOnline(i, true)
    for (let round = 0; round < 6; round++) {
      await this.loadAll()
      for (const peer of this.peers) this.exchangeWith(peer)
      while (this.queue.length) await this.deliverSome(this.queue.length)
      for (const peer of this.peers) await peer.client.store.flush()
    }
  }
}
