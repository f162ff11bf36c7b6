import {
  EngineError,
  KeepsakeError,
  MergeConflictAlreadyResolvedError,
  MergeConflictInvalidAnswerError,
  MergeConflictInvalidQuestionsError,
  MergeConflictMissingAnswersError,
  MergeConflictNotFoundError,
  ValidationError,
} from '../core/errors'
import type { ConflictAnswer, ConflictRecord, MergeConflictStatus, ResolvedMemory } from '../core/types'
import { applyResolution, applySyncResolution, type RuleContext } from '../core/versions'
import type { UserView } from '../sync/schema/views'
import { nowIso, writeUser, type ClientContext } from './context'
import { readMemoryState, toCandidate } from './processSession'

/** The conflict, checked (a malformed one is not found, as the projection leaves it out). */
function conflictOf(user: UserView, conflictId: string): ConflictRecord {
  const c = user.conflicts.get(conflictId)
  if (!c) throw new MergeConflictNotFoundError(conflictId)
  return c
}

function normalizeAnswers(answers: unknown): ConflictAnswer[] {
  if (!Array.isArray(answers)) throw new ValidationError('answers must be an array of { question, answer, message? }', 'answers')
  return answers.map((a, i) => {
    const { question, answer, message } = (a ?? {}) as Record<string, unknown>
    if (typeof question !== 'string' || typeof answer !== 'string') throw new ValidationError(`answers[${i}] needs a question and an answer (strings)`, 'answers')
    if (message !== undefined && typeof message !== 'string') throw new ValidationError(`answers[${i}].message must be a string`, 'answers')
    return message === undefined ? { question, answer } : { question, answer, message }
  })
}

/** The checks of DESIGN.md, in the order the issue gives. */
export function checkAnswers(conflict: ConflictRecord, answers: ConflictAnswer[]): void {
  if (conflict.status === 'RESOLVED' || conflict.status === 'FAILED') throw new MergeConflictAlreadyResolvedError(conflict.conflictId, conflict.status)
  if (conflict.status !== 'PENDING') throw new MergeConflictAlreadyResolvedError(conflict.conflictId, `${conflict.status} (being resolved)`)
  const byQuestion = new Map(conflict.clarifyingQuestions.map((q) => [q.question, q]))
  const invalid = answers.filter((a) => !byQuestion.has(a.question)).map((a) => a.question)
  if (invalid.length) throw new MergeConflictInvalidQuestionsError(invalid)
  const answered = new Set(answers.map((a) => a.question))
  const missing = conflict.clarifyingQuestions.filter((q) => !answered.has(q.question)).map((q) => q.question)
  if (missing.length) throw new MergeConflictMissingAnswersError(missing)
  for (const a of answers) {
    const q = byQuestion.get(a.question)!
    if (!q.options.includes(a.answer)) throw new MergeConflictInvalidAnswerError(a.question, a.answer, q.options)
  }
}

function setConflict(ctx: ClientContext, uid: string, userId: string, conflictId: string, expect: MergeConflictStatus, fields: Partial<ConflictRecord>) {
  return writeUser(ctx, uid, userId, (user) => {
    const c = conflictOf(user, conflictId)
    if (c.status !== expect) throw new MergeConflictAlreadyResolvedError(conflictId, c.status)
    user.conflicts.patch(conflictId, fields)
  })
}

/**
 * Answers a PENDING conflict: IN_QUEUE -> RESOLVING (the engine writes the resulting memories) ->
 * RESOLVED; an engine failure leaves it FAILED with the memories unchanged.
 */
export async function resolveConflict(ctx: ClientContext, uid: string, userId: string, conflictId: string, rawAnswers: unknown): Promise<void> {
  const answers = normalizeAnswers(rawAnswers)
  const conflict = await writeUser(ctx, uid, userId, (user) => {
    const rec = conflictOf(user, conflictId)
    checkAnswers(rec, answers)
    user.conflicts.patch(conflictId, { status: 'IN_QUEUE', resolutionData: { answers } })
    return rec
  })
  await setConflict(ctx, uid, userId, conflictId, 'IN_QUEUE', { status: 'RESOLVING' })
  if (conflict.origin === 'sync') return settleSyncConflict(ctx, uid, userId, conflict, answers[0].answer)
  try {
    const state = await readMemoryState(ctx, uid)
    const conflicting = conflict.conflictingMemories.map((cm) => {
      const m = state.get(cm.memoryId)
      return m
        ? toCandidate(m)
        : { memoryId: cm.memoryId, content: cm.content, categories: cm.categories ?? [], createdAt: new Date(conflict.createdAt) }
    })
    const f = conflict.proposedFact
    const fact = {
      content: f.content,
      categories: f.categories,
      eventDateStart: f.eventDateStart ? new Date(f.eventDateStart) : undefined,
      eventDateEnd: f.eventDateEnd ? new Date(f.eventDateEnd) : undefined,
    }
    const results: ResolvedMemory[] = await ctx.engine().resolve({ fact, conflicting, answers })
    if (!Array.isArray(results)) throw new EngineError('The engine returned no resolution', 'INVALID_OUTPUT')
    await writeUser(ctx, uid, userId, (user) => {
      const c = conflictOf(user, conflictId)
      if (c.status !== 'RESOLVING') throw new MergeConflictAlreadyResolvedError(conflictId, c.status)
      const at = nowIso(ctx)
      const rule: RuleContext = { uid, sessionId: conflict.sessionId, at, newId: ctx.newId, conflictsEnabled: true }
      const ops = applyResolution(user.memories.state(), conflict, results, rule)
      user.applyOps(ops)
      user.conflicts.patch(conflictId, { status: 'RESOLVED', resolvedAt: at, newMemories: ops.insert.map((m) => m.memoryId), error: null })
    })
  } catch (e) {
    const message = e instanceof KeepsakeError || e instanceof Error ? e.message : String(e)
    await setConflict(ctx, uid, userId, conflictId, 'RESOLVING', { status: 'FAILED', error: message }).catch(() => undefined)
    throw e instanceof KeepsakeError ? e : new EngineError(`Resolving the conflict failed: ${message}`)
  }
}

/** A conflict between two devices' versions needs no engine: the chosen version continues the chain. */
async function settleSyncConflict(ctx: ClientContext, uid: string, userId: string, conflict: ConflictRecord, chosen: string): Promise<void> {
  await writeUser(ctx, uid, userId, (user) => {
    const c = conflictOf(user, conflict.conflictId)
    if (c.status !== 'RESOLVING') throw new MergeConflictAlreadyResolvedError(conflict.conflictId, c.status)
    const at = nowIso(ctx)
    const ops = applySyncResolution(user.memories.state(), conflict, chosen, { uid, sessionId: null, at, newId: ctx.newId, conflictsEnabled: true })
    user.applyOps(ops)
    user.conflicts.patch(conflict.conflictId, { status: 'RESOLVED', resolvedAt: at, newMemories: ops.insert.map((m) => m.memoryId), error: null })
  })
}
