import { connectedChains, isLive, versionInfo } from '../core/chains'
import { SessionNotFoundError, UserNotFoundError, ValidationError } from '../core/errors'
import { isOpenConflictStatus, type MemoryRecord, type MessageRecord } from '../core/types'
import { checkTimeZone, renderContext, type ContextData, type ContextMemory, type ContextMessage, type ContextSession } from './render'
import { retrieveFrom, type Retrieval, type RetrievedItem } from './retrieve'
import { userIndex, type RetrievalContext, type UserSnapshot } from './UserIndex'

/** Options of `session.getContext` (RecallrAI's semantics for the top-k and the threshold). */
export interface GetContextOptions {
  /** include at least this many retrieved items when there are that many (default 15, 1..100) */
  minTopK?: number
  /** include at most this many retrieved items (default 50, 1..100, >= minTopK) */
  maxTopK?: number
  /** between the two, include the items whose relevance (0..1, normalised per query) is at least this (default 0.6) */
  memoriesThreshold?: number
  /** show the last N messages of this session (0..100, default 0) */
  lastNMessages?: number
  /** IANA time zone for the dates shown and for date expressions in the query (default 'UTC') */
  timezone?: string
  /** start with instructions for the model on how to read the context (default true) */
  includeSystemPrompt?: boolean
  /** what to retrieve for (default: the session's last user message) */
  query?: string
}

export interface SessionContext {
  /** Markdown for the model */
  context: string
  /** the memories shown: the relevant ones best first, then connected ones not already listed */
  memoryIds: string[]
  /** the sessions the shown memories and earlier messages came from, in order of relevance */
  sessionIds: string[]
  /** the earlier messages shown (as relevant messages, or quoted with the memory drawn from them), best first */
  messageIds: string[]
  /** the query's meaningful words (and the date expression it names, if any) */
  keywords: string[]
}

/** getContext with what it was built from (the bench and tests read the ranked list). */
export interface ContextDetails {
  result: SessionContext
  /** the ranked retrieval list (up to maxTopK) that the selection was taken from */
  retrieval: Retrieval
  /** the items that made it into the context */
  selected: RetrievedItem[]
  data: ContextData
}

export const CONTEXT_DEFAULTS = { minTopK: 15, maxTopK: 50, memoriesThreshold: 0.6, lastNMessages: 0, timezone: 'UTC', includeSystemPrompt: true }
/** Unprocessed sessions shown at most, and messages shown of each. */
const MAX_UNPROCESSED_SESSIONS = 5
const MESSAGES_PER_UNPROCESSED = 6
const PASSAGES_PER_DOC = 3

interface Target {
  uid: string
  userId: string
  sessionId: string
}

export function validateContextOptions(options: GetContextOptions): Required<Omit<GetContextOptions, 'query'>> & { query: string | undefined } {
  if (typeof options !== 'object' || options === null) throw new ValidationError('options must be an object')
  const int = (v: unknown, field: string, lo: number, hi: number, dflt: number) => {
    if (v === undefined) return dflt
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ValidationError(`${field} must be an integer from ${lo} to ${hi}`, field)
    return v
  }
  const minTopK = int(options.minTopK, 'minTopK', 1, 100, CONTEXT_DEFAULTS.minTopK)
  const maxTopK = int(options.maxTopK, 'maxTopK', 1, 100, Math.max(CONTEXT_DEFAULTS.maxTopK, minTopK))
  if (minTopK > maxTopK) throw new ValidationError('minTopK must not be greater than maxTopK', 'minTopK')
  const threshold = options.memoriesThreshold ?? CONTEXT_DEFAULTS.memoriesThreshold
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new ValidationError('memoriesThreshold must be a number from 0 to 1', 'memoriesThreshold')
  }
  const lastNMessages = int(options.lastNMessages, 'lastNMessages', 0, 100, CONTEXT_DEFAULTS.lastNMessages)
  const timezone = options.timezone ?? CONTEXT_DEFAULTS.timezone
  if (typeof timezone !== 'string' || !timezone.trim()) throw new ValidationError('timezone must be an IANA time zone name such as "Europe/Berlin"', 'timezone')
  try {
    checkTimeZone(timezone)
  } catch {
    throw new ValidationError(`Unknown time zone: ${timezone}`, 'timezone')
  }
  const includeSystemPrompt = options.includeSystemPrompt ?? true
  if (typeof includeSystemPrompt !== 'boolean') throw new ValidationError('includeSystemPrompt must be true or false', 'includeSystemPrompt')
  let query: string | undefined
  if (options.query !== undefined) {
    if (typeof options.query !== 'string' || !options.query.trim()) throw new ValidationError('query must be a non-empty string', 'query')
    if (options.query.length > 10_000) throw new ValidationError('query is longer than 10000 characters', 'query')
    query = options.query
  }
  return { minTopK, maxTopK, memoriesThreshold: threshold, lastNMessages, timezone, includeSystemPrompt, query }
}

/** The memory context for the next reply in a session: see GetContextOptions and SessionContext. */
export async function getContext(ctx: RetrievalContext, target: Target, options: GetContextOptions = {}): Promise<SessionContext> {
  return (await getContextDetails(ctx, target, options)).result
}

export async function getContextDetails(ctx: RetrievalContext, target: Target, options: GetContextOptions = {}): Promise<ContextDetails> {
  const o = validateContextOptions(options)
  const ui = userIndex(ctx, target.uid)
  await ui.sync()
  const snap = ui.snapshot
  if (!snap.profile) throw new UserNotFoundError(target.userId)
  const session = snap.sessions.get(target.sessionId)
  if (!session) throw new SessionNotFoundError(target.sessionId)
  const own = snap.sessionMessages.get(session.sessionId) ?? []
  const query = o.query ?? [...own].reverse().find((m) => m.role === 'user')?.content ?? ''
  const ref = own.length ? new Date(own[own.length - 1].timestamp) : new Date(session.createdAt)

  let retrieval: Retrieval
  let selected: RetrievedItem[]
  if (query.trim()) {
    const vector = await ui.queryVector(query)
    // the current conversation is given to the model anyway: retrieve from everything else
    // and never from a temporary chat's messages (each sees only itself)
    const temporary = [...snap.sessions.values()].filter((s) => s.temporary).map((s) => s.sessionId)
    retrieval = retrieveFrom(ui, query, { k: o.maxTopK, now: ref, timeZone: o.timezone, excludeSessionIds: [session.sessionId, ...temporary] }, vector)
    selected = select(retrieval.items, o.minTopK, o.maxTopK, o.memoriesThreshold)
  } else {
    // nothing to search for yet: the most recent memories
    const recent = [...snap.memories.values()].filter(isLive).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    selected = recent.slice(0, o.minTopK).map((m) => ({ kind: 'memory', id: m.memoryId, score: 1, sessionId: m.sessionId, sourceMessageIds: m.sourceMessageIds ?? [], dateMatch: false }))
    retrieval = { query: '', items: selected, keywords: [], dateRange: null, usedVectors: false }
  }

  const data = gather(snap, session.sessionId, selected, o.lastNMessages)
  const context = renderContext(data, { includeSystemPrompt: o.includeSystemPrompt, timezone: o.timezone })
  const memoryIds: string[] = []
  for (const m of data.memories) memoryIds.push(m.memoryId)
  for (const m of data.memories) for (const c of m.connected) if (!memoryIds.includes(c.memoryId)) memoryIds.push(c.memoryId)
  const messageIds: string[] = []
  for (const it of selected) {
    if (it.kind === 'message' && data.messages.some((m) => m.messageId === it.id)) messageIds.push(it.id)
    if (it.kind === 'memory') for (const id of it.foldedMessageIds ?? []) if (snap.messages.has(id)) messageIds.push(id)
  }
  const sessionIds: string[] = []
  for (const it of selected) if (it.kind !== 'doc' && it.sessionId && !sessionIds.includes(it.sessionId)) sessionIds.push(it.sessionId)
  const keywords = retrieval.dateRange ? [...retrieval.keywords, retrieval.dateRange.text] : retrieval.keywords
  return {
    result: { context, memoryIds, sessionIds, messageIds, keywords },
    retrieval,
    selected,
    data,
  }
}

/** At least minTopK items (when there are that many), at most maxTopK, and in between those at or above the threshold. */
export function select<T extends { score: number }>(ranked: T[], minTopK: number, maxTopK: number, threshold: number): T[] {
  let n = Math.min(minTopK, ranked.length)
  while (n < ranked.length && n < maxTopK && ranked[n].score >= threshold) n++
  return ranked.slice(0, n)
}

function gather(snap: UserSnapshot, sessionId: string, selected: RetrievedItem[], lastN: number): ContextData {
  const openConflicts = new Set(snap.conflicts.filter((c) => isOpenConflictStatus(c.status)).map((c) => c.conflictId))
  const memory = (m: MemoryRecord, full: boolean, score?: number): ContextMemory => {
    const chain = snap.chains.get(m.chainId) ?? [m]
    const v = versionInfo(chain, m.memoryId)
    return {
      memoryId: m.memoryId,
      content: m.content,
      categories: m.categories,
      eventDateStart: m.eventDateStart ? new Date(m.eventDateStart) : null,
      eventDateEnd: m.eventDateEnd ? new Date(m.eventDateEnd) : null,
      createdAt: new Date(m.createdAt),
      versionNumber: v.versionNumber,
      totalVersions: v.totalVersions,
      previousVersions: full
        ? v.previous.map((p) => ({
            memoryId: p.memoryId,
            content: p.content,
            versionNumber: chain.indexOf(p) + 1,
            createdAt: new Date(p.createdAt),
            expiredAt: p.expiredAt ? new Date(p.expiredAt) : null,
            expirationReason: p.expirationReason,
            eventDateStart: p.eventDateStart ? new Date(p.eventDateStart) : null,
            eventDateEnd: p.eventDateEnd ? new Date(p.eventDateEnd) : null,
          }))
        : [],
      connected: [],
      mergeConflictInProgress: !!m.pendingConflictId && openConflicts.has(m.pendingConflictId) && isLive(m),
      score,
    }
  }
  const topIds = new Set(selected.filter((s) => s.kind === 'memory').map((s) => s.id))
  const memories: ContextMemory[] = []
  const messages: ContextMessage[] = []
  const documents: ContextData['documents'] = []
  for (const it of selected) {
    if (it.kind === 'memory') {
      const m = snap.memories.get(it.id)
      if (!m) continue
      const cm = memory(m, true, it.score)
      const sources = (it.foldedMessageIds ?? []).map((id) => snap.messages.get(id)).filter((x): x is MessageRecord => !!x)
      if (sources.length) cm.sources = sources.map(toContextMessage)
      cm.connected = connectedChains(snap.connections, m.chainId)
        .map((c) => snap.chains.get(c)?.filter(isLive).pop())
        .filter((x): x is MemoryRecord => !!x && !topIds.has(x.memoryId))
        .map((x) => memory(x, false))
      memories.push(cm)
    } else if (it.kind === 'message') {
      const m = snap.messages.get(it.id)
      if (m) messages.push({ ...toContextMessage(m), score: it.score })
    } else {
      const d = snap.docs.get(it.id)
      if (d) documents.push({ docId: d.docId, title: d.title, passages: (it.passages ?? []).slice(0, PASSAGES_PER_DOC), score: it.score })
    }
  }
  const conflicts = snap.conflicts
    .filter((c) => c.status === 'PENDING')
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
    .map((c) => ({
      conflictId: c.conflictId,
      status: c.status,
      proposedMemoryContent: c.proposedMemoryContent,
      conflictingMemories: c.conflictingMemories.map((m) => ({ content: m.content, reason: m.reason })),
      clarifyingQuestions: c.clarifyingQuestions,
      createdAt: new Date(c.createdAt),
    }))
  const unprocessedSessions: ContextSession[] = [...snap.sessions.values()]
    .filter((s) => s.sessionId !== sessionId && !s.temporary && s.status !== 'processed' && (snap.sessionMessages.get(s.sessionId)?.length ?? 0) > 0)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    .slice(0, MAX_UNPROCESSED_SESSIONS)
    .map((s) => {
      const msgs = snap.sessionMessages.get(s.sessionId) ?? []
      return { sessionId: s.sessionId, status: s.status, createdAt: new Date(s.createdAt), messageCount: msgs.length, messages: msgs.slice(-MESSAGES_PER_UNPROCESSED).map(toContextMessage) }
    })
  const own = snap.sessionMessages.get(sessionId) ?? []
  const lastMessages = lastN > 0 ? own.slice(-lastN).map(toContextMessage) : []
  const p = snap.profile
  return {
    user: p ? { name: p.name ?? '', about: p.about ?? '' } : null,
    memories,
    documents,
    messages,
    conflicts,
    unprocessedSessions,
    lastMessages,
  }
}

function toContextMessage(m: MessageRecord): ContextMessage {
  return { messageId: m.messageId, sessionId: m.sessionId, role: m.role, content: m.content, timestamp: new Date(m.timestamp) }
}
