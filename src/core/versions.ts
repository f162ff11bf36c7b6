import { fnv64 } from './hash'
import { groupChains, isLive, makeConnection, orderChain } from './chains'
import { EngineError, MemoryNotFoundError, ValidationError } from './errors'
import type {
  ClarifyingQuestion,
  ConflictRecord,
  ConnectionRecord,
  Decision,
  ExpirationReason,
  IsoDate,
  MemoryRecord,
  ResolvedMemory,
  StoredFact,
} from './types'

/**
 * The version rules of DESIGN.md as pure functions. They read a working set of memory records and
 * return the operations to apply; src/pipeline writes the operations in one transaction.
 */

export interface MemoryOps {
  /** new version records */
  insert: MemoryRecord[]
  /** field changes of existing versions */
  patch: { memoryId: string; fields: Partial<MemoryRecord> }[]
  /** versions removed */
  remove: string[]
  connect: ConnectionRecord[]
  disconnect: string[]
  conflicts: ConflictRecord[]
  /** conflicts removed (raised by a processing claim that lost, see src/pipeline/crossDevice.ts) */
  dropConflicts: string[]
}

export function emptyOps(): MemoryOps {
  return { insert: [], patch: [], remove: [], connect: [], disconnect: [], conflicts: [], dropConflicts: [] }
}

export function mergeOps(into: MemoryOps, more: MemoryOps): MemoryOps {
  into.insert.push(...more.insert)
  into.patch.push(...more.patch)
  into.remove.push(...more.remove)
  into.connect.push(...more.connect)
  into.disconnect.push(...more.disconnect)
  into.conflicts.push(...more.conflicts)
  into.dropConflicts.push(...more.dropConflicts)
  return into
}

/** The records of a user, keyed by memoryId: the state the rules read and update. */
export type MemoryState = Map<string, MemoryRecord>

/** Applies ops to an in-memory working set (so later facts of a session see earlier ones). */
export function applyOpsToState(state: MemoryState, ops: MemoryOps): void {
  for (const id of ops.remove) state.delete(id)
  for (const p of ops.patch) {
    const cur = state.get(p.memoryId)
    if (cur) state.set(p.memoryId, { ...cur, ...p.fields })
  }
  for (const m of ops.insert) state.set(m.memoryId, m)
}

export interface RuleContext {
  uid: string
  sessionId: string | null
  /**
   * ISO time the change is recorded at: for processing, when the fact was said (its messages' time,
   * so a history imported from 2023 is recorded in 2023); a new version is always recorded after
   * the version it replaces (see `after`)
   */
  at: string
  /** when the rules run (a conflict is raised now, whenever its fact was said); defaults to `at` */
  now?: string
  newId: () => string
  /** whether merge conflicts are enabled for this user (user override, else space setting) */
  conflictsEnabled: boolean
  /** the processing claim the changes belong to (see src/pipeline/crossDevice.ts) */
  claimId?: string | null
}

function versionFrom(fact: StoredFact, ctx: RuleContext, chainId: string | null, prev: MemoryRecord | null, mergeConflictId: string | null = null): MemoryRecord {
  const memoryId = ctx.newId()
  return {
    memoryId,
    uid: ctx.uid,
    chainId: chainId ?? memoryId,
    prevVersionId: prev?.memoryId ?? null,
    content: fact.content,
    categories: [...fact.categories],
    eventDateStart: fact.eventDateStart,
    eventDateEnd: fact.eventDateEnd,
    createdAt: ctx.at,
    expiredAt: null,
    expirationReason: null,
    mergeConflictId,
    pendingConflictId: null,
    sessionId: ctx.sessionId,
    sourceMessageIds: [...fact.sourceMessageIds],
    claimId: ctx.claimId ?? null,
  }
}

function expire(m: MemoryRecord, reason: ExpirationReason, ctx: RuleContext, mergeConflictId: string | null = null) {
  return { memoryId: m.memoryId, fields: { expiredAt: ctx.at, expirationReason: reason, mergeConflictId, pendingConflictId: null, expiredByClaim: ctx.claimId ?? null } }
}

/** `at`, or just after `after` when that is later: a new version sorts after the one it replaces, whatever the clock or the fact's own time. */
function laterThan(at: string, after: string): string {
  return at > after ? at : new Date(Date.parse(after) + 1).toISOString()
}

/** The context for versions that replace `targets`: recorded after every one of them. */
function after(ctx: RuleContext, targets: MemoryRecord[]): RuleContext {
  const at = targets.reduce((t, m) => laterThan(t, m.createdAt), ctx.at)
  return at === ctx.at ? ctx : { ...ctx, at }
}

function liveTargets(state: MemoryState, ids: string[], kind: string): MemoryRecord[] {
  if (!ids.length) throw new EngineError(`${kind} decision names no memory`, 'INVALID_DECISION')
  return ids.map((id) => {
    const m = state.get(id)
    if (!m || !isLive(m)) throw new EngineError(`${kind} decision names a memory that is not a live candidate: ${id}`, 'INVALID_DECISION')
    return m
  })
}

/** The live version at the end of `target`'s chain, to continue after. */
function head(state: MemoryState, chainId: string): MemoryRecord | null {
  const chain = orderChain([...state.values()].filter((m) => m.chainId === chainId))
  return chain[chain.length - 1] ?? null
}

/**
 * What a decision does to the memories. `questions` are the engine's clarifying questions, needed
 * only for a MERGE_CONFLICT when conflicts are enabled.
 */
export function applyDecision(state: MemoryState, fact: StoredFact, decision: Decision, ctx: RuleContext, questions: ClarifyingQuestion[] = []): MemoryOps {
  const ops = emptyOps()
  switch (decision.kind) {
    case 'IGNORE':
      return ops
    case 'INSERT': {
      const v = versionFrom(fact, ctx, null, null)
      ops.insert.push(v)
      for (const id of new Set(decision.relatedMemoryIds ?? [])) {
        const other = state.get(id)
        if (!other) continue // a stale related id only loses a link, never a fact
        const c = makeConnection(ctx.uid, v.chainId, other.chainId, ctx.at)
        if (c) ops.connect.push(c)
      }
      return ops
    }
    case 'ADDITION_TO_EXISTING_MEMORY': {
      const [target] = liveTargets(state, [decision.memoryId], decision.kind)
      if (!decision.content?.trim()) throw new EngineError('ADDITION_TO_EXISTING_MEMORY decision has empty content', 'INVALID_DECISION')
      ctx = after(ctx, [target])
      ops.patch.push(expire(target, 'ADDITION_TO_EXISTING_MEMORY', ctx))
      const merged: StoredFact = {
        content: decision.content,
        categories: [...new Set([...target.categories, ...fact.categories])],
        eventDateStart: fact.eventDateStart ?? target.eventDateStart,
        eventDateEnd: fact.eventDateEnd ?? target.eventDateEnd,
        sourceMessageIds: [...new Set([...target.sourceMessageIds, ...fact.sourceMessageIds])],
      }
      ops.insert.push(versionFrom(merged, ctx, target.chainId, target))
      return ops
    }
    case 'TEMPORAL_CONFLICT':
      return supersede(fact, liveTargets(state, decision.memoryIds, decision.kind), 'TEMPORAL_CONFLICT', ctx)
    case 'MERGE_CONFLICT': {
      const targets = liveTargets(state, decision.memoryIds, decision.kind)
      if (!ctx.conflictsEnabled) return supersede(fact, targets, 'MERGE_CONFLICT', ctx)
      if (!questions.length) throw new EngineError('MERGE_CONFLICT needs at least one clarifying question', 'INVALID_DECISION')
      const conflictId = ctx.newId()
      ops.conflicts.push({
        conflictId,
        uid: ctx.uid,
        sessionId: ctx.sessionId,
        status: 'PENDING',
        proposedMemoryContent: fact.content,
        proposedFact: fact,
        conflictingMemories: targets.map((t) => ({
          memoryId: t.memoryId,
          content: t.content,
          reason: decision.reason,
          categories: t.categories,
          eventDateStart: t.eventDateStart,
          eventDateEnd: t.eventDateEnd,
        })),
        clarifyingQuestions: questions.map((q) => ({ question: q.question, options: [...q.options] })),
        resolutionData: null,
        newMemories: [],
        createdAt: ctx.now ?? ctx.at,
        resolvedAt: null,
        error: null,
        origin: 'pipeline',
        claimId: ctx.claimId ?? null,
      })
      for (const t of targets) ops.patch.push({ memoryId: t.memoryId, fields: { pendingConflictId: conflictId } })
      return ops
    }
  }
}

/**
 * The new fact replaces the targets: each target expires with `reason`; the fact becomes the next
 * version of the first target's chain; the other chains are linked to it.
 */
function supersede(fact: StoredFact, targets: MemoryRecord[], reason: ExpirationReason, ctx: RuleContext): MemoryOps {
  const ops = emptyOps()
  ctx = after(ctx, targets)
  for (const t of targets) ops.patch.push(expire(t, reason, ctx))
  const first = targets[0]
  const v = versionFrom(fact, ctx, first.chainId, first)
  ops.insert.push(v)
  for (const t of targets.slice(1)) {
    const c = makeConnection(ctx.uid, v.chainId, t.chainId, ctx.at)
    if (c) ops.connect.push(c)
  }
  return ops
}

/**
 * Settles a conflict with the engine's results: each result continues the chain of the memory it
 * replaces (from that chain's live head, in case it moved on), the replaced version expires with
 * MERGE_CONFLICT and the conflict's id. Conflicting memories no result replaces stay as they are.
 */
export function applyResolution(state: MemoryState, conflict: ConflictRecord, results: ResolvedMemory[], ctx: RuleContext): MemoryOps {
  const ops = emptyOps()
  const allowed = new Set(conflict.conflictingMemories.map((c) => c.memoryId))
  const done = new Set<string>()
  for (const r of results) {
    if (!allowed.has(r.replaces)) throw new EngineError(`resolution replaces a memory that is not in the conflict: ${r.replaces}`, 'INVALID_DECISION')
    if (done.has(r.replaces)) throw new EngineError(`resolution replaces ${r.replaces} twice`, 'INVALID_DECISION')
    done.add(r.replaces)
    const fact: StoredFact = {
      content: r.content,
      categories: r.categories,
      eventDateStart: r.eventDateStart?.toISOString() ?? null,
      eventDateEnd: r.eventDateEnd?.toISOString() ?? null,
      sourceMessageIds: conflict.proposedFact.sourceMessageIds,
    }
    const original = state.get(r.replaces)
    const chainHead = original ? headLive(state, original.chainId) : null
    if (chainHead) {
      const c = after(ctx, [chainHead])
      ops.patch.push(expire(chainHead, 'MERGE_CONFLICT', c, conflict.conflictId))
      ops.insert.push(versionFrom(fact, c, chainHead.chainId, chainHead, conflict.conflictId))
    } else {
      // the chain was deleted while the conflict waited: the answer starts a new chain
      ops.insert.push(versionFrom(fact, ctx, null, null, conflict.conflictId))
    }
  }
  for (const id of allowed) {
    const m = state.get(id)
    if (m && m.pendingConflictId === conflict.conflictId && !done.has(id)) ops.patch.push({ memoryId: id, fields: { pendingConflictId: null } })
  }
  return ops
}

function headLive(state: MemoryState, chainId: string): MemoryRecord | null {
  const h = head(state, chainId)
  if (h && isLive(h)) return h
  const live = orderChain([...state.values()].filter((m) => m.chainId === chainId && isLive(m)))
  return live[live.length - 1] ?? null
}

/**
 * Deleting a version. Without `deletePreviousVersions`: a deleted live version makes the previous
 * one live again; a deleted middle version is unlinked and the chain relinked. With it: that version
 * and all older ones go, and the next newer version (if any) starts the chain. Nothing else is touched.
 */
export function deleteVersion(state: MemoryState, memoryId: string, deletePreviousVersions: boolean, connections: Iterable<ConnectionRecord> = []): MemoryOps {
  const target = state.get(memoryId)
  if (!target) throw new MemoryNotFoundError(memoryId)
  const chain = groupChains([...state.values()].filter((m) => m.chainId === target.chainId)).get(target.chainId)!
  const i = chain.findIndex((m) => m.memoryId === memoryId)
  const ops = emptyOps()
  const gone = deletePreviousVersions ? chain.slice(0, i + 1) : [target]
  ops.remove.push(...gone.map((m) => m.memoryId))
  const next = chain[i + 1]
  if (deletePreviousVersions) {
    if (next) ops.patch.push({ memoryId: next.memoryId, fields: { prevVersionId: null } })
  } else {
    const prev = chain[i - 1]
    if (next) ops.patch.push({ memoryId: next.memoryId, fields: { prevVersionId: prev?.memoryId ?? null } })
    if (isLive(target) && prev && !next) {
      ops.patch.push({ memoryId: prev.memoryId, fields: { expiredAt: null, expirationReason: null, mergeConflictId: null } })
    }
  }
  if (gone.length === chain.length) {
    for (const c of connections) if (c.chainA === target.chainId || c.chainB === target.chainId) ops.disconnect.push(c.connectionId)
  }
  return ops
}

// ---- The person's own changes ----

/** What the person says a memory is (user.updateMemory, user.addMemory), validated by the caller. */
export interface MemoryText {
  content: string
  categories: string[]
  eventDateStart: IsoDate | null
  eventDateEnd: IsoDate | null
}

/**
 * The person rewrites a live version: it expires with USER_EDIT and the edit becomes the next version
 * of its chain, written by the person (`byUser`), keeping the source (session and messages) of what it
 * corrects. An edit that changes nothing makes no version.
 */
export function editVersion(state: MemoryState, memoryId: string, edit: MemoryText, ctx: RuleContext): MemoryOps {
  const target = state.get(memoryId)
  if (!target) throw new MemoryNotFoundError(memoryId)
  if (!isLive(target)) throw new ValidationError(`Memory ${memoryId} is an earlier version: edit the current version of its chain`, 'memoryId')
  const ops = emptyOps()
  const same =
    edit.content === target.content &&
    edit.categories.length === target.categories.length &&
    edit.categories.every((c, i) => c === target.categories[i]) &&
    edit.eventDateStart === target.eventDateStart &&
    edit.eventDateEnd === target.eventDateEnd
  if (same) return ops
  const when = after({ ...ctx, sessionId: target.sessionId, claimId: null }, [target])
  ops.patch.push(expire(target, 'USER_EDIT', when))
  const v = versionFrom({ ...edit, categories: [...edit.categories], sourceMessageIds: target.sourceMessageIds }, when, target.chainId, target)
  v.byUser = true
  ops.insert.push(v)
  return ops
}

/** A memory the person adds by hand: version 1 of a new chain, from no session, written by the person. */
export function addedByHand(text: MemoryText, ctx: RuleContext): MemoryOps {
  const ops = emptyOps()
  const v = versionFrom({ ...text, categories: [...text.categories], sourceMessageIds: [] }, { ...ctx, sessionId: null, claimId: null }, null, null)
  v.byUser = true
  ops.insert.push(v)
  return ops
}

// ---- Conflicts across devices ----

/** A stable id, so two devices that detect the same split raise one conflict, not two. */
export function syncConflictId(chainId: string, headIds: string[]): string {
  return `sync:${chainId}:${fnv64([...headIds].sort().join('+'))}`
}

/**
 * A chain with two or more live heads (two devices each added a version while apart). Heads with
 * the same content are folded at once (the oldest stays); different contents become a conflict that
 * asks which version is right. Everything here is derived from the heads only, so every device
 * computes the same operations.
 */
export function splitChainOps(uid: string, heads: MemoryRecord[]): MemoryOps {
  const ops = emptyOps()
  const sorted = [...heads].sort((a, b) => (a.memoryId < b.memoryId ? -1 : 1))
  const byContent = new Map<string, MemoryRecord>()
  const folded: MemoryRecord[] = []
  for (const h of sorted) {
    if (byContent.has(h.content)) folded.push(h)
    else byContent.set(h.content, h)
  }
  const latest = sorted.reduce((a, b) => (a.createdAt > b.createdAt ? a : b)).createdAt
  for (const f of folded) ops.patch.push({ memoryId: f.memoryId, fields: { expiredAt: latest, expirationReason: 'MERGE_CONFLICT', mergeConflictId: null, pendingConflictId: null } })
  const distinct = [...byContent.values()]
  if (distinct.length < 2) return ops
  const conflictId = syncConflictId(distinct[0].chainId, distinct.map((d) => d.memoryId))
  const newest = distinct.reduce((a, b) => (a.createdAt >= b.createdAt ? a : b))
  ops.conflicts.push({
    conflictId,
    uid,
    sessionId: null,
    status: 'PENDING',
    proposedMemoryContent: newest.content,
    proposedFact: { content: newest.content, categories: newest.categories, eventDateStart: newest.eventDateStart, eventDateEnd: newest.eventDateEnd, sourceMessageIds: newest.sourceMessageIds },
    conflictingMemories: distinct.map((d) => ({ memoryId: d.memoryId, content: d.content, reason: 'Changed on two devices while they were apart', categories: d.categories, eventDateStart: d.eventDateStart, eventDateEnd: d.eventDateEnd })),
    clarifyingQuestions: [{ question: 'This memory was changed on two devices. Which version is right?', options: distinct.map((d) => d.content) }],
    resolutionData: null,
    newMemories: [],
    createdAt: latest,
    resolvedAt: null,
    error: null,
    origin: 'sync',
    claimId: null,
  })
  for (const d of distinct) ops.patch.push({ memoryId: d.memoryId, fields: { pendingConflictId: conflictId } })
  return ops
}

/**
 * Settles a conflict between live heads: the chosen head's content becomes the next version of the
 * chain, and every head expires with MERGE_CONFLICT and the conflict's id. No engine is needed.
 */
export function applySyncResolution(state: MemoryState, conflict: ConflictRecord, chosenContent: string, ctx: RuleContext): MemoryOps {
  const ops = emptyOps()
  const heads = conflict.conflictingMemories.map((c) => state.get(c.memoryId)).filter((m): m is MemoryRecord => !!m && isLive(m))
  const chosen = heads.find((h) => h.content === chosenContent) ?? heads[0]
  const source = conflict.conflictingMemories.find((c) => c.content === chosenContent)
  if (!chosen && !source) return ops
  for (const h of heads) ops.patch.push(expire(h, 'MERGE_CONFLICT', ctx, conflict.conflictId))
  const fact: StoredFact = {
    content: chosenContent,
    categories: chosen?.categories ?? source?.categories ?? [],
    eventDateStart: chosen?.eventDateStart ?? source?.eventDateStart ?? null,
    eventDateEnd: chosen?.eventDateEnd ?? source?.eventDateEnd ?? null,
    sourceMessageIds: chosen?.sourceMessageIds ?? [],
  }
  ops.insert.push(versionFrom(fact, ctx, chosen?.chainId ?? null, chosen ?? null, conflict.conflictId))
  return ops
}
