import 'fake-indexeddb/auto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import WebSocket from 'ws'
import { startSyncServer, type SyncServerHandle } from '../../src/server'
import type { SyncConfig } from '../../src/sync/SyncProvider'
import { HocuspocusTransport } from '../../src/sync/transport/hocuspocus'
import { transportContract } from '../support/transportContract'

/** The transport contract on the Hocuspocus transport, against the real sync server (SQLite in a temp dir). */
let server: SyncServerHandle
let dir: string
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keepsake-contract-'))
  server = await startSyncServer({ port: 0, host: '127.0.0.1', dataDir: dir, quiet: true })
})
afterAll(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

transportContract('hocuspocus', {
  async space() {
    const { spaceId, secret } = await server.createSpace()
    const config: SyncConfig = { url: server.url, spaceId, secret }
    return {
      transport: () => new HocuspocusTransport(config, { WebSocketPolyfill: WebSocket }),
      device() {
        return {
          options: { sync: config, WebSocketPolyfill: WebSocket },
          // offline: the device's connection goes; back: it connects again
          async setOnline(client, online) {
            if (online) await client.connectSync(config)
            else client.disconnectSync()
          },
        }
      },
    }
  },
})
