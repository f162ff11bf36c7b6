import { describe, expect, it } from 'vitest'
import { DEFAULT_CATEGORIES } from '../../src/core/categories'
import type { EngineMessage, MemoryCandidate } from '../../src/core/types'
import { RulesEngine } from '../../src/engine/rules/RulesEngine'

const engine = new RulesEngine()

const LINES = [
  "I'm vegetarian and I live in Paris.",
  'I met John last Monday at the conference.',
  'btw I just started at Google as a product designer',
  'we got a puppy last weekend! his name is Biscuit',
  "ugh, I can't eat gluten. any bread recipes?",
  'My wife Sarah and I are celebrating our 10th anniversary next Saturday.',
  'I play the guitar in a band and I run about 40 miles a week.',
  "I'm training for the Chicago marathon in October.",
  'my sister Anna lives in Rome, she is a teacher',
  "I'd love to visit Iceland someday",
]

function twentyTurns(): EngineMessage[] {
  const messages: EngineMessage[] = []
  for (const line of LINES) {
    messages.push({ role: 'user', content: line })
    messages.push({ role: 'assistant', content: 'That sounds great! Tell me more, I love hearing about your life.' })
  }
  return messages
}

/** The best of n runs: the engine's own cost, not the load of the machine running the tests. */
async function bestOf(n: number, fn: () => Promise<unknown>): Promise<number> {
  await fn() // warm-up: the first chrono-node call and the JIT
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn()
    best = Math.min(best, performance.now() - t)
  }
  return best
}

describe('RulesEngine speed', () => {
  it('extracts a 20-turn conversation in well under 10 ms', async () => {
    const messages = twentyTurns()
    const input = { messages, sessionCreatedAt: new Date('2025-01-08T10:00:00Z'), user: { name: '', about: '' }, categories: DEFAULT_CATEGORIES }
    const ms = await bestOf(7, () => engine.extract(input))
    console.log(`extract, 20 turns: ${ms.toFixed(2)} ms`)
    expect(ms).toBeLessThan(10)
  })

  it('decides a fact against 100 candidates it has not seen before in a few ms', async () => {
    let run = 0
    // fresh contents on every run, so that the engine's cache of analysed memories does not help
    const candidates = (): MemoryCandidate[] => {
      run++
      return Array.from({ length: 100 }, (_, i) => ({
        memoryId: `m${i}`,
        content: `${LINES[i % LINES.length].replace(/^I'm|^I/, 'User')} ${run}-${i}`,
        categories: [],
        createdAt: new Date('2024-12-01T00:00:00Z'),
      }))
    }
    const fact = { content: 'User moved to Berlin', categories: ['location'] }
    const ms = await bestOf(7, () => engine.decide({ fact, candidates: candidates() }))
    console.log(`decide, 100 candidates: ${ms.toFixed(2)} ms`)
    expect(ms).toBeLessThan(10)
  })
})
