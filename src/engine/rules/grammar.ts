/**
 * First person to third person: verb conjugation, pronoun replacement and the filters that
 * tell a lasting statement ("I'm vegetarian") from chat ("I'm tired", "I love it").
 */
import {
  DROPPED_ADVERBS,
  ED_BASE_FORMS,
  EMOTION_ADJECTIVES,
  IRREGULAR_PAST,
  KEPT_ADVERBS,
  MODALS,
  NON_FACT_VERBS,
  PRONOUN_OBJECTS,
  THIRD_PERSON_IRREGULAR,
  TIME_FILLERS,
  TRANSIENT_ALONE,
} from './lexicon'

export function isPastForm(word: string): boolean {
  const w = word.toLowerCase()
  return IRREGULAR_PAST.has(w) || (w.length > 3 && w.endsWith('ed') && !ED_BASE_FORMS.has(w))
}

/** "go" -> "goes", "have" -> "has", "watch" -> "watches"; past forms and modals unchanged. */
export function thirdPerson(verb: string): string {
  const lower = verb.toLowerCase()
  if (THIRD_PERSON_IRREGULAR[lower]) return THIRD_PERSON_IRREGULAR[lower]
  if (MODALS.has(lower) || isPastForm(lower) || lower.endsWith('ing') || lower === 'cannot') return verb
  if (/(?:s|x|z|ch|sh|o)$/.test(lower)) return `${verb}es`
  if (/[^aeiou]y$/.test(lower)) return `${verb.slice(0, -1)}ies`
  return `${verb}s`
}

/** Common verbs in their base form, used to spot the emphatic "I do love ...". */
export const COMMON_BASE_VERBS = new Set(
  `love like hate have eat drink live work want need play enjoy miss feel know think go get make take
  use prefer own speak read run cook believe care mind agree remember understand smoke watch`.split(/\s+/),
)

/** Verbs that may stand without an object ("I smoke", "I run"). */
const INTRANSITIVE_OK = new Set(
  `smoke smokes drink drinks run runs swim swims cook cooks knit knits meditate meditates vape vapes
  surf surfs ski skis snowboard snowboards paint paints sing sings dance dances write writes draw draws
  bike bikes cycle cycles climb climbs hike hikes skate skates volunteer volunteers pray prays fast
  fasts travel travels garden gardens bake bakes sew sews journal journals snore snores`.split(/\s+/),
)

export type PronounTarget = 'user' | 'other'

/** Replaces first-person words in a predicate. For the user's own statements "my" -> "their". */
export function replacePronouns(text: string, target: PronounTarget): string {
  if (target === 'user') {
    return text
      .replace(/\b(?:my|our)\b/gi, 'their')
      .replace(/\b(?:mine|ours)\b/gi, 'theirs')
      .replace(/\b(?:myself|ourselves)\b/gi, 'themselves')
      .replace(/\bme\b/gi, 'them')
      .replace(/\bus\b/g, 'them')
      .replace(/\bI am\b/g, 'they are')
      .replace(/\b(?:I|we|We)\b/g, 'they')
  }
  return text
    .replace(/\b(?:my|our)\b/gi, "User's")
    .replace(/\b(?:mine|ours)\b/gi, "User's")
    .replace(/\b(?:myself|ourselves|me)\b/gi, 'User')
    .replace(/\bus\b/g, 'User')
    .replace(/\bI am\b/g, 'User is')
    .replace(/\b(?:I|we|We)\b/g, 'User')
}

export interface Predicate {
  /** the third-person predicate, e.g. "is allergic to peanuts", "usually wakes up at 5am" */
  text: string
  /** the main verb as written (lowercase), e.g. "is", "wakes", "love" */
  verb: string
  /** words after the verb (for ellipsis: "but my husband is") */
  complement: string
  negated: boolean
  copula: boolean
}

const COPULAS = new Set(['am', 'are', 'is', 'was', 'were'])

function onlyFillers(ws: string[]): boolean {
  return ws.every((w) => TIME_FILLERS.has(w.toLowerCase()) || DROPPED_ADVERBS.has(w.toLowerCase()))
}

/** A copula complement that is a passing state ("so tired today", "back", "not sure"). */
export function isTransientComplement(complement: string): boolean {
  const ws = complement
    .replace(/\b(?:kind of|sort of|a bit|a little|a little bit|a tad)\b/gi, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .filter((w) => !DROPPED_ADVERBS.has(w.toLowerCase()) && w.toLowerCase() !== 'not' && w.toLowerCase() !== 'very')
  if (ws.length === 0) return true
  const first = ws[0].toLowerCase()
  if (EMOTION_ADJECTIVES.has(first)) {
    return !((first === 'afraid' || first === 'scared' || first === 'terrified') && ws[1]?.toLowerCase() === 'of')
  }
  if (TRANSIENT_ALONE.has(first) && onlyFillers(ws.slice(1))) return true
  if ((first === 'sick' || first === 'tired') && ws[1]?.toLowerCase() === 'of') return true
  // "feeling hopeful", "off to the gym", "up for the challenge", "on my way"
  if (first === 'feeling' || ((first === 'off' || first === 'up') && /^(?:to|for)$/i.test(ws[1] ?? ''))) return true
  if (first === 'on' && /^(?:my|the|their) way$/i.test(ws.slice(1, 3).join(' '))) return true
  return false
}

function lastWord(text: string): string {
  const ws = text.toLowerCase().match(/[a-z']+/g)
  return ws ? ws[ws.length - 1] : ''
}

/** The object is only a vague pronoun ("it", "that", "one anyway", "like 40 of them"). */
export function isVagueObject(object: string): boolean {
  const ws = object.toLowerCase().match(/[a-z0-9']+/g) ?? []
  const content = ws.filter((w) => !TIME_FILLERS.has(w) && !DROPPED_ADVERBS.has(w) && w !== 'much' && w !== 'lot' && w !== 'a')
  if (content.length === 0) return true
  if (PRONOUN_OBJECTS.has(content[0]) && content.length <= 2) return true
  const last = lastWord(object)
  return last === 'it' || last === 'them' || last === 'that' || last === 'this' || last === 'those' || last === 'one'
}

/**
 * Turns the words after "I" into a third-person predicate, or null when the clause is
 * chat rather than a statement of fact.
 */
export function conjugatePredicate(rest: string): Predicate | null {
  const tokens = rest.split(/\s+/).filter(Boolean)
  const kept: string[] = []
  let i = 0
  while (i < tokens.length) {
    const w = tokens[i].toLowerCase()
    if ((w === 'kind' || w === 'sort') && tokens[i + 1]?.toLowerCase() === 'of') {
      i += 2
      continue
    }
    if (w === 'no' && tokens[i + 1]?.toLowerCase() === 'longer') {
      kept.push('no longer')
      i += 2
      continue
    }
    if (DROPPED_ADVERBS.has(w) || !/\p{L}/u.test(w)) {
      i++
      continue
    }
    if (KEPT_ADVERBS.has(w) && w !== 'now') {
      kept.push(tokens[i])
      i++
      continue
    }
    if (w === 'now') {
      i++
      continue
    }
    break
  }
  if (i >= tokens.length) return null
  // "I agree, Melanie": the verb without the punctuation stuck to it
  const stuck = /^([\p{L}'-]+)([^\p{L}'-]+)$/u.exec(tokens[i])
  if (stuck) tokens.splice(i, 1, stuck[1], stuck[2])
  let verb = tokens[i]
  let lv = verb.toLowerCase()
  let after = tokens.slice(i + 1)
  let negated = false
  let out: string
  let mainVerb = lv
  if (lv === 'do' && after[0] && after[0].toLowerCase() !== 'not' && COMMON_BASE_VERBS.has(after[0].toLowerCase())) {
    // emphatic "I do love hiking"
    verb = after[0]
    lv = verb.toLowerCase()
    after = after.slice(1)
  }
  if (lv === 'do' || lv === 'did') {
    if (after[0]?.toLowerCase() === 'not') {
      negated = true
      mainVerb = after[1]?.toLowerCase() ?? ''
      out = `${lv === 'do' ? 'does' : 'did'} not`
      after = after.slice(1)
    } else out = lv === 'do' ? 'does' : 'did'
  } else if (COPULAS.has(lv)) {
    out = lv === 'am' || lv === 'are' ? 'is' : 'was'
  } else if (lv === 'have' || lv === 'has') {
    out = 'has'
    if (after[0]?.toLowerCase() === 'got') after = after.slice(1)
    if (after[0] && isPastForm(after[0]) && after[0].toLowerCase() !== 'had') mainVerb = after[0].toLowerCase()
    if (after[0]?.toLowerCase() === 'been' && after[1]) mainVerb = after[1].toLowerCase()
  } else if (MODALS.has(lv)) {
    out = verb.toLowerCase()
    const next = after[0]?.toLowerCase() ?? ''
    if (lv === 'would' && !/^(?:like|love|rather|prefer|really)$/.test(next)) return null
    if (lv === 'could' || lv === 'might' || lv === 'should' || lv === 'may' || lv === 'must') return null
    if (next === 'not') negated = true
    mainVerb = (negated ? after[1] : after[0])?.toLowerCase() ?? ''
  } else {
    out = thirdPerson(verb)
  }
  if (after[0]?.toLowerCase() === 'not') negated = true
  // fillers right after the verb: "I'm also allergic", "I'm really into"
  for (;;) {
    const a0 = after[0]?.toLowerCase() ?? ''
    if (after.length > 2 && (a0 === 'kind' || a0 === 'sort') && after[1].toLowerCase() === 'of') after = after.slice(2)
    else if (after.length > 1 && DROPPED_ADVERBS.has(a0) && a0 !== 'kind' && a0 !== 'sort') after = after.slice(1)
    else break
  }
  const complement = after.join(' ')
  if (NON_FACT_VERBS.has(mainVerb) || NON_FACT_VERBS.has(lv)) return null
  if (mainVerb === 'want' || lv === 'want' || mainVerb === 'need' || lv === 'need') {
    if (/^(?:not )?(?:to )?(?:know|ask|say|talk|chat|help|share|vent|thank)\b|^(?:not )?(?:help|advice|ideas|suggestions|recommendations|some|a recipe|a quick|an? idea)\b/i.test(complement)) return null
  }
  if ((mainVerb === 'hope' || lv === 'hope') && !/^to\b/i.test(complement)) return null
  const copula = COPULAS.has(lv)
  if (copula) {
    if (isTransientComplement(complement)) return null
  } else if (lv === 'have' || lv === 'has') {
    if (/^(?:a |one )?(?:quick |small |little )?(?:question|idea|feeling|favor|favour|clue|no idea|no clue|to go|to say|to admit|to ask|a good one|fun)\b/i.test(complement)) return null
    if (isVagueObject(complement)) return null
  } else if (complement.length === 0 || isVagueObject(complement)) {
    if (!(complement.length === 0 && INTRANSITIVE_OK.has(lv))) return null
  }
  // a preposition left hanging by a relative clause: "I've been working on for a while"
  if (/\b(?:on|about|with|to|at|of|from|in|into)\s+(?:for|since|lately|recently|a while|forever|ages)\b/i.test(complement)) return null
  const text = [...kept, out, complement].filter(Boolean).join(' ')
  return { text, verb: out.split(' ')[0], complement, negated, copula }
}

/** Words that start a sentence that is a hedge, not a statement. */
export const HEDGE = /^(?:I (?:think|guess|believe|suppose|reckon|feel like|might|may)|maybe|perhaps|probably|possibly|not sure|idk|hopefully)\b|\b(?:hopefully|probably|maybe|I think|I guess)\s*$/i

export function cleanupContent(content: string): string {
  let c = content
    .replace(/\s+/g, ' ')
    .replace(/\s+([,.!?])/g, '$1')
    .replace(/(?:[\s,]+(?:now|too|as well|though|anyway|lol|haha|btw|tbh|these days|honestly|like|someday|one day|eventually|hopefully))+$/i, '')
    .replace(/\bis not (.+?) anymore$/i, 'is no longer $1')
    .replace(/[\s,;:.!?-]+$/g, '')
    .replace(/\s+(?:on|in|at|for|of|to|with|from|by|about|and|but|so|or|the|a|an|this|next|last)$/i, '')
    .trim()
  c = c.replace(/\blike (\d)/gi, '$1')
  return c
}
