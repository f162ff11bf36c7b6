/**
 * Event dates of a clause, resolved against the session's date with chrono-node plus a few
 * rules of our own (weeks, weekends, seasons, bare years), all in UTC so that the result does
 * not depend on the machine's time zone.
 *
 * Conventions: a day gives [00:00, 23:59:59.999] of that day; "last/this/next week" are
 * Monday-Sunday weeks; "last/next weekend" the Saturday-Sunday of the previous/next week;
 * "next Friday" is the Friday of next week (chrono's reading); a bare weekday or month
 * ("on Friday", "in March") is placed before or after the session by the clause's tense;
 * seasons are northern-hemisphere; "since 2018" gives a start only.
 */
import * as chrono from 'chrono-node'
import { ED_BASE_FORMS, IRREGULAR_PAST } from './lexicon'

export interface EventDate {
  start: Date
  end?: Date
}

export interface DateExtraction {
  date?: EventDate
  /** the clause without the date expression (unless removing it would break the sentence) */
  text: string
}

type Tense = 'past' | 'future' | 'present'

const DAY_MS = 86_400_000

const dayStart = (y: number, m: number, d: number): Date => new Date(Date.UTC(y, m, d))
const dayEnd = (y: number, m: number, d: number): Date => new Date(Date.UTC(y, m, d, 23, 59, 59, 999))

function dayRange(t: number): EventDate {
  const d = new Date(t)
  return {
    start: dayStart(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()),
    end: dayEnd(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()),
  }
}
function monthRange(y: number, m: number): EventDate {
  return { start: dayStart(y, m, 1), end: dayEnd(y, m + 1, 0) }
}
function yearRange(y: number): EventDate {
  return { start: dayStart(y, 0, 1), end: dayEnd(y, 11, 31) }
}
function spanRange(from: number, days: number): EventDate {
  const a = new Date(from)
  const b = new Date(from + (days - 1) * DAY_MS)
  return {
    start: dayStart(a.getUTCFullYear(), a.getUTCMonth(), a.getUTCDate()),
    end: dayEnd(b.getUTCFullYear(), b.getUTCMonth(), b.getUTCDate()),
  }
}

/** Midnight UTC of the Monday of the week that holds `ref`. */
function mondayOf(ref: Date): number {
  const midnight = Date.UTC(ref.getUTCFullYear(), ref.getUTCMonth(), ref.getUTCDate())
  return midnight - ((ref.getUTCDay() + 6) % 7) * DAY_MS
}

const FUTURE_CUES =
  /\b(?:will|going to|planning|plan to|plans to|next|tomorrow|upcoming|coming|soon|expecting|hope to|hoping to|want to|would like|would love|about to|(?:am|is|are) \w+ing|starts?|begins?|leaves?|flies|fly)\b/i
const PAST_CUES = /\b(?:ago|yesterday|last|since|was|were|had|did|used to|earlier)\b/i

export function detectTense(text: string): Tense {
  if (FUTURE_CUES.test(text)) return 'future'
  if (PAST_CUES.test(text)) return 'past'
  for (const w of text.toLowerCase().split(/\s+/)) {
    if (IRREGULAR_PAST.has(w) && w !== 'read' && w !== 'put' && w !== 'set') return 'past'
    if (w.length > 4 && w.endsWith('ed') && !ED_BASE_FORMS.has(w)) return 'past'
  }
  return 'present'
}

const SEASONS: Record<string, number> = { spring: 2, summer: 5, fall: 8, autumn: 8, winter: 11 }

function seasonRange(startMonth: number, year: number): EventDate {
  return { start: dayStart(year, startMonth, 1), end: dayEnd(year, startMonth + 3, 0) }
}

function resolveSeason(season: string, which: 'last' | 'this' | 'next', ref: Date): EventDate {
  const m = SEASONS[season]
  const y = ref.getUTCFullYear()
  const t = ref.getTime()
  // the season of the current year (winter of year Y starts in December Y; in Jan/Feb, last December)
  const thisYear = m === 11 && ref.getUTCMonth() < 2 ? y - 1 : y
  const cur = seasonRange(m, thisYear)
  if (which === 'this') return cur
  if (which === 'last') return cur.end!.getTime() < t ? cur : seasonRange(m, thisYear - 1)
  return cur.start.getTime() > t ? cur : seasonRange(m, thisYear + 1)
}

interface Hit {
  index: number
  length: number
  date: EventDate
  keepText: boolean
}

const RELATIVE_PERIOD = /\b(last|this past|past|this|next|this coming|coming)\s+(week|weekend|month|year)\b/gi
const OVER_WEEKEND = /\b(?:over|on|during) the weekend\b/gi
const SEASON_RE = /\b(?:(last|this past|this|next|in the|in|during the|during|over the|over)\s+)(spring|summer|fall|autumn|winter)\b/gi
const YEAR_RE = /\b(since|in|back in|during|from|around|by|until|of|early|late|mid)\s+((?:19|20)\d{2})\b(?!\s*(?:-|\/|years?|kids?|people))/gi

function customHits(text: string, ref: Date, tense: Tense): Hit[] {
  const hits: Hit[] = []
  const monday = mondayOf(ref)
  const y = ref.getUTCFullYear()
  const mo = ref.getUTCMonth()
  let m: RegExpExecArray | null
  RELATIVE_PERIOD.lastIndex = 0
  while ((m = RELATIVE_PERIOD.exec(text)) !== null) {
    const which = m[1].toLowerCase()
    const dir = which === 'next' || which === 'this coming' || which === 'coming' ? 1 : which === 'this' ? 0 : -1
    const unit = m[2].toLowerCase()
    let date: EventDate
    if (unit === 'week') date = spanRange(monday + dir * 7 * DAY_MS, 7)
    else if (unit === 'weekend') date = spanRange(monday + dir * 7 * DAY_MS + 5 * DAY_MS, 2)
    else if (unit === 'month') date = monthRange(y, mo + dir)
    else date = yearRange(y + dir)
    hits.push({ index: m.index, length: m[0].length, date, keepText: false })
  }
  OVER_WEEKEND.lastIndex = 0
  while ((m = OVER_WEEKEND.exec(text)) !== null) {
    const dir = tense === 'past' ? -1 : 0
    hits.push({ index: m.index, length: m[0].length, date: spanRange(monday + dir * 7 * DAY_MS + 5 * DAY_MS, 2), keepText: false })
  }
  SEASON_RE.lastIndex = 0
  while ((m = SEASON_RE.exec(text)) !== null) {
    const w = m[1].toLowerCase()
    const which: 'last' | 'this' | 'next' =
      w === 'last' || w === 'this past' ? 'last' : w === 'this' ? 'this' : w === 'next' ? 'next' : tense === 'past' ? 'last' : tense === 'future' ? 'next' : 'this'
    hits.push({ index: m.index, length: m[0].length, date: resolveSeason(m[2].toLowerCase(), which, ref), keepText: false })
  }
  YEAR_RE.lastIndex = 0
  while ((m = YEAR_RE.exec(text)) !== null) {
    const year = Number(m[2])
    if (m[1].toLowerCase() === 'since') {
      hits.push({ index: m.index, length: m[0].length, date: { start: dayStart(year, 0, 1) }, keepText: true })
    } else {
      hits.push({ index: m.index, length: m[0].length, date: yearRange(year), keepText: false })
    }
  }
  return hits
}

const RELATIVE_WORDS = /\b(?:last|next|this|ago|yesterday|tomorrow|today|tonight|coming|in \w+ (?:days?|weeks?|months?|years?)|later|after|before|past)\b/i
const DAY_WORDS = /\b(?:yesterday|today|tomorrow|tonight|morning|afternoon|evening|night|ago|noon)\b/i

function chronoHits(text: string, ref: Date, tense: Tense): Hit[] {
  let results: chrono.ParsedResult[]
  try {
    results = chrono.parse(text, { instant: ref, timezone: 0 })
  } catch {
    return []
  }
  const hits: Hit[] = []
  for (const r of results) {
    const t = r.text
    const before = text.slice(Math.max(0, r.index - 12), r.index).toLowerCase()
    const after = text.slice(r.index + t.length, r.index + t.length + 2)
    if (/^for\b/i.test(t) || /\bfor\s*$/.test(before)) continue // a duration, not a date
    if (/^(?:now|right now)$/i.test(t)) continue
    if (t.replace(/[^a-z]/gi, '').length <= 3 && !/\b(?:on|in|last|next|this|since|by|until|of|early|late|mid)\s*$/.test(before)) continue
    if (/\b(?:every|each)\s*$/.test(before) || /^s\b/.test(after)) continue // habitual
    const s = r.start
    const hasDay = s.isCertain('day') || s.isCertain('weekday') || DAY_WORDS.test(t)
    const hasMonth = s.isCertain('month')
    const hasYear = s.isCertain('year')
    if (!hasDay && !hasMonth && !hasYear) continue // a time of day only ("at 5am")
    const year = s.get('year') ?? ref.getUTCFullYear()
    const month = (s.get('month') ?? 1) - 1
    const day = s.get('day') ?? 1
    let date: EventDate
    const relative = RELATIVE_WORDS.test(t)
    if (hasDay) {
      let when = Date.UTC(year, month, day)
      const refDay = Date.UTC(ref.getUTCFullYear(), ref.getUTCMonth(), ref.getUTCDate())
      if (!relative && !hasYear) {
        const step = s.isCertain('weekday') && !s.isCertain('day') ? 7 : 0
        if (tense === 'past' && when > refDay) {
          when = step ? when - step * DAY_MS : Date.UTC(year - 1, month, day)
        } else if (tense !== 'past' && when < refDay) {
          when = step ? when + step * DAY_MS : Date.UTC(year + 1, month, day)
        }
      }
      date = dayRange(when)
    } else if (hasMonth) {
      let y = year
      if (!hasYear && !relative) {
        const refMonth = ref.getUTCFullYear() * 12 + ref.getUTCMonth()
        if (tense === 'past' && y * 12 + month > refMonth) y -= 1
        else if (tense !== 'past' && y * 12 + month < refMonth) y += 1
      }
      date = monthRange(y, month)
    } else {
      date = yearRange(year)
    }
    if (r.end && (r.end.isCertain('day') || r.end.isCertain('month'))) {
      const e = r.end
      const ed = Date.UTC(e.get('year') ?? year, (e.get('month') ?? month + 1) - 1, e.get('day') ?? day, 23, 59, 59, 999)
      if (ed >= date.start.getTime()) date = { start: date.start, end: new Date(ed) }
    }
    hits.push({ index: r.index, length: t.length, date, keepText: false })
  }
  return hits
}

const DANGLING = /\s+(?:on|in|at|during|around|over|by|from|of|until|the|this|next|last|and|,)\s*$/i
const DANGLING_COPULA = /\b(?:is|are|was|were|be|am)\s*$/i

/** Finds the first date expression of a clause and removes it from the text. */
export function extractEventDate(text: string, ref: Date): DateExtraction {
  if (!(ref instanceof Date) || Number.isNaN(ref.getTime()) || text.length === 0) return { text }
  if (!/\d|day|night|morning|noon|week|month|year|ago|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|spring|summer|fall|autumn|winter|tomorrow|tonight/i.test(text)) {
    return { text }
  }
  const tense = detectTense(text)
  const custom = customHits(text, ref, tense)
  let masked = text
  for (const h of custom) masked = masked.slice(0, h.index) + ' '.repeat(h.length) + masked.slice(h.index + h.length)
  const hits = [...custom, ...chronoHits(masked, ref, tense)].sort((a, b) => a.index - b.index)
  if (hits.length === 0) return { text }
  const first = hits[0]
  let out = text
  // remove every date expression, from the end so that indexes stay right
  for (const h of hits.slice().sort((a, b) => b.index - a.index)) {
    if (h.keepText) continue
    const head = out.slice(0, h.index).replace(DANGLING, '')
    const tail = out.slice(h.index + h.length)
    const candidate = `${head}${tail}`.replace(/\s{2,}/g, ' ').trim()
    if (DANGLING_COPULA.test(head) && !/\S/.test(tail.replace(/[\s,.!]+/g, ''))) continue // "his birthday is on Saturday"
    out = candidate
  }
  return { date: first.date, text: out.replace(/\s+,/g, ',').trim() }
}
