import { parseDateRange } from './dates'
import type { DateRange, SearchKind } from './SearchIndex'
import { contentWords } from './text'
import { userIndex, type RetrievalContext, type UserIndex } from './UserIndex'

export interface RetrieveOptions {
  /** how many items to return at most (default 50) */
  k?: number
  /** the date that relative date expressions in the query are read against (default: the clock) */
  now?: Date
  /** IANA time zone for reading date expressions (default UTC) */
  timeZone?: string
  /** messages not to return (e.g. the ones the caller shows anyway) */
  excludeMessageIds?: Iterable<string>
  /** sessions whose messages are not to be returned (e.g. the current conversation) */
  excludeSessionIds?: Iterable<string>
  /** kinds of records to search (default all) */
  kinds?: SearchKind[]
}

/** One retrieved record. The ranked list of these is what getContext selects from. */
export interface RetrievedItem {
  kind: SearchKind
  /** memoryId, messageId or docId */
  id: string
  /** relevance normalised per query, 0..1 (the best item is 1) */
  score: number
  /** the session a memory was drawn from or a message belongs to */
  sessionId: string | null
  /** a memory's source messages; a message's own id; none for a document */
  sourceMessageIds: string[]
  /** for documents: the passages that matched, best first */
  passages?: string[]
  /** whether its dates overlap the date range the query names */
  dateMatch: boolean
  /** for memories: source messages that matched the query too (they are shown with the memory) */
  foldedMessageIds?: string[]
}

export interface Retrieval {
  query: string
  items: RetrievedItem[]
  /** the query's meaningful words */
  keywords: string[]
  /** the date range the query names, if any */
  dateRange: DateRange | null
  /** whether vector similarity took part */
  usedVectors: boolean
}

/**
 * Ranks the user's live memories, messages and documents for a query: lexical BM25 (stemmed, stop
 * words removed; messages also matched by their neighbours and their session as a whole), fused with
 * vector similarity when the engine can embed, and favouring records dated within a date range the
 * query names. The index is brought up to date with the read model first.
 */
export async function retrieve(ctx: RetrievalContext, uid: string, query: string, options: RetrieveOptions = {}): Promise<Retrieval> {
  const ui = userIndex(ctx, uid)
  await ui.sync()
  return retrieveFrom(ui, query, options, await ui.queryVector(query))
}

/** retrieve() on an index that is already in step (getContext syncs once and reads the snapshot too). */
export function retrieveFrom(ui: UserIndex, query: string, options: RetrieveOptions, vector: Float32Array | null): Retrieval {
  const k = options.k ?? 50
  const text = query.trim()
  const keywords = [...new Set(contentWords(text))]
  const dateRange = text ? parseDateRange(text, options.now ?? new Date(), options.timeZone ?? 'UTC') : null
  if (!text) return { query: text, items: [], keywords, dateRange, usedVectors: false }
  const exclude = new Set<string>(options.excludeMessageIds ?? [])
  const excludeSessions = new Set(options.excludeSessionIds ?? [])
  if (excludeSessions.size) {
    for (const sid of excludeSessions) for (const m of ui.snapshot.sessionMessages.get(sid) ?? []) exclude.add(m.messageId)
  }
  const self = ui.snapshot.profile?.name?.trim().toLowerCase() || null
  // documents come as passages and memories fold into their messages: ask for more than k
  const hits = ui.index.search({
    text,
    k: k * 4 + 20,
    dateRange,
    vector,
    exclude,
    kinds: options.kinds ? new Set(options.kinds) : undefined,
    self,
  })
  const items: RetrievedItem[] = []
  const docs = new Map<string, RetrievedItem>()
  // A memory and a message it was drawn from are one item: the memory, at the better of the two
  // places, with the message kept as its source (`foldedMessageIds`).
  const messageAt = new Map<string, RetrievedItem>()
  const drawnFrom = new Map<string, RetrievedItem>()
  for (const h of hits) {
    const e = h.entry
    // once the list is full, later hits only matter as memories of messages already listed
    if (items.length >= k && !(e.kind === 'memory' && (e.sourceMessageIds ?? []).some((id) => messageAt.has(id)))) continue
    if (e.kind === 'doc') {
      const d = docs.get(e.refId)
      if (d) {
        d.passages!.push(e.text)
        continue
      }
      const item: RetrievedItem = { kind: 'doc', id: e.refId, score: h.score, sessionId: null, sourceMessageIds: [], passages: [e.text], dateMatch: false }
      docs.set(e.refId, item)
      items.push(item)
    } else if (e.kind === 'message') {
      const memory = drawnFrom.get(e.refId)
      if (memory) {
        ;(memory.foldedMessageIds ??= []).push(e.refId)
        continue
      }
      const item: RetrievedItem = { kind: 'message', id: e.refId, score: h.score, sessionId: e.sessionId ?? null, sourceMessageIds: [e.refId], dateMatch: h.dateMatch }
      messageAt.set(e.refId, item)
      items.push(item)
    } else {
      const sources = e.sourceMessageIds ?? []
      const item: RetrievedItem = { kind: 'memory', id: e.refId, score: h.score, sessionId: e.sessionId ?? null, sourceMessageIds: [...sources], dateMatch: h.dateMatch }
      const listed = sources.map((id) => messageAt.get(id)).filter((x): x is RetrievedItem => !!x)
      for (const id of sources) drawnFrom.set(id, item)
      if (!listed.length) {
        items.push(item)
      } else {
        // take the place of the first of its messages listed above; drop the others
        item.foldedMessageIds = listed.map((m) => m.id)
        item.score = Math.max(item.score, listed[0].score)
        item.dateMatch ||= listed.some((m) => m.dateMatch)
        for (const m of listed) messageAt.delete(m.id)
        const at = items.indexOf(listed[0])
        items[at] = item
        for (const m of listed.slice(1)) items.splice(items.indexOf(m), 1)
      }
    }
  }
  return { query: text, items, keywords, dateRange, usedVectors: !!vector }
}
