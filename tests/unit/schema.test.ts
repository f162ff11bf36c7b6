import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { checkFields, checkRecord, RECORD_SCHEMAS, type RecordKind } from '../../src/core/schema'
import { ValidationError } from '../../src/core/errors'
import { validateMetadata } from '../../src/core/validation'
import { SPACE_MAPS, USER_MAPS, type MapSpec } from '../../src/sync/layout'
import { checkFieldMap, checkStored } from '../../src/sync/schema/check'

const AT = '2025-01-08T10:00:00.000Z'
const ID = '0190a000-0000-7000-8000-000000000001'
const UID = '0190a000-0000-7000-8000-0000000000aa'

/** One record of each kind as the app writes it (every field set, the optional ones too). */
const SAMPLES: Record<RecordKind, Record<string, unknown>> = {
  settings: { categories: [{ name: 'food', description: 'Food' }], mergeConflictsEnabled: true, modelId: 'Qwen2.5-1.5B' },
  directory: { uid: UID, userId: 'alice', createdAt: AT, deletedAt: null },
  profile: { uid: UID, name: 'Alice', about: 'likes tea', metadata: { plan: 'pro', tags: ['a'] }, mergeConflictEnabled: null, createdAt: AT, updatedAt: AT, lastActiveAt: AT },
  doc: { docId: ID, uid: UID, title: 'Notes', content: 'text', metadata: {}, createdAt: AT },
  session: {
    sessionId: ID, uid: UID, status: 'processed', metadata: { topic: 't' }, createdAt: AT, autoProcessAfterSeconds: 600, lastMessageAt: AT, processedAt: AT,
    error: null, updatedAt: AT, processingBy: 'device', claimId: 'claim', ownerDevice: 'device', summary: { facts: 1, added: [ID], updated: [], ignored: 0, conflicts: [] }, messageCount: 2, temporary: true,
  },
  message: { messageId: ID, uid: UID, sessionId: ID, seq: 0, role: 'user', content: 'hello', timestamp: AT },
  memory: {
    memoryId: ID, uid: UID, chainId: ID, prevVersionId: null, content: 'User likes tea', categories: ['food'], eventDateStart: AT, eventDateEnd: null, createdAt: AT,
    expiredAt: AT, expirationReason: 'TEMPORAL_CONFLICT', mergeConflictId: null, pendingConflictId: null, sessionId: ID, sourceMessageIds: [ID], claimId: null, expiredByClaim: null, byUser: true,
  },
  connection: { connectionId: ID, uid: UID, chainA: 'a', chainB: 'b', createdAt: AT },
  conflict: {
    conflictId: ID, uid: UID, sessionId: ID, status: 'RESOLVED', proposedMemoryContent: 'x',
    proposedFact: { content: 'x', categories: ['food'], eventDateStart: null, eventDateEnd: null, sourceMessageIds: [] },
    conflictingMemories: [{ memoryId: ID, content: 'y', reason: 'r', categories: ['food'], eventDateStart: null, eventDateEnd: null }],
    clarifyingQuestions: [{ question: 'Which?', options: ['x', 'y'] }], resolutionData: { answers: [{ question: 'Which?', answer: 'x' }] },
    newMemories: [ID], createdAt: AT, resolvedAt: AT, error: null, origin: 'pipeline', claimId: null,
  },
}

/** A value of another type than `v` (and not null, which some fields take). */
function wrongType(v: unknown): unknown {
  if (typeof v === 'string') return 42
  if (typeof v === 'number' || typeof v === 'boolean') return 'x'
  if (Array.isArray(v)) return 'x'
  if (v === null) return { not: 'null' }
  return 'x'
}

const KINDS = Object.keys(RECORD_SCHEMAS) as RecordKind[]

describe('record schemas', () => {
  test.each(KINDS)('%s: accepts the record the app writes, and keeps unknown fields', (kind) => {
    const r = checkRecord(kind, { ...SAMPLES[kind], writtenByANewerBuild: { v: 2 } })
    expect(r).toEqual({ ok: true, value: { ...SAMPLES[kind], writtenByANewerBuild: { v: 2 } } })
  })

  test.each(KINDS)('%s: refuses a wrong type in every field, naming the field', (kind) => {
    for (const [field, value] of Object.entries(SAMPLES[kind])) {
      const r = checkRecord(kind, { ...SAMPLES[kind], [field]: wrongType(value) })
      expect(r.ok, `${kind}.${field} = ${JSON.stringify(wrongType(value))}`).toBe(false)
      if (!r.ok) expect(r.problem.startsWith(field)).toBe(true)
    }
  })

  test.each(KINDS)('%s: refuses what is not an object', (kind) => {
    for (const v of [null, undefined, 'x', 3, [SAMPLES[kind]], new Uint8Array(2), new Date()]) expect(checkRecord(kind, v).ok).toBe(false)
  })

  test('messages: only user and assistant; dates only as ISO-8601 UTC; content within the limit', () => {
    const m = SAMPLES.message
    expect(checkRecord('message', { ...m, role: 'system' })).toEqual({ ok: false, problem: 'role: a role is "user" or "assistant", got "system"' })
    expect(checkRecord('message', { ...m, timestamp: 'not-a-date' })).toEqual({ ok: false, problem: 'timestamp: expected an ISO-8601 UTC date, got "not-a-date"' })
    expect(checkRecord('message', { ...m, timestamp: '2025-01-08T10:00:00+02:00' }).ok).toBe(false)
    expect(checkRecord('message', { ...m, timestamp: '2025-02-31T10:00:00.000Z' }).ok).toBe(false) // no such day
    expect(checkRecord('message', { ...m, timestamp: '2025-01-08T24:00:00.000Z' }).ok).toBe(false)
    expect(checkRecord('message', { ...m, timestamp: '2025-01-08T10:00:00Z' }).ok).toBe(true)
    expect(checkRecord('message', { ...m, content: 'x'.repeat(100_001) }).ok).toBe(false)
    expect(checkRecord('message', { ...m, seq: -1 }).ok).toBe(false)
    expect(checkRecord('message', { ...m, seq: 1.5 }).ok).toBe(false)
    const { messageId: _a, uid: _b, ...stored } = m
    expect(checkRecord('message', stored).ok).toBe(true) // as the document stores it
    expect(checkRecord('message', { ...stored, content: undefined })).toEqual({ ok: false, problem: 'content: missing' })
  })

  test('problems read as a person would: a list, an object, missing', () => {
    expect(checkRecord('memory', { ...SAMPLES.memory, categories: 'food' })).toEqual({ ok: false, problem: 'categories: expected a list, got "food"' })
    expect(checkRecord('conflict', { ...SAMPLES.conflict, proposedFact: 'x' })).toEqual({ ok: false, problem: 'proposedFact: expected an object, got "x"' })
    expect(checkRecord('memory', { ...SAMPLES.memory, chainId: undefined })).toEqual({ ok: false, problem: 'chainId: missing' })
  })

  test('metadata: plain JSON only, no reserved keys at any depth, within 64 KB', () => {
    const s = SAMPLES.session
    for (const bad of [JSON.parse('{"__proto__": {"x": 1}}'), { constructor: 1 }, { a: { prototype: 2 } }, { a: [{ __proto__x: 1, constructor: 'y' }] }, { d: new Date() }, { n: Number.NaN }, { big: 'x'.repeat(70_000) }]) {
      expect(checkRecord('session', { ...s, metadata: bad }).ok, JSON.stringify(Object.keys(bad))).toBe(false)
    }
    const decoded = Object.create({ polluted: true }) as Record<string, unknown> // what a decoder makes of a __proto__ key
    decoded.a = 1
    expect(checkRecord('session', { ...s, metadata: decoded }).ok).toBe(false)
    expect(checkRecord('session', { ...s, metadata: { nested: { deep: [1, 'two', null, true] } } }).ok).toBe(true)
  })

  test('the API refuses reserved metadata keys with a ValidationError', () => {
    for (const bad of [JSON.parse('{"__proto__": 1}'), { constructor: 'x' }, { a: { prototype: 1 } }]) {
      expect(() => validateMetadata(bad)).toThrow(ValidationError)
    }
    expect(() => validateMetadata({ a: { b: [1] } })).not.toThrow()
  })

  test('a profile is checked field by field: a bad field takes its default, the rest stays, unknown fields are kept', () => {
    const p = SAMPLES.profile
    const r = checkFields('profile', Object.entries({ ...p, name: 7, future: 'kept' }))
    expect(r.problems).toEqual(['name: expected a name (a string), got number 7'])
    expect(r.row).toEqual({ ...p, name: '', future: 'kept' })
    expect(checkFields('profile', Object.entries({ name: 'x' })).row).toMatchObject({ name: 'x', about: '', metadata: {}, mergeConflictEnabled: null })
  })

  test('settings are checked field by field: a bad field is left out, so its default applies', () => {
    const r = checkFields('settings', Object.entries({ categories: 'food', mergeConflictsEnabled: true }))
    expect(r.row).toEqual({ mergeConflictsEnabled: true })
    expect(r.problems).toHaveLength(1)
    expect(r.problems[0]).toMatch(/^categories: /)
    expect(checkFields('settings', Object.entries({ categories: [{ name: 'Not Snake', description: '' }] })).problems[0]).toMatch(/^categories\.0\.name: /)
  })
})

describe('records read from a Y document', () => {
  const spec = (maps: MapSpec[], ymap: string) => maps.find((m) => m.ymap === ymap)!
  const doc = new Y.Doc()
  const map = doc.getMap('records')
  const put = (key: string, v: unknown) => {
    map.set(key, v)
    return map.get(key)
  }
  const nested = (fields: Record<string, unknown>) => {
    const m = new Y.Map<unknown>()
    for (const [k, v] of Object.entries(fields)) m.set(k, v)
    return m
  }

  test('a mutable record must be a Y.Map of plain fields; a nested Y type is a problem', () => {
    const memories = spec(USER_MAPS, 'memories')
    const { memoryId: _m, uid: _u, ...fields } = SAMPLES.memory
    expect(checkStored(memories, ID, put('a', nested(fields)), UID).ok).toBe(true)
    expect(checkStored(memories, ID, put('b', fields), UID)).toMatchObject({ ok: false }) // a plain value where a Y.Map belongs
    expect(checkStored(memories, ID, put('c', nested({ ...fields, categories: Y.Array.from(['food']) })), UID)).toEqual({ ok: false, problem: 'categories: expected a plain value, got a Y.Array' })
    expect(checkStored(memories, ID, put('d', new Y.Doc()), UID)).toMatchObject({ ok: false })
    expect(checkStored(memories, ID, put('e', Y.Array.from([1])), UID)).toMatchObject({ ok: false })
  })

  test('an immutable record must be a plain value whose ids match its key and document', () => {
    const messages = spec(USER_MAPS, 'messages')
    const { messageId: _m, uid: _u, ...stored } = SAMPLES.message
    expect(checkStored(messages, ID, put('f', stored), UID).ok).toBe(true)
    expect(checkStored(messages, ID, put('g', nested(stored)), UID)).toEqual({ ok: false, problem: 'expected a message record (a plain value), got a Y.Map' })
    expect(checkStored(messages, ID, put('h', { ...stored, messageId: 'other' }), UID)).toMatchObject({ ok: false, problem: expect.stringMatching(/^messageId: /) })
    expect(checkStored(messages, ID, put('i', { ...stored, uid: 'someone-else' }), UID)).toMatchObject({ ok: false, problem: expect.stringMatching(/^uid: /) })
    expect(checkStored(messages, ID, put('j', null), UID).ok).toBe(false)
  })

  test('a directory entry set to a string, and a profile field set to a Y.Map', () => {
    expect(checkStored(spec(SPACE_MAPS, 'directory'), ID, put('k', 'mallory'), null).ok).toBe(false)
    const profile = doc.getMap('profile')
    const { uid: _u, ...fields } = SAMPLES.profile
    for (const [k, v] of Object.entries(fields)) profile.set(k, v)
    profile.set('metadata', nested({ plan: 'pro' }))
    const r = checkFieldMap(spec(USER_MAPS, 'profile'), profile)
    expect(r.problems).toEqual(['metadata: expected a plain value, got a Y.Map'])
    expect(r.row).toMatchObject({ name: 'Alice', metadata: {} })
  })
})
