import { describe, expect, test } from 'vitest'
import { analyze, contentWords, stem, termOf, tokenize } from '../../src/retrieval/text'
import { parseDateRange, zoneOffsetMinutes } from '../../src/retrieval/dates'

describe('text analysis', () => {
  test('the Porter stemmer conflates inflections', () => {
    const cases: [string, string][] = [
      ['caresses', 'caress'], ['ponies', 'poni'], ['cats', 'cat'], ['agreed', 'agre'], ['plastered', 'plaster'],
      ['motoring', 'motor'], ['sing', 'sing'], ['hopping', 'hop'], ['falling', 'fall'], ['filing', 'file'],
      ['happy', 'happi'], ['relational', 'relat'], ['conditional', 'condit'], ['hopeful', 'hope'], ['goodness', 'good'],
      ['adjustment', 'adjust'], ['adoption', 'adopt'], ['generalizations', 'gener'], ['running', 'run'], ['rate', 'rate'],
    ]
    for (const [w, s] of cases) expect(stem(w), w).toBe(s)
    expect(stem('painting')).toBe(stem('paintings'))
    expect(stem('painted')).toBe(stem('paints'))
  })

  test('tokenize folds case and accents and drops possessive s', () => {
    expect(tokenize("Caroline's café in Zürich, 2023!")).toEqual(['caroline', 'cafe', 'in', 'zurich', '2023'])
  })

  test('stop words and question words carry no terms', () => {
    expect(analyze('When did Caroline go to the LGBTQ support group?')).toEqual(['carolin', 'lgbtq', 'support', 'group'])
    expect(termOf('the')).toBeNull()
    expect(termOf("I'm")).toBeNull()
    expect(contentWords('What did I do in March?')).toEqual(['march'])
  })
})

describe('date expressions in queries', () => {
  const ref = new Date('2023-08-15T12:00:00Z')
  const range = (q: string, tz = 'UTC', at = ref) => {
    const r = parseDateRange(q, at, tz)
    return r && [new Date(r.start).toISOString(), new Date(r.end).toISOString()]
  }
  test('months, seasons, years and relative expressions become whole calendar ranges', () => {
    expect(range('what did I do in March?')).toEqual(['2023-03-01T00:00:00.000Z', '2023-03-31T23:59:59.999Z'])
    expect(range('what happened last summer')).toEqual(['2022-06-01T00:00:00.000Z', '2022-08-31T23:59:59.999Z'])
    expect(range('this summer')).toEqual(['2023-06-01T00:00:00.000Z', '2023-08-31T23:59:59.999Z'])
    expect(range('trips in 2021')).toEqual(['2021-01-01T00:00:00.000Z', '2021-12-31T23:59:59.999Z'])
    expect(range('in May 2022')).toEqual(['2022-05-01T00:00:00.000Z', '2022-05-31T23:59:59.999Z'])
    expect(range('what did I do last week')).toEqual(['2023-08-07T00:00:00.000Z', '2023-08-13T23:59:59.999Z'])
    expect(range('last month')).toEqual(['2023-07-01T00:00:00.000Z', '2023-07-31T23:59:59.999Z'])
    expect(range('yesterday')).toEqual(['2023-08-14T00:00:00.000Z', '2023-08-14T23:59:59.999Z'])
    expect(range('music of the 90s')).toEqual(['1990-01-01T00:00:00.000Z', '1999-12-31T23:59:59.999Z'])
  })
  test('no date, durations and "may" as a verb give no range', () => {
    expect(range('When did Caroline go to the LGBTQ support group?')).toBeNull()
    expect(range('How long has she had friends for 4 years?')).toBeNull()
    expect(range('Melanie may go camping')).toBeNull()
  })
  test('ranges are read on the wall clock of the time zone', () => {
    // 01:30 on 16 August in Berlin: "yesterday" is 15 August there
    expect(range('yesterday', 'Europe/Berlin', new Date('2023-08-15T23:30:00Z'))).toEqual(['2023-08-14T22:00:00.000Z', '2023-08-15T21:59:59.999Z'])
    expect(zoneOffsetMinutes(new Date('2023-01-15T12:00:00Z'), 'America/New_York')).toBe(-300)
  })
})
