/**
 * Text plumbing for the rules engine: cleaning a chat message, expanding contractions,
 * splitting into sentences and clauses. Everything here is linear-time regex work.
 */
import { isPastForm } from './grammar'
import { FRAGMENT_GERUNDS, LEADING_FILLERS, QUESTION_STARTS, SUBORDINATE_STARTS } from './lexicon'

/** Longest part of one message that is looked at (longer messages are cut, not rejected). */
export const MAX_MESSAGE_CHARS = 8_000
/** Clauses longer than this (in words) are not plain statements; they are skipped. */
export const MAX_CLAUSE_WORDS = 40

/** Marks a compound subject ("my wife and I") so that it survives clause splitting. */
export const COMPANION_MARK = '\u0002'

const EMOJI = /(?:[\p{Extended_Pictographic}\u{1F1E6}-\u{1F1FF}][\u{FE0F}\u{200D}\u{1F3FB}-\u{1F3FF}\u{20E3}]*)+/gu
const EMOTICON = /(^|\s)(?:[:;=8][-'^o]?[)(\]\[dDpPoO/\\|*3$@]+|<3+|[xX]D+|\^_?\^|-_-|T_T)(?=\s|[.,!?]|$)/g
const ABBREVIATIONS =
  /\b(St|Dr|Mr|Mrs|Ms|Jr|Sr|Prof|Mt|Ft|vs|etc|approx|Ave|Inc|Ltd|Corp|Co|No|Dept|Univ|Gov|Sgt|Capt|Lt|Col|Gen|Rev|Hon)\./g

/** Normalises quotes and spacing, replaces emoji and emoticons by sentence breaks. */
export function cleanMessage(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0) return ''
  let text = raw.length > MAX_MESSAGE_CHARS ? raw.slice(0, MAX_MESSAGE_CHARS) : raw
  text = text
    .replace(/[\u2018\u2019\u02BC\u0060\u00B4]/g, "'")
    .replace(/[\u201C\u201D]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(EMOJI, ' . ')
    .replace(EMOTICON, '$1 . ')
    .replace(/[ \t\u00A0]+/g, ' ')
  return text
}

/** Strips "Caroline: " style speaker prefixes from the start of each line. */
export function stripSpeakerPrefix(text: string): string {
  return text.replace(/^[ \t]*(?:\[[^\]\n]{1,20}\][ \t]*)?\p{Lu}[\p{L}'.-]{0,20}(?:[ \t]+\p{Lu}[\p{L}'.-]{0,20}){0,2}[ \t]*:[ \t]+/gmu, '')
}

export interface Sentence {
  text: string
  question: boolean
}

/** Splits text into sentences, remembering which ones were questions. */
export function splitSentences(text: string): Sentence[] {
  const protectedText = text
    .replace(ABBREVIATIONS, '$1\u2024')
    .replace(/\b((?:[A-Za-z]\.){2,})/g, (m) => m.replace(/\./g, '\u2024'))
  const out: Sentence[] = []
  const re = /([^\n.!?]*)([.!?]+|\n|$)/g
  let m: RegExpExecArray | null
  while ((m = re.exec(protectedText)) !== null) {
    const body = m[1].replace(/\u2024/g, '.').replace(/["*_~]+/g, ' ').trim()
    if (body.length > 0) out.push({ text: body, question: m[2].includes('?') })
    if (m[0].length === 0) re.lastIndex++
    if (re.lastIndex >= protectedText.length) break
  }
  return out
}

const CONTRACTIONS: [RegExp, string][] = [
  [/\bcan'?t\b/gi, 'cannot'],
  [/\bwon'?t\b/gi, 'will not'],
  [/\bain'?t\b/gi, 'am not'],
  [/\b(do|does|did|is|are|was|were|has|have|had|would|could|should|must|need)n'?t\b/gi, '$1 not'],
  [/\bi'm\b|\bim\b/gi, 'I am'],
  [/\bi've\b|\bive\b/gi, 'I have'],
  [/\bi'll\b/gi, 'I will'],
  [/\bi'd (been|had|never|already|just)\b/gi, 'I had $1'],
  [/\bi'd\b/gi, 'I would'],
  [/\b(we|they|you)'re\b/gi, '$1 are'],
  [/\b(we|they|you)'ve\b/gi, '$1 have'],
  [/\b(we|they|you)'ll\b/gi, '$1 will'],
  [/\b(we|they|you)'d\b/gi, '$1 would'],
  [/\b(he|she|it|that|there|what|who|where|name|here)'s (been|got|had)\b/gi, '$1 has $2'],
  [/\b(he|she|it|that|there|what|who|where|name|here|how)'s\b/gi, '$1 is'],
  [/\bgonna\b/gi, 'going to'],
  [/\bwanna\b/gi, 'want to'],
  [/\bgotta\b/gi, 'have to'],
  [/\bkinda\b/gi, 'kind of'],
  [/\bcuz\b/gi, 'because'],
  [/(^|\s)'cause\b/gi, '$1because'],
  [/\bdont\b/gi, 'do not'],
  [/\bdoesnt\b/gi, 'does not'],
  [/\bdidnt\b/gi, 'did not'],
  [/\bcant\b/gi, 'cannot'],
  [/\bisnt\b/gi, 'is not'],
  [/\bwasnt\b/gi, 'was not'],
  [/\bhavent\b/gi, 'have not'],
  [/\bfav\b|\bfave\b/gi, 'favorite'],
  [/\bfavourite\b/gi, 'favorite'],
  [/\bw\/o\b/gi, 'without'],
  [/\bw\/(?=\s)/gi, 'with'],
  [/\bi\b/g, 'I'],
]

export function expandContractions(text: string): string {
  let out = text
  for (const [re, rep] of CONTRACTIONS) out = out.replace(re, rep)
  return out
}

const FILLER_RE = new RegExp(
  '^(?:' +
    LEADING_FILLERS.slice()
      .sort((x, y) => y.length - x.length)
      .map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|') +
    ')(?:[\\s,!.:-]+|$)',
  'i',
)

/** Removes chat fillers from the start of a clause ("oh btw, so I ..."). */
export function stripLeadingFillers(text: string): string {
  let out = text.trim()
  for (let i = 0; i < 6; i++) {
    const next = out.replace(FILLER_RE, '').trim()
    if (next === out) break
    out = next
  }
  return out
}

const TRAILING_FILLERS =
  /(?:[\s,]+(?:wish me luck|fingers crossed|unfortunately|sadly|luckily|thankfully|fortunately|yay|woohoo|lol|lmao|haha+|hehe|btw|tbh|though|anyway|anyways|fyi|imo|ok|okay|right|you know|yay|ha|xd|rn|atm|these days|as well|too))+[\s,.!]*$/i

export function stripTrailingFillers(text: string): string {
  return text.replace(TRAILING_FILLERS, '').replace(/[\s,;:.!-]+$/, '').trim()
}

const PRONOUN_START =
  /^(?:I|I'm|we|my|our|me and|he|she|they|it|his|her|their|its|this|that|there|\u0002)\b|^\u0002/i

export interface Clause {
  text: string
  /** the clause starts with a subordinator (if, when, ...): not a statement on its own */
  subordinate: boolean
  /** the clause is (part of) a question */
  question: boolean
}

function firstWord(text: string): string {
  const m = /^[\p{L}\p{N}'\u0002-]+/u.exec(text)
  return m ? m[0].toLowerCase() : ''
}

function startsNewClause(piece: string, knownNames: ReadonlySet<string>): boolean {
  const p = stripLeadingFillers(piece)
  if (p.length === 0) return true
  if (PRONOUN_START.test(p)) return true
  const w = firstWord(p)
  if (QUESTION_STARTS.has(w) || SUBORDINATE_STARTS.has(w)) return true
  if (w === 'remember' || w === 'please' || w === 'thanks' || w === 'lol' || w === 'haha') return true
  // a hedge or a participle phrase ("..., maybe a glass of wine", "..., living in Denver")
  if (w === 'maybe' || w === 'probably' || w === 'perhaps' || w === 'hopefully' || FRAGMENT_GERUNDS.has(w)) return true
  if (knownNames.has(w)) return true
  // a numeric aside ("..., 200 day streak!") is not part of the statement before it
  if (/^\d/.test(p) && !/^\d+(?:\s+(?:and|or)\s+\d+)?$/.test(p)) return true
  return false
}

/** Compound subjects at the start of a clause: "my wife Sarah and I", "me and my brother". */
export function markCompanions(text: string): string {
  return text
    .replace(
      /(^|[,;]\s*|\b(?:and|but|so|then)\s+)((?:[Mm]y|[Oo]ur)\s+[\w'-]+(?:\s+[A-Z][\w'-]*)?|[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)\s+and\s+I\b/g,
      (_m, pre: string, who: string) => `${pre}${COMPANION_MARK}${who}${COMPANION_MARK}`,
    )
    .replace(
      /(^|[,;]\s*)me\s+and\s+((?:my|our)\s+[\w'-]+(?:\s+[A-Z][\w'-]*)?|[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)\b/gi,
      (_m, pre: string, who: string) => `${pre}${COMPANION_MARK}${who}${COMPANION_MARK}`,
    )
}

const AND_BUT = /\s*,?\s+(?:and|but)\s+(?:(?:then|also|now|still|recently|finally|usually|always|never|often|mostly|just|even)\s+)*/gi

/** Base forms after "and" that continue the first subject ("I use Linux and code in Rust"). */
const BASE_VERBS = new Set(
  `live work code play have love like hate go study teach cook eat drink drive use write read travel
  speak own do make take volunteer swim run ski paint sing dance watch collect bake climb hike
  practice move am was can cannot will spend sell lose train ride build grow want need hope plan`.split(/\s+/),
)
/** Third-person forms after "and" for a third-person subject ("she loves X and reads Y"). */
const THIRD_VERBS = new Set(
  `lives works loves likes hates plays teaches writes runs cooks goes has is does makes takes speaks
  studies owns drives enjoys watches paints sings travels uses wants needs knows spends visits bakes
  collects swims hikes volunteers reads was`.split(/\s+/),
)
const AFTER_PAST = /^(?:a|an|the|my|our|his|her|their|to|up|in|at|on|from|into|with|out|back|off|home|here|there|it|them|him|me|us|\d)\b/i

/** The subject words that a clause after "and <verb>" inherits, or null. */
function inheritedSubject(text: string): { subject: string; third: boolean } | null {
  const t = stripLeadingFillers(text)
  let m = /^(I|we)\b/i.exec(t)
  if (m) return { subject: 'I', third: false }
  m = /^(he|she)\b/i.exec(t)
  if (m) return { subject: m[1], third: true }
  m = /^((?:my|our)\s+[\w-]+(?:\s+\p{Lu}[\p{L}'-]+)?)\s/iu.exec(t)
  if (m) return { subject: m[1], third: true }
  return null
}

function splitAndVerb(text: string): string[] {
  const subj = inheritedSubject(text)
  if (!subj) return [text]
  const cuts: [number, number][] = []
  AND_BUT.lastIndex = 0
  let m: RegExpExecArray | null
  while ((m = AND_BUT.exec(text)) !== null) {
    const after = text.slice(m.index + m[0].length)
    const w = firstWord(after)
    const rest = after.slice(w.length).trimStart()
    const past = isPastForm(w) && AFTER_PAST.test(rest)
    if (subj.third ? THIRD_VERBS.has(w) || past : BASE_VERBS.has(w) || past) cuts.push([m.index, m.index + m[0].length])
  }
  if (cuts.length === 0) return [text]
  const out = [text.slice(0, cuts[0][0])]
  cuts.forEach(([, end], i) => out.push(`${subj.subject} ${text.slice(end, i + 1 < cuts.length ? cuts[i + 1][0] : text.length)}`))
  return out
}

const CONJUNCTION = /\s*,?\s+(?:and|but|so|because|'cause|cause|cuz|bc|since|plus|although|though|while|whereas|or|yet)\s+/gi

const VERBISH = new Set(
  `is are was were has have had does do did will would can cannot could should might must may
  live lives lived work works worked love loves loved like likes liked hate hates go goes went come
  comes came visit visits visited want wants need needs think says said got get gets make makes made
  take takes took know knows stay stays stayed moved move moves started start starts play plays`.split(/\s+/),
)

/** "my X ..." after a conjunction is a clause only when a verb follows the noun phrase. */
function hasPredicate(text: string): boolean {
  const ws = words(text).slice(1, 7)
  for (let i = 1; i < ws.length; i++) {
    const w = ws[i]
    if (VERBISH.has(w) || (/ed$/.test(w) && w.length > 4)) return true
  }
  return false
}

function shouldSplitBefore(after: string, knownNames: ReadonlySet<string>): boolean {
  if (/^(?:I|we|he|she|they|it|that|this|there)\b/i.test(after) || after.startsWith(COMPANION_MARK)) return true
  if (/^(?:my|our)\b/i.test(after)) return hasPredicate(after)
  return knownNames.has(firstWord(after))
}

function splitOnConjunctions(text: string, knownNames: ReadonlySet<string>): string[] {
  const out: string[] = []
  let last = 0
  CONJUNCTION.lastIndex = 0
  let m: RegExpExecArray | null
  while ((m = CONJUNCTION.exec(text)) !== null) {
    const after = text.slice(m.index + m[0].length)
    const consequence = /\bso\s+$/i.test(m[0]) && /^\p{L}+\s+(?:is|was|are|were)\b/u.test(after)
    if (consequence || shouldSplitBefore(after, knownNames)) {
      out.push(text.slice(last, m.index))
      last = m.index + m[0].length
    }
  }
  out.push(text.slice(last))
  return out
}

const SUBORDINATE_SPLIT = /\s*,?\s+(?=(?:if|unless|when|whenever|before|after|until|once)\s+(?:I|we|my|he|she|they|it)\b)/gi

/** Splits one sentence into clauses. */
export function splitClauses(sentence: Sentence, knownNames: ReadonlySet<string>): Clause[] {
  const marked = markCompanions(sentence.text)
  const hardParts = marked.split(/\s*;\s*|\s+[-\u2013\u2014]+\s+|\s*[\u2013\u2014]\s*|\s*[()]\s*|\s*:\s+/)
  const pieces: string[] = []
  for (const part of hardParts) {
    if (!part.trim()) continue
    const commaPieces = part.split(/\s*,\s*/)
    let current = ''
    for (const piece of commaPieces) {
      if (current === '') current = piece
      else if (startsNewClause(piece, knownNames)) {
        pieces.push(current)
        current = piece
      } else current = `${current}, ${piece}`
    }
    if (current.trim()) pieces.push(current)
  }
  const clauses: string[] = []
  for (const piece of pieces) {
    for (const a of piece.split(SUBORDINATE_SPLIT)) {
      for (const b of splitOnConjunctions(a, knownNames)) {
        // "I use Linux and code in Rust": the second part shares the subject of the first
        for (const part of splitAndVerb(b)) clauses.push(part)
      }
    }
  }
  const out: Clause[] = []
  const nonEmpty = clauses.map((c) => c.trim()).filter((c) => c.length > 0)
  nonEmpty.forEach((c, idx) => {
    const stripped = stripLeadingFillers(c)
    const w = firstWord(stripped)
    const subordinate = SUBORDINATE_STARTS.has(w) || w === 'since'
    let question = false
    if (sentence.question) {
      question = QUESTION_STARTS.has(w) || idx === nonEmpty.length - 1 || /^(?:I|we) wonder\b/i.test(stripped)
    }
    out.push({ text: c, subordinate, question })
  })
  return out
}

/** Lowercase word tokens of a text (letters, digits, apostrophes kept). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu) ?? []
}

export function capitalizeFirst(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1)
}
