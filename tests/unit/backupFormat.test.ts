import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { BackupFile } from '../../src/backup/format'
import { checkBackup, parseBackup, validateBackup } from '../../src/backup/validate'
import { ImportError } from '../../src/core/errors'
import { LIMITS } from '../../src/core/validation'
import { backupJsonSchema } from '../../scripts/backupJsonSchema'

// ---- a valid file with one of everything: two users, chains with several versions, a conflict ----

const T = (min: number) => new Date(Date.UTC(2025, 0, 8, 10, min)).toISOString()

function validFile(): BackupFile {
  return {
    format: 'keepsake-backup',
    version: 1,
    exportedAt: T(59),
    scope: 'space',
    settings: {
      categories: [
        { name: 'personal', description: 'who they are' },
        { name: 'food_preferences', description: '' },
      ],
      mergeConflictsEnabled: true,
      modelId: 'Qwen2.5-1.5B',
    },
    users: [
      {
        userId: 'alice',
        profile: { name: 'Alice', about: 'tester', metadata: { plan: 'pro', nested: { a: [1, 2] } }, mergeConflictEnabled: null, createdAt: T(0), updatedAt: T(1), lastActiveAt: T(5) },
        docs: [{ docId: 'd1', title: 'Notes', content: 'Some notes', metadata: {}, createdAt: T(0) }],
        sessions: [
          {
            sessionId: 's1',
            status: 'processed',
            metadata: { topic: 'food' },
            createdAt: T(1),
            autoProcessAfterSeconds: 600,
            lastMessageAt: T(2),
            processedAt: T(3),
            error: null,
            updatedAt: T(3),
            summary: { facts: 2, added: ['m1'], updated: ['m2'], ignored: 0, conflicts: ['c1'] },
            messages: [
              { messageId: 'msg1', seq: 0, role: 'user', content: "I'm vegetarian", timestamp: T(1) },
              { messageId: 'msg2', seq: 1, role: 'assistant', content: 'Noted', timestamp: T(2) },
            ],
          },
          {
            sessionId: 's2',
            status: 'pending',
            metadata: {},
            createdAt: T(4),
            autoProcessAfterSeconds: 0,
            lastMessageAt: null,
            processedAt: null,
            error: null,
            updatedAt: T(4),
            summary: null,
            messages: [],
          },
        ],
        memories: [
          mem({ memoryId: 'm1', chainId: 'm1', expiredAt: T(3), expirationReason: 'ADDITION_TO_EXISTING_MEMORY' }),
          mem({ memoryId: 'm2', chainId: 'm1', prevVersionId: 'm1', pendingConflictId: 'c1' }),
          mem({ memoryId: 'm3', chainId: 'm3', content: 'Likes tofu' }),
        ],
        connections: [{ connectionId: 'm1|m3', chainA: 'm1', chainB: 'm3', createdAt: T(3) }],
        conflicts: [
          {
            conflictId: 'c1',
            sessionId: 's1',
            status: 'PENDING',
            proposedMemoryContent: 'Eats fish',
            proposedFact: { content: 'Eats fish', categories: ['food_preferences'], eventDateStart: null, eventDateEnd: null, sourceMessageIds: ['msg1'] },
            conflictingMemories: [{ memoryId: 'm2', content: 'Is vegetarian', reason: 'contradiction', categories: ['food_preferences'], eventDateStart: null, eventDateEnd: null }],
            clarifyingQuestions: [{ question: 'Which is right?', options: ['Is vegetarian', 'Eats fish'] }],
            resolutionData: null,
            newMemories: [],
            createdAt: T(3),
            resolvedAt: null,
            error: null,
            origin: 'pipeline',
          },
        ],
      },
      {
        userId: 'bob',
        profile: { name: '', about: '', metadata: {}, mergeConflictEnabled: false, createdAt: T(0), updatedAt: T(0), lastActiveAt: T(0) },
        docs: [],
        sessions: [],
        memories: [],
        connections: [],
        conflicts: [],
      },
    ],
  }
}

function mem(fields: Partial<BackupFile['users'][number]['memories'][number]>): BackupFile['users'][number]['memories'][number] {
  return {
    memoryId: 'x',
    chainId: 'x',
    prevVersionId: null,
    content: 'Is vegetarian',
    categories: ['food_preferences'],
    eventDateStart: null,
    eventDateEnd: null,
    createdAt: T(3),
    expiredAt: null,
    expirationReason: null,
    mergeConflictId: null,
    pendingConflictId: null,
    sessionId: 's1',
    sourceMessageIds: ['msg1'],
    ...fields,
  }
}

/** The file with one change made by `edit`. */
function bad(edit: (f: BackupFile & Record<string, unknown>) => void): unknown {
  const f = validFile() as BackupFile & Record<string, unknown>
  edit(f)
  return f
}

function problem(data: unknown) {
  const r = checkBackup(data)
  if (r.ok) throw new Error('expected the file to be refused')
  return r.problem
}

const alice = (f: BackupFile) => f.users[0]

describe('a valid file', () => {
  test('passes, and validateBackup returns it', () => {
    const f = validFile()
    expect(checkBackup(f)).toEqual({ ok: true, value: f })
    expect(validateBackup(f)).toBe(f)
    expect(parseBackup(JSON.stringify(f))).toEqual(f)
  })

  test('states the API can leave behind are accepted', () => {
    const f = validFile()
    const a = alice(f)
    // a session deleted after processing: its memories keep their provenance
    a.memories[2].sessionId = 'deleted-session'
    a.memories[2].sourceMessageIds = ['deleted-message']
    // a chain whose first version was deleted: chainId names no version, the next one starts the chain
    a.memories.push(mem({ memoryId: 'm5', chainId: 'gone', prevVersionId: null }), mem({ memoryId: 'm6', chainId: 'gone', prevVersionId: 'm5' }))
    // two heads after sync: two versions continue the same version
    a.memories.push(mem({ memoryId: 'm7', chainId: 'm1', prevVersionId: 'm2' }), mem({ memoryId: 'm8', chainId: 'm1', prevVersionId: 'm2' }))
    // a memory deleted while its conflict waited
    a.conflicts[0].conflictingMemories.push({ memoryId: 'deleted-memory', content: 'x', reason: '' })
    a.conflicts[0].newMemories = ['deleted-memory-2']
    // an engine's resolution may bring any category name, and an empty content
    a.memories[0].categories = ['Not Snake Case']
    a.memories[0].content = ''
    // a conflict raised by sync between two heads: an id derived from them, no session, any contents
    const syncId = 'sync:m1:9f3c2a17b04e5d68'
    a.conflicts.push({
      ...a.conflicts[0],
      conflictId: syncId,
      sessionId: null,
      proposedMemoryContent: '',
      proposedFact: { content: '', categories: [], eventDateStart: null, eventDateEnd: null, sourceMessageIds: [] },
      conflictingMemories: [],
      clarifyingQuestions: [{ question: 'This memory was changed on two devices. Which version is right?', options: ['', 'Eats fish'] }],
      origin: 'sync',
    })
    a.memories[2].pendingConflictId = syncId
    expect(checkBackup(f)).toEqual({ ok: true, value: f })
    expect(schemaErrors(schema, f)).toEqual([])
  })

  test('a file of scope "user" with one user, and a file without settings', () => {
    const f = validFile()
    f.scope = 'user'
    f.users = [f.users[1]]
    delete f.settings
    expect(checkBackup(f).ok).toBe(true)
  })
})

describe('each class of bad file is refused with the path of the first problem', () => {
  test('not an object, not JSON', () => {
    for (const x of [null, 42, 'text', [], undefined]) expect(problem(x).path).toBe('$')
    expect(() => parseBackup('{ nope')).toThrow(ImportError)
    expect(() => parseBackup('{ nope')).toThrow(/^\$: not JSON/)
  })

  test('wrong format or version', () => {
    expect(problem(bad((f) => (f.format = 'recallrai-export' as never)))).toEqual({ path: '$.format', message: expect.stringContaining('not a Keepsake backup') })
    expect(problem(bad((f) => delete (f as Partial<BackupFile>).format)).message).toMatch(/got nothing/)
    expect(problem(bad((f) => (f.version = 2 as never)))).toEqual({ path: '$.version', message: expect.stringContaining('version 2 is newer') })
    expect(problem(bad((f) => (f.version = '1' as never)))).toEqual({ path: '$.version', message: expect.stringContaining('unsupported backup format version') })
    expect(problem(bad((f) => delete (f as Partial<BackupFile>).version)).path).toBe('$.version')
  })

  test('wrong types', () => {
    expect(problem(bad((f) => (alice(f).sessions[0].messages[1].seq = '1' as never)))).toEqual({
      path: '$.users[0].sessions[0].messages[1].seq',
      message: 'must be a number, got the string "1"',
    })
    expect(problem(bad((f) => (alice(f).profile.metadata = [] as never)))).toEqual({ path: '$.users[0].profile.metadata', message: 'expected a JSON object, got an array' })
    expect(problem(bad((f) => (alice(f).sessions[0].messages[0].role = 'system' as never))).message).toBe('a role is "user" or "assistant", got the string "system"')
    expect(problem(bad((f) => (alice(f).memories[1].expirationReason = 'DELETED' as never))).path).toBe('$.users[0].memories[1].expirationReason')
    expect(problem(bad((f) => (alice(f).memories[0].categories = 'food' as never))).path).toBe('$.users[0].memories[0].categories')
    expect(problem(bad((f) => (alice(f).conflicts[0].status = 'pending' as never))).path).toBe('$.users[0].conflicts[0].status')
    expect(problem(bad((f) => (f.users = {} as never)))).toEqual({ path: '$.users', message: 'must be an array, got an object' })
    expect(problem(bad((f) => (f.scope = 'all' as never))).path).toBe('$.scope')
    expect(problem(bad((f) => (alice(f).profile.mergeConflictEnabled = 'yes' as never))).path).toBe('$.users[0].profile.mergeConflictEnabled')
    expect(problem(bad((f) => (alice(f).profile.metadata = { n: Number.NaN } as never)))).toEqual({ path: '$.users[0].profile.metadata', message: expect.stringMatching(/^n: not a finite number/) })
    expect(problem(bad((f) => (alice(f).profile.metadata = { d: new Date() } as never)))).toEqual({ path: '$.users[0].profile.metadata', message: expect.stringMatching(/^d: not a plain JSON value/) })
    expect(problem(bad((f) => (alice(f).profile.metadata = { 'a b': undefined } as never)))).toEqual({ path: '$.users[0].profile.metadata', message: expect.stringMatching(/^a b: undefined is not JSON/) })
  })

  test('missing and unknown fields', () => {
    expect(problem(bad((f) => delete (alice(f).memories[0] as Partial<BackupFile['users'][0]['memories'][0]>).chainId))).toEqual({
      path: '$.users[0].memories[0].chainId',
      message: 'is missing',
    })
    expect(problem(bad((f) => ((alice(f) as unknown as Record<string, unknown>).uid = 'u1')))).toEqual({ path: '$.users[0].uid', message: 'is not a field of the backup format' })
    expect(problem(bad((f) => (f.extra = true))).path).toBe('$.extra')
  })

  test('metadata keys that reach an object\'s prototype are refused, at any depth, also as JSON text', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const text = JSON.stringify(validFile()).replace('"plan":"pro"', `"plan":"pro","${key}":{"polluted":true}`)
      expect(text).toContain(`"${key}"`)
      // the record schema's own check (src/core/schema.ts), as sync and the API apply it
      expect(problem(JSON.parse(text))).toEqual({ path: '$.users[0].profile.metadata', message: `${key}: the key "${key}" is not allowed` })
      expect(() => parseBackup(text)).toThrow(ImportError)
      const nested = JSON.parse(JSON.stringify(validFile()).replace('"topic":"food"', `"topic":{"a":[{"${key}":1}]}`))
      expect(problem(nested)).toEqual({ path: '$.users[0].sessions[0].metadata', message: `topic.a[0].${key}: the key "${key}" is not allowed` })
    }
    // a key that merely contains one of the words is fine
    expect(checkBackup(bad((f) => (alice(f).profile.metadata = { my_constructor: 1, prototypes: [] }))).ok).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('dates must be canonical ISO-8601 UTC', () => {
    for (const d of ['2025-01-08T10:00:00Z', '2025-01-08T10:00:00.000+02:00', '2025-01-08', '2025-02-30T10:00:00.000Z', 'yesterday', 1736330400000]) {
      expect(problem(bad((f) => (alice(f).docs[0].createdAt = d as never))).path).toBe('$.users[0].docs[0].createdAt')
    }
  })

  test('over-large content, with the limits of LIMITS', () => {
    const big = (n: number) => 'x'.repeat(n)
    expect(problem(bad((f) => (alice(f).sessions[0].messages[0].content = big(LIMITS.messageLength + 1))))).toEqual({
      path: '$.users[0].sessions[0].messages[0].content',
      message: `a message is longer than ${LIMITS.messageLength} characters`,
    })
    expect(checkBackup(bad((f) => (alice(f).sessions[0].messages[0].content = big(LIMITS.messageLength)))).ok).toBe(true)
    expect(problem(bad((f) => (alice(f).docs[0].content = big(LIMITS.docContentLength + 1)))).path).toBe('$.users[0].docs[0].content')
    expect(problem(bad((f) => (alice(f).profile.about = big(LIMITS.aboutLength + 1)))).path).toBe('$.users[0].profile.about')
    expect(problem(bad((f) => (alice(f).profile.name = big(LIMITS.nameLength + 1)))).path).toBe('$.users[0].profile.name')
    expect(problem(bad((f) => (alice(f).userId = big(LIMITS.idLength + 1)))).path).toBe('$.users[0].userId')
    expect(problem(bad((f) => (alice(f).docs[0].docId = big(LIMITS.idLength + 1)))).path).toBe('$.users[0].docs[0].docId')
    expect(problem(bad((f) => (alice(f).memories[0].content = big(LIMITS.messageLength + 1)))).path).toBe('$.users[0].memories[0].content')
    const meta = problem(bad((f) => (alice(f).profile.metadata = { blob: big(LIMITS.metadataBytes) })))
    expect(meta.path).toBe('$.users[0].profile.metadata')
    expect(meta.message).toBe(`larger than ${LIMITS.metadataBytes} bytes`)
    // deep nesting (or a cycle) is refused without a stack overflow
    const deep: Record<string, unknown> = {}
    let cur = deep
    for (let i = 0; i < 100; i++) cur = (cur.a = {}) as Record<string, unknown>
    expect(problem(bad((f) => (alice(f).profile.metadata = deep as never))).message).toMatch(/nested more than 32 levels/)
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(problem(bad((f) => (alice(f).profile.metadata = cyclic as never))).message).toMatch(/nested more than 32 levels/)
  })

  test('empty ids and texts the API never allows', () => {
    expect(problem(bad((f) => (alice(f).userId = '  ')))).toEqual({ path: '$.users[0].userId', message: 'must not be empty' })
    expect(problem(bad((f) => (alice(f).userId = ' alice')))).toEqual({ path: '$.users[0].userId', message: 'must not start or end with white space' })
    expect(problem(bad((f) => (alice(f).sessions[0].messages[0].content = ''))).path).toBe('$.users[0].sessions[0].messages[0].content')
  })

  test('duplicate ids, across sessions and across users', () => {
    expect(problem(bad((f) => (alice(f).sessions[1].messages = [{ ...alice(f).sessions[0].messages[0] }])))).toEqual({
      path: '$.users[0].sessions[1].messages[0].messageId',
      message: 'duplicate messageId "msg1" (first at $.users[0].sessions[0].messages[0].messageId)',
    })
    expect(problem(bad((f) => (f.users[1].userId = 'alice'))).message).toMatch(/^duplicate userId "alice"/)
    expect(problem(bad((f) => (f.users[1].docs = [{ ...alice(f).docs[0] }]))).path).toBe('$.users[1].docs[0].docId')
    expect(problem(bad((f) => (alice(f).memories[2].memoryId = 'm1'))).path).toBe('$.users[0].memories[2].memoryId')
    expect(problem(bad((f) => alice(f).conflicts.push({ ...alice(f).conflicts[0] }))).path).toBe('$.users[0].conflicts[1].conflictId')
    expect(problem(bad((f) => (f.users[1].sessions = [{ ...alice(f).sessions[1] }]))).path).toBe('$.users[1].sessions[0].sessionId')
    expect(problem(bad((f) => (f.settings!.categories[1].name = 'personal'))).message).toBe('duplicate category "personal"')
    expect(problem(bad((f) => alice(f).conflicts[0].clarifyingQuestions.push({ question: 'Which is right?', options: ['a', 'b'] }))).path).toBe(
      '$.users[0].conflicts[0].clarifyingQuestions[1].question',
    )
  })

  test('broken chains', () => {
    expect(problem(bad((f) => (alice(f).memories[1].prevVersionId = 'nowhere')))).toEqual({
      path: '$.users[0].memories[1].prevVersionId',
      message: 'broken chain: the previous version "nowhere" is not in the file',
    })
    expect(problem(bad((f) => (alice(f).memories[1].prevVersionId = 'm3'))).message).toMatch(/the previous version "m3" is in chain "m3", not "m1"/)
    expect(problem(bad((f) => (alice(f).memories[1].prevVersionId = 'm2'))).message).toMatch(/its own previous version/)
    // a loop: m1 -> m2 -> m1
    expect(problem(bad((f) => (alice(f).memories[0].prevVersionId = 'm2'))).message).toMatch(/loop back/)
    // two first versions in one chain
    expect(problem(bad((f) => alice(f).memories.push(mem({ memoryId: 'm9', chainId: 'm1' }))))).toEqual({
      path: '$.users[0].memories[3].prevVersionId',
      message: expect.stringContaining('chain "m1" has two first versions, "m1" and "m9"'),
    })
    // chainId naming a version of another chain
    expect(problem(bad((f) => alice(f).memories.push(mem({ memoryId: 'm9', chainId: 'm2' })))).message).toMatch(/"m2" is a version of chain "m1"/)
    // prevVersionId naming a version of another user
    const cross = problem(
      bad((f) => {
        f.users[1].memories = [mem({ memoryId: 'b1', chainId: 'b1', sessionId: null, sourceMessageIds: [] })]
        alice(f).memories[2].prevVersionId = 'b1'
      }),
    )
    expect(cross).toEqual({ path: '$.users[0].memories[2].prevVersionId', message: 'names memory "b1" of another user ($.users[1])' })
    // an expiry reason on a live version, or none on an expired one
    expect(problem(bad((f) => (alice(f).memories[2].expirationReason = 'TEMPORAL_CONFLICT'))).message).toMatch(/is set on a live version/)
    expect(problem(bad((f) => (alice(f).memories[0].expirationReason = null))).message).toMatch(/must be set on an expired version/)
  })

  test('dangling ids', () => {
    expect(problem(bad((f) => (alice(f).connections[0] = { connectionId: 'm1|zz', chainA: 'm1', chainB: 'zz', createdAt: T(3) })))).toEqual({
      path: '$.users[0].connections[0].chainB',
      message: 'dangling id: no memory of this user is in chain "zz"',
    })
    expect(problem(bad((f) => (alice(f).connections[0].connectionId = 'm3|m1'))).path).toBe('$.users[0].connections[0].connectionId')
    expect(problem(bad((f) => Object.assign(alice(f).connections[0], { connectionId: 'm3|m1', chainA: 'm3', chainB: 'm1' }))).message).toMatch(/chainA must sort before chainB/)
    expect(problem(bad((f) => (alice(f).memories[1].pendingConflictId = 'c404')))).toEqual({
      path: '$.users[0].memories[1].pendingConflictId',
      message: 'dangling id: no conflict "c404" in this user\'s conflicts',
    })
    expect(problem(bad((f) => (alice(f).memories[0].mergeConflictId = 'c404'))).path).toBe('$.users[0].memories[0].mergeConflictId')
    // references into another user's records
    const withBob = (edit: (f: BackupFile) => void) =>
      bad((f) => {
        f.users[1].sessions = [{ ...alice(f).sessions[1], sessionId: 'bs1', messages: [{ messageId: 'bm1', seq: 0, role: 'user', content: 'hi', timestamp: T(6) }] }]
        f.users[1].memories = [mem({ memoryId: 'b1', chainId: 'b1', sessionId: 'bs1', sourceMessageIds: ['bm1'] })]
        edit(f)
      })
    expect(checkBackup(withBob(() => undefined)).ok).toBe(true)
    expect(problem(withBob((f) => (alice(f).memories[2].sessionId = 'bs1')))).toEqual({ path: '$.users[0].memories[2].sessionId', message: 'names session "bs1" of another user ($.users[1])' })
    expect(problem(withBob((f) => (alice(f).memories[2].sourceMessageIds = ['bm1']))).path).toBe('$.users[0].memories[2].sourceMessageIds[0]')
    expect(problem(withBob((f) => (alice(f).conflicts[0].sessionId = 'bs1'))).path).toBe('$.users[0].conflicts[0].sessionId')
    expect(problem(withBob((f) => (alice(f).conflicts[0].conflictingMemories[0].memoryId = 'b1'))).path).toBe('$.users[0].conflicts[0].conflictingMemories[0].memoryId')
    expect(problem(withBob((f) => (alice(f).conflicts[0].newMemories = ['b1']))).path).toBe('$.users[0].conflicts[0].newMemories[0]')
    expect(problem(withBob((f) => (f.users[1].memories[0].pendingConflictId = 'c1'))).message).toBe('names conflict "c1" of another user ($.users[0])')
  })

  test('scope "user" holds exactly one user', () => {
    expect(problem(bad((f) => (f.scope = 'user')))).toEqual({ path: '$.users', message: 'a backup of scope "user" holds exactly one user, got 2' })
  })

  test('the first problem is reported: shapes before duplicates before references, each in document order', () => {
    const both = bad((f) => {
      alice(f).memories[1].prevVersionId = 'nowhere' // reference problem, earlier in the document
      f.users[1].userId = 'alice' // duplicate
      f.users[1].profile.createdAt = 'later' // shape problem, last in the document
    })
    expect(problem(both).path).toBe('$.users[1].profile.createdAt')
    const two = bad((f) => {
      alice(f).docs[0].title = 42 as never
      alice(f).sessions[0].messages[0].content = 42 as never
    })
    expect(problem(two).path).toBe('$.users[0].docs[0].title')
  })

  test('validateBackup throws an ImportError whose message names the path and the problem', () => {
    const data = bad((f) => (alice(f).memories[1].prevVersionId = 'nowhere'))
    let err: unknown
    try {
      validateBackup(data)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ImportError)
    expect((err as ImportError).path).toBe('$.users[0].memories[1].prevVersionId')
    expect((err as ImportError).message).toBe('$.users[0].memories[1].prevVersionId: broken chain: the previous version "nowhere" is not in the file')
    expect((err as ImportError).code).toBe('IMPORT_ERROR')
  })

  test('odd inputs never make the checker throw', () => {
    const trap = { get format(): string { throw new Error('boom') } }
    expect(problem(trap).message).toMatch(/boom/)
    expect(problem(Object.create(null)).path).toBe('$.format')
    expect(problem(bad((f) => (f.users = [null as never]))).path).toBe('$.users[0]')
  })
})

// ---- the JSON Schema documents the same format ----

type Schema = Record<string, unknown>
const schema = JSON.parse(readFileSync(new URL('../../docs/backup-format.schema.json', import.meta.url), 'utf8')) as Schema

/** A small interpreter of the JSON Schema keywords the schema file uses (draft 2020-12 subset). */
function schemaErrors(s: Schema, v: unknown, path = '$', out: string[] = []): string[] {
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace('#/$defs/', '')
    return schemaErrors((schema.$defs as Record<string, Schema>)[name], v, path, out)
  }
  const typeOf = (x: unknown) => (x === null ? 'null' : Array.isArray(x) ? 'array' : Number.isInteger(x) ? 'integer' : typeof x)
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type]
    const t = typeOf(v)
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) {
      out.push(`${path}: type`)
      return out
    }
  }
  if ('const' in s && v !== s.const) out.push(`${path}: const`)
  if (Array.isArray(s.enum) && !s.enum.includes(v)) out.push(`${path}: enum`)
  if (Array.isArray(s.anyOf) && !s.anyOf.some((x) => schemaErrors(x as Schema, v, path).length === 0)) out.push(`${path}: anyOf`)
  if (typeof v === 'string') {
    const len = [...v].length
    if (typeof s.maxLength === 'number' && len > s.maxLength) out.push(`${path}: maxLength`)
    if (typeof s.minLength === 'number' && len < s.minLength) out.push(`${path}: minLength`)
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) out.push(`${path}: pattern`)
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) out.push(`${path}: minimum`)
    if (typeof s.maximum === 'number' && v > s.maximum) out.push(`${path}: maximum`)
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems) out.push(`${path}: minItems`)
    if (s.items) v.forEach((x, i) => schemaErrors(s.items as Schema, x, `${path}[${i}]`, out))
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const props = (s.properties ?? {}) as Record<string, Schema>
    for (const r of (s.required ?? []) as string[]) if (!(r in v)) out.push(`${path}.${r}: required`)
    for (const [k, x] of Object.entries(v)) {
      if (props[k]) schemaErrors(props[k], x, `${path}.${k}`, out)
      else if (s.additionalProperties === false) out.push(`${path}.${k}: additionalProperties`)
    }
  }
  return out
}

describe('docs/backup-format.schema.json', () => {
  test('is the JSON Schema generated from the valibot schema (run `npx tsx scripts/backupJsonSchema.ts` after changing src/backup/schema.ts)', () => {
    expect(schema).toEqual(backupJsonSchema())
  })

  test('is a draft 2020-12 schema whose limits are those of LIMITS (through the record schemas)', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    const defs = schema.$defs as Record<string, Schema & { properties: Record<string, Schema> }>
    expect(defs.id.maxLength).toBe(LIMITS.idLength)
    expect(defs.user.properties.userId).toEqual({ $ref: '#/$defs/id' })
    expect(defs.message.properties.content.maxLength).toBe(LIMITS.messageLength)
    expect(defs.doc.properties.content.maxLength).toBe(LIMITS.docContentLength)
    expect(defs.profile.properties.about.maxLength).toBe(LIMITS.aboutLength)
    expect(defs.profile.properties.name.maxLength).toBe(LIMITS.nameLength)
    expect(defs.memory.properties.content.maxLength).toBe(LIMITS.messageLength)
    expect(defs.session.properties.autoProcessAfterSeconds.maximum).toBe(LIMITS.maxAutoProcessSeconds)
  })

  test('accepts the valid files the checker accepts', () => {
    expect(schemaErrors(schema, validFile())).toEqual([])
    const f = validFile()
    f.scope = 'user'
    f.users = [f.users[1]]
    delete f.settings
    expect(schemaErrors(schema, f)).toEqual([])
  })

  test('refuses the shape problems the checker refuses, at the same path', () => {
    const cases: [unknown, string][] = [
      [bad((f) => (f.format = 'x' as never)), '$.format'],
      [bad((f) => (f.version = 2 as never)), '$.version'],
      [bad((f) => (alice(f).sessions[0].messages[1].seq = '1' as never)), '$.users[0].sessions[0].messages[1].seq'],
      [bad((f) => (alice(f).sessions[0].messages[0].role = 'system' as never)), '$.users[0].sessions[0].messages[0].role'],
      [bad((f) => (alice(f).memories[1].expirationReason = 'DELETED' as never)), '$.users[0].memories[1].expirationReason'],
      [bad((f) => (alice(f).memories[0].byUser = 'yes' as never)), '$.users[0].memories[0].byUser'],
      [bad((f) => (alice(f).sessions[0].temporary = false as never)), '$.users[0].sessions[0].temporary'],
      [bad((f) => delete (alice(f).memories[0] as Partial<BackupFile['users'][0]['memories'][0]>).chainId), '$.users[0].memories[0].chainId'],
      [bad((f) => ((alice(f) as unknown as Record<string, unknown>).uid = 'u1')), '$.users[0].uid'],
      [bad((f) => (alice(f).docs[0].createdAt = '2025-01-08T10:00:00Z')), '$.users[0].docs[0].createdAt'],
      [bad((f) => (alice(f).sessions[0].messages[0].content = 'x'.repeat(LIMITS.messageLength + 1))), '$.users[0].sessions[0].messages[0].content'],
      [bad((f) => (alice(f).userId = ' alice')), '$.users[0].userId'],
      [bad((f) => (alice(f).userId = '')), '$.users[0].userId'],
      [bad((f) => (f.settings!.categories[0].name = 'Personal')), '$.settings.categories[0].name'],
      [bad((f) => (alice(f).conflicts[0].status = 'pending' as never)), '$.users[0].conflicts[0].status'],
    ]
    for (const [data, path] of cases) {
      expect(problem(data).path).toBe(path)
      expect(schemaErrors(schema, data).filter((e) => e.startsWith(`${path}:`)), path).not.toEqual([])
    }
  })
})
