import type { SessionRecord } from '../core/types'
import { withLastMessages } from '../store/activity'
import { writeUser, type ClientContext } from './context'
import { processSession } from './processSession'

/** How long another device waits past the due time before it processes a session it did not create. */
export const OTHER_DEVICE_GRACE_MS = 24 * 3600 * 1000

/**
 * A session idle for its autoProcessAfterSeconds: since its last message's timestamp and since a
 * message last arrived in it (`lastWriteMs`, the wall-clock time this client saw it, when it did).
 * Timestamps alone would make a session imported with past timestamps due at once, mid-import.
 * The device that created it processes it; another device only a day later (the first may be
 * offline for good), which keeps two devices from processing one session at once in the common case.
 */
export function isDue(s: SessionRecord, now: Date, deviceId?: string, lastWriteMs = 0): boolean {
  if (s.status !== 'pending' || !s.lastMessageAt || s.temporary) return false
  const grace = s.ownerDevice && deviceId && s.ownerDevice !== deviceId ? OTHER_DEVICE_GRACE_MS : 0
  const idleSince = Math.max(new Date(s.lastMessageAt).getTime(), lastWriteMs)
  return now.getTime() >= idleSince + s.autoProcessAfterSeconds * 1000 + grace
}

/** How long a claim on a session may stay 'processing' before it is taken as abandoned (a closed tab). */
export const STALE_CLAIM_MS = 10 * 60 * 1000

/**
 * Processes due sessions by itself while the client is open, and once at start (for sessions that
 * became due while the app was closed). The clock is the client's, so tests can move it.
 */
export class AutoProcessor {
  private timer: ReturnType<typeof setInterval> | undefined
  private running: Promise<number> | undefined
  /** when a message last arrived in a session while this client was open (wall clock, ms) */
  private readonly lastWrite = new Map<string, number>()

  constructor(
    private readonly ctx: ClientContext,
    private readonly userIdOf: (uid: string) => Promise<string | null>,
  ) {}

  start(intervalMs: number): void {
    this.stop()
    // (a background run that meets a closed database just ends: the client was closed under it)
    const run = () => void this.runOnce().catch(() => undefined)
    run()
    if (intervalMs > 0) this.timer = setInterval(run, intervalMs)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /** A message arrived in the session just now (from this tab, another tab or device): it is idle from now. */
  noteMessage(sessionId: string): void {
    this.lastWrite.set(sessionId, this.ctx.now().getTime())
  }

  /** Processes every due session once; returns how many were processed. Calls never overlap. */
  runOnce(): Promise<number> {
    if (!this.running) {
      this.running = this.scan().finally(() => {
        this.running = undefined
      })
    }
    return this.running
  }

  /** A session this device claimed long ago and never finished (its tab closed mid-way) goes back to pending. */
  private async releaseStaleClaims(now: Date): Promise<void> {
    const stuck = await this.ctx.db.sessions.where('status').equals('processing').toArray()
    for (const s of stuck) {
      if (s.processingBy !== this.ctx.deviceId || now.getTime() - new Date(s.updatedAt).getTime() < STALE_CLAIM_MS) continue
      const userId = await this.userIdOf(s.uid)
      if (!userId) continue
      await writeUser(this.ctx, s.uid, userId, (user) => {
        const m = user.sessions.require(s.sessionId)
        if (m.status === 'processing' && m.updatedAt === s.updatedAt) user.sessions.patch(s.sessionId, { status: 'pending' })
      }, { parts: [s.part], userDoc: false }).catch(() => undefined)
    }
  }

  private async scan(): Promise<number> {
    const now = this.ctx.now()
    let done = 0
    let pending: SessionRecord[]
    try {
      pending = await withLastMessages(this.ctx.db, await this.ctx.db.sessions.where('status').equals('pending').toArray())
    } catch {
      return 0 // the database was closed under us
    }
    await this.releaseStaleClaims(now).catch(() => undefined)
    pending.sort((a, b) => (a.lastMessageAt ?? '').localeCompare(b.lastMessageAt ?? ''))
    const stillPending = new Set(pending.map((s) => s.sessionId))
    // forget sessions no longer pending (processed, deleted), unless a message came after the read
    for (const [id, at] of this.lastWrite) if (!stillPending.has(id) && at < now.getTime()) this.lastWrite.delete(id)
    for (const s of pending) {
      if (!isDue(s, now, this.ctx.deviceId, this.lastWrite.get(s.sessionId))) continue
      const userId = await this.userIdOf(s.uid)
      if (!userId) continue
      try {
        await processSession(this.ctx, s.uid, userId, s.sessionId)
        done++
      } catch {
        // another tab or device claimed it first, or it was deleted: nothing to do
      }
    }
    return done
  }
}
