import { CATEGORY_NAME } from './categories'
import { ValidationError } from './errors'
import { MESSAGE_ROLES, SESSION_STATUSES, type Category, type JsonObject, type MessageRole, type SessionStatus } from './types'

/** Limits on sizes, so one bad call cannot fill the device. */
export const LIMITS = {
  idLength: 256,
  nameLength: 256,
  aboutLength: 20_000,
  messageLength: 100_000,
  docContentLength: 1_000_000,
  metadataBytes: 64 * 1024,
  maxAutoProcessSeconds: 365 * 24 * 3600,
}

export function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a string`, field)
  const v = value.trim()
  if (!v) throw new ValidationError(`${field} must not be empty`, field)
  if (v.length > LIMITS.idLength) throw new ValidationError(`${field} is longer than ${LIMITS.idLength} characters`, field)
  return v
}

export function optionalString(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a string`, field)
  if (value.length > max) throw new ValidationError(`${field} is longer than ${max} characters`, field)
  return value
}

export function requireText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a string`, field)
  if (!value.trim()) throw new ValidationError(`${field} must not be empty`, field)
  if (value.length > max) throw new ValidationError(`${field} is longer than ${max} characters`, field)
  return value
}

/**
 * Keys refused in metadata everywhere (API, sync, import): `__proto__` becomes an object's prototype
 * when a decoder assigns it, `constructor` makes Yjs refuse the value, and with `prototype` they would
 * shadow what code expects of every object. Refusing them keeps Y, Dexie and backups in agreement.
 */
export const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'] as const

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false
  const proto = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

/** Why a value is not plain JSON (no reserved keys, finite numbers, depth ≤ 32), or null when it is. */
export function jsonProblem(x: unknown, path = '', depth = 0): string | null {
  if (depth > 32) return `${path || 'value'}: nested more than 32 levels`
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return null
  if (typeof x === 'number') return Number.isFinite(x) ? null : `${path || 'value'}: not a finite number`
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const p = jsonProblem(x[i], `${path}[${i}]`, depth + 1)
      if (p) return p
    }
    return null
  }
  if (!isPlainObject(x)) return `${path || 'value'}: not a plain JSON value (no undefined, functions, dates or NaN)`
  for (const k of Object.keys(x)) {
    const at = path ? `${path}.${k}` : k
    if ((RESERVED_KEYS as readonly string[]).includes(k)) return `${at}: the key "${k}" is not allowed`
    const val = x[k]
    if (val === undefined) return `${at}: undefined is not JSON`
    const p = jsonProblem(val, at, depth + 1)
    if (p) return p
  }
  return null
}

/** A JSON object (not an array, not null), plain values only, under the size limit. Returns a deep copy. */
export function validateMetadata(value: unknown, field = 'metadata'): JsonObject {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(`${field} must be a JSON object`, field)
  }
  const problem = jsonProblem(value)
  if (problem) throw new ValidationError(`${field} must contain only JSON values: ${problem}`, field)
  const text = JSON.stringify(value)
  if (text.length > LIMITS.metadataBytes) throw new ValidationError(`${field} is larger than ${LIMITS.metadataBytes} bytes`, field)
  return JSON.parse(text) as JsonObject
}

export function optionalMetadataFilter(value: unknown, field = 'metadataFilter'): JsonObject | undefined {
  if (value === undefined || value === null) return undefined
  return validateMetadata(value, field)
}

export function validateRole(value: unknown): MessageRole {
  if (!MESSAGE_ROLES.includes(value as MessageRole)) {
    throw new ValidationError(`role must be 'user' or 'assistant', got ${JSON.stringify(value)}`, 'role')
  }
  return value as MessageRole
}

export function validateStatus(value: unknown, field = 'statusFilter'): SessionStatus {
  if (!SESSION_STATUSES.includes(value as SessionStatus)) {
    throw new ValidationError(`${field} must be one of ${SESSION_STATUSES.join(', ')}`, field)
  }
  return value as SessionStatus
}

export function validateInt(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${field} must be an integer from ${min} to ${max}, got ${String(value)}`, field)
  }
  return value
}

export interface PageOptions {
  offset?: number
  limit?: number
}

export function validatePage(opts: PageOptions | undefined, defaultLimit: number, maxLimit: number): { offset: number; limit: number } {
  return {
    offset: validateInt(opts?.offset, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
    limit: validateInt(opts?.limit, 'limit', 1, maxLimit, defaultLimit),
  }
}

export function validateBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(`${field} must be true or false`, field)
  return value
}

const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i

/**
 * A point in time given by a caller: a valid Date, or an ISO-8601 string that names its time zone
 * (Z or an offset). A string without a zone is ambiguous and refused.
 */
export function parseZonedDate(value: unknown, field: string): Date {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValidationError(`${field} is an invalid date`, field)
    return new Date(value.getTime())
  }
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a Date or an ISO-8601 string`, field)
  const s = value.trim()
  if (!ZONED_ISO.test(s)) {
    if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+)?$/.test(s)) {
      throw new ValidationError(`${field} must include a time zone (Z or an offset such as +02:00): "${value}"`, field)
    }
    throw new ValidationError(`${field} is not an ISO-8601 date-time: "${value}"`, field)
  }
  const d = new Date(s)
  if (Number.isNaN(d.getTime())) throw new ValidationError(`${field} is an invalid date: "${value}"`, field)
  return d
}

export function validateCategories(value: unknown): Category[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ValidationError('categories must be a non-empty array of { name, description }', 'categories')
  }
  const seen = new Set<string>()
  return value.map((c, i) => {
    if (typeof c !== 'object' || c === null) throw new ValidationError(`categories[${i}] must be an object`, 'categories')
    const { name, description } = c as Record<string, unknown>
    if (typeof name !== 'string' || !CATEGORY_NAME.test(name)) {
      throw new ValidationError(`categories[${i}].name must be lowercase_snake (a-z, 0-9, _), got ${JSON.stringify(name)}`, 'categories')
    }
    if (seen.has(name)) throw new ValidationError(`categories has "${name}" twice`, 'categories')
    seen.add(name)
    if (description !== undefined && typeof description !== 'string') {
      throw new ValidationError(`categories[${i}].description must be a string`, 'categories')
    }
    return { name, description: (description as string | undefined) ?? '' }
  })
}
