/**
 * Through the public API: once `whenSynced()` resolves, what the device wrote is on the server's
 * disk. The server (a child process) is killed with SIGKILL right after, the writing device is gone,
 * and a new device finds everything after the restart.
 */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { MemoryClient } from '../../src/index'
import { cleanups, createSpaceIn, spawnServer, tempDir } from './serverHarness'

describe('whenSynced means on the server disk', () => {
  it('a new device has every message the old one saw synced, after a kill -9 of the server', async () => {
    const dataDir = tempDir()
    const { spaceId, secret } = await createSpaceIn(dataDir)
    const server = await spawnServer(dataDir)
    const open = (dbName: string, url: string) =>
      MemoryClient.open({ dbName, autoProcess: false, sync: { url, spaceId, secret }, WebSocketPolyfill: WebSocket })

    const phone = await open('durable-phone', server.url)
    cleanups.push(() => phone.close())
    const user = await phone.createUser('marie', { name: 'Marie' })
    const session = await user.createSession()
    for (let i = 0; i < 20; i++) await session.addMessage('user', `note ${i}: the tram to work was late again`)
    await phone.whenSynced(30_000)
    expect(phone.syncStatus).toMatchObject({ state: 'synced', pendingChanges: 0 })
    // at once: the old server stored documents 2 s after the last change
    server.child.kill('SIGKILL')
    await server.exited
    await phone.close() // the phone is lost

    const again = await spawnServer(dataDir)
    const laptop = await open('durable-laptop', again.url)
    cleanups.push(() => laptop.close())
    await laptop.whenSynced(30_000)
    const marie = await laptop.getUser('marie')
    expect(marie.name).toBe('Marie')
    const { messages } = await marie.getLastNMessages(50)
    expect(messages.map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, i) => `note ${i}: the tram to work was late again`))
  }, 150_000)
})
