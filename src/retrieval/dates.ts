import * as chrono from 'chrono-node'
import type { DateRange } from './SearchIndex'

/**
 * Finds the date range a query talks about ("what did I do in March?", "last summer", "in 2023",
 * "two weeks ago"), relative to `ref` (the session's date) and in `timeZone`. Calendar units are
 * taken whole: "March" is the whole month, "last summer" June to August, "2023" the whole year.
 * Returns null when the query names no date.
 */
export function parseDateRange(query: string, ref: Date, timeZone = 'UTC'): DateRange | null {
  const offsetMin = zoneOffsetMinutes(ref, timeZone)
  // Work on the wall clock of the time zone: shift into it, use UTC calendar methods, shift back.
  const local = new Date(ref.getTime() + offsetMin * 60_000)
  const toRange = (startLocal: number, endLocal: number, text: string): DateRange => ({
    start: startLocal - offsetMin * 60_000,
    end: endLocal - offsetMin * 60_000,
    text,
  })
  return ownPatterns(query, local, toRange) ?? viaChrono(query, ref, offsetMin, toRange) ?? bareYear(query, toRange)
}

type ToRange = (startLocal: number, endLocal: number, text: string) => DateRange

const Y = (d: Date) => d.getUTCFullYear()
const M = (d: Date) => d.getUTCMonth()
const utc = (y: number, m = 0, d = 1) => Date.UTC(y, m, d)
const DAY = 86_400_000
const SEASONS: Record<string, number> = { spring: 2, summer: 5, autumn: 8, fall: 8, winter: 11 }

function ownPatterns(q: string, local: Date, toRange: ToRange): DateRange | null {
  const text = q.toLowerCase()
  // seasons: "last summer", "this winter", "summer 2022", "in the spring of 2021"
  const season = /\b(?:(last|this|next|past)\s+)?(spring|summer|autumn|fall|winter)(?:\s+(?:of\s+)?((?:19|20)\d{2}))?\b/.exec(text)
  if (season && (season[1] || season[3] || /\b(?:in|during|over|this|that)\s+(?:the\s+)?(?:spring|summer|autumn|fall|winter)\b/.test(text))) {
    const startMonth = SEASONS[season[2]]
    const monthsIn = (M(local) - startMonth + 12) % 12
    const inSeason = monthsIn < 3
    // the year in which the most recent start of this season fell
    const lastStart = M(local) >= startMonth ? Y(local) : Y(local) - 1
    let year = lastStart
    if (season[3]) year = Number(season[3])
    else if (season[1] === 'last' || season[1] === 'past') year = inSeason ? lastStart - 1 : lastStart
    else if (season[1] === 'next') year = lastStart + 1
    else if (season[1] === 'this') year = inSeason ? lastStart : lastStart + 1
    return toRange(utc(year, startMonth), utc(year, startMonth + 3) - 1, season[0])
  }
  // decades: "the 90s", "the 1990s"
  const decade = /\bthe\s+((?:19|20)?\d0)'?s\b/.exec(text)
  if (decade) {
    const n = Number(decade[1])
    const startYear = n >= 100 ? n : n >= 30 ? 1900 + n : 2000 + n
    return toRange(utc(startYear), utc(startYear + 10) - 1, decade[0])
  }
  // "last/this/next week|month|year", "last weekend"
  const rel = /\b(last|this|next|past)\s+(week|weekend|month|year)\b/.exec(text)
  if (rel) {
    const step = rel[1] === 'next' ? 1 : rel[1] === 'this' ? 0 : -1
    const today = utc(Y(local), M(local), local.getUTCDate())
    if (rel[2] === 'year') return toRange(utc(Y(local) + step), utc(Y(local) + step + 1) - 1, rel[0])
    if (rel[2] === 'month') return toRange(utc(Y(local), M(local) + step), utc(Y(local), M(local) + step + 1) - 1, rel[0])
    const monday = today - ((local.getUTCDay() + 6) % 7) * DAY + step * 7 * DAY
    if (rel[2] === 'week') return toRange(monday, monday + 7 * DAY - 1, rel[0])
    return toRange(monday + 5 * DAY, monday + 7 * DAY - 1, rel[0])
  }
  return null
}

/** A bare year: "in 2023", "during 2019", "2021". */
function bareYear(q: string, toRange: ToRange): DateRange | null {
  const year = /\b(?:(?:in|during|of|since|from)\s+)?((?:19|20)\d{2})\b/i.exec(q)
  if (!year) return null
  const y = Number(year[1])
  return toRange(utc(y), utc(y + 1) - 1, year[0])
}

/** Words without which chrono finds no date (a cheap test that spares most queries the parse). */
const DATEISH =
  /\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|october|november|december|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tonight|tomorrow|yesterday|ago|last|next|this|past|week|weeks|weekend|month|months|year|years|day|days|morning|afternoon|evening|night|noon|midnight|now|christmas|easter)\b/i

function viaChrono(q: string, ref: Date, offsetMin: number, toRange: ToRange): DateRange | null {
  if (!DATEISH.test(q)) return null
  let results: chrono.ParsedResult[]
  try {
    results = chrono.parse(q, { instant: ref, timezone: offsetMin }, { forwardDate: false })
  } catch {
    return null
  }
  for (const r of results) {
    if (/^for\b/i.test(r.text.trim())) continue // a duration ("for 4 years"), not a date
    const s = span(r.start)
    if (!s) continue
    const e = r.end ? span(r.end) : null
    // "two weeks ago" is approximate: widen it by half its unit
    const ago = /\b(week|month|year)s?\s+ago\b/i.exec(r.text)
    const slack = !ago || e ? 0 : ago[1].toLowerCase() === 'week' ? 3 * DAY : ago[1].toLowerCase() === 'month' ? 15 * DAY : 182 * DAY
    return toRange(s.start - slack, (e ? e.end : s.end) + slack, r.text)
  }
  return null

  function span(c: chrono.ParsedComponents): { start: number; end: number } | null {
    const known = (k: chrono.Component) => c.isCertain(k)
    // chrono's date() is in the reference's zone; move it onto our shifted wall clock
    const d = new Date(c.date().getTime() + offsetMin * 60_000)
    if (known('day') || known('weekday')) {
      const start = utc(Y(d), M(d), d.getUTCDate())
      return { start, end: start + DAY - 1 }
    }
    if (known('month')) return { start: utc(Y(d), M(d)), end: utc(Y(d), M(d) + 1) - 1 }
    if (known('year')) return { start: utc(Y(d)), end: utc(Y(d) + 1) - 1 }
    return null
  }
}

/** The offset of `timeZone` from UTC at `at`, in minutes (e.g. 120 for Europe/Berlin in summer). */
export function zoneOffsetMinutes(at: Date, timeZone: string): number {
  if (timeZone === 'UTC') return 0
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at)
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0)
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000)
}
