/**
 * Special statement patterns that the generic first-to-third-person rewrite gets wrong
 * (names, ages, "X is my favorite Y", "married with three kids", "I live with X in Y"),
 * and the tracking of the people and pets a conversation mentions ("my sister Anna",
 * "two kids, Emma and Leo") so that "she" and "Emma" can be resolved later.
 */
import { FEMALE_RELATIONS, MALE_RELATIONS, PET_NOUNS, PLURAL_RELATIONS, RELATION_NOUNS } from './lexicon'
import { replacePronouns } from './grammar'

export interface Entity {
  /** how a fact names it, e.g. "User's sister Anna", "User's puppy" */
  phrase: string
  /** the relation noun, e.g. "sister", "puppy" */
  relation: string
  gender: 'm' | 'f' | 'p' | 'u'
  pet: boolean
}

export interface EntityMemory {
  byName: Map<string, Entity>
  last?: Entity
  /** user messages since `last` was mentioned */
  lastAge: number
  /** the last place the user named ("a job in Seattle"), for "we're moving there" */
  lastPlace?: string
}

const PLACE = /\b(?:in|to|at|from|near|visit|visited|visiting)\s+(\p{Lu}[\p{L}'-]+(?:\s+\p{Lu}[\p{L}'-]+){0,2})/gu

/** Remembers the last capitalised place after in/to/at/from in a clause. */
export function trackPlace(text: string, mem: EntityMemory): void {
  for (const m of text.matchAll(PLACE)) {
    const first = m[1].split(/\s+/)[0]
    if (isNameWord(first)) mem.lastPlace = m[1]
  }
}

/** "moving there" -> "moving to Seattle", "live there" -> "live in Seattle". */
export function resolveThere(content: string, mem: EntityMemory): string {
  const place = mem.lastPlace
  if (!place) return content
  return content.replace(
    /\b(move|moves|moving|moved|go|goes|going|went|travel|travels|traveling|travelling|fly|flies|flying|flew|head|heading|drive|driving|drove|return|returning|returned|live|lives|living|lived|stay|stays|staying|stayed|work|works|working|worked|study|studies|studying|studied|visit|visits|visiting|visited)( back)? there\b/g,
    (_m, verb: string, back: string | undefined) => {
      const v = verb.toLowerCase()
      const prep = /^(?:live|stay|work|stud)/.test(v) ? ' in' : /^visit/.test(v) ? '' : ' to'
      return `${verb}${back ?? ''}${prep} ${place}`
    },
  )
}

export function newEntityMemory(): EntityMemory {
  return { byName: new Map(), lastAge: 0 }
}

const NOT_NAMES = new Set(
  `I The A An And But So On In At To For Of With My Our Monday Tuesday Wednesday Thursday Friday
  Saturday Sunday January February March April May June July August September October November
  December Christmas Easter Thanksgiving God OK Okay Lol Haha Yes No User It He She They We`.split(/\s+/),
)

export function isNameWord(w: string | undefined): w is string {
  return !!w && /^\p{Lu}[\p{L}'-]+$/u.test(w) && !NOT_NAMES.has(w)
}

const SINGULAR: Record<string, string> = {
  kids: 'child', children: 'child', sons: 'son', daughters: 'daughter', dogs: 'dog', cats: 'cat',
  puppies: 'puppy', kittens: 'kitten', sisters: 'sister', brothers: 'brother', siblings: 'sibling',
  friends: 'friend', grandkids: 'grandchild', grandchildren: 'grandchild', twins: 'twin', babies: 'baby',
  cousins: 'cousin', neighbors: 'neighbor',
}

function genderOf(relation: string): Entity['gender'] {
  const r = relation.toLowerCase()
  if (FEMALE_RELATIONS.has(r)) return 'f'
  if (MALE_RELATIONS.has(r)) return 'm'
  if (PLURAL_RELATIONS.has(r)) return 'p'
  return 'u'
}

export function makeEntity(relation: string, name?: string): Entity {
  const rel = relation.toLowerCase()
  return {
    phrase: `User's ${rel}${name ? ` ${name}` : ''}`,
    relation: rel,
    gender: genderOf(rel),
    pet: PET_NOUNS.has(rel),
  }
}

export function remember(mem: EntityMemory, e: Entity, name?: string): void {
  mem.last = e
  mem.lastAge = 0
  if (name) mem.byName.set(name.toLowerCase(), e)
}

/** Whether pronoun `p` (he/she/they/it/his/her/their/its) can refer to `e`. */
export function pronounFits(p: string, e: Entity): boolean {
  const w = p.toLowerCase()
  if (w === 'it' || w === 'its') return e.pet
  if (w === 'they' || w === 'their' || w === 'them') return e.gender === 'p'
  if (w === 'he' || w === 'his' || w === 'him') return e.gender === 'm' || e.gender === 'u'
  if (w === 'she' || w === 'her') return e.gender === 'f' || e.gender === 'u'
  return false
}

const DETERMINERS = new Set(
  `my our a an one two three four five six \d new second third fourth another their`.split(/\s+/),
)

export interface Mention {
  relation: string
  name?: string
  /** index of the determiner in the text */
  index: number
  /** index just after the relation noun */
  nounEnd: number
  possessive: boolean
  plural: boolean
}

/** People and pets mentioned in a clause ("my sister Anna", "a puppy", "two kids, Emma and Leo"). */
export function findMentions(text: string): Mention[] {
  const toks: { w: string; i: number }[] = []
  for (const m of text.matchAll(/[\p{L}\p{N}'-]+/gu)) toks.push({ w: m[0], i: m.index ?? 0 })
  const out: Mention[] = []
  for (let k = 0; k < toks.length; k++) {
    const det = toks[k].w.toLowerCase()
    if (!DETERMINERS.has(det) && !/^\d+$/.test(det)) continue
    for (let j = k + 1; j <= k + 3 && j < toks.length; j++) {
      const noun = toks[j].w.toLowerCase()
      if (!RELATION_NOUNS.has(noun)) continue
      let nameTok = toks[j + 1]
      if (nameTok && /^(?:named|called)$/i.test(nameTok.w)) nameTok = toks[j + 2]
      const between = nameTok ? text.slice(toks[j].i + toks[j].w.length, nameTok.i) : ''
      const name = nameTok && isNameWord(nameTok.w) && /^[\s,]*(?:named|called)?\s*$/i.test(between) ? nameTok.w : undefined
      out.push({
        relation: noun,
        name,
        index: toks[k].i,
        nounEnd: toks[j].i + toks[j].w.length,
        possessive: det === 'my' || det === 'our',
        plural: PLURAL_RELATIONS.has(noun),
      })
      k = j
      break
    }
  }
  return out
}

/** Registers the mentions of a clause; returns side facts for named relations in object position. */
export function trackMentions(text: string, mem: EntityMemory, subjectEnd: number): string[] {
  const side: string[] = []
  for (const men of findMentions(text)) {
    if (men.plural) {
      // "two kids, Emma and Leo": the names that follow
      const tail = text.slice(men.nounEnd)
      const names = /^\s*,?\s*(?:named |called )?(\p{Lu}[\p{L}'-]+)(?:\s*,\s*(\p{Lu}[\p{L}'-]+))?(?:\s*,?\s*and\s+(\p{Lu}[\p{L}'-]+))?/u.exec(tail)
      const single = SINGULAR[men.relation] ?? men.relation
      if (names) {
        for (const n of [names[1], names[2], names[3]]) {
          if (isNameWord(n)) mem.byName.set(n.toLowerCase(), makeEntity(single, n))
        }
      }
      remember(mem, makeEntity(men.relation))
      continue
    }
    const e = makeEntity(men.relation, men.name)
    remember(mem, e, men.name)
    if (men.name && men.possessive && men.index >= subjectEnd) {
      side.push(`User's ${men.relation} is named ${men.name}`)
    }
  }
  return side
}

const NATIONALITIES = new Set(
  `american canadian british english scottish welsh irish french german italian spanish portuguese
  dutch belgian swiss austrian swedish norwegian danish finnish polish czech russian ukrainian greek
  turkish indian pakistani chinese japanese korean vietnamese thai filipino indonesian australian
  mexican brazilian argentinian colombian chilean peruvian nigerian kenyan egyptian moroccan israeli
  iranian iraqi lebanese jewish muslim christian catholic hindu buddhist atheist vegan vegetarian
  asian african european latino latina hispanic black white gay lesbian bi trans queer straight`.split(/\s+/),
)

export interface PatternFact {
  content: string
  hints?: string[]
}

/**
 * Patterns tried on a cleaned clause (contractions expanded, date removed) before the
 * generic rewrite. Returns null when none applies.
 */
export function specialPatterns(text: string): PatternFact[] | null {
  let m: RegExpExecArray | null
  // "sushi is my favorite food"
  if ((m = /^(.{1,60}?) (?:is|are) (?:my|our) (?:absolute |all[- ]time |new )?favorite ([\p{L} ]{1,30})$/iu.exec(text))) {
    return [{ content: `User's favorite ${m[2].trim()} is ${replacePronouns(m[1].trim(), 'user')}`, hints: ['preferences'] }]
  }
  // "call me Bob", "people call me Bob", "I go by Bob"
  if ((m = /^(?:please |just |you can |everyone |people |friends |my friends )?(?:call|calls) me (\p{Lu}[\p{L}'-]+)$/u.exec(text))) {
    return [{ content: `User goes by ${m[1]}`, hints: ['personal'] }]
  }
  if ((m = /^I go by (\p{Lu}[\p{L}'-]+)$/u.exec(text))) return [{ content: `User goes by ${m[1]}`, hints: ['personal'] }]
  // "I'm Priya" (a capitalised name that is not a nationality), "Priya here"
  if ((m = /^(?:I am|this is) (\p{Lu}[\p{L}'-]+(?: \p{Lu}[\p{L}'-]+)?)$/u.exec(text))) {
    const first = m[1].split(' ')[0]
    if (!NATIONALITIES.has(first.toLowerCase()) && isNameWord(first)) {
      return [{ content: `User's name is ${m[1]}`, hints: ['personal'] }]
    }
  }
  if ((m = /^(\p{Lu}[\p{L}'-]+) here$/u.exec(text)) && isNameWord(m[1])) {
    return [{ content: `User's name is ${m[1]}`, hints: ['personal'] }]
  }
  // "I'm 29", "I am 29 years old"
  if ((m = /^I am (?:now |almost |nearly )?(\d{1,3})(?: years? old| yrs? old| yo| y\/o)?$/i.exec(text))) {
    const n = Number(m[1])
    if (n > 0 && n < 120) return [{ content: `User is ${n} years old`, hints: ['personal'] }]
  }
  // "I'm a 34 year old dad of two"
  if ((m = /^I am an? (\d{1,3})[- ]years?[- ]old(?: (.{2,60}))?$/i.exec(text))) {
    const facts: PatternFact[] = [{ content: `User is ${Number(m[1])} years old`, hints: ['personal'] }]
    if (m[2]) facts.push({ content: `User is a ${replacePronouns(m[2], 'user')}` })
    return facts
  }
  // "I'm married with three kids"
  if ((m = /^I am (?:happily )?(married|divorced|engaged|single|widowed|separated) with (a|an|one|two|three|four|five|six|\d+) (kids?|children|child|sons?|daughters?|boys?|girls?|dogs?|cats?)$/i.exec(text))) {
    return [
      { content: `User is ${m[1].toLowerCase()}`, hints: ['family'] },
      { content: `User has ${m[2].toLowerCase()} ${m[3].toLowerCase()}`, hints: ['family'] },
    ]
  }
  // "I live with my boyfriend in Brooklyn"
  if ((m = /^(?:I|we) (?:live|am living|are living) with (.{2,60}?) in (.{2,60})$/i.exec(text))) {
    return [
      { content: `User lives in ${replacePronouns(m[2], 'user')}`, hints: ['location'] },
      { content: `User lives with ${replacePronouns(m[1], 'user')}`, hints: ['relationships'] },
    ]
  }
  return null
}
