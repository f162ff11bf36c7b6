/**
 * Open registration of self-certifying spaces: a server that has never seen a space registers it
 * on its first connection only when the presented token proves the id (spaceId = the first 16
 * bytes of SHA-256('keepsake-space-id/v2:' + token), see src/core/spaceToken.ts), within a total
 * cap and a rate limit. Finding a token for a given id is a SHA-256 preimage (2^128 work), so a
 * party that knows only the id, or the token of another space, cannot register it first; a party
 * that has seen the space's own token can only register that same token, which locks nobody out.
 * Nothing secret is kept or logged: the registry stores hashToken(token) as for any space.
 */
import { hashToken, spaceIdOfToken, type SyncRejectCode } from '../core/spaceToken'
import type { SyncLimits } from './limits'
import type { ServerLog } from './log'
import { sameHash, type SpaceRegistry } from './SpaceRegistry'

export type RegistrationOutcome = { ok: true; tokenHash: string } | { ok: false; code: SyncRejectCode; explanation: string }

const WINDOW_MS = 60_000

type Limits = Pick<SyncLimits, 'maxOpenSpaces' | 'registrationsPerMinutePerAddress' | 'registrationsPerMinute'>

export class OpenRegistration {
  /** Registrations in the last minute: all of them, and per remote address (only addresses that registered). */
  private readonly recent: number[] = []
  private readonly recentByAddress = new Map<string, number[]>()
  private firstUseCount = 0
  /** Set once the registry's count of first-use spaces was read into firstUseCount. */
  private counted: Promise<void> | undefined
  /** One registration per space at a time: a new device opens several documents at once. */
  private readonly inFlight = new Map<string, Promise<RegistrationOutcome>>()

  constructor(
    private readonly registry: SpaceRegistry,
    private readonly limits: Limits,
    private readonly log: ServerLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** For a space the registry does not know: registers it if the token proves its id and the limits allow. */
  async register(spaceId: string, token: string, remoteAddress: string | undefined): Promise<RegistrationOutcome> {
    const proven = await spaceIdOfToken(token)
    if (!proven || !sameHash(proven, spaceId)) {
      return {
        ok: false,
        code: 'unproven-space',
        explanation:
          `space ${spaceId} is not registered here and its id is not derived from the token presented, ` +
          'so this server cannot tell it is yours (a space created by an older Keepsake: start sync again ' +
          'to create a new space, or ask the server\'s owner to register it with --register-link)',
      }
    }
    let pending = this.inFlight.get(spaceId)
    if (!pending) {
      pending = this.registerProven(spaceId, token, remoteAddress ?? 'unknown').finally(() => this.inFlight.delete(spaceId))
      this.inFlight.set(spaceId, pending)
    }
    return pending
  }

  private async registerProven(spaceId: string, token: string, address: string): Promise<RegistrationOutcome> {
    const tokenHash = await hashToken(token)
    const known = await this.registry.getTokenHash(spaceId)
    if (known) return { ok: true, tokenHash: known }
    await (this.counted ??= this.registry.countSpaces('first-use').then(
      (n) => void (this.firstUseCount = n),
      (error: unknown) => {
        this.counted = undefined
        throw error
      },
    ))

    // From the checks to the reservation nothing is awaited: registrations that arrive together
    // (a flood on one socket) cannot all pass the checks before any of them counts.
    if (this.firstUseCount >= this.limits.maxOpenSpaces) {
      return {
        ok: false,
        code: 'too-many-spaces',
        explanation: `this server already registered ${this.limits.maxOpenSpaces} new spaces, its limit (maxOpenSpaces)`,
      }
    }
    const now = this.now()
    const forAddress = prune(this.recentByAddress.get(address) ?? [], now)
    prune(this.recent, now)
    for (const [other, times] of this.recentByAddress) if (prune(times, now).length === 0) this.recentByAddress.delete(other)
    const full =
      forAddress.length >= this.limits.registrationsPerMinutePerAddress
        ? { times: forAddress, limit: this.limits.registrationsPerMinutePerAddress, what: 'from this address' }
        : this.recent.length >= this.limits.registrationsPerMinute
          ? { times: this.recent, limit: this.limits.registrationsPerMinute, what: 'in all' }
          : null
    if (full) {
      const waitS = Math.max(1, Math.ceil((full.times[0] + WINDOW_MS - now) / 1000))
      return {
        ok: false,
        code: 'registration-rate-limited',
        explanation: `${full.limit} new spaces a minute ${full.what} is this server's limit; try again in ${waitS} s`,
      }
    }
    this.firstUseCount++
    this.recent.push(now)
    forAddress.push(now)
    this.recentByAddress.set(address, forAddress)
    const release = () => {
      this.firstUseCount--
      removeOne(this.recent, now)
      removeOne(forAddress, now)
    }

    let inserted: boolean
    try {
      inserted = await this.registry.insertIfAbsent(spaceId, tokenHash, 'first-use')
    } catch (error) {
      release()
      throw error
    }
    if (!inserted) release() // registered meanwhile by another way (the CLI, another instance)
    const stored = await this.registry.getTokenHash(spaceId)
    if (!stored) throw new Error(`Space ${spaceId} was not registered`)
    if (inserted) {
      this.log('info', 'space-registered', 'registered space {spaceId:text} on first use (from {address}; {count} of {max})', {
        spaceId,
        address,
        count: this.firstUseCount,
        max: this.limits.maxOpenSpaces,
      })
    }
    return { ok: true, tokenHash: stored }
  }
}

function removeOne(times: number[], t: number): void {
  const i = times.lastIndexOf(t)
  if (i >= 0) times.splice(i, 1)
}

/** Drops the times older than the window (in place; the list is in time order). */
function prune(times: number[], now: number): number[] {
  let drop = 0
  while (drop < times.length && times[drop] <= now - WINDOW_MS) drop++
  if (drop) times.splice(0, drop)
  return times
}
