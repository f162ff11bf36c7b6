/**
 * The shape of a memory's content for decisions: who it is about, whether it is negated,
 * whether it announces a change, and which "slots" it fills (location, employer, job title,
 * relationship status, name, age, diet, likes, allergies, pets, family counts, ...).
 *
 * Works on any engine's phrasing of a fact as long as it is a short third-person sentence
 * about "User" / "The user" ("User lives in Paris", "The user's dog is named Rex").
 */
import { ORDINAL_WORDS, NUMBER_WORDS, PROFESSIONS, RELATION_NOUNS } from './lexicon'
import { contentTokens, stem } from './similarity'

/** temporal: one value at a time that may change; stable: should never change; multi: many values */
export type SlotMode = 'temporal' | 'stable' | 'multi'

export interface Slot {
  key: string
  value: string
  valueTokens: Set<string>
  mode: SlotMode
  polarity: 1 | -1
}

export interface FactShape {
  content: string
  norm: string
  /** 'user', 'user:<relation>' or 'other' */
  subject: string
  /** name of the related person or pet when the subject is one ("User's sister Anna") */
  subjectName?: string
  /** text after the subject */
  predicate: string
  /** first word of the predicate, stemmed (for "same predicate" tests) */
  head: string
  negated: boolean
  change: boolean
  attributive: boolean
  tokens: Set<string>
  tokensNoNeg: Set<string>
  slots: Slot[]
  /** consumption facts: 'meat' -> false for a vegetarian, 'alcohol:beer' -> true, ... */
  diet: Map<string, boolean>
  /** the person or pet the user has, from "User has a dog" / "User has a sister named Anna" */
  has?: { noun: string; name?: string }
}

const NEGATION = /\b(?:not|never|no longer|cannot|can't|doesn't|don't|isn't|hasn't|won't|didn't|wasn't)\b/
const CHANGE = /\b(?:no longer|anymore|any more|now|stopped|started|starts|quit|became|become|switched|gave up|used to|again|these days|recently|turned|moved|relocated|left|changed|just got|got|joined|converted|went)\b/

const CANONICAL_NOUN: Record<string, string> = {
  puppy: 'dog', puppies: 'dog', dogs: 'dog', kitten: 'cat', kittens: 'cat', cats: 'cat', kids: 'kid',
  children: 'kid', child: 'kid', baby: 'kid', babies: 'kid', sons: 'son', daughters: 'daughter',
  sisters: 'sister', brothers: 'brother', siblings: 'sibling', mother: 'mom', mum: 'mom', father: 'dad',
  friends: 'friend', fiancée: 'fiance', fiancee: 'fiance', fiancé: 'fiance', parents: 'parent',
}
export const canonicalNoun = (w: string): string => CANONICAL_NOUN[w] ?? w

const SPOUSES = new Set(['wife', 'husband', 'spouse', 'partner', 'girlfriend', 'boyfriend', 'fiance'])

const MEAT = new Set(
  `meat beef pork chicken steak steaks burger burgers bacon ham lamb turkey sausage sausages veal duck
  salami pepperoni`.split(/\s+/),
)
const FISH = new Set(`fish seafood salmon tuna shrimp prawns sushi sashimi oysters crab lobster cod`.split(/\s+/))
const DAIRY = new Set(`dairy milk cheese butter yogurt yoghurt cream eggs egg`.split(/\s+/))
const ALCOHOL = new Set(
  `alcohol beer beers wine wines booze cocktail cocktails vodka whiskey whisky gin rum tequila shots
  drinks champagne cider sake`.split(/\s+/),
)

function normalize(content: string): string {
  return content
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/^\s*(?:the\s+)?user\b/, 'user')
    .replace(/[.!?]+\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim()
}

function numberOf(word: string | undefined): number | undefined {
  if (!word) return undefined
  const w = word.toLowerCase()
  if (/^\d+$/.test(w)) return Number(w)
  if (ORDINAL_WORDS[w]) return ORDINAL_WORDS[w]
  const n = NUMBER_WORDS[w]
  return n ? Number(n) : undefined
}

/** Cuts a slot value at the first word that starts a new detail ("paris for work" -> "paris"). */
function cutValue(v: string): string {
  return v
    .split(/,|\s+(?:for|since|with|because|after|when|and|as|where|who|which|last|next|two|three|a few|until|before|now|but|so|to be)\s+/)[0]
    .replace(/^(?:the|a|an)\s+/, '')
    .trim()
}

function slot(key: string, value: string, mode: SlotMode, polarity: 1 | -1 = 1): Slot {
  const v = cutValue(value)
  return { key, value: v, valueTokens: contentTokens(v), mode, polarity }
}

function addDiet(diet: Map<string, boolean>, text: string, negated: boolean): void {
  if (/\bvegetarian\b/.test(text)) {
    if (negated) diet.set('meat', true)
    else {
      diet.set('meat', false)
      diet.set('fish', false)
    }
  }
  if (/\bvegan\b/.test(text) && !negated) {
    diet.set('meat', false)
    diet.set('fish', false)
    diet.set('dairy', false)
  }
  if (/\bpescatarian\b/.test(text) && !negated) {
    diet.set('meat', false)
    diet.set('fish', true)
  }
  if (/\b(?:sober|teetotal|teetotaler)\b/.test(text)) diet.set('alcohol', negated)
  if (/\b(?:quit|stopped|gave up) drinking\b/.test(text)) diet.set('alcohol', false)
  const m = /\b(?:eats?|eating|ate|had|has|have|drinks?|drinking|drank|consumes?|orders?|ordered|cooks?|cooked|tried|loves?|likes?|enjoys?)\s+((?:[\w'-]+\s*){1,6})/.exec(text)
  if (m) {
    const verbNeg = negated
    const likeVerb = /^(?:loves?|likes?|enjoys?)$/.test(m[0].split(/\s+/)[0])
    if (likeVerb && verbNeg) return // "does not like pork" is a taste, not a diet
    for (const w of m[1].split(/\s+/)) {
      const word = w.toLowerCase()
      const group = MEAT.has(word) ? 'meat' : FISH.has(word) ? 'fish' : DAIRY.has(word) ? 'dairy' : ALCOHOL.has(word) ? 'alcohol' : undefined
      if (!group) continue
      const generic = word === group || (group === 'alcohol' && (word === 'alcohol' || word === 'booze' || word === 'drinks'))
      diet.set(generic ? group : `${group}:${word}`, !verbNeg)
    }
  }
  if (/\bdoes not drink$|\bdoesn't drink$/.test(text)) diet.set('alcohol', false)
}

const PROFESSION_RE = new RegExp(`^(?:an? )?((?:[\\w-]+ ){0,3}(?:${[...PROFESSIONS].join('|')}))(?:\\s|$)`)

function findSlots(subject: string, p: string, negated: boolean, out: Slot[]): void {
  const k = (key: string): string => (subject === 'user' ? key : `${subject}/${key}`)
  const pol: 1 | -1 = negated ? -1 : 1
  const q = p.replace(/^(?:now|currently|still|also|just|recently|actually|officially|finally|no longer|usually)\s+/, '')
  let m: RegExpExecArray | null
  if ((m = /^(?:(?:full|first|real|legal) )?name is (.+)$/.exec(q)) || (m = /^(?:is called|goes by|is named|prefers to be called) (.+)$/.exec(q))) {
    out.push(slot(k('name'), m[1], 'temporal'))
  }
  if ((m = /^(?:is )?(\d{1,3})(?: years? old|yo)?$/.exec(q)) || (m = /^(?:just )?turned (\d{1,3})\b/.exec(q))) {
    out.push(slot(k('age'), m[1], 'temporal'))
  }
  if ((m = /^(?:does not |doesn't )?(?:lives?|is living|resides|is based|has lived|has been living|is settled|is staying|lives now)(?: now)? (?:in|at) (.+)$/.exec(q))) {
    out.push(slot(k('location'), m[1], 'temporal', pol))
  } else if ((m = /^(?:has |just |recently )?(?:moved|relocated|has moved)(?: back)? to (.+)$/.exec(q))) {
    out.push(slot(k('location'), m[1], 'temporal'))
  } else if ((m = /^(?:lived|used to live) in (.+)$/.exec(q))) {
    out.push(slot(k(`past_location`), m[1], 'multi'))
  } else if ((m = /^(?:is moving|will move|is going to move|plans to move|is planning to move|is relocating) to (.+)$/.exec(q))) {
    out.push(slot(k('location_plan'), m[1], 'multi'))
  }
  if ((m = /^(?:is (?:originally )?from|comes from|was born and raised in|was born in|grew up in) (.+)$/.exec(q))) {
    out.push(slot(k('origin'), m[1], 'stable', pol))
  }
  // employer and job title
  if ((m = /^(?:left|quit|no longer works (?:at|for)|does not work (?:at|for)|was fired from|got fired from|retired from|resigned from|stopped working (?:at|for))\s+(?:(?:their|the|a) (?:job|position|role) (?:at|with|in) )?(.+)$/.exec(q))) {
    out.push({ ...slot(k('employer'), m[1], 'temporal', -1) })
  } else if ((m = /^(?:joined|is now at|started at|started working at|moved to work at) ([\w.&' -]+?)(?: as .+)?$/.exec(q)) && !/^joined (?:a|an|the|their)\b/.test(q)) {
    out.push(slot(k('employer'), m[1], 'temporal', pol))
  } else if ((m = /^(?:works|is working|has worked|has been working|started working|started a (?:new )?job|started|joined|is employed|got a job|got hired|was hired|accepted a job|took a job|is interning|interns|is now|is)(?: [\w'-]+){0,4}? (?:at|for|with) (.+)$/.exec(q))) {
    const verbIsBe = /^is\b/.test(q) && !/^is (?:working|employed|interning|now)\b/.test(q)
    const looksLikeJob = !verbIsBe || PROFESSION_RE.test(q.replace(/^is\s+/, ''))
    if (looksLikeJob && !/^(?:works|is working) (?:out|from home)\b/.test(q)) out.push(slot(k('employer'), m[1].replace(/\s+as\s+.*$/, ''), 'temporal', pol))
  }
  if ((m = /\b(?:works|is working|has worked|is employed|is freelancing|freelances|started working|started|joined [\w'-]+(?: [\w'-]+)?|is hired|got hired|is interning|is now working) as (?:an? )?(.+?)(?: at | for | in |,|$)/.exec(q))) {
    out.push(slot(k('role'), m[1], 'temporal', pol))
  } else if ((m = /^(?:is|has been|was|is now|became|is working as) (.+)$/.exec(q))) {
    const pm = PROFESSION_RE.exec(m[1])
    if (pm && /^(?:an? |\w)/.test(m[1]) && !/\bfan\b/.test(pm[1])) out.push(slot(k('role'), pm[1], 'temporal', pol))
  } else if ((m = /^(?:got promoted|was promoted|has been promoted) to (.+)$/.exec(q))) {
    out.push(slot(k('role'), m[1], 'temporal'))
  }
  // relationship status (also "user and sarah got divorced")
  if ((m = /\b(?:is|are|got|just got|recently got|is getting|are getting|were|was|became|has been) (not )?(married|engaged|divorced|separated|single|widowed|dating someone|in a relationship)\b/.exec(p))) {
    const status = /getting married/.test(m[0]) ? 'engaged' : m[2]
    out.push(slot(k('relationship'), status, 'temporal', m[1] ? -1 : 1))
    const to = /\bmarried to ([a-z][\w'-]*)/.exec(p)
    if (to && !m[1]) out.push(slot(k('spouse'), to[1], 'temporal'))
  }
  // likes and dislikes
  const pq = q.replace(/^(?:really |absolutely |also |still |truly |actually )?(?:has |have )?(?:started|begun|began|come|grown|learned|learnt) to /, '')
  if ((m = /^(?:really |absolutely |also |still |truly )?(loves?|likes?|enjoys?|adores?|is a (?:big |huge |massive )?fan of|is into|is obsessed with|is passionate about|prefers?|has a soft spot for|is crazy about)\s+(.+)$/.exec(pq))) {
    out.push(slot(k(`pref:${prefKey(m[2])}`), m[2], 'multi', pol))
  } else if ((m = /^(hates?|dislikes?|detests?|loathes?|cannot stand|can't stand|does not like|doesn't like|does not enjoy|doesn't enjoy|does not love|is not a (?:big |huge )?fan of|is not into|is not keen on|cannot bear|is not crazy about)\s+(.+)$/.exec(pq))) {
    out.push(slot(k(`pref:${prefKey(m[2])}`), m[2], 'multi', -1))
  }
  if ((m = /^(?:all-time |absolute )?favorite ([\w -]+?) (?:is|are) (.+)$/.exec(q))) out.push(slot(k(`fav:${stem(m[1])}`), m[2], 'temporal'))
  // allergies
  if ((m = /\ballergic to (.+)$/.exec(q)) || (m = /\bhas an? ([\w -]+?) allergy\b/.exec(q)) || (m = /\bis ([\w-]+) intolerant\b/.exec(q)) || (m = /\bintolerant to (.+)$/.exec(q))) {
    out.push(slot(k(`allergy:${prefKey(m[1])}`), m[1], 'multi', pol))
  }
  // studies
  if ((m = /^(?:studies|is studying|is majoring in|majors in|is doing an? (?:master's|masters|phd|degree|bachelor's|mba)(?: degree)? in|is a (?:[\w-]+ )?student (?:at|of)|goes to school at|attends) (.+)$/.exec(q))) {
    out.push(slot(k('study'), m[1], 'temporal', pol))
  }
  // counts of children, siblings, pets
  if ((m = /^(?:has|have) (a|an|one|two|three|four|five|six|seven|eight|\d+|no) (?:[\w-]+ )?(kids?|children|child|sons?|daughters?|siblings?|sisters?|brothers?|dogs?|cats?|grandkids|grandchildren)\b/.exec(q))) {
    const n = m[1] === 'no' ? 0 : numberOf(m[1]) ?? 1
    if (n !== 1 || /s$|children/.test(m[2])) out.push(slot(k(`count:${canonicalNoun(m[2].replace(/s$/, '')).replace(/^childre?n?$/, 'kid')}`), String(n), 'temporal'))
  }
  if ((m = /\b(?:had|welcomed|gave birth to) (?:their|a|her|his) (first|second|third|fourth|fifth|sixth) (?:baby|child|kid|son|daughter)\b/.exec(q))) {
    out.push(slot(k('count:kid'), String(ORDINAL_WORDS[m[1]]), 'temporal'))
  }
}

export function prefKey(object: string): string {
  const main = object.split(/,|\s+(?:especially|but|because|when|if|though|and especially)\s+/)[0]
  return [...contentTokens(main)].sort().join('+')
}

const cache = new Map<string, FactShape>()
const CACHE_SIZE = 2_000

/** analyzeFact with a small cache: the same memories are compared with many new facts. */
export function analyzeFact(content: string): FactShape {
  const key = typeof content === 'string' ? content : ''
  const hit = cache.get(key)
  if (hit) return hit
  const shape = analyzeUncached(key)
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string)
  cache.set(key, shape)
  return shape
}

function analyzeUncached(content: string): FactShape {
  const raw = typeof content === 'string' ? content : ''
  const norm = normalize(raw)
  let subject = 'other'
  let subjectName: string | undefined
  let predicate = norm
  let m: RegExpExecArray | null
  const toks = norm.split(' ')
  const origToks = raw.trim().replace(/^the\s+/i, '').split(/\s+/)
  const relIdx = toks[0] === "user's" ? [1, 2, 3].find((j) => RELATION_NOUNS.has(toks[j] ?? '')) : undefined
  if (relIdx !== undefined) {
    subject = `user:${canonicalNoun(toks[relIdx])}`
    const next = origToks[relIdx + 1]
    if (next && /^\p{Lu}/u.test(next) && toks[relIdx + 1]) {
      subjectName = toks[relIdx + 1].replace(/[,.]$/, '')
      predicate = toks.slice(relIdx + 2).join(' ')
    } else predicate = toks.slice(relIdx + 1).join(' ')
  } else if (/^user's /.test(norm)) {
    subject = 'user'
    predicate = norm.slice('user\'s '.length)
  } else if (/^user\b/.test(norm)) {
    subject = 'user'
    predicate = norm.replace(/^user\s*/, '')
  }
  const negated = NEGATION.test(predicate)
  const change = CHANGE.test(predicate)
  const tokens = contentTokens(norm)
  const tokensNoNeg = new Set([...tokens].filter((t) => t !== 'not'))
  const slots: Slot[] = []
  findSlots(subject, predicate, negated, slots)
  if (subject.startsWith('user:')) {
    const rel = subject.slice(5)
    let nm: RegExpExecArray | null
    if (SPOUSES.has(rel)) {
      const name = subjectName ?? ((nm = /^(?:is named|is called|'s name is|name is|is) ([a-z][\w'-]*)$/.exec(predicate)) ? nm[1] : undefined)
      if (name) slots.push(slot('spouse', name, 'temporal'))
    }
  }
  const diet = new Map<string, boolean>()
  if (subject === 'user') addDiet(diet, predicate, negated)
  let has: FactShape['has']
  if (subject === 'user' && (m = /^(?:has|have|got|adopted|owns|rescued|bought|brought home|has got|just got|welcomed|is getting|is adopting) (.+)$/.exec(predicate))) {
    const ws = m[1].split(' ')
    const j = [0, 1, 2, 3].find((i) => RELATION_NOUNS.has(ws[i] ?? ''))
    if (j !== undefined) {
      const noun = ws[j]
      const after = ws.slice(j + 1)
      const name = after[0] === 'named' || after[0] === 'called' ? after[1] : undefined
      const commaName = noun.endsWith(',') ? after[0]?.replace(/[,.]/g, '') : undefined
      has = { noun: canonicalNoun(noun.replace(/,$/, '')), name: name ?? commaName }
      if (!/s,?$|children/.test(noun)) slots.push(slot(`has:${has.noun}`, has.name ?? '', 'multi'))
    }
  }
  const attributive =
    /^(?:is|are|was) (?:named|called) /.test(predicate) ||
    /^(?:'s )?name is /.test(predicate) ||
    /^(?:is|are) (?:an?|the|\d+) (?!\w+ing\b)/.test(predicate) ||
    /^(?:is|are) (?!\w+ing\b)[\w-]+$/.test(predicate) ||
    /^(?:has|weighs|looks like) /.test(predicate)
  const head = stem(predicate.split(' ').find((w) => !/^(?:is|are|was|has|have|does|did|do|not|really|also|still|now|usually|always|often|never|just)$/.test(w)) ?? '')
  return { content: raw, norm, subject, subjectName, predicate, head, negated, change, attributive, tokens, tokensNoNeg, slots, diet, has }
}

