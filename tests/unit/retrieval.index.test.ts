import { describe, expect, test } from 'vitest'
import { SearchIndex, type IndexEntry } from '../../src/retrieval/SearchIndex'

const msg = (id: string, text: string, extra: Partial<IndexEntry> = {}): IndexEntry => ({ id, kind: 'message', refId: id, text, ...extra })
const mem = (id: string, text: string, extra: Partial<IndexEntry> = {}): IndexEntry => ({ id, kind: 'memory', refId: id, text, ...extra })
const ids = (idx: SearchIndex, text: string, extra: object = {}) => idx.search({ text, k: 10, ...extra }).map((h) => h.entry.id)

describe('SearchIndex', () => {
  test('matches stems, ignores stop words, scores 0..1 with the best at 1', () => {
    const idx = new SearchIndex()
    idx.upsert(mem('a', 'User paints landscapes on weekends'))
    idx.upsert(mem('b', 'User is allergic to peanuts'))
    idx.upsert(mem('c', 'User went to the support group'))
    const hits = idx.search({ text: 'What does the user like painting?', k: 10 })
    expect(hits[0].entry.id).toBe('a')
    expect(hits[0].score).toBe(1)
    for (const h of hits) expect(h.score).toBeGreaterThan(0)
    expect(ids(idx, 'the of and')).toEqual([])
  })

  test('upsert replaces, remove discards, and removed entries never come back', () => {
    const idx = new SearchIndex()
    idx.upsert(mem('a', 'User lives in Paris'))
    expect(ids(idx, 'Paris')).toEqual(['a'])
    idx.upsert(mem('a', 'User lives in Berlin'))
    expect(ids(idx, 'Paris')).toEqual([])
    expect(ids(idx, 'Berlin')).toEqual(['a'])
    expect(idx.remove('a')).toBe(true)
    expect(idx.remove('a')).toBe(false)
    expect(ids(idx, 'Berlin')).toEqual([])
    expect(idx.size).toBe(0)
  })

  test("a message's neighbours are a weaker field: they find it, but rank below a direct match", () => {
    const idx = new SearchIndex()
    idx.upsert(msg('q', 'Did you go anywhere nice?', { context: 'Yes, we went camping at the lake' }))
    idx.upsert(msg('a', 'Yes, we went camping at the lake', { context: 'Did you go anywhere nice?' }))
    idx.upsert(msg('x', 'I bought a new bike'))
    expect(ids(idx, 'camping lake')).toEqual(['a', 'q'])
  })

  test('exclude and kinds filter results', () => {
    const idx = new SearchIndex()
    idx.upsert(msg('m1', 'I love hiking'))
    idx.upsert(mem('k1', 'User loves hiking'))
    expect(ids(idx, 'hiking', { exclude: new Set(['m1']) })).toEqual(['k1'])
    expect(ids(idx, 'hiking', { kinds: new Set(['message']) })).toEqual(['m1'])
  })

  test('a date range favours overlapping memories and brings in dated memories that match only by date', () => {
    const idx = new SearchIndex()
    const d = (s: string) => Date.parse(s)
    idx.upsert(mem('march', 'User went skiing in the Alps', { dateStart: d('2024-03-10'), dateEnd: d('2024-03-12') }))
    idx.upsert(mem('june', 'User went swimming', { dateStart: d('2024-06-01') }))
    idx.upsert(mem('undated', 'User went to the cinema'))
    const range = { start: d('2024-03-01'), end: d('2024-03-31T23:59:59Z'), text: 'March' }
    const hits = idx.search({ text: 'what did I do in March?', k: 10, dateRange: range })
    expect(hits.map((h) => h.entry.id)).toEqual(['march'])
    expect(hits[0].dateMatch).toBe(true)
    // lexical hits outside the range still come, after the one inside it
    expect(ids(idx, 'went', { dateRange: range })[0]).toBe('march')
  })

  test('the session as a whole lifts its entries; speakers named in the query are favoured', () => {
    const idx = new SearchIndex()
    idx.upsert(msg('s1a', 'Caroline: we talked about the trip', { sessionId: 's1', speaker: 'caroline' }))
    idx.upsert(msg('s2a', 'Melanie: the trip was long', { sessionId: 's2', speaker: 'melanie' }))
    idx.setSessionText('s1', 'Caroline: we talked about the trip\nMelanie: the beach in Spain was lovely')
    idx.setSessionText('s2', 'Melanie: the trip was long\nCaroline: I am tired')
    expect(ids(idx, 'trip to the beach')[0]).toBe('s1a')
    const byMelanie = idx.search({ text: 'What did Melanie say about the trip?', k: 10 })
    expect(byMelanie[0].entry.id).toBe('s2a')
    // "I" means the user when self is given
    expect(ids(idx, 'my trip', { self: 'caroline' })[0]).toBe('s1a')
  })

  test('vector similarity is fused with the lexical score and can find entries with no shared word', () => {
    const idx = new SearchIndex()
    const v = (...xs: number[]) => new Float32Array(xs)
    idx.upsert(mem('car', 'User drives a Tesla'))
    idx.upsert(mem('food', 'User is vegetarian'))
    idx.upsert(mem('pet', 'User has a cat'))
    idx.setVector('car', v(1, 0, 0))
    idx.setVector('food', v(0, 1, 0))
    idx.setVector('pet', v(0, 0, 1))
    const hits = idx.search({ text: 'what automobile do I own', k: 3, vector: v(0.9, 0.1, 0) })
    expect(hits[0].entry.id).toBe('car')
    expect(hits[0].vector).toBeCloseTo(0.99, 1)
    expect(idx.missingVectors()).toEqual([])
    idx.upsert(mem('car', 'User drives a bike'))
    expect(idx.missingVectors().map((e) => e.id)).toEqual(['car'])
  })

  test('stays fast on thousands of entries', () => {
    const idx = new SearchIndex()
    const words = 'apple river mountain guitar painting camping recipe school garden travel music dog cat beach book movie'.split(' ')
    for (let i = 0; i < 5000; i++) idx.upsert(msg(`m${i}`, `${words[i % 16]} ${words[(i * 7) % 16]} ${words[(i * 3) % 16]} number ${i}`, { sessionId: `s${i % 50}`, context: words[(i + 1) % 16] }))
    const t0 = performance.now()
    for (let i = 0; i < 20; i++) idx.search({ text: 'camping trip to the beach with the dog', k: 50 })
    expect((performance.now() - t0) / 20).toBeLessThan(50)
  })
})
