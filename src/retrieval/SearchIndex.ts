import MiniSearch from 'minisearch'
import { termOf, tokenize } from './text'

/**
 * The in-memory search index of one user: BM25 (minisearch, with stop words and a Porter stemmer)
 * over memories, messages and document passages, fused with vector similarity when vectors are
 * given, and favouring records whose dates overlap a date range named in the query.
 *
 * It is pure (no I/O): src/retrieval/UserIndex.ts keeps it in step with the Dexie read model.
 */

export type SearchKind = 'memory' | 'message' | 'doc'

export interface IndexEntry {
  /** unique within the index: the memoryId, the messageId, or `${docId}#${passage}` */
  id: string
  kind: SearchKind
  /** the record this entry stands for: memoryId, messageId or docId */
  refId: string
  /** the main text */
  text: string
  /** a weaker field: a message's nearest neighbours, a memory's categories */
  context?: string
  /** a weaker field still: a message's neighbours further away */
  farContext?: string
  /** a document's title */
  title?: string
  sessionId?: string | null
  /** when it happened (memories: eventDateStart..End; messages: their timestamp), ms since epoch */
  dateStart?: number | null
  dateEnd?: number | null
  /** memories: the messages they were drawn from */
  sourceMessageIds?: string[]
  /** who said it (a message's speaker; for a memory, the speaker of its sources), lowercase */
  speaker?: string | null
}

export interface DateRange {
  start: number
  end: number
  /** the words of the query that named the range */
  text: string
}

export interface SearchQuery {
  text: string
  /** how many results to return at most */
  k: number
  /** favour entries whose dates overlap this range */
  dateRange?: DateRange | null
  /** the query's embedding, when the engine can embed */
  vector?: Float32Array | null
  /** entries to leave out (by id) */
  exclude?: ReadonlySet<string>
  kinds?: ReadonlySet<SearchKind>
  /**
   * The speaker the query means by "I"/"my" (the user's name as a speaker), so that a first-person
   * query favours what that speaker said. Speakers named in the query are favoured too.
   */
  self?: string | null
}

export interface SearchHit {
  entry: IndexEntry
  /** relevance normalised per query, 0..1 (the best hit is 1) */
  score: number
  /** raw BM25 score (0 when only the vector or the date matched) */
  lexical: number
  /** cosine similarity, when vectors were used */
  vector?: number
  /** whether the entry's dates overlap the query's date range */
  dateMatch: boolean
  /** the query terms that matched */
  terms: string[]
}

export interface SearchTuning {
  /** field boosts: main text, context (neighbours / categories), title */
  textBoost: number
  contextBoost: number
  farContextBoost: number
  titleBoost: number
  /** BM25 parameters (minisearch's k, b, d) */
  bm25: { k: number; b: number; d: number }
  /** multipliers per kind, applied to the lexical score */
  kindWeight: Record<SearchKind, number>
  /** weight of the vector part in the fused score, 0..1 (the rest is lexical) */
  vectorWeight: number
  /** relevance bonus of an entry whose dates overlap the query's range (multiplier - 1) */
  dateBoost: number
  /** relevance given to a dated memory that matches only by its date, relative to the best hit */
  dateOnlyScore: number
  /** weight of the session's own match (all its messages as one text) added to its entries' scores */
  sessionWeight: number
  /** relevance bonus of an entry said by a speaker the query names (multiplier - 1) */
  speakerBoost: number
  /** how many neighbours on each side of a message are indexed with it, in its context field */
  neighbours: number
}

export const DEFAULT_TUNING: SearchTuning = {
  textBoost: 1,
  contextBoost: 0.5,
  farContextBoost: 0.3,
  titleBoost: 1.5,
  bm25: { k: 1.2, b: 0.75, d: 0.5 },
  kindWeight: { memory: 1, message: 1, doc: 1 },
  vectorWeight: 0.5,
  dateBoost: 0.5,
  dateOnlyScore: 0.45,
  sessionWeight: 0.25,
  speakerBoost: 0.5,
  neighbours: 2,
}

interface Doc {
  id: string
  text: string
  context: string
  farContext?: string
  title: string
}

export class SearchIndex {
  private mini: MiniSearch<Doc>
  private readonly entries = new Map<string, IndexEntry>()
  private readonly vectors = new Map<string, Float32Array>()
  /** one text per session (all its messages), for the session-level match */
  private sessions: MiniSearch<Doc>
  private readonly sessionTexts = new Map<string, string>()
  /** speaker -> how many entries they said */
  private readonly speakers = new Map<string, number>()
  readonly tuning: SearchTuning

  constructor(tuning: Partial<SearchTuning> = {}) {
    this.tuning = { ...DEFAULT_TUNING, ...tuning }
    this.mini = this.createMini(['text', 'context', 'farContext', 'title'])
    this.sessions = this.createMini(['text'])
  }

  private createMini(fields: string[]): MiniSearch<Doc> {
    return new MiniSearch<Doc>({
      idField: 'id',
      fields,
      storeFields: [],
      tokenize: (text) => tokenize(text),
      processTerm: (term) => termOf(term),
      autoVacuum: { minDirtCount: 50, minDirtFactor: 0.2, batchSize: 2000, batchWait: 5 },
    })
  }

  get size(): number {
    return this.entries.size
  }

  has(id: string): boolean {
    return this.entries.has(id)
  }

  get(id: string): IndexEntry | undefined {
    return this.entries.get(id)
  }

  ids(): IterableIterator<string> {
    return this.entries.keys()
  }

  /** Adds or replaces an entry (a replaced entry keeps its vector only when its text is unchanged). */
  upsert(entry: IndexEntry): void {
    const old = this.entries.get(entry.id)
    if (old) {
      this.countSpeaker(old.speaker, -1)
      this.countSpeaker(entry.speaker, 1)
      if (old.text === entry.text && old.context === entry.context && old.farContext === entry.farContext && old.title === entry.title) {
        this.entries.set(entry.id, entry)
        return
      }
      this.mini.discard(entry.id)
      if (old.text !== entry.text) this.vectors.delete(entry.id)
    } else this.countSpeaker(entry.speaker, 1)
    this.entries.set(entry.id, entry)
    this.mini.add({ id: entry.id, text: entry.text, context: entry.context ?? '', farContext: entry.farContext ?? '', title: entry.title ?? '' })
  }

  remove(id: string): boolean {
    const old = this.entries.get(id)
    if (!old) return false
    this.countSpeaker(old.speaker, -1)
    this.entries.delete(id)
    this.vectors.delete(id)
    this.mini.discard(id)
    return true
  }

  clear(): void {
    this.entries.clear()
    this.vectors.clear()
    this.speakers.clear()
    this.sessionTexts.clear()
    this.mini = this.createMini(['text', 'context', 'farContext', 'title'])
    this.sessions = this.createMini(['text'])
  }

  private countSpeaker(speaker: string | null | undefined, delta: number): void {
    if (!speaker) return
    const n = (this.speakers.get(speaker) ?? 0) + delta
    if (n > 0) this.speakers.set(speaker, n)
    else this.speakers.delete(speaker)
  }

  /** Sets the text of a whole session (its messages), used for the session-level match; '' removes it. */
  setSessionText(sessionId: string, text: string): void {
    const old = this.sessionTexts.get(sessionId)
    if (old === text) return
    if (old !== undefined) {
      this.sessions.discard(sessionId)
      this.sessionTexts.delete(sessionId)
    }
    if (!text) return
    this.sessionTexts.set(sessionId, text)
    this.sessions.add({ id: sessionId, text, context: '', title: '' })
  }

  sessionIds(): IterableIterator<string> {
    return this.sessionTexts.keys()
  }

  setVector(id: string, v: Float32Array): void {
    if (this.entries.has(id)) this.vectors.set(id, normalize(v))
  }

  clearVectors(): void {
    this.vectors.clear()
  }

  hasVector(id: string): boolean {
    return this.vectors.has(id)
  }

  /** Entries that have no vector yet (to embed). */
  missingVectors(): IndexEntry[] {
    const out: IndexEntry[] = []
    for (const e of this.entries.values()) if (!this.vectors.has(e.id)) out.push(e)
    return out
  }

  search(q: SearchQuery): SearchHit[] {
    const t = this.tuning
    const allowed = (e: IndexEntry | undefined): e is IndexEntry => !!e && !q.exclude?.has(e.id) && (!q.kinds || q.kinds.has(e.kind))
    const lexical = new Map<string, { score: number; terms: string[] }>()
    if (q.text.trim()) {
      const results = this.mini.search(q.text, {
        boost: { text: t.textBoost, context: t.contextBoost, farContext: t.farContextBoost, title: t.titleBoost },
        bm25: t.bm25,
        combineWith: 'OR',
      })
      for (const r of results) {
        const e = this.entries.get(r.id as string)
        if (!allowed(e)) continue
        lexical.set(e.id, { score: r.score * t.kindWeight[e.kind], terms: r.terms })
      }
    }
    let maxLex = 0
    for (const l of lexical.values()) if (l.score > maxLex) maxLex = l.score

    // the session-level match: entries of sessions that match as a whole gain a little
    const sessionScore = new Map<string, number>()
    if (t.sessionWeight > 0 && q.text.trim() && this.sessionTexts.size > 1) {
      const rs = this.sessions.search(q.text, { bm25: t.bm25, combineWith: 'OR' })
      const top = rs[0]?.score ?? 0
      if (top > 0) for (const r of rs) sessionScore.set(r.id as string, r.score / top)
    }
    // speakers the query names, and the user when it speaks in the first person
    const favoured = new Set<string>()
    if (t.speakerBoost > 0 && this.speakers.size) {
      const words = new Set(tokenize(q.text))
      for (const sp of this.speakers.keys()) if (sp.split(/\s+/).some((w) => words.has(w))) favoured.add(sp)
      if (q.self && [...words].some((w) => FIRST_PERSON.has(w))) favoured.add(q.self)
    }

    // vector similarity over every entry that has a vector
    const cos = new Map<string, number>()
    let floor = 0
    let maxCos = 0
    if (q.vector && this.vectors.size) {
      const qv = normalize(q.vector)
      const all: number[] = []
      for (const [id, v] of this.vectors) {
        if (!allowed(this.entries.get(id))) continue
        const c = dot(qv, v)
        cos.set(id, c)
        all.push(c)
      }
      if (all.length) {
        all.sort((a, b) => a - b)
        floor = all[Math.floor(all.length / 2)]
        maxCos = all[all.length - 1]
      }
    }
    const useVectors = cos.size > 0 && maxCos > floor
    const wv = useVectors ? t.vectorWeight : 0
    const vecNorm = (c: number | undefined) => (c === undefined ? 0 : Math.max(0, (c - floor) / (maxCos - floor)))

    const candidates = new Set<string>(lexical.keys())
    if (useVectors) {
      const byCos = [...cos.entries()].sort((a, b) => b[1] - a[1]).slice(0, Math.max(q.k * 3, 100))
      for (const [id] of byCos) candidates.add(id)
    }
    const range = q.dateRange ?? null
    if (range) {
      for (const e of this.entries.values()) {
        if (e.kind === 'memory' && allowed(e) && overlaps(e, range)) candidates.add(e.id)
      }
    }

    const hits: SearchHit[] = []
    for (const id of candidates) {
      const e = this.entries.get(id)!
      const lex = lexical.get(id)
      const lexNorm = lex && maxLex > 0 ? lex.score / maxLex : 0
      let score = (1 - wv) * lexNorm + wv * vecNorm(cos.get(id))
      if (score > 0 && e.sessionId) score += t.sessionWeight * (sessionScore.get(e.sessionId) ?? 0)
      if (score > 0 && e.speaker && favoured.has(e.speaker)) score *= 1 + t.speakerBoost
      const dateMatch = !!range && overlaps(e, range)
      if (dateMatch) {
        if (score === 0) score = t.dateOnlyScore * closeness(e, range)
        else score *= 1 + t.dateBoost
      }
      if (score <= 0) continue
      hits.push({ entry: e, score, lexical: lex?.score ?? 0, vector: cos.get(id), dateMatch, terms: lex?.terms ?? [] })
    }
    hits.sort((a, b) => b.score - a.score || KIND_ORDER[a.entry.kind] - KIND_ORDER[b.entry.kind] || (a.entry.id < b.entry.id ? -1 : 1))
    const top = hits.slice(0, q.k)
    const best = top[0]?.score ?? 0
    if (best > 0) for (const h of top) h.score = h.score / best
    return top
  }
}

/** at equal scores: memories (distilled), then documents, then raw messages */
const KIND_ORDER: Record<SearchKind, number> = { memory: 0, doc: 1, message: 2 }

const FIRST_PERSON = new Set(['i', "i'm", "i've", "i'd", "i'll", 'me', 'my', 'mine', 'myself'])

function overlaps(e: IndexEntry, r: DateRange): boolean {
  if (e.dateStart == null) return false
  const end = e.dateEnd ?? e.dateStart
  return e.dateStart <= r.end && end >= r.start
}

/** 1 when the entry's dates lie within the range, less the more they spill over it. */
function closeness(e: IndexEntry, r: DateRange): number {
  const s = e.dateStart ?? 0
  const en = e.dateEnd ?? s
  const len = Math.max(1, en - s)
  const inside = Math.max(0, Math.min(en, r.end) - Math.max(s, r.start))
  return en === s ? 1 : 0.5 + 0.5 * Math.min(1, inside / len)
}

function dot(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length)
  let s = 0
  for (let i = 0; i < n; i++) s += a[i] * b[i]
  return s
}

function normalize(v: Float32Array): Float32Array {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i] * v[i]
  if (s === 0) return v
  const n = Math.sqrt(s)
  if (Math.abs(n - 1) < 1e-6) return v
  const out = new Float32Array(v.length)
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n
  return out
}
