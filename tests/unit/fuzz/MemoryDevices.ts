import { MemoryClient, type MemoryClientOptions } from '../../../src/index'
import { MemoryHub, type MemoryTransport } from '../../../src/sync/transport/memory'
import type { RandomSource } from './RandomSource'
import { internals } from '../../support/internals'

/**
 * Devices syncing through the in-process transport (src/sync/transport/memory.ts) with the real
 * sync driver and its directory rules. Delivery is manual: the test moves messages in a random
 * order (deliverSome), takes devices offline (what is on its way is lost) and settles at the end.
 */
export class MemoryDevices {
  readonly hub: MemoryHub
  readonly clients: MemoryClient[] = []
  readonly transports: MemoryTransport[] = []

  constructor(rng: RandomSource) {
    this.hub = new MemoryHub({ delivery: 'manual', pick: (n) => rng.int(n) })
  }

  async add(options: MemoryClientOptions): Promise<MemoryClient> {
    const transport = this.hub.connect(options.dbName)
    const client = await MemoryClient.open({ ...options, syncTransport: () => transport })
    this.clients.push(client)
    this.transports.push(transport)
    return client
  }

  setOnline(i: number, online: boolean): void {
    this.transports[i].setOnline(online)
  }

  isOnline(i: number): boolean {
    return this.transports[i].isOnline()
  }

  /**
   * Moves up to `n` messages, each from a connection picked at random, then waits until the stores
   * have stored and projected what arrived (so the next operation reads the same rows in every
   * replay of a seed).
   */
  async deliverSome(n: number): Promise<void> {
    this.hub.deliverSome(n)
    for (const c of this.clients) await internals(c).store.flush()
  }

  /** Everyone online and every message delivered, until every device is synced with every user attached. */
  async settle(): Promise<void> {
    for (let i = 0; i < this.transports.length; i++) this.setOnline(i, true)
    this.hub.setDelivery('auto')
    try {
      // (a device may write again meanwhile: a repair scheduled by what arrived)
      for (let round = 0, quiet = 0; quiet < 2; round++) {
        if (round === 20) throw new Error('the devices do not settle')
        for (const c of this.clients) await c.whenSynced(20_000)
        for (const c of this.clients) await internals(c).store.flush()
        quiet = this.hub.idle() ? quiet + 1 : 0
      }
    } finally {
      this.hub.setDelivery('manual')
    }
  }

  /** Names of every document a device or the hub holds. */
  async docNames(): Promise<Set<string>> {
    const names = new Set(this.hub.documentNames())
    for (const c of this.clients) for (const n of await internals(c).store.storedDocNames()) names.add(n)
    return names
  }
}
