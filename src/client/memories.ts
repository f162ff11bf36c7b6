import Dexie from 'dexie'
import { connectedChains, groupChains, isLive, versionInfo } from '../core/chains'
import { InvalidCategoriesError, MemoryNotFoundError, ValidationError } from '../core/errors'
import { jsonEqual, metadataMatches } from '../core/metadata'
import { isOpenConflictStatus, type ConflictRecord, type ConnectionRecord, type ExpirationReason, type JsonObject, type MemoryRecord } from '../core/types'
import { LIMITS, optionalMetadataFilter, parseZonedDate, requireId, requireText, validatePage } from '../core/validation'
import { addedByHand, deleteVersion, editVersion, emptyOps, type MemoryText } from '../core/versions'
import type { ClientContext } from '../pipeline/context'
import { nowIso, writeUser } from '../pipeline/context'
import { memoriesAbout, parseForgetRequest } from '../engine/rules/forget'
import { readSettings } from '../store/settings'
import { userDocName } from '../sync/layout'

/** A memory version as the API returns it (RecallrAI's UserMemoryItem, plus provenance). */
export interface UserMemoryItem {
  memoryId: string
  chainId: string
  categories: string[]
  content: string
  eventDateStart: Date | null
  eventDateEnd: Date | null
  createdAt: Date
  expiredAt?: Date | null
  expirationReason?: ExpirationReason | null
  sessionId: string | null
  sourceMessageIds: string[]
  versionNumber: number
  totalVersions: number
  hasPreviousVersions: boolean
  previousVersions?: UserMemoryItem[]
  connectedMemories?: UserMemoryItem[]
  mergeConflictInProgress: boolean
  mergeConflictId?: string | null
  /** the person wrote this version: added by hand or edited (then the previous version's reason is USER_EDIT) */
  byUser: boolean
}

/** A memory as the person states it (user.addMemory; user.updateMemory, where what is left out stays as it was). */
export interface MemoryInput {
  content: string
  categories?: string[]
  /** when it happened: a Date or an ISO-8601 string with a time zone; null for none */
  eventDateStart?: Date | string | null
  eventDateEnd?: Date | string | null
}

export interface ListMemoriesOptions {
  categories?: string[]
  sessionIdFilter?: string | string[]
  sessionMetadataFilter?: JsonObject
  offset?: number
  limit?: number
  includePreviousVersions?: boolean
  includeConnectedMemories?: boolean
}

export interface MemoryView {
  chains: Map<string, MemoryRecord[]>
  connections: ConnectionRecord[]
  openConflicts: Set<string>
}

/** Everything needed to build items for one user, read from the projection. */
export async function readMemoryView(ctx: ClientContext, uid: string): Promise<MemoryView> {
  const range = <T>(t: Dexie.Table<T, string>) => t.where('[uid+createdAt]').between([uid, Dexie.minKey], [uid, Dexie.maxKey]).toArray()
  const [memories, connections, conflicts] = await Promise.all([
    range(ctx.db.memories),
    ctx.db.connections.where('uid').equals(uid).toArray(),
    range(ctx.db.conflicts) as Promise<ConflictRecord[]>,
  ])
  return {
    chains: groupChains(memories),
    connections,
    openConflicts: new Set(conflicts.filter((c) => isOpenConflictStatus(c.status)).map((c) => c.conflictId)),
  }
}

/** The live version of every chain (and each live head of a chain split across devices). */
function liveVersions(view: MemoryView): MemoryRecord[] {
  const live: MemoryRecord[] = []
  for (const chain of view.chains.values()) for (const m of chain) if (isLive(m)) live.push(m)
  return live
}

export function toItem(view: MemoryView, m: MemoryRecord, opts: { previous: boolean; connected: boolean }): UserMemoryItem {
  const chain = view.chains.get(m.chainId) ?? [m]
  const v = versionInfo(chain, m.memoryId)
  const inProgress = !!m.pendingConflictId && view.openConflicts.has(m.pendingConflictId) && isLive(m)
  const item: UserMemoryItem = {
    memoryId: m.memoryId,
    chainId: m.chainId,
    categories: m.categories,
    content: m.content,
    eventDateStart: m.eventDateStart ? new Date(m.eventDateStart) : null,
    eventDateEnd: m.eventDateEnd ? new Date(m.eventDateEnd) : null,
    createdAt: new Date(m.createdAt),
    expiredAt: m.expiredAt ? new Date(m.expiredAt) : null,
    expirationReason: m.expirationReason ?? null,
    sessionId: m.sessionId,
    sourceMessageIds: m.sourceMessageIds ?? [],
    versionNumber: v.versionNumber,
    totalVersions: v.totalVersions,
    hasPreviousVersions: v.hasPreviousVersions,
    mergeConflictInProgress: inProgress,
    mergeConflictId: inProgress ? m.pendingConflictId : m.mergeConflictId,
    byUser: m.byUser === true,
  }
  if (opts.previous) item.previousVersions = v.previous.map((p) => toItem(view, p, { previous: false, connected: false }))
  if (opts.connected) {
    item.connectedMemories = connectedChains(view.connections, m.chainId)
      .map((c) => view.chains.get(c)?.filter(isLive).pop())
      .filter((x): x is MemoryRecord => !!x)
      .map((x) => toItem(view, x, { previous: false, connected: false }))
  }
  return item
}

export async function listMemories(ctx: ClientContext, uid: string, options: ListMemoriesOptions = {}) {
  const { offset, limit } = validatePage(options, 20, 200)
  const metaFilter = optionalMetadataFilter(options.sessionMetadataFilter, 'sessionMetadataFilter')
  const categories = options.categories === undefined ? undefined : new Set(await knownCategories(ctx, options.categories))
  const sessionIds =
    options.sessionIdFilter === undefined ? undefined : new Set((Array.isArray(options.sessionIdFilter) ? options.sessionIdFilter : [options.sessionIdFilter]).map((s) => requireId(s, 'sessionIdFilter')))
  const view = await readMemoryView(ctx, uid)
  let sessionMeta: Map<string, JsonObject> | undefined
  if (metaFilter) {
    const sessions = await ctx.db.sessions.where('[uid+createdAt]').between([uid, Dexie.minKey], [uid, Dexie.maxKey]).toArray()
    sessionMeta = new Map(sessions.map((s) => [s.sessionId, s.metadata]))
  }
  const matching = liveVersions(view)
    .filter((m) => !categories || m.categories.some((c) => categories!.has(c)))
    .filter((m) => !sessionIds || (m.sessionId !== null && sessionIds.has(m.sessionId)))
    .filter((m) => !sessionMeta || (m.sessionId !== null && sessionMeta.has(m.sessionId) && metadataMatches(sessionMeta.get(m.sessionId), metaFilter)))
    .sort((a, b) => (a.createdAt === b.createdAt ? (a.memoryId < b.memoryId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1))
  const opts = { previous: options.includePreviousVersions ?? true, connected: options.includeConnectedMemories ?? true }
  const page = matching.slice(offset, offset + limit).map((m) => toItem(view, m, opts))
  return { items: page, total: matching.length, hasMore: offset + page.length < matching.length }
}

export async function getMemory(ctx: ClientContext, uid: string, memoryId: string, options: { includePreviousVersions?: boolean; includeConnectedMemories?: boolean } = {}) {
  const id = requireId(memoryId, 'memoryId')
  const m = await ctx.db.memories.get(id)
  if (!m || m.uid !== uid) throw new MemoryNotFoundError(id)
  const view = await readMemoryView(ctx, uid)
  return toItem(view, m, { previous: options.includePreviousVersions ?? true, connected: options.includeConnectedMemories ?? true })
}

/** What a deletion removed and changed, so that it can be put back (the app's "Undo"). */
export interface DeletedMemory {
  /** how many versions were deleted */
  readonly versions: number
  /**
   * Puts back what the deletion removed and changed, as it was. Refused (ValidationError) once the
   * memory has changed since, e.g. a new version was added to its chain or it was already restored.
   */
  restore(): Promise<void>
}

interface DeletionRecord {
  records: MemoryRecord[]
  patched: { memoryId: string; before: Partial<MemoryRecord>; after: Partial<MemoryRecord> }[]
  connections: ConnectionRecord[]
}

export async function deleteMemory(ctx: ClientContext, uid: string, userId: string, memoryId: string, options: { deletePreviousVersions?: boolean } = {}): Promise<DeletedMemory> {
  const id = requireId(memoryId, 'memoryId')
  const withHistory = options.deletePreviousVersions ?? false
  if (typeof withHistory !== 'boolean') throw new ValidationError('deletePreviousVersions must be true or false', 'deletePreviousVersions')
  let done: DeletionRecord = { records: [], patched: [], connections: [] }
  // also on a full disk (ReplicatedStore.deleting); the log is compacted after it, so the deleted
  // versions' words leave the disk
  const write = () =>
    writeUser(ctx, uid, userId, (user) => {
      const state = user.memories.state()
      const connections = user.connections.all()
      const ops = deleteVersion(state, id, withHistory, connections)
      const gone = new Set(ops.disconnect)
      done = {
        records: ops.remove.map((r) => state.get(r)!),
        patched: ops.patch.map((p) => {
          const cur = state.get(p.memoryId) as unknown as Record<string, unknown>
          // the fields a deletion patches are all nullable: a missing one was null
          const before = Object.fromEntries(Object.keys(p.fields).map((k) => [k, cur[k] ?? null])) as Partial<MemoryRecord>
          return { memoryId: p.memoryId, before, after: p.fields }
        }),
        connections: connections.filter((c) => gone.has(c.connectionId)),
      }
      user.applyOps(ops)
    })
  await ctx.store.deleting(write, [userDocName(uid)])
  const record = done
  return { versions: record.records.length, restore: () => restoreDeleted(ctx, uid, userId, record) }
}

function restoreDeleted(ctx: ClientContext, uid: string, userId: string, d: DeletionRecord): Promise<void> {
  return writeUser(ctx, uid, userId, (user) => {
    const changed = () => new ValidationError('The memory has changed since it was deleted: it cannot be restored', 'memoryId')
    if (d.records.some((r) => user.memories.has(r.memoryId))) throw changed()
    for (const p of d.patched) {
      const cur = user.memories.get(p.memoryId) as unknown as Record<string, unknown> | undefined
      if (!cur || Object.entries(p.after).some(([k, v]) => !jsonEqual(cur[k] ?? null, v ?? null))) throw changed()
    }
    const ops = emptyOps()
    ops.insert.push(...d.records.map((r) => ({ ...r })))
    ops.patch.push(...d.patched.map((p) => ({ memoryId: p.memoryId, fields: p.before })))
    ops.connect.push(...d.connections)
    user.applyOps(ops)
  })
}

/** Category names the space knows, once each; else ValidationError (not an array) or InvalidCategoriesError naming the others. */
async function knownCategories(ctx: ClientContext, value: unknown): Promise<string[]> {
  if (!Array.isArray(value)) throw new ValidationError('categories must be an array of category names', 'categories')
  const known = new Set((await readSettings(ctx.db)).categories.map((c) => c.name))
  const invalid = value.filter((c) => !known.has(c))
  if (invalid.length) throw new InvalidCategoriesError(invalid)
  return [...new Set(value as string[])]
}

function optionalDate(value: unknown, field: string, current: string | null): string | null {
  if (value === undefined) return current
  if (value === null) return null
  return parseZonedDate(value, field).toISOString()
}

/** The person's statement of a memory, checked as everything else is; `base` supplies what is left out. */
async function memoryText(ctx: ClientContext, input: unknown, base: MemoryRecord | null): Promise<MemoryText> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ValidationError('the memory must be an object { content, categories?, eventDateStart?, eventDateEnd? }', 'memory')
  const i = input as Record<string, unknown>
  const content = requireText(i.content, 'content', LIMITS.messageLength).trim()
  const categories = i.categories === undefined ? [...(base?.categories ?? [])] : await knownCategories(ctx, i.categories)
  const eventDateStart = optionalDate(i.eventDateStart, 'eventDateStart', base?.eventDateStart ?? null)
  const eventDateEnd = optionalDate(i.eventDateEnd, 'eventDateEnd', base?.eventDateEnd ?? null)
  if (eventDateStart && eventDateEnd && eventDateEnd < eventDateStart) throw new ValidationError('eventDateEnd is before eventDateStart', 'eventDateEnd')
  return { content, categories, eventDateStart, eventDateEnd }
}

function ruleContext(ctx: ClientContext, uid: string) {
  return { uid, sessionId: null, at: nowIso(ctx), newId: ctx.newId, conflictsEnabled: false, claimId: null }
}

/**
 * The person corrects a memory: the live version `memoryId` expires with USER_EDIT and the new text
 * becomes the next version of its chain. A memory held by an open question is settled there first.
 */
export async function updateMemory(ctx: ClientContext, uid: string, userId: string, memoryId: string, input: MemoryInput): Promise<UserMemoryItem> {
  const id = requireId(memoryId, 'memoryId')
  const current = await ctx.db.memories.get(id)
  if (!current || current.uid !== uid) throw new MemoryNotFoundError(id)
  const text = await memoryText(ctx, input, current)
  const newId = await writeUser(ctx, uid, userId, (user) => {
    const state = user.memories.state()
    const live = state.get(id)
    if (live?.pendingConflictId) {
      const open = user.conflicts.get(live.pendingConflictId)
      if (open && isOpenConflictStatus(open.status)) throw new ValidationError(`Memory ${id} is waiting for an answer to a contradiction: answer it before editing`, 'memoryId')
    }
    const ops = editVersion(state, id, text, ruleContext(ctx, uid))
    user.applyOps(ops)
    return ops.insert[0]?.memoryId ?? id
  })
  return getMemory(ctx, uid, newId)
}

/** A memory the person adds by hand: version 1 of its own chain, from no chat. */
export async function addMemory(ctx: ClientContext, uid: string, userId: string, input: MemoryInput): Promise<UserMemoryItem> {
  const text = await memoryText(ctx, input, null)
  const newId = await writeUser(ctx, uid, userId, (user) => {
    const ops = addedByHand(text, ruleContext(ctx, uid))
    user.applyOps(ops)
    return ops.insert[0].memoryId
  })
  return getMemory(ctx, uid, newId)
}

/** A request in the chat to forget something, and the live memories it is about (none deleted yet). */
export interface ForgetMatch {
  /** what is to be forgotten, as said ("I live in Paris") */
  subject: string
  memories: UserMemoryItem[]
}

/**
 * Whether `text` asks to forget something ("forget that I live in Paris", "forget everything about
 * my sister") and, if so, which live memories it is about. Deletes nothing: the app asks first.
 */
export async function matchForget(ctx: ClientContext, uid: string, text: unknown): Promise<ForgetMatch | null> {
  const request = parseForgetRequest(text)
  if (!request) return null
  const view = await readMemoryView(ctx, uid)
  const about = memoriesAbout(request, liveVersions(view)).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
  return { subject: request.subject, memories: about.map((m) => toItem(view, m, { previous: false, connected: false })) }
}
