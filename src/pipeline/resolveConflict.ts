import type * as Y from 'yjs'
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
import { patchFields, readRecord } from '../sync/layout'
import { local, nowIso, writeUser, type ClientContext } from './context'
import { readMemoryState, toCandidate } from './processSession'
import { memoryState, writeOps } from './writeOps'

function conflictMap(udoc: Y.Doc, conflictId: string): Y.Map<unknown> {
  const c = udoc.getMap('conflicts').get(conflictId) as Y.Map<unknown> | undefined
  if (!c) throw new MergeConflictNotFoundError(conflictId)
  return c
}

function normalizeAnswers(answers: unknown): ConflictAnswer[] {
  if (!Array.isArray(answers) || !answers.length) throw new ValidationError('answers must be a non-empty array of { question, answer, message? }', 'answers')
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
  return writeUser(ctx, uid, userId, (udoc) => {
    const c = conflictMap(udoc, conflictId)
    if (c.get('status') !== expect) throw new MergeConflictAlreadyResolvedError(conflictId, String(c.get('status')))
    local(udoc, () => patchFields(c, fields as Record<string, unknown>))
  })
}

/**
 * Answers a PENDING conflict: IN_QUEUE -> RESOLVING (the engine writes the resulting memories) ->
 * RESOLVED; an engine failure leaves it FAILED with the memories unchanged.
 */
export async function resolveConflict(ctx: ClientContext, uid: string, userId: string, conflictId: string, rawAnswers: unknown): Promise<void> {
  const answers = normalizeAnswers(rawAnswers)
  const conflict = await writeUser(ctx, uid, userId, (udoc) => {
    const c = conflictMap(udoc, conflictId)
    const rec = { ...readRecord<ConflictRecord>(c)!, conflictId }
    checkAnswers(rec, answers)
    local(udoc, () => patchFields(c, { status: 'IN_QUEUE', resolutionData: { answers } }))
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
    await writeUser(ctx, uid, userId, (udoc) => {
      const c = conflictMap(udoc, conflictId)
      if (c.get('status') !== 'RESOLVING') throw new MergeConflictAlreadyResolvedError(conflictId, String(c.get('status')))
      const at = nowIso(ctx)
      const rule: RuleContext = { uid, sessionId: conflict.sessionId, at, newId: ctx.newId, conflictsEnabled: true }
      const ops = applyResolution(memoryState(udoc), conflict, results, rule)
      local(udoc, () => {
        writeOps(udoc, ops)
        patchFields(c, { status: 'RESOLVED', resolvedAt: at, newMemories: ops.insert.map((m) => m.memoryId), error: null })
      })
    })
  } catch (e) {
    const message = e instanceof KeepsakeError || e instanceof Error ? e.message : String(e)
    await setConflict(ctx, uid, userId, conflictId, 'RESOLVING', { status: 'FAILED', error: message }).catch(() => undefined)
    throw e instanceof KeepsakeError ? e : new EngineError(`Resolving the conflict failed: ${message}`)
  }
}

/** A conflict between two devices' versions needs no engine: the chosen version continues the chain. */
async function settleSyncConflict(ctx: ClientContext, uid: string, userId: string, conflict: ConflictRecord, chosen: string): Promise<void> {
  await writeUser(ctx, uid, userId, (udoc) => {
    const c = conflictMap(udoc, conflict.conflictId)
    if (c.get('status') !== 'RESOLVING') throw new MergeConflictAlreadyResolvedError(conflict.conflictId, String(c.get('status')))
    const at = nowIso(ctx)
    const ops = applySyncResolution(memoryState(udoc), conflict, chosen, { uid, sessionId: null, at, newId: ctx.newId, conflictsEnabled: true })
    local(udoc, () => {
      writeOps(udoc, ops)
      patchFields(c, { status: 'RESOLVED', resolvedAt: at, newMemories: ops.insert.map((m) => m.memoryId), error: null })
    })
  })
}
