import { describe, expect, test } from 'vitest'
import { ValidationError } from '../../../src/core/errors'
import { metadataMatches, jsonEqual } from '../../../src/core/metadata'
import { parseZonedDate, requireId, validateCategories, validateMetadata, validatePage, validateRole } from '../../../src/core/validation'
import { uuidv7 } from '../../../src/core/ids'

describe('metadata filters (containment)', () => {
  const meta = { plan: 'pro', tags: ['a', 'b'], address: { city: 'Paris', zip: '75001', geo: { lat: 1 } }, n: 3 }
  test('an empty or missing filter matches everything', () => {
    expect(metadataMatches(meta, {})).toBe(true)
    expect(metadataMatches(meta, undefined)).toBe(true)
    expect(metadataMatches({}, {})).toBe(true)
  })
  test('every key of the filter must be there with an equal value', () => {
    expect(metadataMatches(meta, { plan: 'pro' })).toBe(true)
    expect(metadataMatches(meta, { plan: 'pro', n: 3 })).toBe(true)
    expect(metadataMatches(meta, { plan: 'free' })).toBe(false)
    expect(metadataMatches(meta, { missing: null })).toBe(false)
    expect(metadataMatches(meta, { n: '3' })).toBe(false)
  })
  test('nested objects are compared by containment, deeply', () => {
    expect(metadataMatches(meta, { address: { city: 'Paris' } })).toBe(true)
    expect(metadataMatches(meta, { address: { geo: { lat: 1 } } })).toBe(true)
    expect(metadataMatches(meta, { address: { city: 'Berlin' } })).toBe(false)
    expect(metadataMatches(meta, { address: { geo: { lat: 2 } } })).toBe(false)
    expect(metadataMatches(meta, { address: 'Paris' })).toBe(false)
  })
  test('arrays compare by equality', () => {
    expect(metadataMatches(meta, { tags: ['a', 'b'] })).toBe(true)
    expect(metadataMatches(meta, { tags: ['a'] })).toBe(false)
  })
  test('jsonEqual ignores key order', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true)
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false)
  })
})

describe('validation', () => {
  test('ids: trimmed, non-empty, bounded', () => {
    expect(requireId(' alice ', 'userId')).toBe('alice')
    expect(() => requireId('', 'userId')).toThrow(ValidationError)
    expect(() => requireId('   ', 'userId')).toThrow(/must not be empty/)
    expect(() => requireId(42, 'userId')).toThrow(ValidationError)
    expect(() => requireId('x'.repeat(300), 'userId')).toThrow(/longer/)
  })
  test('metadata must be a plain JSON object', () => {
    expect(validateMetadata({ a: { b: [1, 'x', null] } })).toEqual({ a: { b: [1, 'x', null] } })
    expect(validateMetadata(undefined)).toEqual({})
    for (const bad of [null, [], 'x', 3, { d: new Date() }, { n: NaN }, { f: () => 1 }, { u: undefined }]) {
      expect(() => validateMetadata(bad)).toThrow(ValidationError)
    }
  })
  test('roles', () => {
    expect(validateRole('user')).toBe('user')
    expect(validateRole('assistant')).toBe('assistant')
    expect(() => validateRole('system')).toThrow(/role must be/)
  })
  test('pages: defaults and ranges', () => {
    expect(validatePage({}, 20, 200)).toEqual({ offset: 0, limit: 20 })
    expect(validatePage({ offset: 5, limit: 200 }, 20, 200)).toEqual({ offset: 5, limit: 200 })
    expect(() => validatePage({ limit: 0 }, 20, 200)).toThrow(ValidationError)
    expect(() => validatePage({ limit: 201 }, 20, 200)).toThrow(/limit must be an integer from 1 to 200/)
    expect(() => validatePage({ offset: -1 }, 20, 200)).toThrow(ValidationError)
    expect(() => validatePage({ limit: 1.5 }, 20, 200)).toThrow(ValidationError)
  })
  test('dates must name their time zone', () => {
    expect(parseZonedDate('2024-03-01T10:00:00Z', 'd').toISOString()).toBe('2024-03-01T10:00:00.000Z')
    expect(parseZonedDate('2024-03-01T12:00:00+02:00', 'd').toISOString()).toBe('2024-03-01T10:00:00.000Z')
    expect(parseZonedDate(new Date('2024-03-01T10:00:00Z'), 'd').toISOString()).toBe('2024-03-01T10:00:00.000Z')
    expect(() => parseZonedDate('2024-03-01T10:00:00', 'd')).toThrow(/time zone/)
    expect(() => parseZonedDate('2024-03-01', 'd')).toThrow(/time zone/)
    expect(() => parseZonedDate('yesterday', 'd')).toThrow(ValidationError)
    expect(() => parseZonedDate('2024-13-45T10:00:00Z', 'd')).toThrow(/invalid/)
    expect(() => parseZonedDate(new Date('nope'), 'd')).toThrow(/invalid/)
  })
  test('categories are lowercase_snake and unique', () => {
    expect(validateCategories([{ name: 'food_preferences', description: 'x' }])).toEqual([{ name: 'food_preferences', description: 'x' }])
    expect(() => validateCategories([{ name: 'Food' }])).toThrow(/lowercase_snake/)
    expect(() => validateCategories([{ name: 'a' }, { name: 'a' }])).toThrow(/twice/)
    expect(() => validateCategories([])).toThrow(ValidationError)
  })
  test('uuidv7 ids sort by creation', () => {
    const ids = Array.from({ length: 2000 }, () => uuidv7())
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})
