import Dexie from 'dexie'
import { groupChains, isLive } from '../core/chains'
import type { ConflictRecord, ConnectionRecord, DocRecord, MemoryRecord, MessageRecord, ProfileRecord, SessionRecord } from '../core/types'
import type { MemoryEngine } from '../engine/types'
import type { KeepsakeDB } from '../store/db'
import { pkOfSig } from '../store/messageBlocks'
import { SearchIndex, type IndexEntry, type SearchTuning } from './SearchIndex'

/** What retrieval needs from the client: the read model, the engine (for `embed`) and the clock. */
export interface RetrievalContext {
  readonly db: KeepsakeDB
  engine(): MemoryEngine
  readonly now: () => Date
}

/** Document passages are cut at paragraph breaks into pieces of about this many characters. */
export const PASSAGE_CHARS = 800
/** Up to this many missing vectors are embedded before a query answers; more are filled in the background. */
const INLINE_EMBED = 64
const EMBED_BATCH = 64

/** Everything of one user that retrieval and getContext read, as of `marker`. */
export interface UserSnapshot {
  profile: ProfileRecord | undefined
  sessions: Map<string, SessionRecord>
  /** messages of each session, in order */
  sessionMessages: Map<string, MessageRecord[]>
  messages: Map<string, MessageRecord>
  memories: Map<string, MemoryRecord>
  chains: Map<string, MemoryRecord[]>
  connections: ConnectionRecord[]
  conflicts: ConflictRecord[]
  docs: Map<string, DocRecord>
}

/**
 * The search index of one user, kept in step with the Dexie read model.
 *
 * On every query `sync()` reads a cheap change marker in one read transaction: the last sequence
 * number of the user's document in the update log (every projected write, by this tab, another tab
 * or a sync from another device, appends to it in the same IndexedDB transaction as its rows) plus
 * the counts of the user's memories, message blocks and documents. When it changed, the index is
 * brought up to date incrementally from a consistent read: new messages and documents are added,
 * removed ones discarded (messages are read only from blocks whose sig changed; documents are
 * immutable, so their primary keys tell what changed), memories are read
 * again (their expiry changes) and only live versions are indexed. The first use reads everything.
 */
export class UserIndex {
  readonly index: SearchIndex
  private marker: string | null = null
  /** the message ids of each message block read, by the block's sig */
  private blockIds = new Map<string, string[]>()
  private pending: Promise<void> = Promise.resolve()
  private snap: UserSnapshot = emptySnapshot()
  /** the engine whose embeddings the index holds (vectors are dropped when it changes) */
  private embedder: MemoryEngine | null = null
  private embedFailed: MemoryEngine | null = null

  constructor(
    private readonly ctx: RetrievalContext,
    readonly uid: string,
    tuning: Partial<SearchTuning> = {},
  ) {
    this.index = new SearchIndex(tuning)
  }

  get snapshot(): UserSnapshot {
    return this.snap
  }

  /** Brings the index up to date with the read model (one at a time). */
  sync(): Promise<void> {
    const run = this.pending.then(() => this.syncNow())
    this.pending = run.catch(() => undefined)
    return run
  }

  private async syncNow(): Promise<void> {
    const db = this.ctx.db
    const uid = this.uid
    const range = [[uid, Dexie.minKey], [uid, Dexie.maxKey]] as const
    const tables = [db.updates, db.users, db.sessions, db.messageBlocks, db.memories, db.docs, db.connections, db.conflicts]
    await db.transaction('r', tables, async () => {
      // (the log's last entry: a user's messages are in the parts of its history, not its document)
      const [lastSeq, memCount, blockCount, docCount] = await Promise.all([
        db.updates.orderBy(':id').reverse().limit(1).primaryKeys(),
        db.memories.where('[uid+createdAt]').between(...range).count(),
        db.messageBlocks.where('[uid+sig]').between(...range).count(),
        db.docs.where('[uid+createdAt]').between(...range).count(),
      ])
      const marker = `${lastSeq[0] ?? 0}|${memCount}|${blockCount}|${docCount}`
      if (marker === this.marker) return
      const [profile, sessions, blockKeys, memories, docIds, connections, conflicts] = await Promise.all([
        db.users.get(uid),
        db.sessions.where('[uid+createdAt]').between(...range).toArray(),
        db.messageBlocks.where('[uid+sig]').between(...range).keys(),
        db.memories.where('[uid+createdAt]').between(...range).toArray(),
        db.docs.where('[uid+createdAt]').between(...range).primaryKeys(),
        db.connections.where('uid').equals(uid).toArray(),
        db.conflicts.where('[uid+createdAt]').between(...range).toArray(),
      ])
      // A message block's sig changes whenever its messages do: only new sigs are read.
      const sigs = (blockKeys as unknown as [string, string][]).map(([, sig]) => sig)
      const freshSigs = sigs.filter((sig) => !this.blockIds.has(sig))
      const newDocIds = docIds.filter((id) => !this.snap.docs.has(id))
      const [freshBlocks, newDocs] = await Promise.all([db.messageBlocks.bulkGet(freshSigs.map(pkOfSig)), db.docs.bulkGet(newDocIds)])
      const blockIds = new Map<string, string[]>()
      const messageIds: string[] = []
      const newMessages: MessageRecord[] = []
      for (const sig of sigs) {
        const ids = this.blockIds.get(sig)
        if (!ids) continue
        blockIds.set(sig, ids)
        messageIds.push(...ids)
      }
      freshBlocks.forEach((row, i) => {
        if (!row) return
        blockIds.set(freshSigs[i], row.messages.map((m) => m.messageId))
        for (const m of row.messages) {
          messageIds.push(m.messageId)
          if (!this.snap.messages.has(m.messageId)) newMessages.push(m)
        }
      })
      this.apply({ profile, sessions, messageIds, newMessages, memories, docIds, newDocs, connections, conflicts })
      this.blockIds = blockIds
      this.marker = marker
    })
  }

  private apply(r: {
    profile: ProfileRecord | undefined
    sessions: SessionRecord[]
    messageIds: string[]
    newMessages: (MessageRecord | undefined)[]
    memories: MemoryRecord[]
    docIds: string[]
    newDocs: (DocRecord | undefined)[]
    connections: ConnectionRecord[]
    conflicts: ConflictRecord[]
  }): void {
    const old = this.snap
    const idx = this.index
    const selfName = speakerName(r.profile?.name)
    const selfChanged = speakerName(old.profile?.name) !== selfName

    // ---- messages: immutable; added or removed ----
    const messages = new Map<string, MessageRecord>()
    const keep = new Set(r.messageIds)
    const touchedSessions = new Set<string>()
    for (const [id, m] of old.messages) {
      if (keep.has(id)) messages.set(id, m)
      else {
        idx.remove(id)
        touchedSessions.add(m.sessionId)
      }
    }
    for (const m of r.newMessages) {
      if (!m || m.uid !== this.uid) continue
      messages.set(m.messageId, m)
      touchedSessions.add(m.sessionId)
    }
    const sessionMessages = new Map<string, MessageRecord[]>()
    for (const m of messages.values()) {
      const list = sessionMessages.get(m.sessionId)
      if (list) list.push(m)
      else sessionMessages.set(m.sessionId, [m])
    }
    for (const list of sessionMessages.values()) list.sort((a, b) => a.seq - b.seq || (a.messageId < b.messageId ? -1 : 1))
    // a message's entry holds its neighbours, so a session that changed is indexed again (unchanged
    // entries are cheap: upsert keeps them when their text is the same)
    const reindex = selfChanged ? new Set(sessionMessages.keys()) : touchedSessions
    for (const sid of reindex) {
      const list = sessionMessages.get(sid) ?? []
      const lines = list.map((m) => line(m, selfName))
      list.forEach((m, i) => {
        const near: string[] = []
        const far: string[] = []
        for (let d = 1; d <= idx.tuning.neighbours; d++) {
          const into = d === 1 ? near : far
          if (i - d >= 0) into.push(lines[i - d])
          if (i + d < list.length) into.push(lines[i + d])
        }
        idx.upsert({
          id: m.messageId,
          kind: 'message',
          refId: m.messageId,
          text: m.content,
          context: near.join('\n'),
          farContext: far.join('\n'),
          sessionId: m.sessionId,
          dateStart: Date.parse(m.timestamp),
          dateEnd: Date.parse(m.timestamp),
          speaker: speakerOf(m, selfName),
        })
      })
      idx.setSessionText(sid, list.map((m) => m.content).join('\n'))
    }

    // ---- memories: live versions only; re-read whole (expiry and conflicts change them) ----
    const memories = new Map(r.memories.map((m) => [m.memoryId, m]))
    for (const [id, m] of old.memories) if (isLive(m) && !(memories.get(id) && isLive(memories.get(id)!))) idx.remove(id)
    // A live version is also found by the words of its earlier versions ("where do I live?" finds
    // "User moved to Berlin" through "User lives in Paris"): they are about the same subject.
    const history = new Map<string, string[]>()
    for (const m of memories.values()) if (!isLive(m)) history.set(m.chainId, [...(history.get(m.chainId) ?? []), m.content])
    for (const m of memories.values()) {
      if (!isLive(m)) continue
      const src = m.sourceMessageIds?.map((id) => messages.get(id)).find((x) => !!x)
      idx.upsert({
        id: m.memoryId,
        kind: 'memory',
        refId: m.memoryId,
        text: m.content,
        context: [...m.categories.map((c) => c.replace(/_/g, ' ')), ...(history.get(m.chainId) ?? [])].join(' '),
        sessionId: m.sessionId,
        dateStart: m.eventDateStart ? Date.parse(m.eventDateStart) : null,
        dateEnd: m.eventDateEnd ? Date.parse(m.eventDateEnd) : m.eventDateStart ? Date.parse(m.eventDateStart) : null,
        sourceMessageIds: m.sourceMessageIds ?? [],
        speaker: src ? speakerOf(src, selfName) : selfName,
      })
    }

    // ---- documents: immutable; cut into passages ----
    const docs = new Map<string, DocRecord>()
    const keepDocs = new Set(r.docIds)
    for (const [id, d] of old.docs) {
      if (keepDocs.has(id)) docs.set(id, d)
      else for (let i = 0; i < passageCount(d); i++) idx.remove(`${id}#${i}`)
    }
    for (const d of r.newDocs) {
      if (!d || d.uid !== this.uid) continue
      docs.set(d.docId, d)
      passages(d.content).forEach((text, i) => {
        idx.upsert({ id: `${d.docId}#${i}`, kind: 'doc', refId: d.docId, text, title: d.title, dateStart: null, dateEnd: null })
      })
    }

    this.snap = {
      profile: r.profile,
      sessions: new Map(r.sessions.map((s) => [s.sessionId, s])),
      sessionMessages,
      messages,
      memories,
      chains: groupChains(memories.values()),
      connections: r.connections,
      conflicts: r.conflicts,
      docs,
    }
  }

  /**
   * The query's vector when the engine can embed and every indexed record has a vector; null means
   * lexical search only. A few missing vectors are filled in at once; many (the first use, a big
   * import) are filled in the background, so that a query never waits for a whole index to embed.
   */
  async queryVector(query: string): Promise<Float32Array | null> {
    const engine = this.ctx.engine()
    if (typeof engine.embed !== 'function' || this.embedFailed === engine || !query.trim()) return null
    if (this.embedder !== engine) {
      // vectors of another model are not comparable
      this.index.clearVectors()
      this.embedder = engine
    }
    const missing = this.index.missingVectors().length
    if (missing > INLINE_EMBED) {
      void this.fillVectors()
      return null
    }
    try {
      if (missing) await this.fillVectors()
      if (this.index.missingVectors().length || this.embedder !== engine) return null
      const [qv] = await engine.embed.call(engine, [query])
      return qv instanceof Float32Array ? qv : null
    } catch {
      this.embedFailed = engine
      return null
    }
  }

  private filling: Promise<void> | null = null

  /** Embeds every record that has no vector yet, in batches (one run at a time). */
  fillVectors(): Promise<void> {
    if (this.filling) return this.filling
    const engine = this.ctx.engine()
    if (typeof engine.embed !== 'function' || this.embedFailed === engine) return Promise.resolve()
    const embed = engine.embed.bind(engine)
    this.filling = (async () => {
      try {
        for (;;) {
          if (this.embedder !== engine) return
          const batch = this.index.missingVectors().slice(0, EMBED_BATCH)
          if (!batch.length) return
          const vecs = await embed(batch.map((e) => e.text))
          if (!Array.isArray(vecs) || vecs.length !== batch.length) throw new Error('embed returned the wrong number of vectors')
          if (this.embedder !== engine) return
          let set = 0
          batch.forEach((e, j) => {
            // skip an entry whose text changed while it was being embedded (it is embedded again)
            if (this.index.get(e.id)?.text === e.text && vecs[j] instanceof Float32Array) {
              this.index.setVector(e.id, vecs[j])
              set++
            }
          })
          if (!set && batch.every((e) => this.index.get(e.id)?.text === e.text)) throw new Error('embed returned no usable vector')
        }
      } catch {
        this.embedFailed = engine
      } finally {
        this.filling = null
      }
    })()
    return this.filling
  }
}

function emptySnapshot(): UserSnapshot {
  return {
    profile: undefined,
    sessions: new Map(),
    sessionMessages: new Map(),
    messages: new Map(),
    memories: new Map(),
    chains: new Map(),
    connections: [],
    conflicts: [],
    docs: new Map(),
  }
}

const SPEAKER_PREFIX = /^\s*(\p{Lu}[\p{L}'.-]{0,30}(?:[ \t]\p{Lu}[\p{L}'.-]{0,30}){0,2}):[ \t]/u

function speakerName(name: string | undefined | null): string | null {
  const n = (name ?? '').trim().toLowerCase()
  return n || null
}

/** Who said a message: a "Name: " prefix in its text, else the user (by name) or the assistant. */
export function speakerOf(m: Pick<MessageRecord, 'content' | 'role'>, selfName: string | null): string | null {
  const p = SPEAKER_PREFIX.exec(m.content)
  if (p) return p[1].toLowerCase()
  return m.role === 'user' ? selfName : 'assistant'
}

/** A message as a line among its neighbours, with its speaker kept. */
function line(m: MessageRecord, selfName: string | null): string {
  if (SPEAKER_PREFIX.test(m.content)) return m.content
  return `${m.role === 'user' ? selfName ?? 'user' : 'assistant'}: ${m.content}`
}

/** A document cut at paragraph (then sentence) breaks into passages of about PASSAGE_CHARS. */
export function passages(content: string): string[] {
  const out: string[] = []
  let cur = ''
  const pieces = content.split(/\n\s*\n/).flatMap((p) => (p.length <= PASSAGE_CHARS ? [p] : p.split(/(?<=[.!?])\s+/)))
  for (const raw of pieces) {
    const p = raw.trim()
    if (!p) continue
    if (cur && cur.length + p.length + 1 > PASSAGE_CHARS) {
      out.push(cur)
      cur = ''
    }
    if (p.length > PASSAGE_CHARS * 2) {
      if (cur) out.push(cur)
      cur = ''
      for (let i = 0; i < p.length; i += PASSAGE_CHARS) out.push(p.slice(i, i + PASSAGE_CHARS))
      continue
    }
    cur = cur ? `${cur}\n${p}` : p
  }
  if (cur) out.push(cur)
  return out.length ? out : [content.slice(0, PASSAGE_CHARS)]
}

function passageCount(d: DocRecord): number {
  return passages(d.content).length
}

const registry = new WeakMap<KeepsakeDB, Map<string, UserIndex>>()

/** The (lazily built) index of one user of this database, shared by every handle of the client. */
export function userIndex(ctx: RetrievalContext, uid: string): UserIndex {
  let users = registry.get(ctx.db)
  if (!users) registry.set(ctx.db, (users = new Map()))
  let ui = users.get(uid)
  if (!ui) users.set(uid, (ui = new UserIndex(ctx, uid)))
  return ui
}

/** Forgets the index of a user (or of every user of this database). */
export function dropUserIndex(db: KeepsakeDB, uid?: string): void {
  if (uid === undefined) registry.delete(db)
  else registry.get(db)?.delete(uid)
}

export type { IndexEntry }
