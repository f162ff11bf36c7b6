import Dexie from 'dexie'
import { MergeConflictNotFoundError, ValidationError } from '../core/errors'
import type { ClarifyingQuestion, ConflictAnswer, ConflictRecord, ConflictingMemory, MergeConflictStatus } from '../core/types'
import { requireId, validatePage } from '../core/validation'
import type { ClientContext } from '../pipeline/context'
import { resolveConflict } from '../pipeline/resolveConflict'
import { MERGE_CONFLICT_STATUSES } from '../core/types'

/** A handle on one merge conflict. Fields are a snapshot; `refresh()` reads them again. */
export class MergeConflict {
  conflictId!: string
  userId: string
  sessionId!: string | null
  status!: MergeConflictStatus
  proposedMemoryContent!: string
  conflictingMemories!: ConflictingMemory[]
  clarifyingQuestions!: ClarifyingQuestion[]
  resolutionData!: { answers: ConflictAnswer[] } | null
  newMemories!: string[]
  createdAt!: Date
  resolvedAt!: Date | null
  error!: string | null
  /** 'pipeline': raised while processing a session; 'sync': two devices changed one memory apart */
  origin!: 'pipeline' | 'sync'

  /** @internal */
  readonly uid: string

  /** @internal */
  constructor(
    private readonly ctx: ClientContext,
    record: ConflictRecord,
    userId: string,
  ) {
    this.uid = record.uid
    this.userId = userId
    this.assign(record)
  }

  private assign(r: ConflictRecord): void {
    this.conflictId = r.conflictId
    this.sessionId = r.sessionId
    this.status = r.status
    this.proposedMemoryContent = r.proposedMemoryContent
    this.conflictingMemories = r.conflictingMemories
    this.clarifyingQuestions = r.clarifyingQuestions
    this.resolutionData = r.resolutionData
    this.newMemories = r.newMemories ?? []
    this.createdAt = new Date(r.createdAt)
    this.resolvedAt = r.resolvedAt ? new Date(r.resolvedAt) : null
    this.error = r.error ?? null
    this.origin = r.origin ?? 'pipeline'
  }

  async refresh(): Promise<this> {
    const r = await this.ctx.db.conflicts.get(this.conflictId)
    if (!r || r.uid !== this.uid) throw new MergeConflictNotFoundError(this.conflictId)
    this.assign(r)
    return this
  }

  /**
   * Settles the conflict. Every question must be answered with one of its options; the optional
   * `message` adds the person's own words. Resolves once the conflict is RESOLVED.
   */
  async resolve(answers: ConflictAnswer[]): Promise<this> {
    await resolveConflict(this.ctx, this.uid, this.userId, this.conflictId, answers)
    return this.refresh()
  }
}

export interface ListMergeConflictsOptions {
  offset?: number
  limit?: number
  status?: MergeConflictStatus
  sortBy?: 'createdAt' | 'resolvedAt'
  sortOrder?: 'asc' | 'desc'
}

export async function listMergeConflicts(ctx: ClientContext, uid: string, userId: string, options: ListMergeConflictsOptions = {}) {
  const { offset, limit } = validatePage(options, 10, 100)
  if (options.status !== undefined && !MERGE_CONFLICT_STATUSES.includes(options.status)) {
    throw new ValidationError(`status must be one of ${MERGE_CONFLICT_STATUSES.join(', ')}`, 'status')
  }
  const sortBy = options.sortBy ?? 'createdAt'
  if (sortBy !== 'createdAt' && sortBy !== 'resolvedAt') throw new ValidationError("sortBy must be 'createdAt' or 'resolvedAt'", 'sortBy')
  const order = options.sortOrder ?? 'desc'
  if (order !== 'asc' && order !== 'desc') throw new ValidationError("sortOrder must be 'asc' or 'desc'", 'sortOrder')
  const rows = (await ctx.db.conflicts.where('[uid+createdAt]').between([uid, Dexie.minKey], [uid, Dexie.maxKey]).toArray()).filter(
    (c) => !options.status || c.status === options.status,
  )
  const key = (c: ConflictRecord) => (sortBy === 'createdAt' ? c.createdAt : c.resolvedAt ?? '')
  rows.sort((a, b) => {
    const d = key(a) === key(b) ? (a.conflictId < b.conflictId ? -1 : 1) : key(a) < key(b) ? -1 : 1
    return order === 'asc' ? d : -d
  })
  const page = rows.slice(offset, offset + limit)
  return { conflicts: page.map((r) => new MergeConflict(ctx, r, userId)), total: rows.length, hasMore: offset + page.length < rows.length }
}

export async function getMergeConflict(ctx: ClientContext, uid: string, userId: string, conflictId: string): Promise<MergeConflict> {
  const id = requireId(conflictId, 'conflictId')
  const r = await ctx.db.conflicts.get(id)
  if (!r || r.uid !== uid) throw new MergeConflictNotFoundError(id)
  return new MergeConflict(ctx, r, userId)
}
