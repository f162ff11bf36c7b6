import Dexie from 'dexie'
import { isLive } from '../core/chains'
import { EngineError, InvalidSessionStateError, KeepsakeError } from '../core/errors'
import { topBySimilarity } from '../core/similarity'
import type { ClarifyingQuestion, Decision, ExtractedFact, MemoryCandidate, MemoryRecord, MessageRecord, ProcessingSummary, SessionStatus, StoredFact } from '../core/types'
import { applyDecision, applyOpsToState, emptyOps, mergeOps, type MemoryOps, type RuleContext } from '../core/versions'
import { readSettings } from '../store/settings'
import { sessionMessages } from '../store/messageBlocks'
import { nowIso, writeUser, type ClientContext } from './context'
import { opsStillApply } from './writeOps'

/** How many live memories the engine sees for one decision at most. */
export const MAX_CANDIDATES = 20

export function toCandidate(m: MemoryRecord): MemoryCandidate {
  return {
    memoryId: m.memoryId,
    content: m.content,
    categories: m.categories,
    eventDateStart: m.eventDateStart ? new Date(m.eventDateStart) : undefined,
    eventDateEnd: m.eventDateEnd ? new Date(m.eventDateEnd) : undefined,
    createdAt: new Date(m.createdAt),
  }
}

/** The user's memory versions as projected in the read model. */
export async function readMemoryState(ctx: ClientContext, uid: string): Promise<Map<string, MemoryRecord>> {
  const rows = await ctx.db.memories.where('[uid+createdAt]').between([uid, Dexie.minKey], [uid, Dexie.maxKey]).toArray()
  return new Map(rows.map((r) => [r.memoryId, r]))
}

/** The live memories most worth showing the engine for this fact. */
export function candidatesFor(state: Map<string, MemoryRecord>, fact: { content: string }): MemoryRecord[] {
  const live = [...state.values()].filter(isLive)
  return live.length <= MAX_CANDIDATES ? live : topBySimilarity(live, (m) => m.content, fact.content, MAX_CANDIDATES)
}

function checkDecision(d: Decision, candidateIds: Set<string>): Decision {
  const known = (id: unknown) => typeof id === 'string' && candidateIds.has(id)
  switch (d?.kind) {
    case 'INSERT':
      return { kind: 'INSERT', relatedMemoryIds: (d.relatedMemoryIds ?? []).filter(known) }
    case 'IGNORE':
      return d
    case 'ADDITION_TO_EXISTING_MEMORY':
      if (!known(d.memoryId)) throw new EngineError(`The engine chose a memory that was not offered: ${d.memoryId}`, 'INVALID_DECISION')
      return d
    case 'TEMPORAL_CONFLICT':
    case 'MERGE_CONFLICT':
      if (!Array.isArray(d.memoryIds) || !d.memoryIds.length || !d.memoryIds.every(known)) {
        throw new EngineError(`The engine's ${d.kind} names memories that were not offered`, 'INVALID_DECISION')
      }
      return d
    default:
      throw new EngineError(`The engine returned an unknown decision: ${JSON.stringify(d)}`, 'INVALID_DECISION')
  }
}

export function checkQuestions(qs: ClarifyingQuestion[]): ClarifyingQuestion[] {
  if (!Array.isArray(qs) || !qs.length) throw new EngineError('The engine gave no clarifying question for a conflict', 'INVALID_OUTPUT')
  const seen = new Set<string>()
  return qs.map((q) => {
    const question = typeof q?.question === 'string' ? q.question.trim() : ''
    const options = Array.isArray(q?.options) ? [...new Set(q.options.filter((o) => typeof o === 'string' && o.trim()).map((o) => o.trim()))] : []
    if (!question || options.length < 2 || seen.has(question)) throw new EngineError('The engine gave a clarifying question without two options', 'INVALID_OUTPUT')
    seen.add(question)
    return { question, options }
  })
}

function storedFact(f: ExtractedFact, messages: MessageRecord[], allowed: Set<string>): StoredFact | null {
  const content = typeof f?.content === 'string' ? f.content.trim() : ''
  if (!content) return null
  const date = (d: unknown) => (d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : null)
  return {
    content,
    categories: [...new Set((f.categories ?? []).filter((c) => allowed.has(c)))],
    eventDateStart: date(f.eventDateStart),
    eventDateEnd: date(f.eventDateEnd) ?? null,
    sourceMessageIds: (f.sources ?? []).map((i) => messages[i]?.messageId).filter((x): x is string => !!x),
  }
}

/**
 * When a fact was said, which is when its memory is recorded: the newest of its source messages'
 * timestamps, else the session's last message's, else the session's start; never after now (a
 * clock ahead on another device). A history imported with its dates keeps them.
 */
export function saidAt(fact: StoredFact, messages: MessageRecord[], sessionCreatedAt: string, now: string): string {
  const sources = new Set(fact.sourceMessageIds)
  let at = ''
  for (const m of messages) if (sources.has(m.messageId) && m.timestamp > at) at = m.timestamp
  if (!at) at = messages.reduce((t, m) => (m.timestamp > t ? m.timestamp : t), '') || sessionCreatedAt
  const iso = new Date(at).toISOString()
  return iso < now ? iso : now
}

function setStatus(ctx: ClientContext, uid: string, userId: string, sessionId: string, part: string | undefined, expect: SessionStatus, fields: Record<string, unknown>) {
  return writeUser(ctx, uid, userId, (user) => {
    const s = user.sessions.require(sessionId)
    const status = s.status
    if (status !== expect) throw new InvalidSessionStateError(`Session ${sessionId} is ${status}, not ${expect}`)
    if (s.temporary) throw new InvalidSessionStateError(`Session ${sessionId} is a temporary chat: it forms no memories`)
    user.sessions.patch(sessionId, { ...fields, updatedAt: nowIso(ctx) })
  }, { parts: [part], userDoc: false })
}

/**
 * pending -> processing -> processed (or failed, with `error`). Engine calls happen outside any
 * transaction; the whole result is written in one transaction, so a failure leaves no memory of it.
 */
export async function processSession(ctx: ClientContext, uid: string, userId: string, sessionId: string): Promise<ProcessingSummary | null> {
  const claimId = ctx.newId()
  // the history part that holds the session: every write below loads only it (and the user document for the memories)
  const part = (await ctx.db.sessions.get(sessionId))?.part
  await setStatus(ctx, uid, userId, sessionId, part, 'pending', { status: 'processing', error: null, processingBy: ctx.deviceId, claimId })
  try {
    const summary = await runPipeline(ctx, uid, userId, sessionId, part, claimId)
    return summary
  } catch (e) {
    const message = e instanceof KeepsakeError || e instanceof Error ? e.message : String(e)
    await writeUser(ctx, uid, userId, (user) => {
      const s = user.sessions.require(sessionId)
      // Only our own claim is failed: another device's processing of it goes on.
      if (s.status !== 'processing' || s.claimId !== claimId) return
      user.sessions.patch(sessionId, { status: 'failed', error: message || 'Processing failed', updatedAt: nowIso(ctx) })
    }, { parts: [part], userDoc: false }).catch(() => undefined)
    return null
  }
}

async function runPipeline(ctx: ClientContext, uid: string, userId: string, sessionId: string, part: string | undefined, claimId: string): Promise<ProcessingSummary> {
  const [session, messages, profile, settings, state] = await Promise.all([
    ctx.db.sessions.get(sessionId),
    sessionMessages(ctx.db, sessionId),
    ctx.db.users.get(uid),
    readSettings(ctx.db),
    readMemoryState(ctx, uid),
  ])
  if (!session || !profile) throw new InvalidSessionStateError(`Session ${sessionId} disappeared while processing`)
  const readState = new Map(state)
  const engine = ctx.engine()
  const allowed = new Set(settings.categories.map((c) => c.name))
  const extracted = await engine.extract({
    messages: messages.map((m) => ({ role: m.role, content: m.content, timestamp: new Date(m.timestamp) })),
    sessionCreatedAt: new Date(session.createdAt),
    user: { name: profile.name, about: profile.about },
    categories: settings.categories,
  })
  if (!Array.isArray(extracted)) throw new EngineError('The engine returned no list of facts', 'INVALID_OUTPUT')
  const conflictsEnabled = profile.mergeConflictEnabled ?? settings.mergeConflictsEnabled
  const now = nowIso(ctx)
  const rule: RuleContext = { uid, sessionId, at: now, now, newId: ctx.newId, conflictsEnabled, claimId }
  const all: MemoryOps = emptyOps()
  const summary: ProcessingSummary = { facts: 0, added: [], updated: [], ignored: 0, conflicts: [] }
  for (const raw of extracted) {
    const fact = storedFact(raw, messages, allowed)
    if (!fact) continue
    summary.facts++
    const candidates = candidatesFor(state, fact)
    const engineFact: ExtractedFact = { ...raw, content: fact.content, categories: fact.categories }
    const decision = checkDecision(await engine.decide({ fact: engineFact, candidates: candidates.map(toCandidate) }), new Set(candidates.map((c) => c.memoryId)))
    let questions: ClarifyingQuestion[] = []
    if (decision.kind === 'MERGE_CONFLICT' && conflictsEnabled) {
      const conflicting = decision.memoryIds.map((id) => toCandidate(state.get(id)!))
      questions = checkQuestions(await engine.clarify({ fact: engineFact, conflicting }))
    }
    const ops = applyDecision(state, fact, decision, { ...rule, at: saidAt(fact, messages, session.createdAt, now) }, questions)
    applyOpsToState(state, ops)
    mergeOps(all, ops)
    if (decision.kind === 'IGNORE') summary.ignored++
    for (const m of ops.insert) (m.prevVersionId ? summary.updated : summary.added).push(m.memoryId)
    summary.conflicts.push(...ops.conflicts.map((c) => c.conflictId))
  }
  await writeUser(ctx, uid, userId, (user) => {
    const s = user.sessions.require(sessionId)
    if (s.status !== 'processing') throw new InvalidSessionStateError(`Session ${sessionId} is no longer processing`)
    if (s.claimId !== claimId) throw new InvalidSessionStateError(`Session ${sessionId} is being processed by another device`)
    if (!opsStillApply(user, all, readState)) throw new InvalidSessionStateError('Memories changed while this session was processed; process it again')
    user.applyOps(all)
    user.sessions.patch(sessionId, { status: 'processed', processedAt: nowIso(ctx), updatedAt: nowIso(ctx), error: null, summary })
  }, { parts: [part] })
  return summary
}
