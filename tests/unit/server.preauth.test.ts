import { readFileSync } from 'node:fs'
import { HocuspocusProvider } from '@hocuspocus/provider'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { startSyncServer } from '../../src/server'
import { cleanups, connect, waitFor as waitUpTo, newSocket, spawnServer, startServer as start, tempDir } from './serverHarness'
import { bigSyncFrame, rawSocket } from './syncFrames'

/** waitFor with this file's default of 10 s. */
const waitFor = (check: () => boolean, timeoutMs = 10_000) => waitUpTo(check, timeoutMs)

/** The real server as a child process on a temp folder. */
const serverProcess = (args: string[]) => spawnServer(tempDir(), args)

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]
  return Number(kb) * 1024
}

const MB = 1024 * 1024

// ------------------------------------------------------------------ tests

describe('nothing unauthenticated is held', () => {
  it('large frames from sockets without a token: the sockets are dropped and the server memory stays bounded', async () => {
    const server = await serverProcess([])
    await new Promise((r) => setTimeout(r, 500))
    const before = rssBytes(server.child.pid!)
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(server.child.pid!))), 20)
    cleanups.push(() => clearInterval(sampler))

    // three strangers, each trying two 40 MB frames for a document they never authenticated
    const strangers = [0, 1, 2].map(() => rawSocket(server.url))
    await Promise.all(strangers.map((s) => s.opened()))
    const t0 = Date.now()
    for (const s of strangers) {
      s.ws.send(bigSyncFrame('AAAAAAAAAAAAAAAAAAAAAA/space', 40 * MB))
      s.ws.send(bigSyncFrame('AAAAAAAAAAAAAAAAAAAAAA/space', 40 * MB))
    }
    const closes = await Promise.all(strangers.map((s) => s.closed))
    const closedWithinMs = Math.max(...closes.map((c) => c.at)) - t0
    await new Promise((r) => setTimeout(r, 1000))
    clearInterval(sampler)
    const after = rssBytes(server.child.pid!)
    console.log(
      `[preauth] rss before ${(before / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB, after ${(after / MB).toFixed(1)} MB; 240 MB sent; all closed in ${closedWithinMs} ms`,
    )
    // queued by Hocuspocus, the frames would be 240 MB; the guard holds at most 128 KiB a socket
    expect(peak - before).toBeLessThan(40 * MB)
    expect(after - before).toBeLessThan(30 * MB)
    expect(closedWithinMs).toBeLessThan(5000)
    expect(server.output()).not.toMatch(/^\s+at /m)
  }, 60_000)

  it('closes an idle socket that authenticates nothing within the timeout', async () => {
    const server = await serverProcess(['--auth-timeout-ms', '400'])
    const idle = [0, 1, 2].map(() => rawSocket(server.url))
    await Promise.all(idle.map((s) => s.opened()))
    const t0 = Date.now()
    const closes = await Promise.all(idle.map((s) => s.closed))
    for (const c of closes) {
      expect(c.code).toBe(4408)
      expect(c.reason).toBe('auth-timeout')
      expect(c.at - t0).toBeLessThan(2000)
    }
    await waitFor(() => (server.output().match(/auth-timeout/g) ?? []).length === 3)
  }, 30_000)

  it('caps unauthenticated sockets per remote address and in total', async () => {
    const server = await serverProcess(['--max-unauthenticated-per-address', '3', '--max-unauthenticated-sockets', '5'])
    const fromOne = [0, 1, 2].map(() => rawSocket(server.url, '127.0.0.1'))
    await Promise.all(fromOne.map((s) => s.opened()))
    const fourth = rawSocket(server.url, '127.0.0.1')
    const refused = await fourth.closed
    expect(refused).toMatchObject({ code: 1013, reason: 'too-many-from-address' })

    const fromTwo = [0, 1].map(() => rawSocket(server.url, '127.0.0.2'))
    await Promise.all(fromTwo.map((s) => s.opened()))
    const sixth = rawSocket(server.url, '127.0.0.3')
    expect(await sixth.closed).toMatchObject({ code: 1013, reason: 'too-many-unauthenticated' })

    // the ones admitted are still open, and a slot frees when one of them goes
    for (const s of [...fromOne, ...fromTwo]) expect(s.ws.readyState).toBe(WebSocket.OPEN)
    fromOne[0].ws.close()
    await fromOne[0].closed
    await new Promise((r) => setTimeout(r, 100))
    const again = rawSocket(server.url, '127.0.0.1')
    await again.opened()
    await new Promise((r) => setTimeout(r, 300))
    expect(again.ws.readyState).toBe(WebSocket.OPEN)
  }, 30_000)
})

// ------------------------------------------------------------------ the good path (in process)

describe('a legitimate device is not affected', () => {
  it('authenticates and syncs several documents on one multiplexed socket, with short pre-auth limits', async () => {
    const server = await start({ limits: { authTimeoutMs: 1000, maxPreAuthBytes: 16 * 1024, maxUnauthenticatedPerAddress: 2 } })
    const space = await server.createSpace()
    const socket = newSocket(server.url)
    const names = ['space', 'user/u1', 'user/u1/2025-01', 'user/u1/2025-02', 'user/u2', 'user/u2/2025-01']
    const clients = names.map((n) => connect(server.url, `${space.spaceId}/${n}`, space.token, socket))
    for (const c of clients) expect(await c.outcome).toEqual({ ok: true })
    clients.forEach((c, i) => c.doc.getMap('m').set('name', names[i]))
    await waitFor(() => clients.every((c) => !c.provider.hasUnsyncedChanges))
    // past the auth timeout the socket is still open and working
    await new Promise((r) => setTimeout(r, 1500))
    clients[0].doc.getMap('m').set('later', 'yes')
    await waitFor(() => !clients[0].provider.hasUnsyncedChanges)

    const reader = connect(server.url, `${space.spaceId}/user/u2/2025-01`, space.token)
    expect(await reader.outcome).toEqual({ ok: true })
    expect(reader.doc.getMap('m').toJSON()).toEqual({ name: 'user/u2/2025-01' })
  }, 30_000)

  it('keeps the messages sent after auth while a large document is still loading', async () => {
    const dataDir = tempDir()
    const first = await startSyncServer({ port: 0, dataDir, quiet: true })
    const space = await first.createSpace()
    const name = `${space.spaceId}/user/u1`
    const big = new Y.Doc()
    big.transact(() => {
      const m = big.getMap('messages')
      for (let i = 0; i < 40_000; i++) m.set(`k${i}`, `an ordinary sentence someone might type into a chat ${i}`)
    })
    const writer = connect(first.url, name, space.token, newSocket(first.url), { doc: big })
    expect(await writer.outcome).toEqual({ ok: true })
    await waitFor(() => !writer.provider.hasUnsyncedChanges, 30_000)
    writer.provider.destroy()
    await first.stop()

    const server = await start({ dataDir })
    const doc = new Y.Doc()
    const socket = newSocket(server.url)
    const p = new HocuspocusProvider({ websocketProvider: socket, name, token: space.token, document: doc })
    cleanups.push(() => p.destroy())
    let wroteBeforeSync = false
    p.on('authenticated', () => {
      // the document is being loaded now: this update is queued by Hocuspocus, not dropped
      wroteBeforeSync = !p.synced
      doc.getMap('m').set('during', 'load')
    })
    p.attach()
    await waitFor(() => p.synced, 30_000)
    expect(wroteBeforeSync).toBe(true)
    // every update is acknowledged by the server (a dropped one never would be)
    await waitFor(() => !p.hasUnsyncedChanges, 10_000)
    expect(doc.getMap('messages').size).toBe(40_000)

    const reader = connect(server.url, name, space.token)
    expect(await reader.outcome).toEqual({ ok: true })
    expect(reader.doc.getMap('m').toJSON()).toEqual({ during: 'load' })
  }, 60_000)
})
