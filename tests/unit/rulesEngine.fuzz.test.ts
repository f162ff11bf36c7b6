/**
 * Seeded fuzzing of the rules engine: random mixes of corpus words and odd characters must
 * never throw and must always give well-formed facts and decisions.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_CATEGORIES } from '../../src/core/categories'
import type { MemoryCandidate } from '../../src/core/types'
import { RulesEngine } from '../../src/engine/rules/RulesEngine'
import { clarifyConflict, resolveConflict } from '../../src/engine/rules/conflicts'
import { decideFact } from '../../src/engine/rules/decide'
import { extractFacts } from '../../src/engine/rules/extract'
import { RULES_CORPUS, RULES_CORPUS_HELDOUT } from './fixtures/rulesCorpus'

function randomSource(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 0x1_0000_0000
  }
}

const WORDS = [...RULES_CORPUS, ...RULES_CORPUS_HELDOUT].flatMap((c) => c.messages.flatMap((m) => m.content.split(/\s+/)))
const ODD = ['😀', ',', '.', '?', '!', ':', ';', '—', '(', ')', '"', "'", '\u0002', '\n', 'and', 'I', 'my', 'Caroline:', 'last', 'next', 'Monday', 'in', '2019', 'since', 'named', 'é', '\u0000', 'his', 'there']

function randomText(rnd: () => number): string {
  const n = 1 + Math.floor(rnd() * 30)
  const toks: string[] = []
  for (let j = 0; j < n; j++) toks.push(rnd() < 0.75 ? WORDS[Math.floor(rnd() * WORDS.length)] : ODD[Math.floor(rnd() * ODD.length)])
  return toks.join(rnd() < 0.85 ? ' ' : '')
}

describe('RulesEngine fuzz', () => {
  it('never throws and keeps its output well-formed (seed 7, 1500 cases)', () => {
    const rnd = randomSource(7)
    for (let i = 0; i < 1500; i++) {
      const a = randomText(rnd)
      const b = randomText(rnd)
      const sessionCreatedAt = new Date(Date.UTC(2020 + Math.floor(rnd() * 6), Math.floor(rnd() * 12), 1 + Math.floor(rnd() * 28)))
      const messages = [
        { role: 'user' as const, content: a },
        { role: 'assistant' as const, content: b },
        { role: 'user' as const, content: b },
      ]
      const facts = extractFacts({ messages, sessionCreatedAt, user: { name: '', about: '' }, categories: DEFAULT_CATEGORIES })
      const candidates: MemoryCandidate[] = [
        { memoryId: 'a', content: `User ${a}`, categories: [], createdAt: sessionCreatedAt },
        { memoryId: 'b', content: b, categories: [], createdAt: sessionCreatedAt },
      ]
      for (const f of facts) {
        expect(f.content.trim().length, a).toBeGreaterThan(0)
        expect(f.sources?.every((s) => s === 0 || s === 2), a).toBe(true)
        if (f.eventDateStart) expect(Number.isNaN(f.eventDateStart.getTime())).toBe(false)
        if (f.eventDateStart && f.eventDateEnd) expect(f.eventDateStart.getTime()).toBeLessThanOrEqual(f.eventDateEnd.getTime())
        const d = decideFact(f, candidates)
        if (d.kind === 'TEMPORAL_CONFLICT' || d.kind === 'MERGE_CONFLICT') expect(d.memoryIds.every((id) => id === 'a' || id === 'b')).toBe(true)
        if (d.kind === 'ADDITION_TO_EXISTING_MEMORY') expect(['a', 'b']).toContain(d.memoryId)
        const [q] = clarifyConflict(f, candidates)
        expect(new Set(q.options).size).toBeGreaterThanOrEqual(2)
        for (const r of resolveConflict(f, candidates, [{ question: q.question, answer: q.options[Math.floor(rnd() * q.options.length)] }])) {
          expect(['a', 'b']).toContain(r.replaces)
        }
      }
    }
  })

  it('stays fast on adversarial long input', async () => {
    const engine = new RulesEngine()
    for (const text of ['my '.repeat(5000), 'I I I '.repeat(3000), 'Aa '.repeat(6000), ', '.repeat(8000), 'and I '.repeat(3000), 'last Monday next Friday '.repeat(800)]) {
      const t = performance.now()
      const facts = await engine.extract({ messages: [{ role: 'user', content: text }], sessionCreatedAt: new Date(), user: { name: '', about: '' }, categories: DEFAULT_CATEGORIES })
      expect(Array.isArray(facts)).toBe(true)
      expect(performance.now() - t).toBeLessThan(1000)
    }
  })
})
