/**
 * One clause of a user's message -> zero or more third-person facts.
 *
 * Subjects understood: "I"/"we", "my X"/"our X", "my wife and I" (compound), "he/she/they/it"
 * and "his/her/their" when a person or pet was mentioned just before, names introduced
 * earlier ("two kids, Emma and Leo"), and subjectless chat fragments that start with a past
 * verb or a gerund ("saw her concert last summer", "thinking of getting a dog").
 */
import { extractEventDate, type EventDate } from './dates'
import {
  cleanupContent,
  COMMON_BASE_VERBS,
  conjugatePredicate,
  HEDGE,
  isPastForm,
  isTransientComplement,
  isVagueObject,
  replacePronouns,
  thirdPerson,
  type Predicate,
} from './grammar'
import { DROPPED_ADVERBS, FRAGMENT_GERUNDS, META_PREFIXES, RELATION_NOUNS } from './lexicon'
import {
  isNameWord,
  makeEntity,
  pronounFits,
  remember,
  resolveThere,
  specialPatterns,
  trackMentions,
  trackPlace,
  type Entity,
  type EntityMemory,
} from './patterns'
import {
  COMPANION_MARK,
  expandContractions,
  MAX_CLAUSE_WORDS,
  stripLeadingFillers,
  stripTrailingFillers,
  type Clause,
} from './text'

export interface ClauseState {
  ref: Date
  entities: EntityMemory
  /** the previous clause's predicate in the same sentence (for "but my husband is") */
  prev?: Predicate
}

export interface RawFact {
  content: string
  date?: EventDate
  hints?: string[]
}

const AUXES = new Set(
  `is are was were has have had does did do will would can cannot could should might must may`.split(/\s+/),
)

const NON_FACT_NPS = new Set(
  `bad pleasure god gosh goodness turn point question questions guess apologies thoughts fault opinion
  answer bet mistake understanding impression honest b`.split(/\s+/),
)

const FRAGMENT_EXCLUDE = /^(?:got (?:it|you|that|this)|made my day|sounds|looks|seems|thanked|noted|understood|agreed|loved it|liked it|been there)\b/i

function prepare(raw: string): string {
  let text = stripLeadingFillers(expandContractions(raw))
  for (let i = 0; i < 2; i++) {
    for (const re of META_PREFIXES) text = text.replace(re, '')
    text = stripLeadingFillers(text)
  }
  return stripTrailingFillers(text)
}

/** "their sister Anna" for an entity phrase "User's sister Anna". */
function objectForm(e: Entity): string {
  return e.phrase.replace(/^User's /, 'their ')
}

function resolveObjectPronouns(text: string, mem: EntityMemory): string {
  const e = mem.last
  if (!e) return text
  return text
    .replace(/\bhim\b/g, (m) => (pronounFits('him', e) ? objectForm(e) : m))
    .replace(/\bher\b(?=\s*$|\s+(?:on|at|in|for|to|with|and|next|tomorrow|today|tonight|this|last|every|soon)\b)/g, (m) =>
      pronounFits('her', e) ? objectForm(e) : m,
    )
    .replace(/\bthem\b(?=\s*$|\s+(?:on|at|in|for|to|with|and|next|tomorrow|today|tonight|this|last|every|soon)\b)/g, (m) =>
      pronounFits('them', e) ? objectForm(e) : m,
    )
}

/** A third-person predicate that follows a non-user subject ("is vegan", "lives in Rome"). */
function otherPredicate(rest: string, prev: Predicate | undefined): string | null {
  const tokens = rest.split(/\s+/).filter((w) => w && !DROPPED_ADVERBS.has(w.toLowerCase()))
  if (tokens.length === 0) return null
  const first = tokens[0].toLowerCase()
  const joined = tokens.join(' ')
  // ellipsis: "but my husband is", "my wife does too"
  const ell = /^(is|are|was|were|does|do|did|has|have|can|will)( not)?(?: too| as well)?$/i.exec(joined)
  if (ell) {
    if (!prev) return null
    const aux = ell[1].toLowerCase()
    const neg = !!ell[2]
    const base = prev.complement.replace(/^not\s+/i, '')
    if (!base) return null
    if (prev.copula) return `${aux}${neg ? ' not' : ''} ${base}`
    if (aux === 'does' || aux === 'do' || aux === 'did') {
      if (neg) return `${aux === 'did' ? 'did' : 'does'} not ${base}`
      const [v, ...obj] = base.split(' ')
      return [aux === 'did' ? v : thirdPerson(v), ...obj].join(' ')
    }
    return `${aux}${neg ? ' not' : ''} ${base}`
  }
  const verbish = AUXES.has(first) || isPastForm(first) || /[^s]s$/.test(first) || COMMON_BASE_VERBS.has(first) || first === 'starts'
  if (!verbish) return null
  // someone else being ill is worth remembering; their passing moods are not
  const health = /^(?:sick|ill|unwell|in)$/i.test(tokens[1] ?? '')
  if (/^(?:is|are|was|were)$/.test(first) && !health && isTransientComplement(tokens.slice(1).join(' '))) return null
  if (tokens.length === 1) return null
  // "my grandma gave it to me": nothing to remember without knowing what "it" is
  if (/^(?:it|that|this|them|those)\b/i.test(tokens[1] ?? '')) return null
  return joined
}

interface SubjectResult {
  content: string
  hints?: string[]
  /** index in the clause text where the subject ends (mentions after it are objects) */
  subjectEnd: number
  pred?: Predicate
}

function userClause(rest: string, mem: EntityMemory): SubjectResult | null {
  const pred = conjugatePredicate(rest)
  if (!pred) return null
  const text = replacePronouns(resolveObjectPronouns(pred.text, mem), 'user')
  return { content: `User ${text}`, subjectEnd: 0, pred }
}

function possessiveClause(text: string, prev: Predicate | undefined, mem: EntityMemory): SubjectResult | null {
  const m = /^(my|our)\s+(.+)$/i.exec(text)
  if (!m) return null
  const tokens = m[2].split(/\s+/)
  let npEnd = -1
  let relation: string | undefined
  let name: string | undefined
  for (let i = 0; i < Math.min(4, tokens.length); i++) {
    const w = tokens[i].toLowerCase()
    if (RELATION_NOUNS.has(w)) {
      relation = w
      npEnd = i + 1
      if (isNameWord(tokens[npEnd]?.replace(/,$/, ''))) {
        name = tokens[npEnd].replace(/,$/, '')
        npEnd++
      }
      break
    }
    if (AUXES.has(w)) break
  }
  if (npEnd < 0) {
    for (let i = 1; i < Math.min(5, tokens.length); i++) {
      if (AUXES.has(tokens[i].toLowerCase())) {
        npEnd = i
        break
      }
    }
  }
  if (npEnd < 1) return null
  const np = tokens.slice(0, npEnd).join(' ').replace(/,$/, '')
  if (NON_FACT_NPS.has(np.toLowerCase())) return null
  const pred = otherPredicate(tokens.slice(npEnd).join(' '), prev)
  if (!pred) return null
  if (relation) remember(mem, makeEntity(relation, name), name)
  const subjectEnd = m[1].length + 1 + tokens.slice(0, npEnd).join(' ').length
  return { content: `User's ${np} ${replacePronouns(pred, 'other')}`, subjectEnd }
}

function entityClause(text: string, mem: EntityMemory, prev: Predicate | undefined): SubjectResult | null {
  const e = mem.last
  let m = /^(he|she|they|it)\s+(.+)$/i.exec(text)
  if (m) {
    if (!e || !pronounFits(m[1], e)) return null
    const pred = otherPredicate(m[2], prev)
    if (!pred) return null
    return { content: `${e.phrase} ${replacePronouns(pred, 'other')}`, subjectEnd: m[1].length }
  }
  m = /^(his|her|their|its)\s+(.+)$/i.exec(text)
  if (m) {
    if (!e || !pronounFits(m[1], e)) return null
    const named = /^name is (\p{Lu}[\p{L}'-]+)$/u.exec(m[2])
    if (named) {
      mem.byName.set(named[1].toLowerCase(), e)
      return { content: `${e.phrase} is named ${named[1]}`, subjectEnd: text.length }
    }
    const np = /^([\p{L}-]+(?: [\p{L}-]+)?)\s+((?:is|are|was|were|has|have|had|will)\b.*)$/u.exec(m[2])
    if (!np) return null
    const pred = otherPredicate(np[2], prev)
    if (!pred) return null
    return { content: `${e.phrase}'s ${np[1]} ${replacePronouns(pred, 'other')}`, subjectEnd: text.length }
  }
  const first = /^(\p{Lu}[\p{L}'-]+)\s+(.+)$/u.exec(text)
  if (first) {
    const known = mem.byName.get(first[1].toLowerCase())
    if (!known) return null
    const pred = otherPredicate(first[2], prev)
    if (!pred) return null
    remember(mem, known)
    return { content: `${known.phrase} ${replacePronouns(pred, 'other')}`, subjectEnd: first[1].length }
  }
  return null
}

function companionClause(text: string): SubjectResult | null {
  const m = new RegExp(`^${COMPANION_MARK}([^${COMPANION_MARK}]+)${COMPANION_MARK}\\s*(.*)$`).exec(text)
  if (!m) return null
  const rest = m[2].trim()
  if (!rest || isVagueObject(rest.split(/\s+/).slice(1).join(' ') || rest)) return null
  const who = replacePronouns(m[1].trim(), 'user')
  return { content: `User and ${who} ${replacePronouns(rest, 'user')}`, subjectEnd: 0 }
}

function fragmentClause(text: string, mem: EntityMemory): SubjectResult | null {
  if (FRAGMENT_EXCLUDE.test(text)) return null
  const tokens = text.split(/\s+/)
  let i = 0
  while (i < tokens.length && DROPPED_ADVERBS.has(tokens[i].toLowerCase())) i++
  const first = tokens[i]?.toLowerCase() ?? ''
  if (!first || /^\p{Lu}/u.test(tokens[i]) && i > 0) return null
  const rest = tokens.slice(i).join(' ')
  if (FRAGMENT_GERUNDS.has(first)) return userClause(`am ${rest}`, mem)
  // "took me 6 years": the subject is not the user
  if (/^(?:me|us)\b/i.test(tokens[i + 1] ?? '')) return null
  if (isPastForm(first) && first !== 'had' && first !== 'was' && first !== 'were' && first !== 'did') return userClause(rest, mem)
  return null
}

/** Facts stated by one clause of a user message. */
export function clauseToFacts(clause: Clause, state: ClauseState): RawFact[] {
  const text0 = prepare(clause.text)
  if (!text0) return []
  const statement = !clause.question && !clause.subordinate && !HEDGE.test(text0) && !/\b(?:you|your|yours|u|ur)\b/i.test(text0)
  if (!statement || text0.split(/\s+/).length > MAX_CLAUSE_WORDS) {
    trackMentions(text0, state.entities, text0.length)
    trackPlace(text0, state.entities)
    return []
  }
  const { date, text } = extractEventDate(text0, state.ref)
  const facts: RawFact[] = []
  const special = specialPatterns(text)
  let result: SubjectResult | null = null
  if (special) {
    for (const s of special) facts.push({ content: s.content, date, hints: s.hints })
    for (const s of trackMentions(text, state.entities, 0)) if (!facts.some((f) => f.content === s)) facts.push({ content: s })
    return facts
  }
  const sub = /^(I|we)\s+(.+)$/i.exec(text)
  if (sub) result = userClause(sub[2], state.entities)
  else if (text.startsWith(COMPANION_MARK)) result = companionClause(text)
  else if (/^(?:my|our)\s/i.test(text)) result = possessiveClause(text, state.prev, state.entities)
  else result = entityClause(text, state.entities, state.prev) ?? fragmentClause(text, state.entities)
  const side = trackMentions(text, state.entities, result?.subjectEnd ?? text.length)
  trackPlace(text, state.entities)
  if (result) {
    const content = cleanupContent(resolveThere(result.content, state.entities))
    if (content.split(/\s+/).length >= 3 && !content.includes(COMPANION_MARK)) facts.push({ content, date, hints: result.hints })
    if (result.pred) state.prev = result.pred
  }
  for (const s of side) if (!facts.some((f) => f.content === s)) facts.push({ content: s })
  return facts
}
