/**
 * Text analysis for the search index: tokenising, English stop words and a small Porter stemmer.
 * Pure and synchronous; the same analysis runs on records and on queries.
 */

/**
 * English stop words: function words, pronouns, auxiliaries, question words and chat fillers.
 * They carry no topic, so a query is matched on the words that do.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are aren't as at be because been before being below between both
  but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from further
  had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
  i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor not of off on once
  only or other ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some such than
  that that's the their theirs them themselves then there there's these they they'd they'll they're they've this those
  through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
  where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours yourself
  yourselves also just really yeah yes oh ok okay hey hi hello well like lot lots much many get got gets getting go going
  went gone thing things something anything even still will shall may might must one ones s t d ll m re ve`
    .split(/\s+/)
    .filter(Boolean),
)

const TOKEN = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu

/** Lowercased word tokens of the text, accents folded, possessive 's dropped. */
export function tokenize(text: string): string[] {
  const folded = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
  const out: string[] = []
  for (const m of folded.matchAll(TOKEN)) {
    let t = m[0].replace(/’/g, "'")
    if (t.endsWith("'s")) t = t.slice(0, -2)
    out.push(t)
  }
  return out
}

/** Tokens that carry meaning: not stop words, not single letters (digits are kept). */
export function contentWords(text: string): string[] {
  return tokenize(text).filter((t) => !STOP_WORDS.has(t) && (t.length > 1 || /\d/.test(t)))
}

/** Irregular verb forms -> base form, so that "bought" finds "buy" (the stemmer only knows suffixes). */
const IRREGULAR: ReadonlyMap<string, string> = new Map(
  `bought:buy brought:bring ate:eat eaten:eat saw:see seen:see took:take taken:take made:make ran:run began:begin begun:begin
  became:become found:find left:leave lost:lose felt:feel kept:keep told:tell thought:think caught:catch taught:teach
  sold:sell sent:send spent:spend built:build broke:break broken:break drove:drive driven:drive flew:fly flown:fly
  grew:grow grown:grow knew:know known:know wrote:write written:write heard:hear held:hold sat:sit stood:stand won:win
  swam:swim swum:swim sang:sing sung:sing came:come fell:fall fallen:fall forgot:forget forgotten:forget gave:give
  given:give hid:hide hidden:hide paid:pay said:say slept:sleep wore:wear worn:wear woke:wake woken:wake
  understood:understand rode:ride ridden:ride rang:ring spoke:speak spoken:speak stole:steal stolen:steal threw:throw
  thrown:throw fought:fight led:lead meant:mean met:meet fed:feed fled:flee sought:seek struck:strike tore:tear
  torn:tear shook:shake chose:choose chosen:choose bit:bite bitten:bite blew:blow blown:blow drew:draw drawn:draw
  drank:drink drunk:drink froze:freeze frozen:freeze hung:hang lent:lend slid:slide spun:spin stuck:stick swept:sweep
  swung:swing wept:weep children:child kids:kid men:man women:woman people:person feet:foot teeth:tooth mice:mouse`
    .split(/\s+/)
    .filter(Boolean)
    .map((p) => p.split(':') as [string, string]),
)

/** The index terms of a token: null for stop words, else its stem. */
export function termOf(token: string): string | null {
  const t = token.toLowerCase().replace(/’/g, "'")
  if (STOP_WORDS.has(t)) return null
  if (t.length < 2 && !/\d/.test(t)) return null
  // contractions left after the stop-word check ("caroline'll") lose their tail
  const base = t.includes("'") ? t.slice(0, t.indexOf("'")) : t
  if (!base || STOP_WORDS.has(base)) return null
  return stem(IRREGULAR.get(base) ?? base)
}

/** Analysed terms of a text (tokenise, drop stop words, stem). */
export function analyze(text: string): string[] {
  const out: string[] = []
  for (const t of tokenize(text)) {
    const s = termOf(t)
    if (s) out.push(s)
  }
  return out
}

// ---- Porter stemmer (M.F. Porter, 1980), on lowercase ASCII words; others pass unchanged ----

const STEM_CACHE = new Map<string, string>()
const MAX_CACHE = 50_000

/** The Porter stem of a lowercase word ("running" -> "run", "memories" -> "memori"). */
export function stem(word: string): string {
  if (word.length < 3 || !/^[a-z]+$/.test(word)) return word
  const cached = STEM_CACHE.get(word)
  if (cached !== undefined) return cached
  const s = porter(word)
  if (STEM_CACHE.size >= MAX_CACHE) STEM_CACHE.clear()
  STEM_CACHE.set(word, s)
  return s
}

function isCons(w: string, i: number): boolean {
  const c = w[i]
  if (c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u') return false
  if (c === 'y') return i === 0 ? true : !isCons(w, i - 1)
  return true
}

/** m, the number of VC sequences in w[0..end) */
function measure(w: string, end: number): number {
  let n = 0
  let i = 0
  while (i < end && isCons(w, i)) i++
  while (i < end) {
    while (i < end && !isCons(w, i)) i++
    if (i >= end) break
    n++
    while (i < end && isCons(w, i)) i++
  }
  return n
}

function hasVowel(w: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (!isCons(w, i)) return true
  return false
}

function doubleCons(w: string, end: number): boolean {
  return end >= 2 && w[end - 1] === w[end - 2] && isCons(w, end - 1)
}

/** cvc where the last c is not w, x or y */
function cvc(w: string, end: number): boolean {
  if (end < 3) return false
  if (!isCons(w, end - 1) || isCons(w, end - 2) || !isCons(w, end - 3)) return false
  const c = w[end - 1]
  return c !== 'w' && c !== 'x' && c !== 'y'
}

/** Replaces suffix `s` by `r` when the stem before it has measure > m. Returns the new word or null if `s` does not match. */
function rule(w: string, s: string, r: string, m: number): string | null {
  if (!w.endsWith(s)) return null
  const stemEnd = w.length - s.length
  return measure(w, stemEnd) > m ? w.slice(0, stemEnd) + r : w
}

const STEP2: [string, string][] = [
  ['ational', 'ate'], ['tional', 'tion'], ['enci', 'ence'], ['anci', 'ance'], ['izer', 'ize'], ['bli', 'ble'],
  ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous'], ['ization', 'ize'], ['ation', 'ate'],
  ['ator', 'ate'], ['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous'], ['aliti', 'al'],
  ['iviti', 'ive'], ['biliti', 'ble'], ['logi', 'log'],
]
const STEP3: [string, string][] = [
  ['icate', 'ic'], ['ative', ''], ['alize', 'al'], ['iciti', 'ic'], ['ical', 'ic'], ['ful', ''], ['ness', ''],
]
const STEP4 = ['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ion', 'ou', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize']

function porter(input: string): string {
  let w = input
  // step 1a
  if (w.endsWith('sses')) w = w.slice(0, -2)
  else if (w.endsWith('ies')) w = w.slice(0, -2)
  else if (w.endsWith('ss')) {
    /* keep */
  } else if (w.endsWith('s')) w = w.slice(0, -1)
  // step 1b
  let extra = false
  if (w.endsWith('eed')) {
    if (measure(w, w.length - 3) > 0) w = w.slice(0, -1)
  } else if (w.endsWith('ed') && hasVowel(w, w.length - 2)) {
    w = w.slice(0, -2)
    extra = true
  } else if (w.endsWith('ing') && hasVowel(w, w.length - 3)) {
    w = w.slice(0, -3)
    extra = true
  }
  if (extra) {
    if (w.endsWith('at') || w.endsWith('bl') || w.endsWith('iz')) w += 'e'
    else if (doubleCons(w, w.length) && !/[lsz]$/.test(w)) w = w.slice(0, -1)
    else if (measure(w, w.length) === 1 && cvc(w, w.length)) w += 'e'
  }
  // step 1c
  if (w.endsWith('y') && hasVowel(w, w.length - 1)) w = w.slice(0, -1) + 'i'
  // step 2
  for (const [s, r] of STEP2) {
    if (w.endsWith(s)) {
      w = rule(w, s, r, 0) ?? w
      break
    }
  }
  // step 3
  for (const [s, r] of STEP3) {
    if (w.endsWith(s)) {
      w = rule(w, s, r, 0) ?? w
      break
    }
  }
  // step 4
  for (const s of STEP4) {
    if (!w.endsWith(s)) continue
    const stemEnd = w.length - s.length
    if (measure(w, stemEnd) > 1) {
      if (s === 'ion') {
        const c = w[stemEnd - 1]
        if (c === 's' || c === 't') w = w.slice(0, stemEnd)
      } else w = w.slice(0, stemEnd)
    }
    break
  }
  // step 5a
  if (w.endsWith('e')) {
    const m = measure(w, w.length - 1)
    if (m > 1 || (m === 1 && !cvc(w, w.length - 1))) w = w.slice(0, -1)
  }
  // step 5b
  if (measure(w, w.length) > 1 && doubleCons(w, w.length) && w.endsWith('l')) w = w.slice(0, -1)
  return w
}
