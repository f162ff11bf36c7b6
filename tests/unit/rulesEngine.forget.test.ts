import { describe, expect, test } from 'vitest'
import { memoriesAbout, parseForgetRequest } from '../../src/engine/rules/forget'
import { RulesEngine } from '../../src/engine/rules/RulesEngine'
import { DEFAULT_CATEGORIES } from '../../src/core/categories'

describe('forget requests in the chat (rules engine)', () => {
  test.each([
    ['Forget that I live in Paris', 'I live in Paris'],
    ['please forget everything about my sister.', 'my sister'],
    ['Can you forget about my job at Acme?', 'my job at Acme'],
    ['Hey, forget what I said about coffee', 'coffee'],
    ['forget I live in Paris please', 'I live in Paris'],
    ['Stop remembering that I smoke. Thanks!', 'I smoke'],
  ])('%j asks to forget %j', (text, subject) => {
    expect(parseForgetRequest(text)?.subject).toBe(subject)
  })

  test.each([["Don't forget to buy milk"], ['I forgot my keys'], ['I always forget names'], ['forget it'], ['Forget that.'], ['My sister told me to forget about him'], [''], [42]])(
    '%j is not a request',
    (text) => {
      expect(parseForgetRequest(text)).toBeNull()
    },
  )

  test('matches the memories that have every word of the subject (stemmed, synonyms of the engine)', () => {
    const memories = [{ content: 'User lives in Paris' }, { content: 'User likes Paris' }, { content: "User's sister Anna lives in Rome" }, { content: 'User has a sister' }, { content: 'User works at Acme' }]
    expect(memoriesAbout(parseForgetRequest('Forget that I live in Paris')!, memories).map((m) => m.content)).toEqual(['User lives in Paris'])
    expect(memoriesAbout(parseForgetRequest('forget everything about my sister')!, memories).map((m) => m.content)).toEqual(["User's sister Anna lives in Rome", 'User has a sister'])
    expect(memoriesAbout(parseForgetRequest('forget about my job at Acme')!, memories).map((m) => m.content)).toEqual(['User works at Acme'])
    expect(memoriesAbout(parseForgetRequest('forget that I have a dog')!, memories)).toEqual([])
  })

  test('a request to forget is not itself turned into a memory', async () => {
    const engine = new RulesEngine()
    const facts = await engine.extract({
      messages: [
        { role: 'user', content: 'Forget that I live in Paris.', timestamp: new Date('2025-01-01T10:00:00Z') },
        { role: 'user', content: 'I have a cat named Tom.', timestamp: new Date('2025-01-01T10:01:00Z') },
      ],
      sessionCreatedAt: new Date('2025-01-01T10:00:00Z'),
      user: { name: 'A', about: '' },
      categories: DEFAULT_CATEGORIES,
    })
    expect(facts.map((f) => f.content).join(' | ')).not.toMatch(/Paris/)
    expect(facts.some((f) => /cat/.test(f.content))).toBe(true)
  })
})
