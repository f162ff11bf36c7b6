import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { mapsOf, PART_MAPS, partDocName, partKeyOf, partOfDocName, PARTS_YMAP, sessionDocName, SPACE_DOC, uidOfDocName, USER_MAPS, userDocName, userWriteDocs } from '../../src/sync/layout'
import { partsOf, SpaceView, UserView } from '../../src/sync/schema/views'
import { deletedUids, directoryRules, isDeletionMark } from '../../src/sync/transport/directory'
import type { SessionRecord } from '../../src/core/types'

// The split of a user's history into parts (docs/DESIGN.md, "History in parts"): which part a
// session and its messages go to, which documents a write loads, and which the sync driver attaches.

const session = (sessionId: string, createdAt: string): SessionRecord & { messageCount: number } => ({
  sessionId,
  uid: 'u1',
  status: 'pending',
  metadata: {},
  createdAt,
  autoProcessAfterSeconds: 600,
  lastMessageAt: null,
  processedAt: null,
  error: null,
  updatedAt: createdAt,
  messageCount: 0,
})

function userView(docs: { user?: Y.Doc; parts?: Record<string, Y.Doc>; space?: Y.Doc }) {
  const space = new SpaceView(docs.space ?? new Y.Doc())
  return { view: new UserView({ uid: 'u1', user: docs.user, parts: new Map(Object.entries(docs.parts ?? {})), space: () => space }), space }
}

describe('which part a session goes to', () => {
  test('the UTC calendar month of its createdAt', () => {
    expect(partKeyOf('2025-03-31T23:59:59.999Z')).toBe('2025-03')
    expect(partKeyOf('2025-04-01T00:00:00.000Z')).toBe('2025-04')
    expect(partKeyOf('1999-12-01T00:00:00.000Z')).toBe('1999-12')
    expect(() => partKeyOf('not a date')).toThrow(/Not an ISO date/)
  })

  test('document names: a part is named under its user, and reads back as that user and month', () => {
    expect(partDocName('u1', '2025-03')).toBe('user/u1/2025-03')
    expect(uidOfDocName('user/u1/2025-03')).toBe('u1')
    expect(uidOfDocName('user/u1')).toBe('u1')
    expect(uidOfDocName(SPACE_DOC)).toBeNull()
    expect(partOfDocName('user/u1/2025-03')).toBe('2025-03')
    expect(partOfDocName('user/u1')).toBeNull()
    // not a month: not a part (and not a user document either)
    expect(uidOfDocName('user/u1/2025-13')).toBeNull()
    expect(uidOfDocName('user/u1/notes')).toBeNull()
    expect(mapsOf('user/u1/2025-03')).toBe(PART_MAPS)
    expect(mapsOf('user/u1')).toBe(USER_MAPS)
    expect(PART_MAPS.map((m) => m.ymap)).toEqual(['sessions', 'messages'])
  })

  test('a session row without a part is one from before the split, in the user document', () => {
    expect(sessionDocName('u1', '2025-03')).toBe('user/u1/2025-03')
    expect(sessionDocName('u1', undefined)).toBe(userDocName('u1'))
  })
})

describe('what a write loads', () => {
  test('a message write names only its part; memories add the user document; a session from before the split needs it', () => {
    expect(userWriteDocs('u1', ['2025-03'], false)).toEqual(['user/u1/2025-03'])
    expect(userWriteDocs('u1', ['2025-03'], true)).toEqual(['user/u1', 'user/u1/2025-03'])
    expect(userWriteDocs('u1', [undefined], false)).toEqual(['user/u1'])
    // each part once; the user document first (its rows are written before a part's)
    expect(userWriteDocs('u1', ['2025-04', '2025-03', '2025-04', null], false)).toEqual(['user/u1', 'user/u1/2025-04', 'user/u1/2025-03'])
  })

  test('a new session is stored in the part of its month and the part is listed in the space; messages follow their session', () => {
    const part = new Y.Doc()
    const { view, space } = userView({ parts: { '2025-03': part } })
    view.sessions.set('s1', session('s1', '2025-03-10T10:00:00.000Z'))
    view.messages.append({ messageId: 'm1', sessionId: 's1', uid: 'u1', seq: 0, role: 'user', content: 'hello', timestamp: '2025-03-10T10:00:00.000Z' })
    expect(part.getMap('sessions').has('s1')).toBe(true)
    expect(part.getMap('messages').get('m1')).toMatchObject({ sessionId: 's1', content: 'hello' })
    expect(space.parts.of('u1')).toEqual(['2025-03'])
    expect(view.sessions.get('s1')).toMatchObject({ sessionId: 's1', part: '2025-03' })
    // the stored session does not carry the part (where it lives says it)
    expect((part.getMap('sessions').get('s1') as Y.Map<unknown>).has('part')).toBe(false)
  })

  test('a session of a month the write did not name, and the user document when not named, are refused', () => {
    const { view } = userView({ parts: { '2025-03': new Y.Doc() } })
    expect(() => view.sessions.set('s2', session('s2', '2025-04-01T00:00:00.000Z'))).toThrow('This write did not name the document user/u1/2025-04')
    expect(() => view.memories.state()).toThrow('This write did not name the document user/u1')
    expect(() => view.messages.append({ messageId: 'm', sessionId: 'nope', uid: 'u1', seq: 0, role: 'user', content: 'x', timestamp: '2025-03-01T00:00:00.000Z' })).toThrow(/nope/)
  })

  test('moving sessions from before the split: each valid one with its messages into its part, a malformed one stays', () => {
    const user = new Y.Doc()
    const sessions = user.getMap('sessions')
    const messages = user.getMap('messages')
    const nested = (fields: object) => {
      const m = new Y.Map<unknown>()
      for (const [k, v] of Object.entries(fields)) m.set(k, v)
      return m
    }
    sessions.set('s1', nested({ ...session('s1', '2025-03-10T10:00:00.000Z'), futureField: 'kept' }))
    sessions.set('s2', nested({ ...session('s2', '2025-04-02T10:00:00.000Z') }))
    sessions.set('bad', nested({ ...session('bad', '2025-03-10T10:00:00.000Z'), status: 'hacked' }))
    messages.set('m1', { sessionId: 's1', seq: 0, role: 'user', content: 'one', timestamp: '2025-03-10T10:00:00.000Z' })
    messages.set('m2', { sessionId: 's2', seq: 0, role: 'user', content: 'two', timestamp: '2025-04-02T10:00:00.000Z' })
    messages.set('m3', { sessionId: 'bad', seq: 0, role: 'user', content: 'three', timestamp: '2025-03-10T10:00:00.000Z' })
    const march = new Y.Doc()
    // a write that named only March moves only March's valid session
    const { view, space } = userView({ user, parts: { '2025-03': march } })
    expect(view.moveLegacySessions()).toBe(1)
    expect([...march.getMap('sessions').keys()]).toEqual(['s1'])
    expect((march.getMap('sessions').get('s1') as Y.Map<unknown>).get('futureField')).toBe('kept')
    expect([...march.getMap('messages').keys()]).toEqual(['m1'])
    expect([...sessions.keys()].sort()).toEqual(['bad', 's2'])
    expect([...messages.keys()].sort()).toEqual(['m2', 'm3'])
    expect(space.parts.of('u1')).toEqual(['2025-03'])
  })
})

describe('which documents sync attaches', () => {
  test("a live user's document and every part the space lists for it; a deleted user's documents go together", () => {
    const space = new Y.Doc()
    const dir = space.getMap('directory')
    const entry = (deletedAt: string | null) => {
      const m = new Y.Map<unknown>()
      m.set('userId', 'x')
      m.set('createdAt', '2025-01-01T00:00:00.000Z')
      m.set('deletedAt', deletedAt)
      return m
    }
    dir.set('u1', entry(null))
    dir.set('u2', entry('2025-05-01T00:00:00.000Z'))
    const parts = space.getMap(PARTS_YMAP)
    parts.set('u1/2025-03', { uid: 'u1', key: '2025-03' })
    parts.set('u1/2024-11', { uid: 'u1', key: '2024-11' })
    parts.set('u2/2025-03', { uid: 'u2', key: '2025-03' })
    // entries that are not well-formed name no document
    parts.set('u1/2025-13', { uid: 'u1', key: '2025-13' })
    parts.set('u1/evil', { uid: 'u1', key: '../space' })
    parts.set('u1/2025-05', { uid: 'u3', key: '2025-05' })
    expect(partsOf(parts, 'u1')).toEqual(['2024-11', '2025-03'])
    const { live, gone } = directoryRules.split(dir, parts)
    // the user document, then its parts newest first (recent sessions arrive first on a new device)
    expect(live).toEqual(['user/u1', 'user/u1/2025-03', 'user/u1/2024-11'])
    expect(gone).toEqual(['u2'])
    expect(directoryRules.wanted('user/u1/2025-03', dir)).toBe(true)
    expect(directoryRules.wanted('user/u2/2025-03', dir)).toBe(false)
  })

  test('a deletion holds when another device overwrites the directory entry: the tombstone says deleted', () => {
    const space = new Y.Doc()
    const view = new SpaceView(space)
    view.directory.add('u1', { userId: 'alice', createdAt: '2025-01-01T00:00:00.000Z' })
    view.directory.add('u2', { userId: 'bob', createdAt: '2025-01-01T00:00:00.000Z' })
    view.directory.markDeleted('u1', '2025-05-01T00:00:00.000Z')
    expect(deletedUids(space)).toEqual(['u1'])
    // a hostile or buggy peer writes over the entry: no deletion mark is left in it
    space.getMap('directory').set('u1', true)
    expect(isDeletionMark('u1', space.getMap('directory').get('u1'))).toBe(false)
    expect(deletedUids(space)).toEqual(['u1'])
    expect(directoryRules.split(space.getMap('directory')).gone).toEqual(['u1'])
    expect(directoryRules.wanted('user/u1', space.getMap('directory'))).toBe(false)
    // or removes it altogether
    space.getMap('directory').delete('u1')
    expect(directoryRules.split(space.getMap('directory'))).toEqual({ live: ['user/u2'], gone: ['u1'] })
    // and a write through the views finds the user gone
    expect(view.directory.live('u1')).toBeUndefined()
    expect(view.directory.live('u2')).toMatchObject({ userId: 'bob' })
  })
})
