/**
 * Extraction: the user's messages of a session -> short third-person facts with categories,
 * event dates and the indexes of the messages they came from. Assistant messages are never
 * read for facts.
 */
import type { Category, EngineMessage, ExtractedFact } from '../../core/types'
import type { ExtractInput } from '../types'
import { categorize } from './categorize'
import { clauseToFacts, type ClauseState } from './clause'
import { newEntityMemory } from './patterns'
import { normalizeContent } from './similarity'
import { cleanMessage, splitClauses, splitSentences, stripSpeakerPrefix } from './text'
import { parseForgetRequest } from './forget'

/** At most this many facts come out of one message (a pasted essay is not a list of facts). */
const MAX_FACTS_PER_MESSAGE = 25
/** At most this many clauses of one message are looked at. */
const MAX_CLAUSES_PER_MESSAGE = 200

function validDate(d: unknown): d is Date {
  return d instanceof Date && !Number.isNaN(d.getTime())
}

export function extractFacts(input: ExtractInput): ExtractedFact[] {
  const messages: EngineMessage[] = Array.isArray(input?.messages) ? input.messages : []
  const categories: Category[] = Array.isArray(input?.categories) ? input.categories : []
  const ref = validDate(input?.sessionCreatedAt) ? input.sessionCreatedAt : new Date(Number.NaN)
  const entities = newEntityMemory()
  const facts: ExtractedFact[] = []
  const byContent = new Map<string, ExtractedFact>()

  messages.forEach((msg, index) => {
    if (!msg || msg.role !== 'user' || typeof msg.content !== 'string') return
    // "forget that I live in Paris" asks to delete a memory: it is no fact to remember
    if (parseForgetRequest(msg.content)) return
    entities.lastAge++
    if (entities.lastAge > 2) entities.last = undefined
    const text = stripSpeakerPrefix(cleanMessage(msg.content))
    let produced = 0
    let clauses = 0
    for (const sentence of splitSentences(text)) {
      const state: ClauseState = { ref, entities }
      const knownNames = new Set(entities.byName.keys())
      for (const clause of splitClauses(sentence, knownNames)) {
        if (produced >= MAX_FACTS_PER_MESSAGE || ++clauses > MAX_CLAUSES_PER_MESSAGE) return
        for (const raw of clauseToFacts(clause, state)) {
          const key = normalizeContent(raw.content)
          const existing = byContent.get(key)
          if (existing) {
            if (!existing.sources?.includes(index)) existing.sources?.push(index)
            continue
          }
          const fact: ExtractedFact = {
            content: raw.content,
            categories: categorize(raw.content, categories, { hints: raw.hints, hasEventDate: !!raw.date }),
            sources: [index],
          }
          if (raw.date) {
            fact.eventDateStart = raw.date.start
            if (raw.date.end) fact.eventDateEnd = raw.date.end
          }
          byContent.set(key, fact)
          facts.push(fact)
          produced++
        }
      }
    }
  })
  return facts
}
