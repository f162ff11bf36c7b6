import 'fake-indexeddb/auto'
import { MemoryHub } from '../../src/sync/transport/memory'
import { transportContract } from '../support/transportContract'

/** The transport contract on the in-process transport (the one the sync fuzz runs over). */
transportContract('memory', {
  async space() {
    const hub = new MemoryHub()
    return {
      transport: () => hub.connect(),
      device() {
        const transport = hub.connect()
        return {
          options: { syncTransport: () => transport },
          setOnline: async (_client, online) => transport.setOnline(online),
        }
      },
    }
  },
})
