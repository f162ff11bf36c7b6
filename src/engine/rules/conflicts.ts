/**
 * Merge conflicts: the clarifying question for a contradiction, and the memories that
 * result from the user's answer.
 */
import type { ClarifyingQuestion, ConflictAnswer, ExtractedFact, MemoryCandidate, ResolvedMemory } from '../../core/types'
import { contentTokens, jaccard, normalizeContent } from './similarity'

export const CLARIFY_QUESTION = 'Which is right?'
export const BOTH_OPTION = 'Both were true at different times'
export const ALL_OPTION = 'All were true at different times'
const FALLBACK_NEW = 'The new information is right'
const FALLBACK_OLD = 'The earlier information is right'

function text(s: unknown): string {
  return typeof s === 'string' ? s.trim().replace(/[.\s]+$/, '') : ''
}

function validConflicting(list: unknown): MemoryCandidate[] {
  return Array.isArray(list) ? list.filter((c): c is MemoryCandidate => !!c && typeof c.memoryId === 'string') : []
}

/** Options: the new fact, each distinct old fact, then "Both/All were true at different times". */
function optionsFor(fact: ExtractedFact, conflicting: MemoryCandidate[]): string[] {
  const options: string[] = []
  const seen = new Set<string>()
  const add = (o: string): void => {
    const key = normalizeContent(o)
    if (o && !seen.has(key)) {
      seen.add(key)
      options.push(o)
    }
  }
  add(text(fact?.content) || FALLBACK_NEW)
  for (const c of conflicting) add(text(c.content))
  if (options.length < 2) add(FALLBACK_OLD)
  add(options.length > 2 ? ALL_OPTION : BOTH_OPTION)
  return options
}

export function clarifyConflict(fact: ExtractedFact, conflicting: MemoryCandidate[]): ClarifyingQuestion[] {
  const list = validConflicting(conflicting)
  return [{ question: CLARIFY_QUESTION, options: optionsFor(fact, list) }]
}

type Choice = { kind: 'new' } | { kind: 'old'; memoryId: string } | { kind: 'both' }

function pickChoice(answerText: string, fact: ExtractedFact, conflicting: MemoryCandidate[]): Choice {
  const a = normalizeContent(answerText)
  const newText = normalizeContent(text(fact?.content))
  if (a === normalizeContent(BOTH_OPTION) || a === normalizeContent(ALL_OPTION) || /\b(?:both|all|each) (?:were|was|are)\b|\bdifferent times\b/.test(a)) {
    return { kind: 'both' }
  }
  if (a === newText || a === normalizeContent(FALLBACK_NEW)) return { kind: 'new' }
  for (const c of conflicting) if (a === normalizeContent(text(c.content))) return { kind: 'old', memoryId: c.memoryId }
  if (a === normalizeContent(FALLBACK_OLD) && conflicting[0]) return { kind: 'old', memoryId: conflicting[0].memoryId }
  // free text: the closest option by word overlap; the newest fact wins a tie
  const at = contentTokens(answerText)
  let best: Choice = { kind: 'new' }
  let bestScore = jaccard(at, contentTokens(text(fact?.content)))
  for (const c of conflicting) {
    const s = jaccard(at, contentTokens(text(c.content)))
    if (s > bestScore) {
      best = { kind: 'old', memoryId: c.memoryId }
      bestScore = s
    }
  }
  return best
}

function findAnswer(answers: ConflictAnswer[]): string {
  const list = Array.isArray(answers) ? answers.filter((a) => a && typeof a === 'object') : []
  const mine = list.find((a) => a.question === CLARIFY_QUESTION) ?? list[0]
  if (!mine) return ''
  const answer = typeof mine.answer === 'string' ? mine.answer : ''
  const message = typeof mine.message === 'string' ? mine.message : ''
  return answer || message
}

function lowerFirst(s: string): string {
  return /^User\b/.test(s) ? s : s.charAt(0).toLowerCase() + s.slice(1)
}

/** The memories that continue each conflicting chain after the user's answer. */
export function resolveConflict(fact: ExtractedFact, conflicting: MemoryCandidate[], answers: ConflictAnswer[]): ResolvedMemory[] {
  const list = validConflicting(conflicting)
  if (list.length === 0) return []
  const newContent = text(fact?.content)
  const newCategories = Array.isArray(fact?.categories) ? fact.categories.filter((c) => typeof c === 'string') : []
  const choice = pickChoice(findAnswer(answers), fact, list)
  return list.map((c): ResolvedMemory => {
    const oldContent = text(c.content)
    const oldCategories = Array.isArray(c.categories) ? c.categories : []
    if (choice.kind === 'new' && newContent) {
      const r: ResolvedMemory = { content: newContent, categories: newCategories.length ? newCategories : oldCategories, replaces: c.memoryId }
      if (fact.eventDateStart) r.eventDateStart = fact.eventDateStart
      if (fact.eventDateEnd) r.eventDateEnd = fact.eventDateEnd
      return r
    }
    if (choice.kind === 'both' && newContent) {
      return {
        content: `${newContent} (earlier: ${lowerFirst(oldContent)})`,
        categories: [...new Set([...newCategories, ...oldCategories])],
        replaces: c.memoryId,
      }
    }
    // the old fact stands (the chosen one, and any other conflicting memory unchanged)
    const r: ResolvedMemory = { content: oldContent || newContent || 'Unknown', categories: oldCategories, replaces: c.memoryId }
    if (c.eventDateStart) r.eventDateStart = c.eventDateStart
    if (c.eventDateEnd) r.eventDateEnd = c.eventDateEnd
    return r
  })
}
