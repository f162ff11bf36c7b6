import { describe, expect, test } from 'vitest'
import { groupChains, versionInfo, connectionId } from '../../../src/core/chains'
import { EngineError, MemoryNotFoundError, ValidationError } from '../../../src/core/errors'
import type { MemoryRecord, StoredFact } from '../../../src/core/types'
import { addedByHand, applyDecision, applyOpsToState, applyResolution, deleteVersion, editVersion, type MemoryState, type RuleContext } from '../../../src/core/versions'

let n = 0
function ctx(over: Partial<RuleContext> = {}): RuleContext {
  return { uid: 'u1', sessionId: 's1', at: new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString(), newId: () => `m${String(++n).padStart(4, '0')}`, conflictsEnabled: false, ...over }
}
function fact(content: string, categories: string[] = ['personal']): StoredFact {
  return { content, categories, eventDateStart: null, eventDateEnd: null, sourceMessageIds: ['msg1'] }
}
/** Applies a decision to the state and returns the new versions. */
function run(state: MemoryState, content: string, decision: Parameters<typeof applyDecision>[2], c = ctx(), questions = [{ question: 'Which?', options: ['a', 'b'] }]) {
  const ops = applyDecision(state, fact(content), decision, c, questions)
  applyOpsToState(state, ops)
  return ops
}
function chainOf(state: MemoryState, id: string) {
  return groupChains(state.values()).get(state.get(id)!.chainId)!
}
function live(state: MemoryState) {
  return [...state.values()].filter((m) => !m.expiredAt).map((m) => m.content).sort()
}

describe('version rules: decisions', () => {
  test('INSERT starts a chain at version 1, connected to related chains', () => {
    const s: MemoryState = new Map()
    const a = run(s, 'User is vegetarian', { kind: 'INSERT' }).insert[0]
    expect(a.chainId).toBe(a.memoryId)
    expect(a.prevVersionId).toBeNull()
    expect(versionInfo(chainOf(s, a.memoryId), a.memoryId)).toMatchObject({ versionNumber: 1, totalVersions: 1, hasPreviousVersions: false })
    const ops = run(s, 'User likes tofu', { kind: 'INSERT', relatedMemoryIds: [a.memoryId, 'unknown'] })
    expect(ops.connect).toHaveLength(1)
    expect(ops.connect[0].connectionId).toBe(connectionId(a.chainId, ops.insert[0].chainId))
    expect(ops.insert[0].sessionId).toBe('s1')
    expect(ops.insert[0].sourceMessageIds).toEqual(['msg1'])
  })

  test('IGNORE changes nothing', () => {
    const s: MemoryState = new Map()
    run(s, 'User is vegetarian', { kind: 'INSERT' })
    const ops = run(s, 'User is a vegetarian', { kind: 'IGNORE', reason: 'duplicate' })
    expect(ops.insert.length + ops.patch.length + ops.remove.length).toBe(0)
    expect(s.size).toBe(1)
  })

  test('ADDITION_TO_EXISTING_MEMORY: the live version expires with that reason, merged content is the next version', () => {
    const s: MemoryState = new Map()
    const a = run(s, 'User has a dog', { kind: 'INSERT' }).insert[0]
    const ops = run(s, "User's dog is named Rex", { kind: 'ADDITION_TO_EXISTING_MEMORY', memoryId: a.memoryId, content: 'User has a dog named Rex' })
    const b = ops.insert[0]
    expect(s.get(a.memoryId)).toMatchObject({ expirationReason: 'ADDITION_TO_EXISTING_MEMORY', expiredAt: expect.any(String) })
    expect(b).toMatchObject({ chainId: a.chainId, prevVersionId: a.memoryId, content: 'User has a dog named Rex', expiredAt: null })
    expect(versionInfo(chainOf(s, b.memoryId), b.memoryId)).toMatchObject({ versionNumber: 2, totalVersions: 2, hasPreviousVersions: true })
    expect(live(s)).toEqual(['User has a dog named Rex'])
  })

  test('TEMPORAL_CONFLICT: old live versions expire, the new fact continues the first chain', () => {
    const s: MemoryState = new Map()
    const paris = run(s, 'User lives in Paris', { kind: 'INSERT' }).insert[0]
    const lyon = run(s, 'User lives in Lyon', { kind: 'INSERT' }).insert[0]
    const ops = run(s, 'User moved to Berlin', { kind: 'TEMPORAL_CONFLICT', memoryIds: [paris.memoryId, lyon.memoryId] })
    expect(s.get(paris.memoryId)!.expirationReason).toBe('TEMPORAL_CONFLICT')
    expect(s.get(lyon.memoryId)!.expirationReason).toBe('TEMPORAL_CONFLICT')
    expect(ops.insert[0]).toMatchObject({ chainId: paris.chainId, prevVersionId: paris.memoryId })
    expect(ops.connect.map((c) => c.connectionId)).toEqual([connectionId(paris.chainId, lyon.chainId)])
    expect(live(s)).toEqual(['User moved to Berlin'])
  })

  test('MERGE_CONFLICT with conflicts disabled: newest wins at once, reason MERGE_CONFLICT, no conflict id', () => {
    const s: MemoryState = new Map()
    const veg = run(s, 'User is vegetarian', { kind: 'INSERT' }).insert[0]
    const ops = run(s, 'User eats meat every day', { kind: 'MERGE_CONFLICT', memoryIds: [veg.memoryId], reason: 'diet' })
    expect(ops.conflicts).toHaveLength(0)
    expect(s.get(veg.memoryId)).toMatchObject({ expirationReason: 'MERGE_CONFLICT', mergeConflictId: null })
    expect(ops.insert[0]).toMatchObject({ chainId: veg.chainId, mergeConflictId: null })
    expect(live(s)).toEqual(['User eats meat every day'])
  })

  test('MERGE_CONFLICT with conflicts enabled: a PENDING conflict holds the new fact, the memories are marked', () => {
    const s: MemoryState = new Map()
    const veg = run(s, 'User is vegetarian', { kind: 'INSERT' }).insert[0]
    const ops = run(s, 'User eats meat every day', { kind: 'MERGE_CONFLICT', memoryIds: [veg.memoryId], reason: 'diet' }, ctx({ conflictsEnabled: true }))
    expect(ops.insert).toHaveLength(0)
    expect(ops.conflicts).toHaveLength(1)
    const c = ops.conflicts[0]
    expect(c).toMatchObject({ status: 'PENDING', proposedMemoryContent: 'User eats meat every day', sessionId: 's1' })
    expect(c.conflictingMemories).toEqual([expect.objectContaining({ memoryId: veg.memoryId, content: 'User is vegetarian', reason: 'diet' })])
    expect(c.clarifyingQuestions).toEqual([{ question: 'Which?', options: ['a', 'b'] }])
    expect(s.get(veg.memoryId)).toMatchObject({ pendingConflictId: c.conflictId, expiredAt: null })
    expect(() => run(s, 'x', { kind: 'MERGE_CONFLICT', memoryIds: [veg.memoryId], reason: 'r' }, ctx({ conflictsEnabled: true }), [])).toThrow(EngineError)
  })

  test('decisions naming memories that are not live are refused', () => {
    const s: MemoryState = new Map()
    const a = run(s, 'User lives in Paris', { kind: 'INSERT' }).insert[0]
    run(s, 'User lives in Berlin', { kind: 'TEMPORAL_CONFLICT', memoryIds: [a.memoryId] })
    expect(() => run(s, 'x', { kind: 'TEMPORAL_CONFLICT', memoryIds: [a.memoryId] })).toThrow(EngineError)
    expect(() => run(s, 'x', { kind: 'ADDITION_TO_EXISTING_MEMORY', memoryId: 'nope', content: 'y' })).toThrow(EngineError)
    expect(() => run(s, 'x', { kind: 'TEMPORAL_CONFLICT', memoryIds: [] })).toThrow(EngineError)
  })
})

describe('version rules: resolving a conflict', () => {
  function setup() {
    const s: MemoryState = new Map()
    const veg = run(s, 'User is vegetarian', { kind: 'INSERT' }).insert[0]
    const c = run(s, 'User eats meat every day', { kind: 'MERGE_CONFLICT', memoryIds: [veg.memoryId], reason: 'diet' }, ctx({ conflictsEnabled: true })).conflicts[0]
    return { s, veg, c }
  }
  test('the result continues the conflicting chain; the old version expires with MERGE_CONFLICT and the conflict id', () => {
    const { s, veg, c } = setup()
    const ops = applyResolution(s, c, [{ content: 'User eats meat every day', categories: ['food_preferences'], replaces: veg.memoryId }], ctx())
    applyOpsToState(s, ops)
    expect(s.get(veg.memoryId)).toMatchObject({ expirationReason: 'MERGE_CONFLICT', mergeConflictId: c.conflictId, pendingConflictId: null })
    expect(ops.insert[0]).toMatchObject({ chainId: veg.chainId, prevVersionId: veg.memoryId, mergeConflictId: c.conflictId, content: 'User eats meat every day' })
  })
  test('no result keeps the old memory and clears its hold', () => {
    const { s, veg, c } = setup()
    const ops = applyResolution(s, c, [], ctx())
    applyOpsToState(s, ops)
    expect(s.get(veg.memoryId)).toMatchObject({ expiredAt: null, pendingConflictId: null })
  })
  test('a result for a memory outside the conflict is refused', () => {
    const { s, c } = setup()
    expect(() => applyResolution(s, c, [{ content: 'x', categories: [], replaces: 'other' }], ctx())).toThrow(EngineError)
  })
  test('a chain that moved on while the conflict waited is continued from its live head', () => {
    const { s, veg, c } = setup()
    const v2 = run(s, 'User is a strict vegetarian', { kind: 'ADDITION_TO_EXISTING_MEMORY', memoryId: veg.memoryId, content: 'User is a strict vegetarian' }).insert[0]
    const ops = applyResolution(s, c, [{ content: 'User eats meat', categories: [], replaces: veg.memoryId }], ctx())
    expect(ops.insert[0].prevVersionId).toBe(v2.memoryId)
  })
})

describe('version rules: deleting', () => {
  /** a chain v1 <- v2 <- v3 (v3 live) */
  function chain3() {
    const s: MemoryState = new Map()
    const v1 = run(s, 'User lives in Paris', { kind: 'INSERT' }).insert[0]
    const v2 = run(s, 'User lives in Lyon', { kind: 'TEMPORAL_CONFLICT', memoryIds: [v1.memoryId] }).insert[0]
    const v3 = run(s, 'User lives in Berlin', { kind: 'TEMPORAL_CONFLICT', memoryIds: [v2.memoryId] }).insert[0]
    return { s, v1, v2, v3 }
  }
  const del = (s: MemoryState, id: string, all = false) => applyOpsToState(s, deleteVersion(s, id, all))

  test('deleting the live version makes the previous one live again', () => {
    const { s, v2, v3 } = chain3()
    del(s, v3.memoryId)
    expect(s.has(v3.memoryId)).toBe(false)
    expect(s.get(v2.memoryId)).toMatchObject({ expiredAt: null, expirationReason: null })
    expect(versionInfo(chainOf(s, v2.memoryId), v2.memoryId)).toMatchObject({ versionNumber: 2, totalVersions: 2 })
  })
  test('deleting a middle version relinks the chain and renumbers', () => {
    const { s, v1, v2, v3 } = chain3()
    del(s, v2.memoryId)
    expect(s.get(v3.memoryId)!.prevVersionId).toBe(v1.memoryId)
    expect(s.get(v3.memoryId)!.expiredAt).toBeNull()
    expect(versionInfo(chainOf(s, v3.memoryId), v3.memoryId)).toMatchObject({ versionNumber: 2, totalVersions: 2, hasPreviousVersions: true })
  })
  test('deleting the first version makes the next one start the chain', () => {
    const { s, v1, v2 } = chain3()
    del(s, v1.memoryId)
    expect(s.get(v2.memoryId)!.prevVersionId).toBeNull()
    expect(versionInfo(chainOf(s, v2.memoryId), v2.memoryId).versionNumber).toBe(1)
  })
  test('deletePreviousVersions removes it and all older ones; the next newer starts the chain', () => {
    const { s, v1, v2, v3 } = chain3()
    del(s, v2.memoryId, true)
    expect(s.has(v1.memoryId) || s.has(v2.memoryId)).toBe(false)
    expect(s.get(v3.memoryId)).toMatchObject({ prevVersionId: null, expiredAt: null })
    expect(versionInfo(chainOf(s, v3.memoryId), v3.memoryId)).toMatchObject({ versionNumber: 1, totalVersions: 1, hasPreviousVersions: false })
  })
  test('deleting the live version with its history removes the chain and its connections, nothing else', () => {
    const { s, v3 } = chain3()
    const other = run(s, 'User works at Acme', { kind: 'INSERT' }).insert[0]
    const conn = { connectionId: connectionId(v3.chainId, other.chainId), uid: 'u1', chainA: v3.chainId < other.chainId ? v3.chainId : other.chainId, chainB: v3.chainId < other.chainId ? other.chainId : v3.chainId, createdAt: 'x' }
    const ops = deleteVersion(s, v3.memoryId, true, [conn])
    applyOpsToState(s, ops)
    expect([...s.keys()]).toEqual([other.memoryId])
    expect(ops.disconnect).toEqual([conn.connectionId])
  })
  test('an unknown id throws MemoryNotFoundError', () => {
    expect(() => deleteVersion(new Map(), 'nope', false)).toThrow(MemoryNotFoundError)
  })
})

describe('chains', () => {
  test('versions are ordered by recording time, then id', () => {
    const mk = (id: string, at: string): MemoryRecord => ({ memoryId: id, uid: 'u', chainId: 'c', prevVersionId: null, content: id, categories: [], eventDateStart: null, eventDateEnd: null, createdAt: at, expiredAt: null, expirationReason: null, mergeConflictId: null, pendingConflictId: null, sessionId: null, sourceMessageIds: [] })
    const chains = groupChains([mk('b', '2025-01-02'), mk('a', '2025-01-02'), mk('z', '2025-01-01')])
    expect(chains.get('c')!.map((m) => m.memoryId)).toEqual(['z', 'a', 'b'])
    expect(versionInfo(chains.get('c')!, 'b').previous.map((m) => m.memoryId)).toEqual(['a', 'z'])
  })
})

describe('conflicts across devices', () => {
  test('two live heads with different contents become one conflict with a short, stable id', async () => {
    const { splitChainOps, syncConflictId } = await import('../../../src/core/versions')
    const mk = (id: string, content: string, at: string): MemoryRecord => ({ memoryId: id, uid: 'u', chainId: 'c', prevVersionId: 'v1', content, categories: ['location'], eventDateStart: null, eventDateEnd: null, createdAt: at, expiredAt: null, expirationReason: null, mergeConflictId: null, pendingConflictId: null, sessionId: null, sourceMessageIds: [] })
    const heads = Array.from({ length: 8 }, (_, i) => mk(`01a2-head-${i}-${'x'.repeat(30)}`, `User lives in city ${i}`, `2025-01-0${1 + (i % 8)}T00:00:00.000Z`))
    const ops = splitChainOps('u', heads)
    expect(ops.conflicts).toHaveLength(1)
    const c = ops.conflicts[0]
    expect(c.conflictId.length).toBeLessThan(80)
    expect(c.conflictId).toBe(syncConflictId('c', [...heads].reverse().map((h) => h.memoryId)))
    expect(c.clarifyingQuestions[0].options).toHaveLength(8)
    expect(c.origin).toBe('sync')
    expect(c.createdAt).toBe('2025-01-08T00:00:00.000Z')
    expect(splitChainOps('u', [...heads].reverse())).toEqual(ops)
    expect(ops.patch.map((p) => p.fields.pendingConflictId)).toEqual(Array(8).fill(c.conflictId))
  })
  test('heads with the same content are folded without asking', async () => {
    const { splitChainOps } = await import('../../../src/core/versions')
    const mk = (id: string): MemoryRecord => ({ memoryId: id, uid: 'u', chainId: 'c', prevVersionId: 'v1', content: 'User lives in Rome', categories: [], eventDateStart: null, eventDateEnd: null, createdAt: '2025-01-01T00:00:00.000Z', expiredAt: null, expirationReason: null, mergeConflictId: null, pendingConflictId: null, sessionId: null, sourceMessageIds: [] })
    const ops = splitChainOps('u', [mk('b'), mk('a')])
    expect(ops.conflicts).toHaveLength(0)
    expect(ops.patch).toEqual([{ memoryId: 'b', fields: expect.objectContaining({ expirationReason: 'MERGE_CONFLICT' }) }])
  })
})

describe("version rules: the person's own changes", () => {
  const text = (content: string) => ({ content, categories: ['location'], eventDateStart: null, eventDateEnd: null })

  test('an edit expires the live version with USER_EDIT and continues its chain, written by the person', () => {
    const s: MemoryState = new Map()
    const v1 = run(s, 'User lives in Berlin', { kind: 'INSERT' }).insert[0]
    const ops = editVersion(s, v1.memoryId, text('User lives in Hamburg'), ctx({ sessionId: 'other', claimId: 'c9' }))
    applyOpsToState(s, ops)
    const chain = chainOf(s, v1.memoryId)
    expect(chain.map((m) => [m.content, m.expirationReason, m.byUser ?? false])).toEqual([
      ['User lives in Berlin', 'USER_EDIT', false],
      ['User lives in Hamburg', null, true],
    ])
    // the edit keeps the source of what it corrects, and belongs to no processing claim
    expect(chain[1]).toMatchObject({ prevVersionId: v1.memoryId, sessionId: 's1', sourceMessageIds: ['msg1'], claimId: null })
    expect(chain[0].expiredByClaim).toBeNull()
    expect(() => editVersion(s, v1.memoryId, text('x'), ctx())).toThrow(ValidationError)
    expect(() => editVersion(s, 'nope', text('x'), ctx())).toThrow(MemoryNotFoundError)
  })

  test('an edit with a clock behind the version it replaces still sorts after it', () => {
    const s: MemoryState = new Map()
    const v1 = run(s, 'User lives in Berlin', { kind: 'INSERT' }, ctx({ at: '2030-01-01T00:00:00.000Z' })).insert[0]
    const ops = editVersion(s, v1.memoryId, text('User lives in Hamburg'), ctx({ at: '2025-01-01T00:00:00.000Z' }))
    applyOpsToState(s, ops)
    const chain = chainOf(s, v1.memoryId)
    expect(chain.map((m) => m.content)).toEqual(['User lives in Berlin', 'User lives in Hamburg'])
    expect(chain[1].createdAt).toBe('2030-01-01T00:00:00.001Z')
    expect(chain[0].expiredAt).toBe(chain[1].createdAt)
  })

  test('an edit that changes nothing makes no version; a category or date change does', () => {
    const s: MemoryState = new Map()
    const v1 = run(s, 'User lives in Berlin', { kind: 'INSERT' }).insert[0]
    const same = { content: v1.content, categories: [...v1.categories], eventDateStart: null, eventDateEnd: null }
    expect(editVersion(s, v1.memoryId, same, ctx()).insert).toHaveLength(0)
    expect(editVersion(s, v1.memoryId, { ...same, categories: ['location'] }, ctx()).insert).toHaveLength(1)
    expect(editVersion(s, v1.memoryId, { ...same, eventDateStart: '2024-01-01T00:00:00.000Z' }, ctx()).insert).toHaveLength(1)
  })

  test('a memory added by hand is version 1 of a new chain, from no session', () => {
    const ops = addedByHand(text('User has a cat'), ctx())
    expect(ops.insert).toHaveLength(1)
    expect(ops.insert[0]).toMatchObject({ content: 'User has a cat', prevVersionId: null, sessionId: null, sourceMessageIds: [], byUser: true, claimId: null })
    expect(ops.insert[0].chainId).toBe(ops.insert[0].memoryId)
  })
})
