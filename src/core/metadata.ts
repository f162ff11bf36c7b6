import type { JsonObject, JsonValue } from './types'

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Deep equality of JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    return a.every((x, i) => jsonEqual(x, b[i]))
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false
    const ka = Object.keys(a)
    if (ka.length !== Object.keys(b).length) return false
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]))
  }
  return false
}

/**
 * Containment, as Julep's `metadata @> filter`: every key of the filter is in the metadata with an
 * equal value; nested objects are themselves compared by containment, arrays and scalars by equality.
 */
export function metadataMatches(metadata: JsonObject | undefined | null, filter: JsonObject | undefined | null): boolean {
  if (!filter) return true
  return contains(metadata ?? {}, filter)
}

function contains(value: JsonValue | undefined, filter: JsonValue): boolean {
  if (isPlainObject(filter)) {
    if (!isPlainObject(value)) return false
    return Object.entries(filter).every(([k, fv]) =>
      Object.prototype.hasOwnProperty.call(value, k) ? contains((value as JsonObject)[k], fv) : false,
    )
  }
  return jsonEqual(value, filter)
}
