import { describe, expect, test } from 'vitest'
import { ValidationError } from '../../src/core/errors'
import { select, validateContextOptions } from '../../src/retrieval/getContext'
import { renderContext, type ContextData, type ContextMemory } from '../../src/retrieval/render'

const d = (s: string) => new Date(s)
const mem = (id: string, content: string, extra: Partial<ContextMemory> = {}): ContextMemory => ({
  memoryId: id, content, categories: [], eventDateStart: null, eventDateEnd: null, createdAt: d('2025-01-08T10:00:00Z'),
  versionNumber: 1, totalVersions: 1, previousVersions: [], connected: [], mergeConflictInProgress: false, ...extra,
})
const empty: ContextData = { user: null, memories: [], documents: [], messages: [], conflicts: [], unprocessedSessions: [], lastMessages: [] }

function full(): ContextData {
  return {
    user: { name: 'Alice', about: 'Software engineer\nlikes hiking' },
    memories: [
      mem('k2', 'User lives in Berlin', {
        categories: ['personal'],
        eventDateStart: d('2024-06-01T00:00:00Z'),
        versionNumber: 2,
        totalVersions: 2,
        previousVersions: [
          { memoryId: 'k1', content: 'User lives in Paris', versionNumber: 1, createdAt: d('2024-01-05T09:00:00Z'), expiredAt: d('2025-01-08T10:00:00Z'), expirationReason: 'TEMPORAL_CONFLICT', eventDateStart: null, eventDateEnd: null },
        ],
        connected: [mem('c1', 'User works at a Berlin startup'), mem('c2', 'User cycles to work')],
      }),
      mem('k3', 'User is vegetarian', { mergeConflictInProgress: true }),
    ],
    documents: [{ docId: 'd1', title: 'Recipes', passages: ['Lentil soup:\nboil lentils'], score: 0.7 }],
    messages: [{ messageId: 'm9', sessionId: 's0', role: 'user', content: 'I went to the Alps yesterday', timestamp: d('2024-03-11T23:30:00Z'), score: 0.8 }],
    conflicts: [
      {
        conflictId: 'x1', status: 'PENDING', proposedMemoryContent: 'User eats fish', createdAt: d('2025-01-08T10:00:00Z'),
        conflictingMemories: [{ content: 'User is vegetarian', reason: 'vegetarians do not eat fish' }],
        clarifyingQuestions: [{ question: 'Do you eat fish now?', options: ['Yes', 'No'] }],
      },
    ],
    unprocessedSessions: [
      { sessionId: 's5', status: 'pending', createdAt: d('2025-01-07T08:00:00Z'), messageCount: 9, messages: [{ messageId: 'm50', sessionId: 's5', role: 'user', content: 'Booked a flight to Rome', timestamp: d('2025-01-07T08:01:00Z') }] },
    ],
    lastMessages: [
      { messageId: 'l1', sessionId: 's6', role: 'user', content: 'Any dinner ideas?', timestamp: d('2025-01-08T09:59:00Z') },
      { messageId: 'l2', sessionId: 's6', role: 'assistant', content: 'Sure, what do you fancy?', timestamp: d('2025-01-08T10:00:00Z') },
    ],
  }
}

describe('renderContext', () => {
  test('sections come in order, each once', () => {
    const text = renderContext(full())
    const heads = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1])
    expect(heads).toEqual([
      'How to use this context',
      'The user',
      'Relevant memories',
      'Relevant documents',
      'Relevant earlier messages',
      'Merge conflicts waiting for the user',
      'Sessions not yet processed',
      'Last 2 messages of this conversation',
    ])
  })

  test('empty sections are omitted; without the system prompt there are no instructions', () => {
    expect(renderContext(empty, { includeSystemPrompt: false })).toBe('')
    const only = renderContext({ ...empty, user: { name: 'Bob', about: '' } }, { includeSystemPrompt: false })
    expect(only).toBe('## The user\n\n- Name: Bob\n')
    expect(renderContext(empty)).toMatch(/^## How to use this context\n/)
  })

  test('memories are numbered with dates, version, history and connected memories nested as 1.1, 1.2', () => {
    const text = renderContext(full(), { includeSystemPrompt: false })
    const section = text.split('## Relevant memories\n\n')[1].split('\n\n## ')[0]
    expect(section).toBe(
      [
        '1. User lives in Berlin (when: 2024-06-01; noted 2025-01-08; version 2 of 2; personal)',
        '   Earlier versions:',
        '   - v1: User lives in Paris (noted 2024-01-05; replaced 2025-01-08: changed over time)',
        '   1.1. User works at a Berlin startup (noted 2025-01-08)',
        '   1.2. User cycles to work (noted 2025-01-08)',
        '2. User is vegetarian (noted 2025-01-08; version 1 of 1; disputed: a merge conflict is open)',
      ].join('\n'),
    )
  })

  test('conflicts show their questions and options; unprocessed sessions their last messages', () => {
    const text = renderContext(full(), { includeSystemPrompt: false })
    expect(text).toContain('1. New information: "User eats fish" (pending, since 2025-01-08)')
    expect(text).toContain('   - conflicts with: "User is vegetarian" — vegetarians do not eat fish')
    expect(text).toContain('   - ask: Do you eat fish now? Options: "Yes", "No"')
    expect(text).toContain('- Conversation of 2025-01-07 08:00 (pending, 9 messages)\n  (last 1)\n  - [2025-01-07 08:01] user: Booked a flight to Rome')
    expect(text).toContain('### Recipes\n\n> Lentil soup:\n> boil lentils')
    expect(text).toContain('- About: Software engineer\n  likes hiking')
  })

  test('dates are shown in the time zone; calendar event dates are not shifted', () => {
    const utc = renderContext(full(), { timezone: 'UTC' })
    expect(utc).toContain('- [2024-03-11 23:30] user: I went to the Alps yesterday')
    expect(utc).toContain('Dates and times are in UTC.')
    const tokyo = renderContext(full(), { timezone: 'Asia/Tokyo' })
    expect(tokyo).toContain('- [2024-03-12 08:30] user: I went to the Alps yesterday')
    expect(tokyo).toContain('Dates and times are in Asia/Tokyo.')
    // an event date at midnight UTC is a calendar date: 2024-06-01 everywhere
    expect(renderContext(full(), { timezone: 'America/Los_Angeles' })).toContain('when: 2024-06-01')
    // a recorded time is shifted: 10:00 UTC on 8 Jan is still 8 Jan in LA, 02:00
    expect(renderContext(full(), { timezone: 'America/Los_Angeles' })).toContain('- [2025-01-08 01:59] user: Any dinner ideas?')
  })
})

describe('selection and options', () => {
  const ranked = [1, 0.9, 0.8, 0.7, 0.65, 0.5, 0.4, 0.3].map((score, i) => ({ id: `i${i}`, score }))
  test('at least minTopK, at most maxTopK, and in between those at or above the threshold', () => {
    expect(select(ranked, 2, 10, 0.6).map((r) => r.id)).toEqual(['i0', 'i1', 'i2', 'i3', 'i4'])
    expect(select(ranked, 6, 10, 0.6)).toHaveLength(6)
    expect(select(ranked, 1, 3, 0.6)).toHaveLength(3)
    expect(select(ranked, 1, 10, 0)).toHaveLength(8)
    expect(select(ranked, 1, 10, 1)).toHaveLength(1)
    expect(select(ranked.slice(0, 3), 15, 50, 0.99)).toHaveLength(3)
  })

  test('options are validated', () => {
    expect(validateContextOptions({})).toMatchObject({ minTopK: 15, maxTopK: 50, memoriesThreshold: 0.6, lastNMessages: 0, timezone: 'UTC', includeSystemPrompt: true })
    for (const bad of [
      { minTopK: 0 }, { maxTopK: 101 }, { minTopK: 20, maxTopK: 10 }, { minTopK: 1.5 }, { memoriesThreshold: 1.5 }, { memoriesThreshold: Number.NaN },
      { lastNMessages: -1 }, { lastNMessages: 101 }, { timezone: 'Mars/Olympus' }, { timezone: '' }, { includeSystemPrompt: 'yes' }, { query: '  ' }, { query: 3 },
    ]) {
      expect(() => validateContextOptions(bad as never), JSON.stringify(bad)).toThrow(ValidationError)
    }
    expect(validateContextOptions({ minTopK: 80 }).maxTopK).toBe(80)
  })
})
