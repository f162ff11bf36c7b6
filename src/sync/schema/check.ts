import * as Y from 'yjs'
import { checkFields, checkRecord, describe, type CheckResult, type FieldKind } from '../../core/schema'
import type { MapSpec } from '../layout'

/**
 * Reading records out of the Yjs documents, checked (see src/core/schema.ts). A Y document is
 * written by whoever holds the space's token: an older build, a buggy one, or an attacker. So
 * nothing read from it is trusted until it passed its schema here.
 */

function isYValue(x: unknown): boolean {
  return x instanceof Y.AbstractType || x instanceof Y.Doc
}

/**
 * The plain value of a record as a Y map holds it: a mutable record is a nested Y.Map of plain
 * fields, an immutable one a plain JSON value. A Y type or a sub-document where a plain value
 * belongs is a problem, never passed on (Dexie cannot clone it; code reading it would throw).
 */
export function plainRecord(raw: unknown): CheckResult<Record<string, unknown>> {
  if (raw instanceof Y.Map) {
    const out: Record<string, unknown> = {}
    for (const [k, val] of raw.entries()) {
      if (isYValue(val)) return { ok: false, problem: `${k}: expected a plain value, got ${describeY(val)}` }
      out[k] = val
    }
    return { ok: true, value: out }
  }
  if (isYValue(raw)) return { ok: false, problem: `expected a record, got ${describeY(raw)}` }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problem: `expected a record (an object), got ${describe(raw)}` }
  return { ok: true, value: raw as Record<string, unknown> }
}

function describeY(x: unknown): string {
  if (x instanceof Y.Doc) return 'a sub-document'
  if (x instanceof Y.Map) return 'a Y.Map'
  if (x instanceof Y.Array) return 'a Y.Array'
  if (x instanceof Y.Text) return 'a Y.Text'
  return 'a Y type'
}

/**
 * One record of a 'records' or 'blocks' map, checked: its schema, and that the ids it carries (if
 * any) are the key it is stored under and the user whose document holds it.
 */
export function checkStored(spec: MapSpec, key: string, raw: unknown, uid: string | null): CheckResult<Record<string, unknown>> {
  // a record that changes is a nested Y.Map (its fields merge), one that never changes a plain value
  if (spec.mutable && !(raw instanceof Y.Map)) return { ok: false, problem: `expected a ${spec.kind} record (a Y.Map of fields), got ${isYValue(raw) ? describeY(raw) : describe(raw)}` }
  if (!spec.mutable && raw instanceof Y.Map) return { ok: false, problem: `expected a ${spec.kind} record (a plain value), got a Y.Map` }
  const plain = plainRecord(raw)
  if (!plain.ok) return plain
  const checked = checkRecord(spec.kind, plain.value)
  if (!checked.ok) return checked
  const rec = checked.value as Record<string, unknown>
  const own = rec[spec.idField]
  if (own !== undefined && own !== key) return { ok: false, problem: `${spec.idField}: ${describe(own)} is not the key it is stored under (${describe(key)})` }
  if (uid !== null && rec.uid !== undefined && rec.uid !== uid) return { ok: false, problem: `uid: ${describe(rec.uid)} is not the user whose document holds it` }
  return { ok: true, value: rec }
}

/**
 * A 'fields' record (the profile, the space settings), checked field by field (see checkFields in
 * src/core/schema.ts); a Y type in a field is a problem like any other wrong value.
 */
export function checkFieldMap(spec: MapSpec, map: Y.Map<unknown>): { row: Record<string, unknown>; problems: string[] } {
  const problems: string[] = []
  const plain: [string, unknown][] = []
  for (const [k, val] of map.entries()) {
    if (isYValue(val)) problems.push(`${k}: expected a plain value, got ${describeY(val)}`)
    else plain.push([k, val])
  }
  const checked = checkFields(spec.kind as FieldKind, plain)
  return { row: checked.row, problems: [...problems, ...checked.problems] }
}
