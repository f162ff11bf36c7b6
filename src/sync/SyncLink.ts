import type { ReplicatedStore } from './ReplicatedStore'
import { SyncProvider, type SyncStatus } from './SyncProvider'
import type { SyncTransport } from './transport/types'

export interface SyncLinkOptions {
  onStatus(s: SyncStatus): void
  /** where the transport syncs to, for the status shown before the leading tab reports */
  url?: string
  spaceId?: string
}

/**
 * One tab per database talks to the server: the tab that holds the Web Lock
 * `keepsake-sync:<dbName>`. The other tabs write to the shared IndexedDB log; the leader's store
 * catches up from it (ReplicatedStore.refresh on their broadcast) and its providers send the changes
 * on. Followers show the leader's status, relayed over a BroadcastChannel. Where Web Locks are
 * missing (Node), the link leads at once.
 */
export class SyncLink {
  private provider: SyncProvider | undefined
  private release: (() => void) | undefined
  private readonly abort = new AbortController()
  private readonly channel: BroadcastChannel | null
  private stopped = false
  private readonly where: { url?: string; spaceId?: string }

  constructor(
    private readonly store: ReplicatedStore,
    /** Makes the transport of the leading tab (Hocuspocus, or the in-process one of the tests). */
    private readonly makeTransport: () => SyncTransport,
    private readonly options: SyncLinkOptions,
  ) {
    this.where = { url: options.url, spaceId: options.spaceId }
    const name = `keepsake-sync:${store.db.name}`
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(name)
    if (this.channel) {
      this.channel.onmessage = (e: MessageEvent<SyncStatus>) => {
        if (!this.provider && !this.stopped) this.options.onStatus({ ...e.data, lastSyncedAt: e.data.lastSyncedAt ? new Date(e.data.lastSyncedAt) : undefined })
      }
    }
  }

  /** Starts leading when the lock is free, else follows; resolves once that is settled. */
  async start(): Promise<void> {
    const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined
    if (!locks) return this.lead()
    this.options.onStatus({ state: 'connecting', pendingChanges: 0, ...this.where })
    let settled!: () => void
    const ready = new Promise<void>((r) => (settled = r))
    const name = `keepsake-sync:${this.store.db.name}`
    locks
      .request(name, { ifAvailable: true }, async (lock) => {
        if (!lock) {
          settled()
          // Another tab leads: wait for the lock in the background, take over when that tab closes.
          await locks
            .request(name, { signal: this.abort.signal }, () => this.holdWhileLeading())
            .catch(() => undefined)
          return
        }
        await this.holdWhileLeading(settled)
      })
      .catch(() => settled())
    await ready
  }

  private async holdWhileLeading(onStarted?: () => void): Promise<void> {
    if (this.stopped) return onStarted?.()
    await this.lead()
    onStarted?.()
    await new Promise<void>((r) => (this.release = r))
  }

  private async lead(): Promise<void> {
    const provider = new SyncProvider(this.store, this.makeTransport())
    this.provider = provider
    provider.subscribe((s) => {
      this.options.onStatus(s)
      try {
        this.channel?.postMessage(s)
      } catch {
        /* closed */
      }
    })
    // Catch up with whatever other tabs wrote before this one took the lead.
    await this.store.refresh()
    await provider.start()
  }

  whenSynced(timeoutMs?: number): Promise<void> {
    if (this.provider) return this.provider.whenSynced(timeoutMs)
    return Promise.resolve() // a follower: the leading tab syncs this database
  }

  stop(): void {
    this.stopped = true
    this.abort.abort()
    this.provider?.stop()
    this.provider = undefined
    this.release?.()
    this.channel?.close()
  }
}
