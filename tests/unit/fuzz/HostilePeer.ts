import * as Y from 'yjs'
import { SPACE_DOC } from '../../../src/sync/layout'
import type { MemoryHub, MemoryTransport } from '../../../src/sync/transport/memory'
import type { RandomSource } from './RandomSource'

/**
 * A peer with the space token and no schema (an old or buggy build, or whoever holds a leaked
 * pairing link): it syncs every document the hub holds, follows no directory rule, and writes
 * malformed records at random: wrong types in fields, nested Y types where plain values belong,
 * null records, huge strings, ids that do not match their keys, roles that do not exist.
 */
export class HostilePeer {
  readonly transport: MemoryTransport
  private readonly docs = new Map<string, Y.Doc>()
  /** what it wrote, for a failing seed's message */
  readonly log: string[] = []

  constructor(
    private readonly hub: MemoryHub,
    private readonly rng: RandomSource,
  ) {
    this.transport = hub.connect('hostile')
    this.transport.start({ onSynced: () => undefined, onChange: () => undefined })
  }

  /** Attaches every document the hub holds that it does not hold yet. */
  attachAll(): void {
    for (const name of this.hub.documentNames()) {
      if (this.docs.has(name)) continue
      const doc = new Y.Doc()
      doc.clientID = 0x7f000000 + this.rng.int(0xffffff)
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin !== this.transport) this.transport.send(name, update)
      })
      this.docs.set(name, doc)
      this.transport.attach(name, doc)
    }
  }

  /** One malformed write to a document picked at random (once it has the hub's state). */
  strike(): void {
    this.attachAll()
    const names = [...this.docs.keys()].filter((n) => this.transport.documentStatus(n)?.synced)
    if (!names.length) return
    const name = this.rng.pick(names.sort())
    const doc = this.docs.get(name)!
    const what = name === SPACE_DOC ? this.space(doc) : this.user(doc)
    this.log.push(`${name}: ${what}`)
  }

  private value(): [string, () => unknown] {
    const r = this.rng
    const options: [string, () => unknown][] = [
      ['null', () => null],
      ['a number', () => r.int(1000)],
      ['a string', () => 'not-a-date'],
      ['a boolean', () => true],
      ['an array', () => ['x', 1]],
      ['an object', () => ({ nested: { deep: 1 } })],
      ['a Y.Map', () => new Y.Map()],
      ['a Y.Array', () => Y.Array.from([1, 2])],
      ['a Y.Text', () => new Y.Text('text')],
      ['a huge string', () => 'x'.repeat(100_001 + r.int(1000))], // (over the message limit)
    ]
    return r.pick(options)
  }

  private keyOf(map: Y.Map<unknown>): string {
    const keys = [...map.keys()].sort()
    return keys.length && this.rng.chance(0.7) ? this.rng.pick(keys) : `hostile-${this.rng.int(1_000_000)}`
  }

  private space(doc: Y.Doc): string {
    const r = this.rng
    if (r.chance(0.5)) {
      const settings = doc.getMap('settings')
      const field = r.pick(['categories', 'mergeConflictsEnabled', 'modelId', 'extraField'])
      const [label, v] = this.value()
      settings.set(field, v())
      return `settings.${field} = ${label}`
    }
    const directory = doc.getMap('directory')
    const uid = this.keyOf(directory)
    const entry = directory.get(uid)
    if (entry instanceof Y.Map && r.chance(0.6)) {
      const field = r.pick(['userId', 'createdAt', 'deletedAt'])
      const [label, v] = this.value()
      entry.set(field, v())
      return `directory.${uid}.${field} = ${label}`
    }
    const [label, v] = this.value()
    directory.set(uid, v())
    return `directory.${uid} = ${label}`
  }

  private user(doc: Y.Doc): string {
    const r = this.rng
    const kind = r.pick(['profile', 'sessions', 'messages', 'memories', 'docs', 'connections', 'conflicts'])
    const map = doc.getMap(kind)
    if (kind === 'profile') {
      const field = r.pick(['name', 'about', 'metadata', 'mergeConflictEnabled', 'createdAt'])
      const [label, v] = this.value()
      map.set(field, v())
      return `profile.${field} = ${label}`
    }
    const id = this.keyOf(map)
    const current = map.get(id)
    // a field of a record (mutable records are Y.Maps of fields)
    if (current instanceof Y.Map && r.chance(0.6)) {
      const fields = [...current.keys()].sort()
      const field = fields.length ? r.pick(fields) : 'content'
      const [label, v] = this.value()
      current.set(field, v())
      return `${kind}.${id}.${field} = ${label}`
    }
    // a plausible record with one thing wrong
    if (r.chance(0.5)) {
      const base = this.plausible(kind, doc, id)
      const wrong = r.pick(Object.keys(base).sort())
      const [label, v] = this.value()
      const rec: Record<string, unknown> = { ...base, [wrong]: v() }
      if (kind === 'memories' || kind === 'sessions' || kind === 'conflicts') {
        const m = new Y.Map<unknown>()
        for (const [k, x] of Object.entries(rec)) m.set(k, x)
        map.set(id, m)
      } else map.set(id, rec)
      return `${kind}.${id} = a record with ${wrong} = ${label}`
    }
    const [label, v] = this.value()
    map.set(id, v())
    return `${kind}.${id} = ${label}`
  }

  /** A record that looks like the app's (its id possibly not its key, its role possibly not a role). */
  private plausible(kind: string, doc: Y.Doc, id: string): Record<string, unknown> {
    const r = this.rng
    const at = '2025-01-01T00:00:00.000Z'
    const session = [...doc.getMap('sessions').keys()].sort()[0] ?? 'no-session'
    const someId = r.chance(0.5) ? id : `not-${id}`
    switch (kind) {
      case 'messages':
        return { sessionId: session, seq: r.int(5), role: r.pick(['user', 'assistant', 'system']), content: 'hostile', timestamp: at }
      case 'memories':
        return { memoryId: someId, chainId: someId, prevVersionId: null, content: 'hostile', categories: ['personal'], eventDateStart: null, eventDateEnd: null, createdAt: at, expiredAt: null, expirationReason: null, mergeConflictId: null, sessionId: session, sourceMessageIds: [] }
      case 'sessions':
        return { sessionId: someId, status: 'pending', metadata: {}, createdAt: at, autoProcessAfterSeconds: 600, processedAt: null, error: null, updatedAt: at }
      case 'docs':
        return { docId: someId, title: 'hostile', content: 'hostile', metadata: {}, createdAt: at }
      case 'connections':
        return { connectionId: someId, chainA: 'a', chainB: 'b', createdAt: at }
      default:
        return { conflictId: someId, sessionId: session, status: 'PENDING', proposedMemoryContent: 'hostile', conflictingMemories: [], clarifyingQuestions: [], createdAt: at }
    }
  }
}
