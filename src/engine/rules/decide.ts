/**
 * decide: compare a new fact with the live memories offered as candidates.
 *
 * - near duplicate (same polarity, Jaccard >= 0.8 or every word already known) -> IGNORE
 * - a direct contradiction (negation, likes vs dislikes, diet, "not allergic"), or a changed
 *   value of a slot that should never change (origin) -> MERGE_CONFLICT; when the new fact
 *   itself says that things changed ("no longer", "started", "now") -> TEMPORAL_CONFLICT
 * - the same slot (location, employer, job title, relationship, name, age, favorite, counts)
 *   with another value -> TEMPORAL_CONFLICT
 * - the same subject and slot with more detail -> ADDITION_TO_EXISTING_MEMORY (merged content)
 * - otherwise INSERT, linked to the candidates that share a subject, a slot or many words
 */
import type { Decision, ExtractedFact, MemoryCandidate } from '../../core/types'
import { analyzeFact, type FactShape, type Slot } from './slots'
import { intersectionSize, isSubset, jaccard, without } from './similarity'

type Relation =
  | { kind: 'duplicate'; reason: string }
  | { kind: 'merge'; reason: string }
  | { kind: 'temporal' }
  | { kind: 'addition'; content: string; score: number; extra: Set<string> }
  | { kind: 'related'; score: number }
  | { kind: 'none' }

const DAY_MS = 86_400_000

function validTime(d: Date | undefined): number | undefined {
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d.getTime() : undefined
}

/** Both have event dates and they are more than a day apart: two events, not one. */
function differentEvents(fact: ExtractedFact, cand: MemoryCandidate): boolean {
  const a = validTime(fact.eventDateStart)
  const b = validTime(cand.eventDateStart)
  return a !== undefined && b !== undefined && Math.abs(a - b) > DAY_MS
}

function valuesMatch(a: Slot, b: Slot): boolean {
  if (a.value === b.value) return true
  if (a.valueTokens.size === 0 || b.valueTokens.size === 0) return a.valueTokens.size === b.valueTokens.size
  return isSubset(a.valueTokens, b.valueTokens) || isSubset(b.valueTokens, a.valueTokens) || jaccard(a.valueTokens, b.valueTokens) >= 0.5
}

/** "is allergic to peanuts" and "is allergic to peanut butter" share a key prefix family. */
function slotFamily(key: string): string {
  return key.split(':')[0]
}

function subjectsCompatible(f: FactShape, c: FactShape): boolean {
  if (f.subject !== c.subject) return false
  if (f.subjectName && c.subjectName && f.subjectName !== c.subjectName) return false
  return true
}

function dietConflict(f: FactShape, c: FactShape): string | undefined {
  for (const [key, val] of f.diet) {
    const group = key.split(':')[0]
    for (const [ckey, cval] of c.diet) {
      const cgroup = ckey.split(':')[0]
      if (group !== cgroup || val === cval) continue
      // a whole-group statement contradicts any item of the group; items only contradict themselves
      if (key === ckey || (key === group && !val) || (ckey === cgroup && !cval)) return group
    }
  }
  return undefined
}

function contradiction(f: FactShape, c: FactShape, why: string): Relation {
  return f.change ? { kind: 'temporal' } : { kind: 'merge', reason: why }
}

function mergedContent(fact: ExtractedFact, f: FactShape, cand: MemoryCandidate, c: FactShape): string {
  const p = f.predicate
  let m: RegExpExecArray | null
  if (c.has && f.subject === `user:${c.has.noun}`) {
    const base = cand.content.replace(/[.\s]+$/, '')
    if ((m = /^(?:is|are) (?:named|called) (.+)$/.exec(p)) || (m = /^(?:'s )?name is (.+)$/.exec(p))) {
      const name = /^\s*(?:the\s+)?user's\s+[\w-]+\s+(?:is|are)\s+(?:named|called)\s+(.+?)[.\s]*$/i.exec(fact.content)?.[1] ?? m[1]
      return `${base} named ${name}`
    }
    if ((m = /^(?:is|are) (an? .+)$/.exec(p))) {
      const orig = /\b(?:is|are)\s+(an?\s+.+?)[.\s]*$/i.exec(fact.content)?.[1] ?? m[1]
      return `${base}, ${orig}`
    }
  }
  if (isSubset(c.tokens, f.tokens)) return fact.content
  return `${cand.content.replace(/[.\s]+$/, '')}; ${fact.content.replace(/[.\s]+$/, '')}`
}

function relate(fact: ExtractedFact, f: FactShape, cand: MemoryCandidate, c: FactShape): Relation {
  const sim = jaccard(f.tokens, c.tokens)
  const sameSubject = subjectsCompatible(f, c)
  let sameSlotSameValue = false
  let sharesSlot = false
  if (sameSubject) {
    for (const s of f.slots) {
      for (const t of c.slots) {
        if (s.key !== t.key) {
          if (slotFamily(s.key) === slotFamily(t.key)) sharesSlot = true
          continue
        }
        sharesSlot = true
        const same = valuesMatch(s, t)
        if (s.polarity !== t.polarity) {
          if (same || s.value === '' || t.value === '') return contradiction(f, c, `"${fact.content}" contradicts "${cand.content}"`)
          continue
        }
        if (s.polarity < 0) {
          if (same) sameSlotSameValue = true
          continue
        }
        if (s.mode === 'multi') {
          if (same) sameSlotSameValue = true
          continue
        }
        // a job title that changed with a promotion: "senior product manager" after "product manager"
        const retitled = f.change && s.key.endsWith('role') && s.value !== t.value
        if (!same || retitled) {
          if (s.mode === 'stable') return { kind: 'merge', reason: `"${fact.content}" contradicts "${cand.content}" (${s.key} should not change)` }
          return { kind: 'temporal' }
        }
        sameSlotSameValue = true
      }
    }
    const diet = dietConflict(f, c)
    if (diet) return contradiction(f, c, `"${fact.content}" contradicts "${cand.content}" (diet: ${diet})`)
  }
  if (sameSubject && f.negated !== c.negated && f.tokensNoNeg.size > 0 && jaccard(f.tokensNoNeg, c.tokensNoNeg) >= 0.75) {
    return contradiction(f, c, `"${fact.content}" negates "${cand.content}"`)
  }
  if (f.negated === c.negated && (f.norm === c.norm || sim >= 0.8 || (f.tokens.size > 0 && isSubset(f.tokens, c.tokens)))) {
    if (differentEvents(fact, cand)) return { kind: 'related', score: sim }
    return { kind: 'duplicate', reason: `Already known: "${cand.content}"` }
  }
  const extra = without(f.tokens, c.tokens)
  if (sameSubject && f.negated === c.negated && extra.size > 0) {
    if (sameSlotSameValue) return { kind: 'addition', content: mergedContent(fact, f, cand, c), score: sim + 1, extra }
    if (f.head && f.head === c.head && c.tokens.size >= 2 && isSubset(c.tokens, f.tokens)) {
      return { kind: 'addition', content: fact.content, score: sim + 0.5, extra }
    }
  }
  if (f.attributive && c.has && f.subject === `user:${c.has.noun}` && (!c.has.name || !f.subjectName || c.has.name === f.subjectName)) {
    return { kind: 'addition', content: mergedContent(fact, f, cand, c), score: sim + 1, extra }
  }
  const sharedEntity = f.subject !== 'user' && f.subject !== 'other' && (f.subject === c.subject || (c.has && f.subject === `user:${c.has.noun}`))
  if (sharesSlot || sharedEntity || sim >= 0.3 || (sim > 0 && intersectionSize(f.tokens, c.tokens) >= 2)) return { kind: 'related', score: sim }
  return { kind: 'none' }
}

export function decideFact(fact: ExtractedFact, candidates: MemoryCandidate[]): Decision {
  const list = Array.isArray(candidates) ? candidates.filter((c) => c && typeof c.memoryId === 'string') : []
  const content = typeof fact?.content === 'string' ? fact.content : ''
  if (list.length === 0 || content.trim().length === 0) return { kind: 'INSERT' }
  const f = analyzeFact(content)
  const safeFact: ExtractedFact = { ...fact, content }
  const shapes = list.map((c) => analyzeFact(typeof c.content === 'string' ? c.content : ''))
  const rels = list.map((c, i) => ({ cand: c, shape: shapes[i], rel: relate(safeFact, f, c, shapes[i]) }))

  const dup = rels.find((r) => r.rel.kind === 'duplicate')
  if (dup && dup.rel.kind === 'duplicate') return { kind: 'IGNORE', reason: dup.rel.reason }
  const merges = rels.filter((r) => r.rel.kind === 'merge')
  if (merges.length > 0) {
    const first = merges[0].rel
    return {
      kind: 'MERGE_CONFLICT',
      memoryIds: [...new Set(merges.map((r) => r.cand.memoryId))],
      reason: first.kind === 'merge' ? first.reason : 'Contradiction',
    }
  }
  const temporal = rels.filter((r) => r.rel.kind === 'temporal')
  if (temporal.length > 0) return { kind: 'TEMPORAL_CONFLICT', memoryIds: [...new Set(temporal.map((r) => r.cand.memoryId))] }
  const additions = rels
    .filter((r) => r.rel.kind === 'addition')
    .sort((a, b) => (b.rel.kind === 'addition' ? b.rel.score : 0) - (a.rel.kind === 'addition' ? a.rel.score : 0))
  if (additions.length > 0) {
    const best = additions[0]
    if (best.rel.kind === 'addition') {
      // the extra detail is already another memory ("teacher" + "lives in Leeds" -> "teacher in Leeds")
      const others = rels.filter((r) => r !== best && r.rel.kind !== 'merge' && r.rel.kind !== 'temporal')
      const covered = others.length > 0 && isSubset(best.rel.extra, new Set(others.flatMap((r) => [...r.shape.tokens])))
      if (covered) return { kind: 'IGNORE', reason: `Already known from "${best.cand.content}" and related memories` }
      return { kind: 'ADDITION_TO_EXISTING_MEMORY', memoryId: best.cand.memoryId, content: best.rel.content }
    }
  }
  const related = rels
    .filter((r) => r.rel.kind === 'related')
    .sort((a, b) => (b.rel.kind === 'related' ? b.rel.score : 0) - (a.rel.kind === 'related' ? a.rel.score : 0))
    .slice(0, 5)
    .map((r) => r.cand.memoryId)
  return related.length > 0 ? { kind: 'INSERT', relatedMemoryIds: [...new Set(related)] } : { kind: 'INSERT' }
}
