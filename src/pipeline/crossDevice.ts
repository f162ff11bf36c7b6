import Dexie from 'dexie'
import { groupChains, isLive } from '../core/chains'
import { isOpenConflictStatus, type MemoryRecord } from '../core/types'
import { applyOpsToState, emptyOps, mergeOps, splitChainOps, type MemoryOps } from '../core/versions'
import type { UserView } from '../sync/schema/views'
import { writeUser, type ClientContext } from './context'

/**
 * Rules for what two devices can do to one user's memories while apart. Both are deterministic
 * functions of the merged document, so every device computes the same repair and the repairs of two
 * devices merge into the same result.
 *
 * 1. A session is processed by one device: processing writes a claim (`claimId`) on the session and
 *    tags what it writes with it. If two devices processed the same session apart, the claim the
 *    merged session keeps (Yjs's last-writer-wins, the same on every device) wins: the other claim's
 *    versions and conflicts are removed, and versions it expired come back where their chain was left
 *    without a live version.
 * 2. A version deleted on one device while another device linked to it leaves a dangling link: the
 *    chain is relinked in version order, and connections to chains that are gone are removed.
 * 3. Two devices that each added a version to one chain leave two live heads: that becomes one
 *    MergeConflict (a stable id derived from the heads) asking which version is right.
 */
export function reconcileOps(user: UserView, uid: string): MemoryOps {
  const state = user.memories.state()
  const ops = emptyOps()
  const winnerOf = (sessionId: string | null) => (sessionId ? user.sessions.get(sessionId)?.claimId : undefined) ?? null
  const losing = (claimId: string | null | undefined, sessionId: string | null) => {
    if (!claimId) return false
    const w = winnerOf(sessionId)
    return !!w && w !== claimId
  }

  // 1. losing processing claims
  const lost = [...state.values()].filter((m) => losing(m.claimId, m.sessionId))
  const lostClaims = new Set(lost.map((m) => m.claimId!))
  if (lost.length) ops.remove.push(...lost.map((m) => m.memoryId))
  const lostConflicts: string[] = []
  for (const c of user.conflicts.all()) if (losing(c.claimId, c.sessionId)) lostConflicts.push(c.conflictId)
  applyOpsToState(state, ops)
  for (const chain of groupChains(state.values()).values()) {
    if (chain.some(isLive)) continue
    const last = chain[chain.length - 1]
    const expiredByLoser = last.expiredByClaim && (lostClaims.has(last.expiredByClaim) || losing(last.expiredByClaim, sessionOfClaim(state, last.expiredByClaim, user)))
    if (expiredByLoser) {
      const restore = { memoryId: last.memoryId, fields: { expiredAt: null, expirationReason: null, mergeConflictId: null, expiredByClaim: null } as Partial<MemoryRecord> }
      ops.patch.push(restore)
      applyOpsToState(state, { ...emptyOps(), patch: [restore] })
    }
  }
  ops.dropConflicts.push(...lostConflicts)

  // 2. links left dangling by deletes on one device and additions on another
  const chains = groupChains(state.values())
  for (const chain of chains.values()) {
    chain.forEach((m, i) => {
      if (m.prevVersionId && !state.has(m.prevVersionId)) {
        ops.patch.push({ memoryId: m.memoryId, fields: { prevVersionId: i > 0 ? chain[i - 1].memoryId : null } })
      }
    })
  }
  for (const c of user.connections.all()) if (!chains.has(c.chainA) || !chains.has(c.chainB)) ops.disconnect.push(c.connectionId)

  // 3. chains with two or more live heads and no open conflict about them
  for (const chain of groupChains(state.values()).values()) {
    const heads = chain.filter(isLive)
    if (heads.length < 2) continue
    const held = heads.every((h) => h.pendingConflictId && isOpen(user, h.pendingConflictId))
    if (held) continue
    mergeOps(ops, splitChainOps(uid, heads))
  }
  return ops
}

/** The session whose claim this is, found from any version that claim wrote. */
function sessionOfClaim(state: Map<string, MemoryRecord>, claimId: string, user: UserView): string | null {
  for (const m of state.values()) if (m.claimId === claimId) return m.sessionId
  return user.sessions.all().find((s) => s.claimId === claimId)?.sessionId ?? null
}

function isOpen(user: UserView, id: string): boolean {
  const c = user.conflicts.get(id)
  return !!c && isOpenConflictStatus(c.status)
}

function hasWork(ops: MemoryOps): boolean {
  return Object.values(ops).some((list: unknown[]) => list.length > 0)
}

/**
 * The history parts rule 1 has to read: those holding a session whose claim differs from a claim
 * that memory versions or conflicts carry (a race between devices), or whose claim expired a
 * version. Read from the projection, which mirrors the parts; every other session's claim agrees
 * with what it wrote, so its part need not be loaded (a session not loaded counts as no loser).
 */
async function partsToReconcile(ctx: ClientContext, uid: string): Promise<(string | undefined)[]> {
  const range = [
    [uid, Dexie.minKey],
    [uid, Dexie.maxKey],
  ] as const
  const [sessions, memories, conflicts] = await Promise.all([
    ctx.db.sessions.where('[uid+createdAt]').between(...range, true, true).toArray(),
    ctx.db.memories.where('[uid+createdAt]').between(...range, true, true).toArray(),
    ctx.db.conflicts.where('[uid+createdAt]').between(...range, true, true).toArray(),
  ])
  const byId = new Map(sessions.map((s) => [s.sessionId, s]))
  const byClaim = new Map(sessions.filter((s) => s.claimId).map((s) => [s.claimId!, s]))
  const parts = new Set<string | undefined>()
  const claimed = (claimId: string | null | undefined, sessionId: string | null | undefined) => {
    const s = sessionId ? byId.get(sessionId) : undefined
    if (claimId && s && s.claimId !== claimId) parts.add(s.part)
  }
  for (const m of memories) {
    claimed(m.claimId, m.sessionId)
    const expiredBy = m.expiredByClaim ? byClaim.get(m.expiredByClaim) : undefined
    if (expiredBy) parts.add(expiredBy.part)
  }
  for (const c of conflicts) claimed(c.claimId, c.sessionId)
  return [...parts]
}

/** Applies the cross-device rules to a user's document, writing only when something is off. */
export async function reconcileUser(ctx: ClientContext, uid: string, userId: string): Promise<boolean> {
  const parts = await partsToReconcile(ctx, uid)
  return writeUser(
    ctx,
    uid,
    userId,
    (user) => {
      const ops = reconcileOps(user, uid)
      if (!hasWork(ops)) return false
      user.applyOps(ops)
      return true
    },
    { parts },
  )
}
