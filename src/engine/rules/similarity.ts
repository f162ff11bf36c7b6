/**
 * Lexical similarity for the rules engine: tokens with stop words removed and a light
 * stemmer, Jaccard overlap and containment.
 */
import { NUMBER_WORDS } from './lexicon'

export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a an the and or but if so to of in on at for with from by as about into onto over under than then
  that this these those it its is are was were be been being am has have had having do does did
  will would shall should can could may might must i me my mine myself we us our ours you your he him
  his she her they them their theirs themselves who whom which what there here user user's users
  named called also just really very quite pretty too some any all own one ones now currently still
  again even much many more most such only well yet already lot lots like kind sort bit`.split(/\s+/),
)

/** Words that mark a change of state ("no longer", "now", "moved"), kept out of similarity. */
export const CHANGE_WORDS: ReadonlySet<string> = new Set(
  `now anymore longer started start stopped stop became become switched switch quit gave give up
  again recently new newly these days turned changed change`.split(/\s+/),
)

const IRREGULAR_STEMS: Record<string, string> = {
  went: 'go', goes: 'go', gone: 'go', going: 'go',
  got: 'get', gets: 'get', gotten: 'get', getting: 'get',
  bought: 'buy', met: 'meet', ate: 'eat', eaten: 'eat', saw: 'see', seen: 'see', took: 'take', taken: 'take',
  made: 'make', ran: 'run', running: 'run', began: 'begin', became: 'become', found: 'find', left: 'leave',
  lost: 'lose', kept: 'keep', told: 'tell', taught: 'teach', sold: 'sell', built: 'build', broke: 'break',
  broken: 'break', drove: 'drive', flew: 'fly', flies: 'fly', flying: 'fly', grew: 'grow', knew: 'know',
  wrote: 'write', written: 'write', won: 'win', swam: 'swim', sang: 'sing', came: 'come', fell: 'fall',
  gave: 'give', paid: 'pay', spoke: 'speak', wore: 'wear', quit: 'quit',
  children: 'kid', child: 'kid', kids: 'kid', kiddos: 'kid', mother: 'mom', mum: 'mom', mommy: 'mom',
  mama: 'mom', father: 'dad', daddy: 'dad', papa: 'dad', allergic: 'allerg', allergy: 'allerg',
  allergies: 'allerg', favourite: 'favorit', favorite: 'favorit', colour: 'color', colours: 'color',
  cannot: 'not', "can't": 'not', never: 'not', no: 'not', "don't": 'not', "doesn't": 'not', nor: 'not',
  works: 'work', working: 'work', worked: 'work', job: 'work',
  lives: 'live', living: 'live', lived: 'live', resides: 'live', based: 'live',
  moved: 'move', moving: 'move', relocated: 'move', relocating: 'move',
  loves: 'love', loved: 'love', loving: 'love', adores: 'love', adore: 'love',
  likes: 'like', liked: 'like', enjoys: 'enjoy', enjoyed: 'enjoy',
  hates: 'hate', hated: 'hate', dislikes: 'dislike', disliked: 'dislike',
  studies: 'study', studied: 'study', studying: 'study',
  mates: 'mate', wife: 'wife', wives: 'wife', husband: 'husband',
  people: 'person', men: 'man', women: 'woman', feet: 'foot', teeth: 'tooth', mice: 'mouse',
}

/** A light stemmer: plural and verb endings, final e, double consonants. */
export function stem(word: string): string {
  let w = word.toLowerCase().replace(/'s$/, '').replace(/'$/, '')
  if (IRREGULAR_STEMS[w]) return stemRegular(IRREGULAR_STEMS[w])
  if (NUMBER_WORDS[w] && w !== 'a' && w !== 'an') return NUMBER_WORDS[w]
  return stemRegular(w)
}

function stemRegular(word: string): string {
  let w = word
  if (w.length <= 3 || /\d/.test(w)) return w
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y'
  else if (w.endsWith('ied') && w.length > 4) w = w.slice(0, -3) + 'y'
  else if (/(?:ss|us|is)$/.test(w)) {
    // glass, virus, analysis: not plurals
  } else if (/(?:ches|shes|xes|zes|sses)$/.test(w)) w = w.slice(0, -2)
  else if (w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1)
  if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3)
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2)
  if (/([bdfgklmnprt])\1$/.test(w) && w.length > 3) w = w.slice(0, -1)
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1)
  return w
}

/** Content tokens of a text: lowercase, stop words out, stemmed. */
export function contentTokens(text: string, opts: { keepChangeWords?: boolean } = {}): Set<string> {
  const out = new Set<string>()
  const raw = typeof text === 'string' ? text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [] : []
  for (const r of raw) {
    if (STOP_WORDS.has(r)) continue
    if (!opts.keepChangeWords && CHANGE_WORDS.has(r)) continue
    const s = stem(r)
    if (s.length === 0 || STOP_WORDS.has(s)) continue
    out.add(s)
  }
  return out
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1
  let inter = 0
  for (const x of a) if (b.has(x)) inter++
  const union = a.size + b.size - inter
  return union === 0 ? 0 : inter / union
}

/** True when every token of `a` is in `b`. */
export function isSubset(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (!b.has(x)) return false
  return true
}

export function intersectionSize(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let n = 0
  for (const x of a) if (b.has(x)) n++
  return n
}

export function without(a: ReadonlySet<string>, drop: ReadonlySet<string>): Set<string> {
  const out = new Set<string>()
  for (const x of a) if (!drop.has(x)) out.add(x)
  return out
}

/** Lowercase, punctuation-free form used for exact comparisons. */
export function normalizeContent(text: string): string {
  return (typeof text === 'string' ? text : '')
    .toLowerCase()
    .replace(/^the user\b/, 'user')
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}
